// The device fleet for bench:scale, in its own process: `--count` MQTT 3.1.1 clients, each one
// socket and one small object, written against the raw protocol instead of MQTT.js because at
// tens of thousands of clients per process MQTT.js's per-client state (its stores, timers and
// stream pipeline) is what fills the heap, not the sockets (bench:scale --compare-clients
// measures both). Each client connects with its own id and token from a spread of 127.x source
// addresses (loopback answers on all of 127/8, so each address has its own ephemeral ports),
// publishes one QoS 1 reading per period at a random phase, and reconnects after a lost
// connection every second with up to a second of jitter, as a device firmware would.
// Talks to the parent over IPC: `{cmd:'report'}` → counters and the latencies since the last one.
import { connect, type Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { MqttClient } from 'mqtt';

/** This process's RSS before any client exists: the parent subtracts it to get the clients' own cost. */
const rssStartBytes = process.memoryUsage().rss;

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    host: { type: 'string', default: '127.0.0.1' },
    /** A JSON file of [{id, token}] (token mode) — this process takes entries [from, from + count). */
    credentials: { type: 'string' },
    from: { type: 'string', default: '0' },
    count: { type: 'string' },
    addresses: { type: 'string', default: '127.0.0.2' },
    'period-ms': { type: 'string', default: '60000' },
    'keepalive-s': { type: 'string', default: '120' },
    /** CONNECTs in flight at once during the ramp (the rest wait their turn). */
    window: { type: 'string', default: '64' },
    /** raw: the lean client below; mqttjs: one MQTT.js client per device, to compare their memory. */
    impl: { type: 'string', default: 'raw' },
    /**
     * skip: a device whose last reading is not yet acknowledged skips its turn (bench:scale's one
     * in flight). send: it publishes anyway, as a device on a fixed clock does (bench:dashboard:
     * a slow broker then sees its backlog grow instead of the load fall).
     */
    pending: { type: 'string', default: 'skip' },
    /** Vary the values from reading to reading (a little), so the detectors see a live series. */
    vary: { type: 'boolean', default: false },
  },
});
const PORT = Number(values.port);
const HOST = values.host!;
const FROM = Number(values.from);
const COUNT = Number(values.count);
const ADDRESSES = values.addresses!.split(',');
const PERIOD_MS = Number(values['period-ms']);
const KEEPALIVE_S = Number(values['keepalive-s']);
const WINDOW = Number(values.window);
const SEND_WHEN_PENDING = values.pending === 'send';
const VARY = values.vary === true;
const creds = (JSON.parse(readFileSync(values.credentials!, 'utf8')) as { id: string; token: string }[]).slice(
  FROM,
  FROM + COUNT,
);

/** One device: a socket, its state and its next publish — nothing else per client. */
interface Device {
  index: number;
  id: string;
  connectPacket: Buffer;
  topic: Buffer;
  socket: Socket | null;
  connected: boolean;
  pendingSince: number;
  packetId: number;
  /** Readings sent, for the variation of the values. */
  sent: number;
  timer: NodeJS.Timeout | null;
  inbox: Buffer | null;
}

const stats = {
  connected: 0,
  connacks: 0,
  refused: 0,
  socketErrors: 0,
  published: 0,
  acked: 0,
  skipped: 0,
  lat: [] as number[],
};

function utf8Field(s: string): Buffer {
  const b = Buffer.from(s);
  const out = Buffer.allocUnsafe(2 + b.length);
  out.writeUInt16BE(b.length, 0);
  b.copy(out, 2);
  return out;
}

function remainingLength(n: number): Buffer {
  const bytes: number[] = [];
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    bytes.push(byte);
  } while (n > 0);
  return Buffer.from(bytes);
}

/** MQTT 3.1.1 §3.1: CONNECT, clean session, user name = device id, password = its token. */
function connectPacket(id: string, token: string): Buffer {
  const variable = Buffer.from([
    0,
    4,
    0x4d,
    0x51,
    0x54,
    0x54,
    4,
    0x80 | 0x40 | 0x02,
    KEEPALIVE_S >> 8,
    KEEPALIVE_S & 255,
  ]);
  const payload = Buffer.concat([utf8Field(id), utf8Field(id), utf8Field(token)]);
  return Buffer.concat([Buffer.from([0x10]), remainingLength(variable.length + payload.length), variable, payload]);
}

const devices: Device[] = creds.map((c, i) => ({
  index: FROM + i,
  id: c.id,
  connectPacket: connectPacket(c.id, c.token),
  topic: utf8Field(`purna/v1/devices/${c.id}/telemetry`),
  socket: null,
  connected: false,
  pendingSince: 0,
  packetId: 0,
  sent: 0,
  timer: null,
  inbox: null,
}));

let connectsInFlight = 0;
const waiting: Device[] = [];

function open(d: Device): void {
  if (connectsInFlight >= WINDOW) {
    waiting.push(d);
    return;
  }
  connectsInFlight++;
  let settled = false;
  const settle = () => {
    if (settled) return;
    settled = true;
    connectsInFlight--;
    const next = waiting.shift();
    if (next) open(next);
  };
  const socket = connect({ host: HOST, port: PORT, localAddress: ADDRESSES[d.index % ADDRESSES.length] });
  d.socket = socket;
  socket.setNoDelay(true);
  socket.on('connect', () => socket.write(d.connectPacket));
  socket.on('data', (chunk: Buffer) => {
    const buf = d.inbox ? Buffer.concat([d.inbox, chunk]) : chunk;
    let at = 0;
    // Broker → client packets here are CONNACK, PUBACK and PINGRESP: a type byte and a one-byte length.
    while (buf.length - at >= 2 && buf.length - at >= 2 + buf[at + 1]) {
      const type = buf[at] >> 4;
      if (type === 2) {
        settle();
        if (buf[at + 3] === 0) {
          d.connected = true;
          stats.connected++;
          stats.connacks++;
          schedule(d, Math.random() * PERIOD_MS);
        } else {
          stats.refused++;
          socket.destroy();
        }
      } else if (type === 4 && d.pendingSince > 0) {
        stats.acked++;
        if (stats.lat.length < 100_000) stats.lat.push(performance.now() - d.pendingSince);
        d.pendingSince = 0;
      }
      at += 2 + buf[at + 1];
    }
    d.inbox = at < buf.length ? buf.subarray(at) : null;
  });
  socket.on('error', () => {
    stats.socketErrors++;
  });
  socket.on('close', () => {
    settle();
    if (d.connected) stats.connected--;
    d.connected = false;
    d.socket = null;
    d.inbox = null;
    d.pendingSince = 0;
    if (d.timer) clearTimeout(d.timer);
    d.timer = setTimeout(() => open(d), 1000 + Math.random() * 1000);
  });
}

function schedule(d: Device, delayMs: number): void {
  if (d.timer) clearTimeout(d.timer);
  d.timer = setTimeout(() => publish(d), delayMs);
}

/** MQTT 3.1.1 §3.3: PUBLISH at QoS 1 with a packet id; one in flight per device (one a minute). */
function publish(d: Device): void {
  d.timer = null;
  if (!d.connected || !d.socket) return;
  if (d.pendingSince > 0 && !SEND_WHEN_PENDING) stats.skipped++;
  else {
    d.packetId = (d.packetId % 65535) + 1;
    const now = Date.now();
    // With --vary a small deterministic wobble (±0.4 °C, ±0.04 mm/s) around the device's level.
    const wobble = VARY ? ((d.sent++ * 7) % 9) - 4 : 0;
    const body = Buffer.from(
      `{"ts":${now},"values":{"temperature":${(58 + (d.index % 50) / 10 + wobble / 10).toFixed(1)},"vibration":${(1.5 + (d.index % 9) / 100 + wobble / 100).toFixed(2)}}}`,
    );
    const head = Buffer.from([0x32]);
    const rest = d.topic.length + 2 + body.length;
    const id = Buffer.from([d.packetId >> 8, d.packetId & 255]);
    // With several in flight the latency is the oldest's (PUBACKs come back in order).
    if (d.pendingSince === 0) d.pendingSince = performance.now();
    d.socket.write(Buffer.concat([head, remainingLength(rest), d.topic, id, body]));
    stats.published++;
  }
  schedule(d, PERIOD_MS);
}

/** The same device on MQTT.js (v4, clean session, its own reconnect every second). */
function openMqttJs(d: Device, token: string): void {
  if (connectsInFlight >= WINDOW) {
    waitingMqttJs.push([d, token]);
    return;
  }
  connectsInFlight++;
  let settled = false;
  const settle = () => {
    if (settled) return;
    settled = true;
    connectsInFlight--;
    const next = waitingMqttJs.shift();
    if (next) openMqttJs(...next);
  };
  const localAddress = ADDRESSES[d.index % ADDRESSES.length];
  const client = new MqttClient(() => connect({ host: HOST, port: PORT, localAddress }), {
    clientId: d.id,
    username: d.id,
    password: token,
    protocolVersion: 4,
    keepalive: KEEPALIVE_S,
    reconnectPeriod: 1000,
  });
  const topic = `purna/v1/devices/${d.id}/telemetry`;
  const tick = () => {
    d.timer = setTimeout(tick, PERIOD_MS);
    if (!d.connected) return;
    if (d.pendingSince > 0) {
      stats.skipped++;
      return;
    }
    const started = performance.now();
    d.pendingSince = started;
    stats.published++;
    const payload = `{"ts":${Date.now()},"values":{"temperature":${(58 + (d.index % 50) / 10).toFixed(1)},"vibration":${(1.5 + (d.index % 9) / 100).toFixed(2)}}}`;
    client.publish(topic, payload, { qos: 1 }, (err) => {
      d.pendingSince = 0;
      if (err) return;
      stats.acked++;
      if (stats.lat.length < 100_000) stats.lat.push(performance.now() - started);
    });
  };
  client.on('connect', () => {
    settle();
    d.connected = true;
    stats.connected++;
    stats.connacks++;
    if (d.timer) clearTimeout(d.timer);
    d.timer = setTimeout(tick, Math.random() * PERIOD_MS);
  });
  client.on('error', () => {
    stats.socketErrors++;
    settle();
  });
  client.on('close', () => {
    settle();
    if (d.connected) stats.connected--;
    d.connected = false;
    d.pendingSince = 0;
  });
  mqttJsClients.push(client);
}
const waitingMqttJs: [Device, string][] = [];
const mqttJsClients: MqttClient[] = [];

if (values.impl === 'mqttjs') devices.forEach((d, i) => openMqttJs(d, creds[i].token));
else for (const d of devices) open(d);

// The parent is gone (it failed, or was killed): so is the fleet.
process.on('disconnect', () => process.exit(0));
process.on('message', (msg: { cmd: string }) => {
  if (msg.cmd === 'report') {
    const lat = stats.lat;
    stats.lat = [];
    const cpu = process.cpuUsage();
    process.send!({
      ...stats,
      lat,
      rssBytes: process.memoryUsage().rss,
      rssStartBytes,
      cpuMs: (cpu.user + cpu.system) / 1000,
    });
  } else if (msg.cmd === 'exit') {
    for (const c of mqttJsClients) c.end(true);
    for (const d of devices) {
      if (d.timer) clearTimeout(d.timer);
      d.socket?.removeAllListeners('close');
      d.socket?.destroy();
    }
    process.exit(0);
  }
});
