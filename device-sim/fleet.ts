// The simulated fleet: a plan (which devices, which models, which failures) and the MQTT
// transport that publishes each device's series as its own client.

import mqtt, { type MqttClient } from 'mqtt';
import { DEVICE_MODELS, ISO10816_ZONES_MM_S, deviceModel } from '../core/device-models.ts';
import type { Logger } from '../core/log.ts';
import { topics } from '../core/topics.ts';

export interface SimDeviceSpec {
  deviceId: string;
  modelId: string;
  profile: 'healthy' | 'bearing_wear' | 'cooling_failure';
  /** Simulated seconds after the start when degradation begins and when the failure threshold is reached. */
  onsetS?: number;
  failureS?: number;
}

export interface FleetOptions {
  brokerUrl: string;
  devices: number;
  rateHz: number;
  seed: number;
  speed?: number;
  qos?: 0 | 1;
  demo?: boolean;
  credentials?: (deviceId: string) => { username: string; password: string } | undefined;
  log?: Logger;
  groundTruthFile?: string;
  durationS?: number;
}

export interface FleetStats {
  connected: number;
  published: number;
  simulatedTimeMs: number;
}

export interface Fleet {
  devices: SimDeviceSpec[];
  stats(): FleetStats;
  stop(): Promise<void>;
}

/** Demo failures: start ~40 s in, reach the failure threshold ~150 s in (simulated seconds). */
const DEMO_ONSET_S = 40;
const DEMO_FAILURE_S = 150;

export function planFleet(opts: Pick<FleetOptions, 'devices' | 'seed' | 'demo'>): SimDeviceSpec[] {
  const specs: SimDeviceSpec[] = [];
  for (let i = 0; i < opts.devices; i++) {
    const model = DEVICE_MODELS[i % DEVICE_MODELS.length];
    specs.push({ deviceId: `${model.kind}-${String(i + 1).padStart(4, '0')}`, modelId: model.id, profile: 'healthy' });
  }
  if (opts.demo) {
    const pump = specs.find((s, i) => i >= 3 && deviceModel(s.modelId).kind === 'pump');
    const compressor = specs.find((s, i) => i >= 10 && deviceModel(s.modelId).kind === 'compressor');
    if (pump) Object.assign(pump, { profile: 'bearing_wear', onsetS: DEMO_ONSET_S, failureS: DEMO_FAILURE_S });
    if (compressor) Object.assign(compressor, { profile: 'cooling_failure', onsetS: DEMO_ONSET_S + 10, failureS: DEMO_FAILURE_S + 10 });
  }
  return specs;
}

/** mulberry32: a small, fast, seedable PRNG (same seed, same series). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussian(rand: () => number): number {
  const u = Math.max(rand(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

function hashString(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** A device's readings as a function of simulated seconds since the start. */
export function createSeries(spec: SimDeviceSpec, seed: number): (elapsedS: number) => { temperature: number; vibration: number } {
  const model = deviceModel(spec.modelId);
  const rand = prng(seed ^ hashString(spec.deviceId));
  const tempOffset = (rand() - 0.5) * 4;
  const vibOffset = (rand() - 0.5) * 0.2;
  return (elapsedS) => {
    let temperature = model.healthy.temperatureC + tempOffset + 0.25 * gaussian(rand);
    let vibration = model.healthy.vibrationMmS + vibOffset + 0.04 * gaussian(rand);
    if (spec.profile !== 'healthy' && spec.onsetS !== undefined && spec.failureS !== undefined && elapsedS > spec.onsetS) {
      // Degradation accelerates towards failure: progress^1.5 reaches 1 at the failure time.
      const progress = (elapsedS - spec.onsetS) / (spec.failureS - spec.onsetS);
      const shape = Math.pow(Math.max(progress, 0), 1.5);
      if (spec.profile === 'bearing_wear') {
        const target = ISO10816_ZONES_MM_S[model.machineClass].cd;
        vibration += (target - model.healthy.vibrationMmS - vibOffset) * shape;
      } else {
        temperature += (model.ratedMaxTemperatureC - model.healthy.temperatureC - tempOffset) * shape;
      }
    }
    return { temperature: Math.round(temperature * 100) / 100, vibration: Math.round(Math.max(vibration, 0) * 1000) / 1000 };
  };
}

export async function startFleet(opts: FleetOptions): Promise<Fleet> {
  const specs = planFleet(opts);
  const speed = opts.speed ?? 1;
  const qos = opts.qos ?? 1;
  const wallStart = Date.now();
  // Accelerated runs start in the past so device timestamps never run ahead of the wall clock.
  const simStart = speed > 1 ? wallStart - (opts.durationS ?? 3600) * speed * 1000 : wallStart;
  const clients: MqttClient[] = [];
  const series = specs.map((s) => createSeries(s, opts.seed));
  let published = 0;
  let connected = 0;

  for (const spec of specs) {
    const creds = opts.credentials?.(spec.deviceId);
    const client = mqtt.connect(opts.brokerUrl, {
      clientId: spec.deviceId,
      protocolVersion: 4,
      clean: true,
      reconnectPeriod: 1000,
      username: creds?.username,
      password: creds?.password,
      will: { topic: topics.status(spec.deviceId), payload: Buffer.from('offline'), qos: 1, retain: true },
    });
    client.on('connect', () => {
      connected++;
      client.publish(topics.status(spec.deviceId), 'online', { qos: 1, retain: true });
    });
    client.on('close', () => {
      if (connected > 0) connected--;
    });
    client.on('error', (err) => opts.log?.debug({ device: spec.deviceId, err: err.message }, 'sim client error'));
    clients.push(client);
  }

  const intervalMs = 1000 / opts.rateHz;
  let tick = 0;
  const timer = setInterval(() => {
    tick++;
    const simTimeMs = simStart + tick * intervalMs * speed;
    const elapsedS = (simTimeMs - simStart) / 1000;
    for (let i = 0; i < specs.length; i++) {
      const client = clients[i];
      if (!client.connected) continue;
      const values = series[i](elapsedS);
      client.publish(topics.telemetry(specs[i].deviceId), JSON.stringify({ ts: Math.round(simTimeMs), values }), { qos });
      published++;
    }
  }, intervalMs);

  return {
    devices: specs,
    stats: () => ({ connected, published, simulatedTimeMs: simStart + tick * intervalMs * speed }),
    stop: async () => {
      clearInterval(timer);
      await Promise.all(
        clients.map(async (c) => {
          if (c.connected) await c.publishAsync(topics.status(c.options.clientId!), 'offline', { qos: 1, retain: true }).catch(() => {});
          await c.endAsync();
        }),
      );
    },
  };
}
