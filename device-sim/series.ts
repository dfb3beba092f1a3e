// The pure, seeded signal of one device: a function of its spec, the seed and simulated time.
// No I/O: the MQTT fleet, the analytics benchmark and the tests all draw from it.

import { gaussian, prng } from '../core/random.ts';
import { ISO10816_ZONES_MM_S } from '../core/device-models.ts';
import type { MetricValues } from '../core/types.ts';
import { simParams, type SimModelParams } from './models.ts';
import type { Profile } from './profiles.ts';

export interface SimDeviceSpec {
  deviceId: string;
  modelId: string;
  profile: Profile;
  /** When the fault begins, epoch ms (absent for healthy devices). */
  onsetMs?: number;
  /** When a machine fault crosses its failure threshold, epoch ms. */
  failureMs?: number;
  /** Which sensor a sensor fault hits (built-in models: temperature or vibration; catalogue models: any of theirs). */
  faultMetric?: string;
  /** Profile `degradation` (catalogue models, catalogue-model.ts): the model's failure mode it plays. */
  failureMode?: string;
  /** Sign of a sensor drift. */
  driftSign?: 1 | -1;
  /** Exponent of the degradation curve (progress^shape): above 1 slow at first, then accelerating. */
  shape?: number;
  /**
   * On/off duty (absent: continuous duty, the default): runs `onH` simulated hours, then stands
   * `offH` hours. Stopped, it barely vibrates and cools down towards ambient with its thermal lag.
   */
  duty?: { onH: number; offH: number };
}

export { prng } from '../core/random.ts';

export function hashString(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** A deterministic value in [0, 1) for (seed, key, slot): load set points do not depend on the sampling step. */
function slotRandom(seed: number, slot: number): number {
  return prng((seed ^ Math.imul(slot + 1, 0x9e3779b1)) >>> 0)();
}

/** How long a failed machine keeps running (and reporting) before it trips. */
export const TRIP_AFTER_FAILURE_MS = 6 * 3600_000;

/**
 * How far a failed machine's degradation goes on past its failure (progress 1) while it runs until
 * it trips. Days-long faults never get there within TRIP_AFTER_FAILURE_MS (at most 1.08); the
 * demo's two-minute ones would otherwise reach 180 and read far outside their sensors' range.
 */
export const MAX_PROGRESS = 1.25;

export class DeviceSeries {
  readonly spec: SimDeviceSpec;
  readonly #p: SimModelParams;
  readonly #rand: () => number;
  readonly #seed: number;
  readonly #offsetTempC: number;
  readonly #offsetVibMmS: number;
  #thermalLoad = -1;
  #lastTs = 0;
  #stuck: MetricValues | null = null;
  readonly #gaussian: () => number;

  constructor(spec: SimDeviceSpec, seed: number) {
    this.spec = spec;
    this.#p = simParams(spec.modelId);
    this.#seed = (seed ^ hashString(spec.deviceId)) >>> 0;
    this.#rand = prng(this.#seed);
    this.#gaussian = gaussian(this.#rand);
    this.#offsetTempC = (this.#rand() - 0.5) * 4;
    this.#offsetVibMmS = (this.#rand() - 0.5) * 0.2 * this.#p.model.healthy.vibrationMmS;
  }

  /** Whether the machine runs at a simulated time (always, unless it has an on/off duty). */
  running(tsMs: number): boolean {
    const duty = this.spec.duty;
    if (!duty) return true;
    const periodH = duty.onH + duty.offH;
    // A per-device phase, so a cycling fleet does not start and stop all at once.
    const phaseH = periodH * slotRandom(this.#seed, -7);
    return (((tsMs / 3600_000 + phaseH) % periodH) + periodH) % periodH < duty.onH;
  }

  /** Load set point 0..1 at a simulated time (changes every few hours; 0 while stopped). */
  load(tsMs: number): number {
    if (!this.running(tsMs)) return 0;
    const slot = Math.floor(tsMs / (this.#p.loadChangeEveryH * 3600_000));
    return this.#p.minLoad + (1 - this.#p.minLoad) * slotRandom(this.#seed, slot);
  }

  /** The reading at `tsMs` (call with increasing times), or null when the device sends nothing. */
  sample(tsMs: number): MetricValues | null {
    const p = this.#p;
    const spec = this.spec;
    // A machine that has failed trips within hours: it stops and reports nothing until repaired.
    if (spec.failureMs !== undefined && tsMs > spec.failureMs + TRIP_AFTER_FAILURE_MS) return null;
    const load = this.load(tsMs);
    const dtS = this.#lastTs === 0 ? 0 : (tsMs - this.#lastTs) / 1000;
    this.#lastTs = tsMs;
    this.#thermalLoad =
      this.#thermalLoad < 0
        ? load
        : this.#thermalLoad + (load - this.#thermalLoad) * (1 - Math.exp(-dtS / p.thermalTauS));

    const hourOfDay = (((tsMs / 3600_000) % 24) + 24) % 24;
    const ambient = p.model.healthy.ambientC + p.ambientSwingC * Math.sin((2 * Math.PI * (hourOfDay - 9)) / 24);
    let temperature = ambient + p.fullLoadRiseC * this.#thermalLoad + this.#offsetTempC;
    const baseVib = p.model.healthy.vibrationMmS + this.#offsetVibMmS;
    const running = load > 0;
    // A stopped machine shows only what its neighbours transmit through the floor.
    let vibration = running ? baseVib * (1 - p.vibrationLoadShare + p.vibrationLoadShare * load) : 0.05 * baseVib;

    // Machine degradation: progress 0 at onset, 1 at the failure threshold.
    const cd = ISO10816_ZONES_MM_S[p.model.machineClass].cd;
    const rated = p.model.ratedMaxTemperatureC;
    const progress =
      spec.onsetMs !== undefined && spec.failureMs !== undefined && tsMs > spec.onsetMs
        ? Math.min(MAX_PROGRESS, (tsMs - spec.onsetMs) / (spec.failureMs - spec.onsetMs))
        : 0;
    const normalTemp = p.model.healthy.ambientC + p.fullLoadRiseC * (running ? load : 1) + this.#offsetTempC;
    // 1 while running (the thermal load never falls below minLoad then), towards 0 as a stopped machine cools.
    const warm = Math.min(1, this.#thermalLoad / p.minLoad);
    switch (spec.profile) {
      case 'bearing_wear':
        // Slow at first, accelerating to failure (as spall growth does).
        if (running) vibration += (cd * 1.02 - baseVib) * progress ** (spec.shape ?? 2.5);
        break;
      case 'cooling_failure':
        // Lost cooling shows under load: the rise scales with it (and fades as a stopped machine cools).
        temperature +=
          (rated + 2 - normalTemp) * progress ** (spec.shape ?? 1.5) * (0.5 + 0.5 * this.#thermalLoad) * warm;
        break;
      case 'lubrication_loss':
        if (running) vibration += (cd * 1.02 - baseVib) * progress ** 2;
        temperature += (rated + 2 - normalTemp) * progress ** 2 * warm;
        break;
      case 'sudden_failure':
        // A faint precursor in the last hours, then the step.
        if (!running) break;
        if (progress >= 1) vibration = cd * 1.5;
        else vibration += cd * 0.3 * progress ** 4;
        break;
    }

    temperature += p.temperatureNoiseC * this.#gaussian();
    vibration = Math.max(0.01, vibration + p.vibrationNoiseMmS * this.#gaussian());
    let values: MetricValues = { temperature: round(temperature, 2), vibration: round(vibration, 3) };

    // Sensor and connectivity faults change what is reported, not the machine.
    const active = spec.onsetMs !== undefined && tsMs >= spec.onsetMs;
    if (active) {
      const metric = spec.faultMetric ?? 'vibration';
      switch (spec.profile) {
        case 'sensor_drift': {
          const days = (tsMs - spec.onsetMs!) / 86_400_000;
          if (metric === 'temperature')
            values.temperature = round(values.temperature + (spec.driftSign ?? 1) * 4 * days, 2);
          else values.vibration = round(Math.max(0, values.vibration * (1 + (spec.driftSign ?? 1) * 0.3 * days)), 3);
          break;
        }
        case 'stuck_sensor':
          this.#stuck ??= { ...values };
          values = { ...values, [metric]: this.#stuck[metric] };
          break;
        case 'spikes':
          if (this.#rand() < 0.02)
            values = {
              ...values,
              [metric]: metric === 'vibration' ? round(60 + 40 * this.#rand(), 3) : round(300 + 50 * this.#rand(), 2),
            };
          break;
        case 'intermittent':
          if (Math.floor((tsMs - spec.onsetMs!) / 600_000) % 3 === 1 && this.#rand() < 0.7) return null;
          break;
        case 'offline':
          return null;
      }
    }
    return values;
  }
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

export interface SeriesCursor {
  /** The next sample (time advances by stepMs per call), `values: null` while the device sends nothing (a gap, offline, tripped); null once past `endMs`. */
  next(): { tsMs: number; values: MetricValues | null } | null;
}

/**
 * A device's series as a cursor over a fixed step, for driving days of simulated data through a
 * detector without MQTT (bench:fleet). The same spec and seed give the same readings as the live
 * fleet at the same timestamps.
 */
export function createSeries(
  spec: SimDeviceSpec,
  seed: number,
  opts: { startMs: number; stepMs: number; endMs?: number },
): SeriesCursor {
  if (!(opts.stepMs > 0)) throw new RangeError(`stepMs must be > 0, got ${opts.stepMs}`);
  const series = new DeviceSeries(spec, seed);
  let tsMs = opts.startMs;
  const endMs = opts.endMs ?? Number.POSITIVE_INFINITY;
  return {
    next() {
      if (tsMs > endMs) return null;
      const out = { tsMs, values: series.sample(tsMs) };
      tsMs += opts.stepMs;
      return out;
    },
  };
}
