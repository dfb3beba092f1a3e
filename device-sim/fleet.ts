// The simulated fleet over real MQTT: each device its own client (connection, credentials,
// retained status with an offline last will), publishing its seeded series. One scheduler tick
// publishes for every device, so 2,000 devices cost one timer, not 2,000.

import { writeFileSync } from 'node:fs';
import mqtt, { type MqttClient } from 'mqtt';
import type { Logger } from '../core/log.ts';
import type { ProductModel } from '../core/product-catalogue.ts';
import { topics } from '../core/topics.ts';
import { groundTruth, groundTruthCsv, planFleet, type FaultMix } from './plan.ts';
import { CatalogueSeries, planCatalogueFleet } from './catalogue-model.ts';
import { DeviceSeries, prng, type SimDeviceSpec } from './series.ts';

export type { SimDeviceSpec, SeriesCursor } from './series.ts';
export type { GroundTruth, Profile } from './profiles.ts';
export { planFleet, groundTruth, groundTruthCsv, type FaultMix, type PlanOptions } from './plan.ts';
export { prng, createSeries, DeviceSeries } from './series.ts';
export { CatalogueSeries, planCatalogueFleet, modelsFromJson } from './catalogue-model.ts';

export interface FleetOptions {
  brokerUrl: string;
  devices: number;
  /** Messages per wall-clock second per device. */
  rateHz: number;
  seed: number;
  /** Simulated seconds per wall second (default 1): each message advances a device's time by speed / rateHz seconds. */
  speed?: number;
  qos?: 0 | 1;
  /** Inject the two demo failures of `npm start`. */
  demo?: boolean;
  /** Seed machine, sensor and connectivity faults (shares of the fleet). */
  faults?: FaultMix;
  /** Share of the fleet on an on/off duty (default 0: continuous duty). */
  cycling?: number;
  credentials?: (deviceId: string) => { username: string; password: string } | undefined;
  log?: Logger;
  /** Write the ground truth here (.json, or .csv). */
  groundTruthFile?: string;
  /** Planned wall-clock duration, s: with speed > 1 the simulated clock starts this far in the past, so no timestamp is ahead of the wall clock. */
  durationS?: number;
  /** QoS 1 messages kept per device while the broker is away (older ones are dropped and counted). */
  maxBufferedPerDevice?: number;
  /** Before every device id (see PlanOptions.idPrefix). */
  idPrefix?: string;
  /**
   * Catalogue models to play instead of the built-in fleet (catalogue-model.ts): device i is of
   * `models[i % n]`, its series drawn from the model's normal ranges and failure signatures.
   * `demo` and `cycling` are the built-in fleet's only.
   */
  models?: readonly ProductModel[];
}

export interface FleetStats {
  connected: number;
  published: number;
  droppedWhileOffline: number;
  reconnects: number;
  simulatedTimeMs: number;
  failuresInjected: number;
  /** Devices that have connected at least once. */
  everConnected: number;
  /** Devices the broker has refused as not authorised (CONNACK 4 or 5) and that never got in. */
  refusedNotAuthorised: number;
  /** The latest connection error any device saw, as MQTT.js words it; null when none. */
  lastConnectError: string | null;
}

export interface Fleet {
  devices: SimDeviceSpec[];
  stats(): FleetStats;
  stop(): Promise<void>;
}

const MAX_RECONNECT_MS = 30_000;

export async function startFleet(opts: FleetOptions): Promise<Fleet> {
  const speed = opts.speed ?? 1;
  const qos = opts.qos ?? 1;
  const wallStart = Date.now();
  const simStart = speed > 1 ? wallStart - (opts.durationS ?? 3600) * speed * 1000 : wallStart;
  const plan = {
    devices: opts.devices,
    seed: opts.seed,
    startMs: simStart,
    durationMs: (opts.durationS ?? 3600) * speed * 1000,
    faults: opts.faults,
    idPrefix: opts.idPrefix,
  };
  const models = opts.models?.length ? new Map(opts.models.map((m) => [m.id, m])) : null;
  const specs = models
    ? planCatalogueFleet([...models.values()], plan)
    : planFleet({ ...plan, demo: opts.demo, cycling: opts.cycling });
  const truth = groundTruth(specs);
  if (opts.groundTruthFile)
    writeFileSync(
      opts.groundTruthFile,
      opts.groundTruthFile.endsWith('.csv') ? groundTruthCsv(truth) : JSON.stringify(truth, null, 2),
    );
  const series = specs.map((s) =>
    models ? new CatalogueSeries(models.get(s.modelId)!, s, opts.seed) : new DeviceSeries(s, opts.seed),
  );
  const clients: MqttClient[] = new Array(specs.length);
  const maxBuffered = opts.maxBufferedPerDevice ?? 10_000;
  const stats = { published: 0, droppedWhileOffline: 0, reconnects: 0 };
  // Whether the run reaches the broker at all: a CLI whose every device is refused must say so.
  const everConnected = new Uint8Array(specs.length);
  const refusedNotAuthorised = new Uint8Array(specs.length);
  let lastConnectError: string | null = null;
  const jitter = prng(opts.seed ^ 0xbac0ff);

  const connectOne = (i: number) => {
    const spec = specs[i];
    const creds = opts.credentials?.(spec.deviceId);
    const client = mqtt.connect(opts.brokerUrl, {
      clientId: spec.deviceId,
      protocolVersion: 4,
      clean: true,
      reconnectPeriod: 1000,
      connectTimeout: 10_000,
      username: creds?.username,
      password: creds?.password,
      will: { topic: topics.status(spec.deviceId), payload: Buffer.from('offline'), qos: 1, retain: true },
    });
    client.on('connect', () => {
      everConnected[i] = 1;
      client.options.reconnectPeriod = 1000;
      client.publish(topics.status(spec.deviceId), 'online', { qos: 1, retain: true });
    });
    client.on('reconnect', () => {
      stats.reconnects++;
      // Exponential backoff with jitter, so a broker restart is not met by every device at once.
      const next = Math.min(MAX_RECONNECT_MS, (client.options.reconnectPeriod ?? 1000) * 2);
      client.options.reconnectPeriod = Math.round(next * (0.75 + 0.5 * jitter()));
    });
    client.on('error', (err) => {
      lastConnectError = err.message;
      // MQTT 3.1.1 §3.2.2.3: 4 bad user name or password, 5 not authorised; retrying cannot help.
      const code = (err as Error & { code?: unknown }).code;
      if (code === 4 || code === 5) refusedNotAuthorised[i] = 1;
      opts.log?.debug({ device: spec.deviceId, err: err.message }, 'sim client error');
    });
    clients[i] = client;
  };
  // Stagger connects: 100 at a time.
  for (let i = 0; i < specs.length; i++) {
    connectOne(i);
    if (i % 100 === 99) await new Promise((r) => setTimeout(r, 50));
  }

  const intervalMs = 1000 / opts.rateHz;
  const stepMs = intervalMs * speed;
  let tick = 0;
  let simNow = simStart;
  const timer = setInterval(() => {
    tick++;
    // At real time the reading's timestamp is the moment it is taken (timers drift; the clock does not).
    simNow = speed === 1 ? Date.now() : simStart + tick * stepMs;
    const ts = Math.round(simNow);
    for (let i = 0; i < specs.length; i++) {
      const values = series[i].sample(ts);
      if (values === null) continue; // the device is silent (gap, offline)
      const client = clients[i];
      if (!client.connected) {
        // MQTT.js queues QoS 1 publishes while disconnected and sends them on reconnect; bound it.
        if (qos === 0 || (client as unknown as { queue: unknown[] }).queue.length >= maxBuffered) {
          stats.droppedWhileOffline++;
          continue;
        }
      }
      client.publish(topics.telemetry(specs[i].deviceId), JSON.stringify({ ts, values }), { qos });
      stats.published++;
    }
    // An 'offline' profile device drops its connection at onset: the broker publishes its will.
    for (let i = 0; i < specs.length; i++) {
      const s = specs[i];
      if (
        s.profile === 'offline' &&
        s.onsetMs !== undefined &&
        ts >= s.onsetMs &&
        !clients[i].disconnecting &&
        !clients[i].disconnected
      ) {
        clients[i].stream.destroy(); // an abrupt loss, not a clean DISCONNECT: the last will fires
        clients[i].end(true);
      }
    }
  }, intervalMs);

  return {
    devices: specs,
    stats: () => {
      let ever = 0;
      let refused = 0;
      for (let i = 0; i < specs.length; i++) {
        ever += everConnected[i];
        if (!everConnected[i]) refused += refusedNotAuthorised[i];
      }
      return {
        ...stats,
        connected: clients.filter((c) => c.connected).length,
        simulatedTimeMs: simNow,
        failuresInjected: truth.filter((t) => t.onsetMs <= simNow).length,
        everConnected: ever,
        refusedNotAuthorised: refused,
        lastConnectError,
      };
    },
    stop: async () => {
      clearInterval(timer);
      await Promise.all(
        clients.map(async (c) => {
          if (c.connected)
            await c
              .publishAsync(topics.status(c.options.clientId!), 'offline', { qos: 1, retain: true })
              .catch(() => {});
          await c.endAsync(true).catch(() => {});
        }),
      );
    },
  };
}
