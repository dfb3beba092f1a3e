// A bounded QoS 1 publisher for fault tests: it records exactly which messages the broker
// acknowledged (PUBACK), so a test can check each one is stored.
import mqtt, { type MqttClient } from 'mqtt';
import { topics } from '../../core/topics.ts';

export interface QoS1Load {
  client: MqttClient;
  acked: number[];
  sent: () => number;
  /** Stops publishing and resolves when nothing is in flight any more. */
  stop(): Promise<void>;
}

/**
 * `reconnectMs`: a device that reconnects after the broker closed its connection (as it does for
 * a message Purna could not take) and resends what was not acknowledged; without it the load
 * ends at the first disconnect.
 */
export async function startQoS1Load(
  url: string,
  deviceId: string,
  opts: {
    t0: number;
    maxMessages: number;
    window?: number;
    maxMs: number;
    reconnectMs?: number;
    /** Messages per second at most (a device's steady rate); unset: as fast as acknowledged. */
    ratePerSecond?: number;
  },
): Promise<QoS1Load> {
  const reconnecting = opts.reconnectMs !== undefined;
  const client = mqtt.connect(url, {
    clientId: deviceId,
    protocolVersion: 4,
    reconnectPeriod: opts.reconnectMs ?? 0,
    connectTimeout: 5000,
  });
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  client.on('error', () => {});
  const acked: number[] = [];
  let sent = 0;
  let stopped = false;
  let signalStop: () => void = () => {};
  const stopSignal = new Promise<void>((r) => (signalStop = r));
  // A publisher whose broker died must not wait forever on a PUBACK that will never come.
  if (!reconnecting) client.on('close', () => signalStop());
  const deadline = Date.now() + opts.maxMs;
  const window = opts.window ?? 100;
  const startedAt = Date.now();
  const loop = (async () => {
    const inflight = new Set<Promise<void>>();
    while (!stopped && sent < opts.maxMessages && Date.now() < deadline && (client.connected || reconnecting)) {
      if (!client.connected) {
        await new Promise((r) => setTimeout(r, 20)); // what is in flight is resent on reconnect
        continue;
      }
      if (opts.ratePerSecond && sent >= ((Date.now() - startedAt) / 1000) * opts.ratePerSecond) {
        await new Promise((r) => setTimeout(r, 10));
        continue;
      }
      const ts = opts.t0 + sent++;
      const p: Promise<void> = client
        .publishAsync(
          topics.telemetry(deviceId),
          JSON.stringify({ ts, values: { temperature: 60 + (ts % 10), vibration: 1.5 } }),
          { qos: 1 },
        )
        .then(
          () => void acked.push(ts),
          () => {},
        )
        .finally(() => inflight.delete(p));
      inflight.add(p);
      if (inflight.size >= window) await Promise.race([...inflight, stopSignal]);
    }
    await Promise.race([Promise.allSettled([...inflight]), new Promise((r) => setTimeout(r, 2000))]);
  })();
  return {
    client,
    acked,
    sent: () => sent,
    stop: async () => {
      stopped = true;
      signalStop();
      await loop;
      client.end(true);
    },
  };
}

export async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
