// Which devices a fleet has, of which models, and which of them fail how and when.

import { DEVICE_MODELS, deviceModel } from '../core/device-models.ts';
import {
  CONNECTIVITY_FAULTS,
  type MACHINE_FAULTS,
  SENSOR_FAULTS,
  faultClass,
  modeOf,
  type GroundTruth,
  type Profile,
} from './profiles.ts';
import { prng, type SimDeviceSpec } from './series.ts';

export interface FaultMix {
  /** Share of devices that develop a machine failure during the run. */
  machine: number;
  sensor: number;
  connectivity: number;
}

export interface PlanOptions {
  devices: number;
  seed: number;
  /** The two demo failures of `npm start` (bearing wear, cooling failure) within its first minutes. */
  demo?: boolean;
  /** Simulated start of the run, epoch ms. */
  startMs?: number;
  /** Simulated length of the run, ms (where seeded faults are placed). */
  durationMs?: number;
  faults?: FaultMix;
  /** Share of the fleet on an on/off duty (0..1, default 0: every machine runs continuously). */
  cycling?: number;
  /**
   * Put before every device id (`sim-` gives `sim-pump-0001`): a fleet run beside another (the
   * demo's own `pump-0001`…) must not take over its MQTT client ids or rotate its tokens. Default ''.
   */
  idPrefix?: string;
}

/** On/off duties per kind: compressors cycle on demand, pumps and motors run shifts. */
const DUTY: Record<string, { onH: number; offH: number }> = {
  pump: { onH: 16, offH: 8 },
  compressor: { onH: 1.5, offH: 0.5 },
  motor: { onH: 8, offH: 4 },
};

const DAY = 86_400_000;

/** Lead time from first sign to failure, per machine fault: [min, max] ms. */
const DEGRADATION_MS: Record<string, [number, number]> = {
  bearing_wear: [7 * DAY, 21 * DAY],
  cooling_failure: [2 * DAY, 7 * DAY],
  lubrication_loss: [3 * DAY, 10 * DAY],
  sudden_failure: [2 * 3600_000, 2 * 3600_000],
};

export function deviceId(index: number, kind: string, prefix = ''): string {
  return `${prefix}${kind}-${String(index + 1).padStart(4, '0')}`;
}

export function planFleet(opts: PlanOptions): SimDeviceSpec[] {
  const startMs = opts.startMs ?? Date.now();
  const specs: SimDeviceSpec[] = [];
  for (let i = 0; i < opts.devices; i++) {
    const model = DEVICE_MODELS[i % DEVICE_MODELS.length];
    specs.push({ deviceId: deviceId(i, model.kind, opts.idPrefix), modelId: model.id, profile: 'healthy' });
  }
  if (opts.demo) {
    // Visible within two minutes of `npm start`: the bearing reaches ISO zone D ~150 s in, the
    // cooler the rated temperature ~160 s in.
    const pump = specs.find((s, i) => i >= 3 && deviceModel(s.modelId).kind === 'pump');
    const compressor = specs.find((s, i) => i >= 10 && deviceModel(s.modelId).kind === 'compressor');
    if (pump) Object.assign(pump, { profile: 'bearing_wear', onsetMs: startMs + 30_000, failureMs: startMs + 150_000 });
    // A two-minute story cannot show a days-long curve's slow start: the demo's cooling fails linearly.
    if (compressor)
      Object.assign(compressor, {
        profile: 'cooling_failure',
        onsetMs: startMs + 30_000,
        failureMs: startMs + 120_000,
        shape: 1,
      });
  }
  if (opts.faults) {
    const durationMs = opts.durationMs ?? 30 * DAY;
    const rand = prng(opts.seed ^ 0x5eed);
    const free = specs.filter((s) => s.profile === 'healthy');
    // Deterministic shuffle.
    for (let i = free.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [free[i], free[j]] = [free[j], free[i]];
    }
    const take = (share: number) => free.splice(0, Math.round(share * opts.devices));
    // Most failures give warning over days (bearing wear most of all); a few come suddenly.
    const MACHINE_MIX: (typeof MACHINE_FAULTS)[number][] = [
      'bearing_wear',
      'cooling_failure',
      'bearing_wear',
      'lubrication_loss',
      'bearing_wear',
      'cooling_failure',
      'lubrication_loss',
      'bearing_wear',
      'cooling_failure',
      'sudden_failure',
    ];
    take(opts.faults.machine).forEach((s, k) => {
      const profile = MACHINE_MIX[k % MACHINE_MIX.length];
      const [lo, hi] = DEGRADATION_MS[profile];
      const lead = lo + (hi - lo) * rand();
      // Failures in the run's later part, so each has its lead time inside the run when it can.
      const failureMs = startMs + Math.max(2 * DAY + lead, durationMs * (0.35 + 0.6 * rand()));
      Object.assign(s, { profile, failureMs: Math.round(failureMs), onsetMs: Math.round(failureMs - lead) });
    });
    take(opts.faults.sensor).forEach((s, k) => {
      const profile = SENSOR_FAULTS[k % SENSOR_FAULTS.length];
      const onsetMs = Math.round(startMs + 2 * DAY + (durationMs - 4 * DAY) * rand());
      const drawn = rand() < 0.5 ? 'temperature' : 'vibration';
      // Drifts take turns, vibration then temperature, so a fleet with two drifts has both: by
      // the coin alone bench:fleet's seed 2026 drifted five vibration sensors and no temperature
      // one. The coin is drawn all the same: every other fault of a seed stays where it was.
      const faultMetric =
        profile === 'sensor_drift'
          ? Math.floor(k / SENSOR_FAULTS.length) % 2 === 0
            ? 'vibration'
            : 'temperature'
          : drawn;
      Object.assign(s, { profile, onsetMs, faultMetric, driftSign: rand() < 0.5 ? 1 : -1 });
    });
    take(opts.faults.connectivity).forEach((s, k) => {
      Object.assign(s, {
        profile: CONNECTIVITY_FAULTS[k % CONNECTIVITY_FAULTS.length],
        onsetMs: Math.round(startMs + 2 * DAY + (durationMs - 4 * DAY) * rand()),
      });
    });
  }
  if (opts.cycling) {
    // Its own random stream, so adding cycling leaves the faults of a seed where they were.
    const rand = prng(opts.seed ^ 0xc1c1e);
    const eligible = specs.filter((s) => !opts.demo || s.profile === 'healthy');
    for (const s of eligible) if (rand() < opts.cycling) s.duty = { ...DUTY[deviceModel(s.modelId).kind] };
  }
  return specs;
}

/** The ground truth of a plan: every injected fault with its onset and (machine faults) failure time. */
export function groundTruth(specs: readonly SimDeviceSpec[]): GroundTruth[] {
  const out: GroundTruth[] = [];
  for (const s of specs) {
    const cls = faultClass(s.profile as Profile);
    if (!cls || s.onsetMs === undefined) continue;
    out.push({
      deviceId: s.deviceId,
      modelId: s.modelId,
      profile: s.profile,
      class: cls,
      mode: s.failureMode ?? modeOf(s.profile),
      metric: cls === 'sensor' ? (s.faultMetric ?? 'vibration') : null,
      onsetMs: s.onsetMs,
      failureMs: cls === 'machine' ? (s.failureMs ?? null) : null,
    });
  }
  return out;
}

export function groundTruthCsv(truth: readonly GroundTruth[]): string {
  const rows = truth.map((t) =>
    [
      t.deviceId,
      t.modelId,
      t.profile,
      t.class,
      t.mode,
      new Date(t.onsetMs).toISOString(),
      t.failureMs === null ? '' : new Date(t.failureMs).toISOString(),
      t.metric ?? '',
    ].join(','),
  );
  return `${['deviceId,modelId,profile,class,mode,onset,failure,metric', ...rows].join('\n')}\n`;
}
