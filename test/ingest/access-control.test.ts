// Fault/abuse 4 and the broker's protocol guards, against the real embedded broker with
// device authentication on: only provisioned devices, each only under its own id.
import { execFileSync } from 'node:child_process';
import { createConnection } from 'node:net';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topics } from '../../core/topics.ts';
import { DeviceCredentials } from '../../ingest/device-credentials.ts';
import { eventually, loginAs, startTestPurna, type TestPurna } from '../support/purna.ts';

let purna: TestPurna;
let tokens: Record<string, string>;
const clients: MqttClient[] = [];

beforeAll(async () => {
  purna = await startTestPurna({ mqttAuth: 'token', mqttMaxPayloadBytes: 4096 });
  const cookie = await loginAs(purna, 'planner');
  const res = await fetch(`${purna.dashboardUrl}api/devices/provision`, {
    method: 'POST',
    headers: { cookie, 'content-type': 'application/json' },
    body: JSON.stringify({
      devices: [
        { id: 'pump-acl-0001', modelId: 'pump-p200' },
        { id: 'pump-acl-0002', modelId: 'pump-p200' },
      ],
    }),
  });
  expect(res.status).toBe(201);
  const body = (await res.json()) as { devices: { id: string; token: string }[] };
  tokens = Object.fromEntries(body.devices.map((d) => [d.id, d.token]));
});

afterAll(async () => {
  for (const c of clients) c.end(true);
  await purna?.destroy();
});

/** Connects and reports the CONNACK return code (0 = accepted), or 'closed' if the socket closed without one. */
function tryConnect(
  opts: IClientOptions,
  url = purna.mqttUrl,
): Promise<{ code: number | 'closed'; client: MqttClient }> {
  return new Promise((resolve) => {
    const client = mqtt.connect(url, { protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 5000, ...opts });
    clients.push(client);
    client.once('connect', () => resolve({ code: 0, client }));
    client.once('error', (err) => resolve({ code: (err as { code?: number }).code ?? 'closed', client }));
    client.once('close', () => resolve({ code: 'closed', client }));
  });
}

/** Sends raw bytes and collects everything the broker answers until it closes (or 3 s pass). */
function rawReply(bytes: Buffer): Promise<Buffer> {
  const port = Number(new URL(purna.mqttUrl).port);
  return new Promise<Buffer>((resolve, reject) => {
    const socket = createConnection({ host: '127.0.0.1', port }, () => socket.write(bytes));
    let got = Buffer.alloc(0);
    socket.on('data', (d) => (got = Buffer.concat([got, d])));
    socket.on('close', () => resolve(got));
    socket.on('error', reject);
    setTimeout(() => socket.destroy(), 3000);
  });
}

async function storedCount(deviceId: string): Promise<number> {
  await purna.writer.flush();
  return (await purna.store.query(deviceId, 0, Date.now() + 60_000, 10_000)).length;
}

describe('device identity', () => {
  it('a provisioned device with its token connects and its telemetry is stored', async () => {
    const { code, client } = await tryConnect({
      clientId: 'pump-acl-0001',
      username: 'pump-acl-0001',
      password: tokens['pump-acl-0001'],
    });
    expect(code).toBe(0);
    await client.publishAsync(topics.telemetry('pump-acl-0001'), JSON.stringify({ temperature: 61 }), { qos: 1 });
    await eventually(async () => (await storedCount('pump-acl-0001')) === 1);
  });

  it('an unknown client and a wrong token are refused (CONNACK 4), and nothing is stored', async () => {
    expect((await tryConnect({ clientId: 'x', username: 'pump-nobody-9999', password: 'guess' })).code).toBe(4);
    expect(
      (await tryConnect({ clientId: 'y', username: 'pump-acl-0002', password: tokens['pump-acl-0001'] })).code,
    ).toBe(4);
    expect((await tryConnect({ clientId: 'z' })).code).toBe(4);
    expect(await storedCount('pump-acl-0002')).toBe(0);
  });

  it('a device publishing under another device id is disconnected and nothing is stored for the victim', async () => {
    const { client } = await tryConnect({
      clientId: 'pump-acl-0002',
      username: 'pump-acl-0002',
      password: tokens['pump-acl-0002'],
    });
    const closed = new Promise<void>((r) => client.once('close', () => r()));
    client.publish(topics.telemetry('pump-acl-0001'), JSON.stringify({ temperature: 999 }), { qos: 1 });
    await closed;
    const readings = await purna.store.query('pump-acl-0001', 0, Date.now() + 60_000, 100);
    expect(readings.map((r) => r.values.temperature)).toEqual([61]);
  });

  it('a device may subscribe to its own errors topic; any other subscription gets SUBACK 0x80', async () => {
    const { client } = await tryConnect({
      clientId: 'pump-acl-0002',
      username: 'pump-acl-0002',
      password: tokens['pump-acl-0002'],
    });
    const own = await client.subscribeAsync(topics.errors('pump-acl-0002'), { qos: 1 });
    expect(own[0].qos).toBe(1);
    // MQTT.js turns a SUBACK failure (0x80) into an error carrying the packet.
    for (const topic of [topics.errors('pump-acl-0001'), '#', topics.telemetry('pump-acl-0002')]) {
      const err = (await client.subscribeAsync(topic, { qos: 1 }).then(
        () => null,
        (e: unknown) => e,
      )) as { packet?: { granted: number[] } } | null;
      expect(err?.packet?.granted, topic).toEqual([128]);
    }
  });
});

describe('protocol guards (aedes 1.x gaps closed by Purna)', () => {
  it('refuses an empty client id with a persistent session (CONNACK 2) [MQTT-3.1.3-8]', async () => {
    // MQTT.js will not even send this CONNECT, so it goes as raw bytes: MQTT 3.1.1, clean session 0,
    // keep-alive 60 s, zero-length client id.
    const connect = Buffer.from([0x10, 0x0c, 0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x04, 0x00, 0x00, 0x3c, 0x00, 0x00]);
    expect([...(await rawReply(connect))]).toEqual([0x20, 0x02, 0x00, 0x02]); // CONNACK, identifier rejected, then closed
  });

  it('accepts keep-alive 0, which MQTT 3.1.1 allows ("no keep-alive") [MQTT-3.1.2-10], and a long one', async () => {
    for (const keepalive of [0, 65535]) {
      const { code, client } = await tryConnect({
        clientId: 'pump-acl-0001',
        username: 'pump-acl-0001',
        password: tokens['pump-acl-0001'],
        keepalive,
      });
      expect(code, `keep-alive ${keepalive}`).toBe(0);
      await client.endAsync();
    }
  });

  it('turns TCP keep-alive on for every MQTT connection, so a vanished keep-alive-0 peer is still found', async () => {
    const { client } = await tryConnect({
      clientId: 'pump-acl-0001',
      username: 'pump-acl-0001',
      password: tokens['pump-acl-0001'],
      keepalive: 0,
    });
    const port = new URL(purna.mqttUrl).port;
    // The broker's side of the connection, as the kernel sees it (ss from iproute2).
    const ss = execFileSync('ss', ['-tnoH', 'state', 'established', `( sport = :${port} )`], { encoding: 'utf8' });
    expect(ss).toMatch(/timer:\(keepalive,/);
    await client.endAsync();
  });

  it('answers an MQTT 5 CONNECT with keep-alive 0 by CONNACK 0x01 (unacceptable protocol version), never an undefined code', async () => {
    // MQTT 5, clean start, keep-alive 0, no properties, client id "v5".
    const connect = Buffer.from([
      0x10, 0x0f, 0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x05, 0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x76, 0x35,
    ]);
    expect([...(await rawReply(connect))]).toEqual([0x20, 0x02, 0x00, 0x01]);
  });

  it('disconnects a client publishing to a topic containing U+0000, others unaffected', async () => {
    const { client: bad } = await tryConnect({
      clientId: 'pump-acl-0001',
      username: 'pump-acl-0001',
      password: tokens['pump-acl-0001'],
    });
    const closed = new Promise<void>((r) => bad.once('close', () => r()));
    bad.publish('purna/v1/devices/pump-acl-0001/telemetry\u0000x', JSON.stringify({ temperature: 1 }), { qos: 1 });
    await closed;
    const { client: good } = await tryConnect({
      clientId: 'pump-acl-0002',
      username: 'pump-acl-0002',
      password: tokens['pump-acl-0002'],
    });
    await good.publishAsync(topics.telemetry('pump-acl-0002'), JSON.stringify({ temperature: 40 }), { qos: 1 });
    await eventually(async () => (await storedCount('pump-acl-0002')) === 1);
  });

  it('disconnects a client sending a payload over the limit', async () => {
    const { client } = await tryConnect({
      clientId: 'pump-acl-0001',
      username: 'pump-acl-0001',
      password: tokens['pump-acl-0001'],
    });
    const closed = new Promise<void>((r) => client.once('close', () => r()));
    client.publish(topics.telemetry('pump-acl-0001'), JSON.stringify({ temperature: 1, pad: 'x'.repeat(5000) }), {
      qos: 1,
    });
    await closed;
    expect(await storedCount('pump-acl-0001')).toBe(1);
  });

  it('refuses an MQTT 5 CONNECT cleanly (CONNACK: unsupported protocol) and keeps running', async () => {
    const { code } = await tryConnect({
      clientId: 'v5-client',
      protocolVersion: 5,
      username: 'pump-acl-0001',
      password: tokens['pump-acl-0001'],
    });
    expect(code).not.toBe(0);
    const { code: after } = await tryConnect({
      clientId: 'pump-acl-0001',
      username: 'pump-acl-0001',
      password: tokens['pump-acl-0001'],
    });
    expect(after).toBe(0);
  });

  it('provisioning by CSV is all or nothing, with line numbers', async () => {
    const cookie = await loginAs(purna, 'planner');
    const post = (csv: string) =>
      fetch(`${purna.dashboardUrl}api/devices/provision.csv`, {
        method: 'POST',
        headers: { cookie, 'content-type': 'text/csv' },
        body: csv,
      });
    const bad = await post('id,modelId\nmotor-csv-0001,motor-m15\nbad id,motor-m15\nmotor-csv-0001,motor-m15\n');
    expect(bad.status).toBe(422);
    const body = (await bad.json()) as { errors: { line: number }[] };
    expect(body.errors.map((e) => e.line)).toEqual([3, 4]);
    const ok = await post('id,modelId\nmotor-csv-0001,motor-m15\nmotor-csv-0002,motor-m15\n');
    expect(ok.status).toBe(201);
    expect(((await ok.json()) as { devices: unknown[] }).devices.length).toBe(2);
    const anonymous = await fetch(`${purna.dashboardUrl}api/devices/provision.csv`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv' },
      body: 'id,modelId\nx,y',
    });
    expect(anonymous.status).toBe(401);
  });
});

describe('technician field apps', () => {
  const TECH = 'T-ACL-1';
  const OTHER = 'T-ACL-2';
  beforeAll(() => {
    for (const id of [TECH, OTHER]) {
      purna.service.stores.network.upsertTechnician({
        id,
        name: id,
        homeLat: -6.2,
        homeLon: 106.8,
        shiftStartMin: 0,
        shiftEndMin: 1440,
        utcOffsetMin: 420,
        workDaysMask: 127,
        maxOpenJobs: 3,
        active: true,
        skills: [{ modelId: '*', mode: '*' }],
      } as Parameters<typeof purna.service.stores.network.upsertTechnician>[0]);
    }
  });

  async function issue(
    cookie: string,
    id: string,
  ): Promise<{ status: number; body: { username?: string; token?: string; topic?: string; message?: string } }> {
    const res = await fetch(`${purna.dashboardUrl}api/technicians/${id}/mqtt-token`, {
      method: 'POST',
      headers: { cookie },
    });
    return {
      status: res.status,
      body: (await res.json()) as { username?: string; token?: string; topic?: string; message?: string },
    };
  }

  it('get a token of their own, hear their own dispatch topic and nothing else, and may not publish', async () => {
    const issued = await issue(await loginAs(purna, 'planner'), TECH);
    expect(issued.status).toBe(201);
    expect(issued.body.username).toBe(`technician:${TECH}`);
    expect(issued.body.topic).toBe(topics.technicianDispatch(TECH));

    const { code, client } = await tryConnect({
      clientId: `technician:${TECH}`,
      username: issued.body.username,
      password: issued.body.token,
    });
    expect(code).toBe(0);
    const granted = await client.subscribeAsync(topics.technicianDispatch(TECH), { qos: 1 });
    expect(granted[0].qos).toBe(1);
    for (const topic of [
      topics.technicianDispatch(OTHER),
      'purna/v1/technicians/+/dispatch',
      topics.errors('pump-acl-0001'),
    ]) {
      const err = (await client.subscribeAsync(topic, { qos: 1 }).then(
        () => null,
        (e: unknown) => e,
      )) as { packet?: { granted: number[] } } | null;
      expect(err?.packet?.granted, topic).toEqual([128]);
    }
    // What the service domain's notifier publishes reaches the app.
    const received = new Promise<string>((resolve) =>
      client.once('message', (_topic, payload) => resolve(payload.toString())),
    );
    purna.broker.publish(
      topics.technicianDispatch(TECH),
      JSON.stringify({ event: 'assigned', workOrderId: 'WO-ACL' }),
      1,
    );
    expect(JSON.parse(await received)).toMatchObject({ workOrderId: 'WO-ACL' });
    // A field app publishing (here: posing as a device) is disconnected and nothing is stored.
    const before = await storedCount('pump-acl-0002');
    const closed = new Promise<void>((r) => client.once('close', () => r()));
    client.publish(topics.telemetry('pump-acl-0002'), JSON.stringify({ temperature: 1 }), { qos: 1 });
    await closed;
    expect(await storedCount('pump-acl-0002')).toBe(before);
  });

  it("a wrong token or another technician's name is refused; a technician issues only their own; unknown technicians get 404", async () => {
    const own = await issue(await loginAs(purna, 'technician', OTHER), OTHER);
    expect(own.status).toBe(201);
    expect((await tryConnect({ clientId: 'f1', username: `technician:${TECH}`, password: own.body.token })).code).toBe(
      4,
    );
    expect((await tryConnect({ clientId: 'f2', username: `technician:${OTHER}`, password: 'guess' })).code).toBe(4);
    expect(
      (await tryConnect({ clientId: `technician:${OTHER}`, username: `technician:${OTHER}`, password: own.body.token }))
        .code,
    ).toBe(0);
    const forbidden = await issue(await loginAs(purna, 'technician', OTHER), TECH);
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.message).toMatch(/only for themselves/);
    expect((await issue(await loginAs(purna, 'planner'), 'T-NOBODY')).status).toBe(404);
  });
});

describe('one client cannot knock another off or lock it out', () => {
  // A Purna of its own: these tests spend the address's allowance of failed authentications.
  let guarded: TestPurna;
  const creds: Record<string, string> = {};
  const SERVICE = { username: 'ops-tool', password: 'ops-tool-token-0123456789abcdef' };
  let technician: { username: string; token: string };
  beforeAll(async () => {
    guarded = await startTestPurna({
      mqttAuth: 'token',
      mqttServiceUser: SERVICE.username,
      mqttServiceToken: SERVICE.password,
    });
    const store = new DeviceCredentials(`${guarded.dataDir}/credentials.db`);
    for (const id of ['dev-a', 'dev-b', 'dev-c']) creds[id] = store.issueDeviceToken(id, Date.now());
    technician = store.issueTechnicianToken('T-KNOCK', Date.now());
    store.close();
  });
  afterAll(async () => {
    await guarded?.destroy();
  });
  const connect = (opts: IClientOptions) => tryConnect(opts, guarded.mqttUrl);
  const asDevice = (id: string, clientId = id, password = creds[id]) => connect({ clientId, username: id, password });

  /** True once `client` is still connected and its QoS 1 PUBLISH was acknowledged. */
  async function stillServes(client: MqttClient): Promise<boolean> {
    await client.publishAsync(topics.telemetry(client.options.clientId!), JSON.stringify({ temperature: 20 }), {
      qos: 1,
    });
    return client.connected;
  }

  it("another device's token with a device's client id is refused (CONNACK 2); the device stays connected", async () => {
    // A service user may take any client id (and is trusted with every topic).
    const service = await connect({ clientId: 'ops-tool-1', ...SERVICE });
    expect(service.code).toBe(0);
    await service.client.endAsync();
    const { code, client: devB } = await asDevice('dev-b');
    expect(code).toBe(0);
    let kicked = false;
    devB.once('close', () => (kicked = true));
    expect((await asDevice('dev-a', 'dev-b')).code).toBe(2);
    expect((await connect({ clientId: 'dev-b', username: technician.username, password: technician.token })).code).toBe(
      2,
    );
    expect(await stillServes(devB)).toBe(true);
    expect(kicked).toBe(false);
    // With its own client id device A connects as ever.
    expect((await asDevice('dev-a')).code).toBe(0);
    await devB.endAsync();
  });

  it('31 wrong-password CONNECTs as dev-b (over the 30 per client id a minute) do not lock dev-b out', async () => {
    for (let i = 0; i < 31; i++) expect((await asDevice('dev-b', 'dev-b', 'wrong-password')).code).toBe(4);
    const { code, client } = await asDevice('dev-b');
    expect(code).toBe(0);
    expect(await stillServes(client)).toBe(true);
    await client.endAsync();
  });

  it('failed authentications are limited per address: over it, a service user from there is refused; a device with its own token still connects', async () => {
    // The address is over its limit of failures after the test above; a wait of a minute would
    // end that, so the service user's refusal is checked at once and the device's after it.
    expect((await connect({ clientId: 'ops-tool', ...SERVICE })).code).toBe(4);
    const { code, client } = await asDevice('dev-b');
    expect(code).toBe(0);
    await client.endAsync();
  });

  it("a client id reconnecting more than 30 times a minute is refused (CONNACK 3): the limit counts the device's own connects", async () => {
    const codes: (number | 'closed')[] = [];
    for (let i = 0; i < 31; i++) {
      const { code, client } = await asDevice('dev-c');
      codes.push(code);
      if (code === 0) await client.endAsync();
    }
    expect(codes.slice(0, 30)).toEqual(new Array(30).fill(0));
    expect(codes[30]).toBe(3);
  });
});
