// Live updates across workers (issue 20, item 3): two Purna processes sharing one PostgreSQL
// (DATABASE_URL). A device publishes to worker A only; a browser-side socket.io client connected
// to worker B sees it, with A's verdict, in its first snapshot, hears A's live changes, and sees
// a work order opened on A arrive.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { io as ioClient, type Socket } from 'socket.io-client';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topics } from '../../core/topics.ts';
import type { DeviceSummary } from '../../dashboard/fleet-view.ts';
import type { WorkOrder } from '../../core/types.ts';
import { cspViolations, launchBrowser } from '../support/browser.ts';
import { contextFor, type Lang, type Size, shoot, signIn, TEST_PASSWORD } from '../support/dashboard-page.ts';
import { waitFor } from '../support/load.ts';
import { type LocalPostgres, startPostgres } from '../support/postgres.ts';
import { type PurnaProcess, startPurnaProcess } from '../support/purna-process.ts';

const ADMIN = { email: 'admin@cluster.test', password: TEST_PASSWORD };
const dirs: string[] = [];
let postgres: LocalPostgres;
let a: PurnaProcess;
let b: PurnaProcess;
let device: MqttClient | null = null;
const sockets: Socket[] = [];
let browser: Browser | null = null;

const worker = (databaseUrl: string) => {
  const dir = mkdtempSync(join(tmpdir(), 'purna-live-cluster-'));
  dirs.push(dir);
  return startPurnaProcess(
    {
      PURNA_DATA_DIR: dir,
      DATABASE_URL: databaseUrl,
      PURNA_ADMIN_EMAIL: ADMIN.email,
      PURNA_ADMIN_PASSWORD: ADMIN.password,
    },
    undefined,
    90_000,
  );
};

beforeAll(async () => {
  postgres = await startPostgres();
  const url = await postgres.createDatabase('purna');
  [a, b] = await Promise.all([worker(url), worker(url)]);
}, 120_000);
afterAll(async () => {
  await browser?.close();
  for (const s of sockets) s.close();
  await device?.endAsync();
  for (const p of [a, b]) {
    p?.child.kill('SIGTERM');
    await p?.exited;
  }
  await postgres?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}, 60_000);

async function login(p: PurnaProcess): Promise<string> {
  const res = await fetch(`${p.httpUrl}api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(ADMIN),
  });
  expect(res.status).toBe(200);
  return (res.headers.get('set-cookie') ?? '').split(';')[0];
}

interface Heard {
  snapshot: { devices: DeviceSummary[]; workOrders: WorkOrder[] } | null;
  deltas: { devices: DeviceSummary[]; workOrders: WorkOrder[] }[];
}

async function browserOn(p: PurnaProcess, cookie: string): Promise<Heard> {
  const heard: Heard = { snapshot: null, deltas: [] };
  const socket = ioClient(p.httpUrl, { transports: ['websocket'], extraHeaders: { cookie }, reconnection: false });
  sockets.push(socket);
  socket.on('delta', (d) => heard.deltas.push(d));
  await new Promise<void>((resolve, reject) => {
    socket.once('snapshot', (s) => {
      heard.snapshot = s;
      resolve();
    });
    socket.once('connect_error', reject);
  });
  return heard;
}

it('a browser on worker B sees a device only worker A ingests, its verdict, its live changes and a work order opened on A', async () => {
  const deviceId = 'pump-on-a-0001';
  const cookieA = await login(a);
  const provision = await fetch(`${a.httpUrl}api/devices/provision`, {
    method: 'POST',
    headers: { cookie: cookieA, 'content-type': 'application/json' },
    body: JSON.stringify({ devices: [{ id: deviceId, modelId: 'pump-p200' }] }),
  });
  expect(provision.status).toBe(201);
  const token = ((await provision.json()) as { devices: { token: string }[] }).devices[0].token;
  // PURNA_MQTT_AUTH=open in these processes; the token is what a real device would present.
  device = await mqtt.connectAsync(a.mqttUrl, { clientId: deviceId, username: deviceId, password: token });
  let temperature = 58;
  const publish = () =>
    device!.publishAsync(
      topics.telemetry(deviceId),
      JSON.stringify({ values: { temperature: (temperature += 0.1), vibration: 1.6 } }),
      { qos: 1 },
    );
  const cookieB = await login(b);
  // B's REST view of the fleet has the device with A's verdict once the health channel carried it.
  await waitFor(
    async () => {
      await publish();
      const r = await fetch(`${b.httpUrl}api/devices`, { headers: { cookie: cookieB } });
      const body = (await r.json()) as { devices?: DeviceSummary[] } | DeviceSummary[];
      const list = Array.isArray(body) ? body : (body.devices ?? []);
      return list.some((d) => d.deviceId === deviceId && d.health !== null);
    },
    30_000,
    "worker B's read model to hold A's verdict",
  );

  const onB = await browserOn(b, cookieB);
  const seen = onB.snapshot!.devices.find((d) => d.deviceId === deviceId);
  expect(seen?.health?.deviceId).toBe(deviceId);
  expect(seen?.health?.score).toBeGreaterThan(0);

  // A's live changes of the device reach the browser on B through the PostgreSQL adapter.
  const before = onB.deltas.length;
  await waitFor(
    async () => {
      await publish();
      return onB.deltas.slice(before).some((d) => d.devices.some((x) => x.deviceId === deviceId));
    },
    15_000,
    "a delta of A's device on B",
  );

  const open = await fetch(`${a.httpUrl}api/work-orders`, {
    method: 'POST',
    headers: { cookie: cookieA, 'content-type': 'application/json', origin: a.httpUrl.slice(0, -1) },
    body: JSON.stringify({ deviceId, jobType: 'inspection', note: 'opened on worker A' }),
  });
  expect(open.status).toBe(201);
  const order = ((await open.json()) as { workOrder: WorkOrder }).workOrder;
  await waitFor(
    () => onB.deltas.some((d) => d.workOrders.some((o) => o.id === order.id)),
    15_000,
    'the work order opened on A in a delta on B',
  );
}, 120_000);

it("a logout on worker A ends the same session's live connection on worker B, which hears why", async () => {
  const cookie = await login(a); // sessions are in PostgreSQL: the cookie is a session on B too
  const socket = ioClient(b.httpUrl, { transports: ['websocket'], extraHeaders: { cookie }, reconnection: false });
  sockets.push(socket);
  const heard: string[] = [];
  let disconnect: string | null = null;
  socket.on('session-ended', (e: { reason: string }) => heard.push(e.reason));
  socket.on('disconnect', (reason) => (disconnect = reason));
  await new Promise<void>((resolve, reject) => {
    socket.once('snapshot', () => resolve());
    socket.once('connect_error', reject);
  });
  const res = await fetch(`${a.httpUrl}api/auth/logout`, { method: 'POST', headers: { cookie } });
  expect(res.status).toBe(200);
  await waitFor(() => disconnect !== null, 10_000, "B's connection to close");
  expect(heard).toEqual(['session ended']);
  expect(disconnect).toBe('io server disconnect');
});

// The same in Chromium: the fleet page of worker B, in both languages, at a desk and on a phone,
// has a tile for the pump only worker A ingests, coloured by A's verdict (not "never seen").
describe.each([
  ['en', 'desk'],
  ['id', 'phone'],
] as [Lang, Size][])("worker B's fleet page in Chromium (%s, %s)", (lang, size) => {
  it("shows the device only worker A ingests, judged by A's analytics", async () => {
    browser ??= await launchBrowser();
    const context = await contextFor(browser, lang, size);
    const page = await signIn(context, b.httpUrl.slice(0, -1), lang, ADMIN.email, '/#/fleet');
    const tile = page.locator('#health-grid .tile[data-device-id="pump-on-a-0001"]');
    await tile.waitFor();
    expect(await tile.getAttribute('class')).not.toContain('s-never_seen');
    await shoot(page, `cluster-fleet-on-b-${lang}-${size}`);
    await context.close();
  }, 60_000);
});

it('no CSP violation on worker B', () => {
  expect(browser).not.toBeNull();
  expect(cspViolations(browser!)).toEqual([]);
});
