// The simulated fleet against a plain aedes broker (not Purna's): payload and topic contract,
// retained status with the offline last will, and a reconnect after the broker drops a device.
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Aedes, type Client } from 'aedes';
import mqtt from 'mqtt';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startFleet } from '../../device-sim/fleet.ts';
import { eventually } from '../support/purna.ts';

let broker: Aedes;
let server: Server;
let url: string;
const clients = new Map<string, Client>();

beforeAll(async () => {
  broker = await Aedes.createBroker();
  broker.on('client', (c) => clients.set(c.id, c));
  server = createServer(broker.handle);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((r) => broker.close(() => r()));
  await new Promise<void>((r) => server.close(() => r()));
});

it('each device is its own MQTT 3.1.1 client: retained online status, {ts, values} telemetry, offline will when dropped, reconnect', async () => {
  const watcher = await mqtt.connectAsync(url, { protocolVersion: 4, clientId: 'watcher' });
  const status = new Map<string, string[]>();
  const telemetry = new Map<string, { ts: number; values: Record<string, number> }[]>();
  watcher.on('message', (topic, payload) => {
    const [, , , id, kind] = topic.split('/');
    if (kind === 'status') status.set(id, [...(status.get(id) ?? []), payload.toString()]);
    if (kind === 'telemetry') telemetry.set(id, [...(telemetry.get(id) ?? []), JSON.parse(payload.toString())]);
  });
  await watcher.subscribeAsync(['purna/v1/devices/+/status', 'purna/v1/devices/+/telemetry'], { qos: 1 });

  const before = Date.now();
  const fleet = await startFleet({ brokerUrl: url, devices: 6, rateHz: 5, seed: 3 });
  try {
    const ids = fleet.devices.map((d) => d.deviceId);
    expect(ids).toEqual(['pump-0001', 'compressor-0002', 'motor-0003', 'pump-0004', 'compressor-0005', 'motor-0006']);
    await eventually(
      () => ids.every((id) => (telemetry.get(id)?.length ?? 0) >= 3 && status.get(id)?.includes('online')),
      10_000,
    );
    expect(ids.every((id) => clients.get(id)?.version === 4)).toBe(true);
    const msg = telemetry.get('pump-0001')![0];
    expect(Object.keys(msg).sort()).toEqual(['ts', 'values']);
    expect(msg.ts).toBeGreaterThanOrEqual(before);
    expect(typeof msg.values.temperature).toBe('number');
    expect(typeof msg.values.vibration).toBe('number');

    // A retained status: a late subscriber learns that every device is online.
    const late = await mqtt.connectAsync(url, { protocolVersion: 4, clientId: 'late' });
    const retained = new Map<string, string>();
    late.on(
      'message',
      (topic, payload, packet) => packet.retain && retained.set(topic.split('/')[3], payload.toString()),
    );
    await late.subscribeAsync('purna/v1/devices/+/status', { qos: 1 });
    await eventually(() => retained.size === 6, 5000);
    expect([...retained.values()].every((s) => s === 'online')).toBe(true);
    await late.endAsync();

    // The broker loses one device abruptly: its will says offline; the device comes back online and publishes again.
    const n = telemetry.get('motor-0003')!.length;
    clients.get('motor-0003')!.conn.destroy();
    await eventually(() => status.get('motor-0003')!.includes('offline'), 5000);
    await eventually(
      () => status.get('motor-0003')!.lastIndexOf('online') > status.get('motor-0003')!.indexOf('offline'),
      10_000,
    );
    await eventually(() => telemetry.get('motor-0003')!.length > n + 3, 10_000);
    expect(fleet.stats().reconnects).toBeGreaterThan(0);
  } finally {
    await fleet.stop();
  }
  // A clean stop leaves every device offline (retained).
  await eventually(() => fleet.devices.every((d) => status.get(d.deviceId)!.at(-1) === 'offline'), 5000);
  expect(fleet.stats().connected).toBe(0);
  await watcher.endAsync();
});

it('buffers QoS 1 readings while the broker is away for seconds and delivers them after it returns: no gap in simulated time', async () => {
  // A broker of its own that goes away for seconds and comes back at the same address. The
  // listening socket stays open meanwhile (refusing every connection), so no parallel test can
  // take the port while it is free.
  const received = new Map<string, Set<number>>();
  let handle: (socket: Socket) => void = (socket) => socket.destroy();
  const server = createServer((socket) => handle(socket));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const brokerLife = async () => {
    const b = await Aedes.createBroker();
    b.on('publish', (packet, client) => {
      if (!client || !packet.topic.endsWith('/telemetry')) return;
      const id = packet.topic.split('/')[3];
      if (!received.has(id)) received.set(id, new Set());
      received.get(id)!.add((JSON.parse(packet.payload.toString()) as { ts: number }).ts);
    });
    handle = b.handle;
    return b;
  };
  const closeBroker = (b: Aedes) => {
    handle = (socket) => socket.destroy();
    return new Promise<void>((r) => b.close(() => r()));
  };
  let life = await brokerLife();
  const fleet = await startFleet({
    brokerUrl: `mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`,
    devices: 3,
    rateHz: 10,
    seed: 9,
    qos: 1,
    speed: 2,
  }); // speed ≠ 1: timestamps step by tick, not by a timer's drift
  try {
    await eventually(
      () => fleet.stats().connected === 3 && received.size === 3 && [...received.values()].every((s) => s.size >= 5),
      10_000,
    );
    await closeBroker(life);
    const outageFromTs = Math.max(...[...received.values()].flatMap((s) => [...s]));
    await new Promise((r) => setTimeout(r, 3000));
    expect(fleet.stats().connected).toBe(0);
    life = await brokerLife();
    await eventually(() => fleet.stats().connected === 3, 40_000);
    const since = fleet.stats().simulatedTimeMs;
    await eventually(() => [...received.values()].every((s) => Math.max(...s) > since + 500), 10_000);
    for (const [id, seen] of received) {
      const ts = [...seen].sort((a, b) => a - b);
      const steps = ts.slice(1).map((t, i) => t - ts[i]);
      // One reading every 200 ms of simulated time (10 Hz at speed 2), the outage included.
      expect(Math.max(...steps), id).toBe(200);
      expect(ts.filter((t) => t > outageFromTs && t < since).length, id).toBeGreaterThan(25);
    }
    expect(fleet.stats().droppedWhileOffline).toBe(0);
  } finally {
    await fleet.stop();
    await closeBroker(life);
    await new Promise<void>((r) => server.close(() => r()));
  }
}, 60_000);
