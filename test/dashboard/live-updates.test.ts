// Issue 18: after logout or session expiry the socket.io connection kept streaming telemetry
// and work orders. A live connection now ends with its session, and the client hears why.
import type { MqttClient } from 'mqtt';
import { io as ioClient, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topics } from '../../core/topics.ts';
import { SESSION_COOKIE } from '../../dashboard/plugins/auth.ts';
import { connectDevice, eventually, loginAs, startTestPurna, type TestPurna } from '../support/purna.ts';

let purna: TestPurna;
let device: MqttClient;
const deviceId = 'pump-live-0001';
let temperature = 50;
const publish = () =>
  device.publishAsync(topics.telemetry(deviceId), JSON.stringify({ values: { temperature: temperature++ } }), {
    qos: 1,
  });

beforeAll(async () => {
  purna = await startTestPurna();
  device = await connectDevice(purna.mqttUrl, deviceId);
});
afterAll(async () => {
  await device?.endAsync();
  await purna?.destroy();
});

/** A socket.io client as the browser's, recording everything it hears. */
async function liveClient(cookie: string) {
  const heard: { event: string; args: unknown[]; atMs: number }[] = [];
  const socket: Socket = ioClient(purna.dashboardUrl, {
    transports: ['websocket'],
    extraHeaders: { cookie },
    reconnectionDelay: 100,
    reconnectionDelayMax: 200,
  });
  socket.onAny((event, ...args) => heard.push({ event, args, atMs: Date.now() }));
  let disconnect: { reason: string; atMs: number } | null = null;
  socket.on('disconnect', (reason) => (disconnect = { reason, atMs: Date.now() }));
  await new Promise<void>((resolve, reject) => {
    socket.once('snapshot', () => resolve());
    socket.once('connect_error', reject);
  });
  return {
    socket,
    heard,
    disconnected: () => disconnect,
    deltas: () => heard.filter((h) => h.event === 'delta').length,
  };
}

/** Publishes until `client` has a delta (so the connection is really streaming), bounded. */
async function streaming(client: Awaited<ReturnType<typeof liveClient>>) {
  const before = client.deltas();
  await eventually(
    async () => {
      await publish();
      return client.deltas() > before;
    },
    10_000,
    300,
  );
}

describe('a live connection ends with its session', () => {
  it("logout closes that session's connections within a second, says why, and nothing more arrives", async () => {
    const cookie = await loginAs(purna, 'planner');
    const other = await loginAs(purna, 'planner'); // the same user signed in elsewhere: a second session
    const mine = await liveClient(cookie);
    const theirs = await liveClient(other);
    await streaming(mine);

    const loggedOutAt = Date.now();
    expect((await fetch(`${purna.dashboardUrl}api/auth/logout`, { method: 'POST', headers: { cookie } })).status).toBe(
      200,
    );
    await eventually(() => mine.disconnected() !== null, 5000, 20);
    expect(mine.disconnected()!.reason).toBe('io server disconnect'); // the client does not reconnect
    expect(mine.disconnected()!.atMs - loggedOutAt).toBeLessThan(1000);
    expect(mine.heard.filter((h) => h.event === 'session-ended').map((h) => h.args[0])).toEqual([
      { reason: 'session ended' },
    ]);

    // Telemetry goes on: the other session still streams, the ended one hears nothing more.
    const heardAtLogout = mine.heard.length;
    await streaming(theirs);
    await streaming(theirs);
    expect(mine.heard.length).toBe(heardAtLogout);
    expect(mine.socket.connected).toBe(false);
    expect(theirs.disconnected()).toBeNull();

    // Reconnecting with the ended session's cookie is refused.
    mine.socket.connect();
    const refused = await new Promise<Error>((resolve) => mine.socket.once('connect_error', resolve));
    expect(refused.message).toBe('login required');
    mine.socket.close();
    theirs.socket.close();
  });

  it('a session that expires closes its connection at the expiry, saying so', async () => {
    await loginAs(purna, 'planner'); // creates the user
    const user = purna.users.byEmail('planner@test.purna')!;
    const ttlMs = 1500;
    const token = purna.users.createSession(user.id, ttlMs);
    const expiresAt = Date.now() + ttlMs;
    const client = await liveClient(`${SESSION_COOKIE}=${token}`);
    await streaming(client);

    await eventually(() => client.disconnected() !== null, ttlMs + 5000, 20);
    const closed = client.disconnected()!;
    expect(closed.reason).toBe('io server disconnect');
    expect(closed.atMs).toBeGreaterThanOrEqual(expiresAt - 50); // not before the session's end (clock granularity)
    expect(client.heard.filter((h) => h.event === 'session-ended').map((h) => h.args[0])).toEqual([
      { reason: 'session expired' },
    ]);
    const heardAtExpiry = client.heard.length;
    await publish();
    await new Promise((r) => setTimeout(r, 600)); // two delta frames
    expect(client.heard.length).toBe(heardAtExpiry);
    client.socket.close();
  });
});
