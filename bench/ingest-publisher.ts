// The load for bench:ingest, in its own process: N MQTT clients publishing QoS 1 telemetry as
// fast as the broker acknowledges (or at a set rate), bounded in time and count. Prints one JSON
// line: {acked, sent, seconds, cpuMs}.
import { parseArgs } from 'node:util';
import mqtt from 'mqtt';

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    clients: { type: 'string', default: '8' },
    seconds: { type: 'string', default: '10' },
    max: { type: 'string', default: '2000000' },
    readings: { type: 'string', default: '1' },
    rate: { type: 'string', default: '0' },
    window: { type: 'string', default: '200' },
    prefix: { type: 'string', default: 'bench' },
    /** Carry the publish time as a metric (sent_ms) so the receiver can measure publish → stored. */
    latency: { type: 'boolean', default: false },
  },
});
const CLIENTS = Number(values.clients);
const SECONDS = Number(values.seconds);
const MAX = Number(values.max);
const READINGS = Number(values.readings);
const RATE = Number(values.rate); // messages per second over all clients; 0 = as fast as acknowledged
const WINDOW = Number(values.window);

const cpu0 = process.cpuUsage();
let sent = 0;
let acked = 0;
const deadline = Date.now() + SECONDS * 1000;
const started = Date.now();

async function runClient(c: number): Promise<void> {
  const deviceId = `${values.prefix}-${String(c).padStart(4, '0')}`;
  const client = await mqtt.connectAsync(values.url!, { clientId: deviceId, protocolVersion: 4, reconnectPeriod: 0 });
  const topic = `purna/v1/devices/${deviceId}/telemetry`;
  let inflight = 0;
  let seq = 0;
  const perClientRate = RATE / CLIENTS;
  await new Promise<void>((resolve) => {
    const pump = () => {
      while (Date.now() < deadline && sent < MAX && inflight < WINDOW) {
        if (perClientRate > 0 && seq >= ((Date.now() - started) / 1000) * perClientRate) {
          setTimeout(pump, 5);
          return;
        }
        // Unique, past timestamps per client (one point per reading: none overwrites another).
        const base = started - 3_600_000;
        let payload: string;
        if (READINGS === 1) {
          const extra = values.latency ? `,"sent_ms":${Date.now()}` : '';
          payload = `{"ts":${base + seq},"values":{"temperature":${(60 + (seq % 17) / 10).toFixed(1)},"vibration":${(1.5 + (seq % 7) / 100).toFixed(2)}${extra}}}`;
        } else {
          const rows: string[] = [];
          for (let r = 0; r < READINGS; r++)
            rows.push(`{"ts":${base + seq * READINGS + r},"values":{"temperature":${60 + (r % 10)},"vibration":1.5}}`);
          payload = `[${rows.join(',')}]`;
        }
        seq++;
        sent++;
        inflight++;
        client.publish(topic, payload, { qos: 1 }, (err) => {
          inflight--;
          if (!err) acked++;
          if (Date.now() >= deadline || sent >= MAX) {
            if (inflight === 0) resolve();
          } else pump();
        });
      }
      if ((Date.now() >= deadline || sent >= MAX) && inflight === 0) resolve();
    };
    pump();
  });
  await client.endAsync();
}

await Promise.all(Array.from({ length: CLIENTS }, (_, c) => runClient(c)));
const cpu = process.cpuUsage(cpu0);
process.stdout.write(
  `${JSON.stringify({ acked, sent, seconds: (Date.now() - started) / 1000, cpuMs: (cpu.user + cpu.system) / 1000 })}\n`,
);
process.exit(0);
