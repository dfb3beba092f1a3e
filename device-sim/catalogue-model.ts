// Any product model of the catalogue, simulated from its data alone: the healthy level of each
// metric inside its normal operating range, the load and daily cycle on top, and a failure mode's
// signature played as degradation (each metric of the signature moves its way; a metric with a
// rated limit in that direction reaches it at the failure time). The three built-in models keep
// their physics-based series (series.ts); this plays a booster pump, a fan or a chiller, and the
// built-in ones too when asked, from the same data analytics judges them by.
//
// Pure and seeded like series.ts: same model, spec and seed, same readings at the same times.

import type { FailureModeSpec, MetricSpec, ProductModel } from '../core/product-catalogue.ts';
import { gaussian, prng } from '../core/random.ts';
import type { MetricValues } from '../core/types.ts';
import { CONNECTIVITY_FAULTS, SENSOR_FAULTS } from './profiles.ts';
import type { PlanOptions } from './plan.ts';
import { hashString, MAX_PROGRESS, type SimDeviceSpec, TRIP_AFTER_FAILURE_MS } from './series.ts';

const HOUR = 3600_000;
const DAY = 86_400_000;

/** Load changes every this many simulated hours, between MIN_LOAD and full load (as series.ts). */
const LOAD_CHANGE_EVERY_H = 4;
const MIN_LOAD = 0.8;
/** Measurement noise, 1 σ, as a share of the metric's normal range. */
const NOISE_SHARE = 0.015;
/** How far the load moves a metric between MIN_LOAD and full load, as a share of its normal range. */
const LOAD_SHARE = 0.15;
/** The daily swing (peak to mean) of a temperature, as a share of its normal range. */
const DAILY_SHARE = 0.05;
/** Where a signature metric without a rated limit its way ends up at the failure: this share of its normal range beyond it. */
const UNLIMITED_OVERSHOOT = 0.5;

/** A failure mode can be played to a failure time when one of its signature's metrics has a rated limit in the direction it moves. */
export function forecastable(model: ProductModel, mode: FailureModeSpec): boolean {
  return mode.signature.some(
    (s) =>
      limitTowards(
        model.metrics.find((m) => m.name === s.metric),
        s.direction,
      ) !== null,
  );
}

function limitTowards(m: MetricSpec | undefined, direction: 'up' | 'down'): number | null {
  if (!m) return null;
  const limit = direction === 'up' ? m.ratedLimits.upper : m.ratedLimits.lower;
  return limit ?? null;
}

interface MetricPlan {
  name: string;
  /** The device's own healthy level at mean load (somewhere in the middle of the normal range). */
  level: number;
  width: number;
  noise: number;
  /** Decimal places the device reports (a thousandth of the normal range). */
  digits: number;
  /** Temperatures follow the day; the rest only the load. */
  daily: boolean;
  /** Where the degradation takes it at the failure time (progress 1); null: the mode does not move it. */
  target: number | null;
  physical: [number, number];
}

/** The seeded signal of one device of a catalogue model: `sample(tsMs)` → values or null (a gap, offline, tripped). */
export class CatalogueSeries {
  readonly spec: SimDeviceSpec;
  readonly model: ProductModel;
  readonly #seed: number;
  readonly #rand: () => number;
  readonly #metrics: MetricPlan[];
  #stuck: MetricValues | null = null;
  readonly #gaussian: () => number;

  constructor(model: ProductModel, spec: SimDeviceSpec, seed: number) {
    if (spec.modelId !== model.id) throw new Error(`device ${spec.deviceId} is of ${spec.modelId}, not ${model.id}`);
    this.model = model;
    this.spec = spec;
    this.#seed = (seed ^ hashString(spec.deviceId)) >>> 0;
    this.#rand = prng(this.#seed);
    this.#gaussian = gaussian(this.#rand);
    const mode = spec.failureMode ? model.failureModes.find((f) => f.id === spec.failureMode) : undefined;
    if (spec.profile === 'degradation' && !mode)
      throw new Error(`device ${spec.deviceId}: ${model.id} has no failure mode '${spec.failureMode}'`);
    this.#metrics = model.metrics.map((m) => {
      const [lo, hi] = m.normalRange;
      const width = hi - lo;
      // Each device sits somewhere in the middle third of the normal range (units differ).
      const level = lo + width * (0.4 + 0.2 * this.#rand());
      const term = mode?.signature.find((s) => s.metric === m.name);
      let target: number | null = null;
      if (term) {
        const limit = limitTowards(m, term.direction);
        if (limit !== null)
          // Just past the limit at the failure time, as series.ts takes vibration to 1.02 × zone C/D.
          target = level + (limit - level) * 1.02;
        else
          target =
            term.direction === 'up'
              ? Math.min(m.physicalRange[1], hi + UNLIMITED_OVERSHOOT * width)
              : Math.max(m.physicalRange[0], lo - UNLIMITED_OVERSHOOT * width);
      }
      return {
        name: m.name,
        level,
        width,
        noise: NOISE_SHARE * width,
        digits: Math.max(0, Math.ceil(-Math.log10(width / 1000))),
        daily: m.unit === '°C' || m.unit === '°F' || m.unit === 'K',
        target,
        physical: m.physicalRange,
      };
    });
  }

  /** Load set point MIN_LOAD..1 at a simulated time (a new one every few hours, the same whatever the step). */
  load(tsMs: number): number {
    const slot = Math.floor(tsMs / (LOAD_CHANGE_EVERY_H * HOUR));
    return MIN_LOAD + (1 - MIN_LOAD) * prng((this.#seed ^ Math.imul(slot + 1, 0x9e3779b1)) >>> 0)();
  }

  /** The reading at `tsMs` (call with increasing times), or null when the device sends nothing. */
  sample(tsMs: number): MetricValues | null {
    const spec = this.spec;
    if (spec.failureMs !== undefined && tsMs > spec.failureMs + TRIP_AFTER_FAILURE_MS) return null;
    const loadDev = (this.load(tsMs) - (1 + MIN_LOAD) / 2) / (1 - MIN_LOAD); // −0.5 … 0.5
    const hourOfDay = (((tsMs / HOUR) % 24) + 24) % 24;
    const day = Math.sin((2 * Math.PI * (hourOfDay - 9)) / 24);
    const progress =
      spec.profile === 'degradation' &&
      spec.onsetMs !== undefined &&
      spec.failureMs !== undefined &&
      tsMs > spec.onsetMs
        ? Math.min(MAX_PROGRESS, (tsMs - spec.onsetMs) / (spec.failureMs - spec.onsetMs))
        : 0;
    const shaped = progress > 0 ? progress ** (spec.shape ?? 1.5) : 0;
    let values: MetricValues = {};
    for (const m of this.#metrics) {
      let v = m.level + LOAD_SHARE * m.width * loadDev + (m.daily ? DAILY_SHARE * m.width * day : 0);
      // The fault takes over from the load and the day: at the failure time the metric is at its target.
      if (m.target !== null && shaped > 0) v += (m.target - v) * shaped;
      v += m.noise * this.#gaussian();
      values[m.name] = round(clamp(v, m.physical), m.digits);
    }

    // Sensor and connectivity faults change what is reported, not the machine.
    if (spec.onsetMs !== undefined && tsMs >= spec.onsetMs) {
      const metric = this.#metrics.find((m) => m.name === spec.faultMetric) ?? this.#metrics[0];
      switch (spec.profile) {
        case 'sensor_drift': {
          // A tenth of the normal range a day, the way the sign says.
          const days = (tsMs - spec.onsetMs) / DAY;
          values[metric.name] = round(
            clamp(values[metric.name] + (spec.driftSign ?? 1) * 0.1 * metric.width * days, metric.physical),
            metric.digits,
          );
          break;
        }
        case 'stuck_sensor':
          this.#stuck ??= { ...values };
          values = { ...values, [metric.name]: this.#stuck[metric.name] };
          break;
        case 'spikes':
          // Beyond what the sensor can physically read: a sensor fault, never the machine's.
          if (this.#rand() < 0.02) {
            const [pLo, pHi] = metric.physical;
            values = {
              ...values,
              [metric.name]: round(pHi + (pHi - pLo) * (0.05 + 0.1 * this.#rand()), metric.digits),
            };
          }
          break;
        case 'intermittent':
          if (Math.floor((tsMs - spec.onsetMs) / 600_000) % 3 === 1 && this.#rand() < 0.7) return null;
          break;
        case 'offline':
          return null;
      }
    }
    return values;
  }
}

function clamp(v: number, [lo, hi]: [number, number]): number {
  return Math.min(hi, Math.max(lo, v));
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

/** Lead time from first sign to failure of a catalogue failure mode: [min, max] ms. */
const DEGRADATION_MS: [number, number] = [3 * DAY, 14 * DAY];

/** A catalogue model's device id: the model's id and the index (`booster-b40-0001`), after the prefix. */
export function catalogueDeviceId(index: number, modelId: string, prefix = ''): string {
  return `${prefix}${modelId}-${String(index + 1).padStart(4, '0')}`;
}

/**
 * A fleet of catalogue models: device i is of `models[i % models.length]`. Seeded faults as
 * planFleet's (`faults` shares): a machine fault plays one of the device's model's failure modes
 * that can reach a rated limit (in turn), degrading over 3 to 14 days to its failure time; sensor
 * faults hit one of the model's metrics; connectivity faults as for the built-in models.
 */
export function planCatalogueFleet(
  models: readonly ProductModel[],
  opts: Omit<PlanOptions, 'demo' | 'cycling'>,
): SimDeviceSpec[] {
  if (models.length === 0) throw new Error('planCatalogueFleet needs at least one model');
  const startMs = opts.startMs ?? Date.now();
  const specs: SimDeviceSpec[] = [];
  for (let i = 0; i < opts.devices; i++) {
    const model = models[i % models.length];
    specs.push({ deviceId: catalogueDeviceId(i, model.id, opts.idPrefix), modelId: model.id, profile: 'healthy' });
  }
  if (!opts.faults) return specs;
  const byId = new Map(models.map((m) => [m.id, m]));
  const durationMs = opts.durationMs ?? 30 * DAY;
  const rand = prng(opts.seed ^ 0xca7a);
  const free = [...specs];
  for (let i = free.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [free[i], free[j]] = [free[j], free[i]];
  }
  const take = (share: number) => free.splice(0, Math.round(share * opts.devices));
  const turn = new Map<string, number>();
  for (const s of take(opts.faults.machine)) {
    const model = byId.get(s.modelId)!;
    const modes = model.failureModes.filter((f) => forecastable(model, f));
    if (modes.length === 0) continue; // nothing of it reaches a limit: it stays healthy
    const k = turn.get(model.id) ?? 0;
    turn.set(model.id, k + 1);
    const [lo, hi] = DEGRADATION_MS;
    const lead = lo + (hi - lo) * rand();
    const failureMs = startMs + Math.max(2 * DAY + lead, durationMs * (0.35 + 0.6 * rand()));
    Object.assign(s, {
      profile: 'degradation',
      failureMode: modes[k % modes.length].id,
      failureMs: Math.round(failureMs),
      onsetMs: Math.round(failureMs - lead),
      shape: 1 + rand(),
    });
  }
  take(opts.faults.sensor).forEach((s, k) => {
    const metrics = byId.get(s.modelId)!.metrics;
    Object.assign(s, {
      profile: SENSOR_FAULTS[k % SENSOR_FAULTS.length],
      onsetMs: Math.round(startMs + 2 * DAY + (durationMs - 4 * DAY) * rand()),
      faultMetric: metrics[Math.floor(rand() * metrics.length)].name,
      driftSign: rand() < 0.5 ? 1 : -1,
    });
  });
  take(opts.faults.connectivity).forEach((s, k) => {
    Object.assign(s, {
      profile: CONNECTIVITY_FAULTS[k % CONNECTIVITY_FAULTS.length],
      onsetMs: Math.round(startMs + 2 * DAY + (durationMs - 4 * DAY) * rand()),
    });
  });
  return specs;
}

/**
 * Reads a catalogue as the import and the API give it: an array of models, `{"models": [...]}`
 * (GET /api/catalogue/models answers so) or one `{"model": {...}}`. No validation here: the
 * caller checks each model with core's validateProductModel.
 */
export function modelsFromJson(json: unknown): ProductModel[] {
  const list = Array.isArray(json)
    ? json
    : json && typeof json === 'object' && Array.isArray((json as { models?: unknown }).models)
      ? (json as { models: unknown[] }).models
      : json && typeof json === 'object' && (json as { model?: unknown }).model
        ? [(json as { model: unknown }).model]
        : null;
  if (!list) throw new Error('expected an array of product models, {"models": [...]} or {"model": {...}}');
  return list as ProductModel[];
}
