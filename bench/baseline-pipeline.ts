// The bare baseline of bench:ingest: aedes → JSON.parse → line protocol → 5,000-line / 100 ms
// batches → InfluxDB. No validation, no write-ahead log, no logging, no analytics: the least any
// MQTT-to-InfluxDB bridge must do, kept here to measure what Purna's work costs.
import { createServer, type Server } from 'node:net';
import { Point } from '@influxdata/influxdb-client';
import { Aedes } from 'aedes';

export interface BaselinePipeline {
  port: number;
  stop(): Promise<void>;
}

export async function startBaselinePipeline(influxUrl: string, database: string): Promise<BaselinePipeline> {
  await fetch(`${influxUrl}/query?q=${encodeURIComponent(`CREATE DATABASE "${database}"`)}`, { method: 'POST' });
  let lines: string[] = [];
  let timer: NodeJS.Timeout | null = null;
  let writing = Promise.resolve();
  const settings = { convertTime: (t: string | number | Date | undefined) => String(t) };
  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = null;
    if (lines.length === 0) return;
    const body = lines.join('\n');
    lines = [];
    writing = writing.then(() =>
      fetch(`${influxUrl}/write?db=${database}&precision=ms`, { method: 'POST', body }).then(
        (r) => void r.arrayBuffer(),
      ),
    );
  };
  const aedes = await Aedes.createBroker({
    authorizePublish: (client, packet, callback) => {
      if (client) {
        const deviceId = packet.topic.split('/')[3];
        const msg = JSON.parse(packet.payload.toString());
        for (const m of Array.isArray(msg) ? msg : [msg]) {
          const p = new Point('telemetry').tag('device', deviceId).timestamp(m.ts);
          for (const k in m.values) p.floatField(k, m.values[k]);
          lines.push(p.toLineProtocol(settings)!);
        }
        if (lines.length >= 5000) flush();
        else if (!timer) timer = setTimeout(flush, 100);
      }
      callback(null);
    },
  });
  const server: Server = createServer(aedes.handle);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as { port: number }).port,
    stop: async () => {
      flush();
      await writing;
      await new Promise<void>((r) => aedes.close(() => r()));
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
