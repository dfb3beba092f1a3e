// The checks of a telemetry message that need to know its device, after the payload itself is
// valid (ingest/payload.ts): the metrics its product model declares (the catalogue's contract),
// how many metric names the device may have, and what its sensors can physically read.

import { DEFAULT_DEVICE_MODEL, physicalRanges, type PhysicalRange } from '../core/device-models.ts';
import type { DeviceContract } from '../core/product-catalogue.ts';
import type { Reading } from '../core/types.ts';

/**
 * What to do with a metric the device's model does not declare: `reject` the message (the device
 * hears why), or `store` it without judging it (stored, but neither analytics nor the live views
 * see it). See docs/mqtt-api.md for why reject is the default.
 */
export type UndeclaredMetrics = 'reject' | 'store';

/**
 * A device the registry does not know (or one of no model) is held to what Purna held every
 * device to before the catalogue: any metric name up to the bound, and the sensor ranges of the
 * default model for the metrics it knows (temperature, vibration).
 */
const UNKNOWN_MODEL = { modelId: DEFAULT_DEVICE_MODEL.id, ranges: physicalRanges(DEFAULT_DEVICE_MODEL) };

export interface DeviceChecksOptions {
  /**
   * Distinct metric names one device may have. Every part keeps state per device × metric
   * (detectors, the dashboard's latest values, the analytics snapshot): without a bound one device
   * inventing 64 names per reading grew the live heap from 37 MB to 518 MB in 53 messages.
   */
  maxMetricsPerDevice: number;
  /**
   * The contract of the device's product model at its current version, or null for a device of
   * no known model. Asked per message (a model edited in the catalogue holds from the next one):
   * it must answer from memory.
   */
  contractOf: (deviceId: string) => DeviceContract | null;
  /** A metric the model does not declare: reject the message (default) or store it unjudged. */
  undeclaredMetrics?: UndeclaredMetrics;
  /** Metric names the device had before this process started (restored analytics state). */
  knownMetricsOf?: (deviceId: string) => Iterable<string>;
}

export type DeviceCheck =
  /** `judged`: the readings with their declared metrics only, when they differ from what is stored (undeclared metrics stored unjudged). */
  | { ok: true; judged?: Reading[] }
  | { ok: false; kind: 'metric_limit' | 'undeclared_metric'; reason: string }
  /** `impossible` holds the impossible values only, each at its reading's time. */
  | { ok: false; kind: 'sensor_fault'; reason: string; impossible: Reading[] };

interface DeviceState {
  metrics: Set<string>;
}

const OK: DeviceCheck = { ok: true };

/** Where a reading is in its message, for a reason: `[3].` in an array of several, nothing alone. */
function elementOf(readings: readonly Reading[], i: number): string {
  return readings.length > 1 ? `[${i}].` : '';
}

/** `values[metric]` read outside the loop over `values` (see valueOf in analytics/index.ts: V8 deoptimised that read in the loop). */
function valueOf(values: Record<string, number>, metric: string): number {
  return values[metric];
}

export class DeviceChecks {
  readonly #opts: DeviceChecksOptions;
  readonly #devices = new Map<string, DeviceState>();

  constructor(opts: DeviceChecksOptions) {
    this.#opts = opts;
  }

  /** Metric names the device has so far (at most the bound). */
  metricCount(deviceId: string): number {
    return this.#devices.get(deviceId)?.metrics.size ?? 0;
  }

  /**
   * Checks one parsed message of `deviceId`. Only an accepted message adds its new metric names
   * to the device's: a rejected one changes nothing.
   */
  check(deviceId: string, readings: readonly Reading[]): DeviceCheck {
    const d = this.#device(deviceId);
    const contract = this.#opts.contractOf(deviceId);
    const ranges: ReadonlyMap<string, PhysicalRange> = contract?.metrics ?? UNKNOWN_MODEL.ranges;
    const modelId = contract?.modelId ?? UNKNOWN_MODEL.modelId;
    const storeUndeclared = this.#opts.undeclaredMetrics === 'store';
    let undeclared = false;
    let fresh: string[] | null = null;
    let impossible: Reading[] | null = null;
    let faultReason = '';
    // One pass over every value (this runs for each reading ingest accepts).
    for (let i = 0; i < readings.length; i++) {
      const r = readings[i];
      let faulty: Record<string, number> | null = null;
      for (const metric in r.values) {
        const range = ranges.get(metric);
        if (range === undefined && contract !== null) {
          if (!storeUndeclared)
            return {
              ok: false,
              kind: 'undeclared_metric',
              reason: `${elementOf(readings, i)}${undeclaredReason(metric, contract)}`,
            };
          undeclared = true;
        }
        if (!d.metrics.has(metric) && !fresh?.includes(metric)) {
          (fresh ??= []).push(metric);
          if (d.metrics.size + fresh.length > this.#opts.maxMetricsPerDevice) {
            return {
              ok: false,
              kind: 'metric_limit',
              reason: `${elementOf(readings, i)}metric "${metric}" would be this device's metric number ${d.metrics.size + fresh.length}: a device may have at most ${this.#opts.maxMetricsPerDevice} metric names (it has ${d.metrics.size})`,
            };
          }
        }
        if (range === undefined) continue;
        const v = valueOf(r.values, metric);
        if (v >= range.min && v <= range.max) continue;
        (faulty ??= {})[metric] = v;
        if (!impossible)
          faultReason = `${elementOf(readings, i)}${metric} ${v} ${range.unit} is outside what the sensor can read on ${modelId} (${range.min}…${range.max} ${range.unit})`;
      }
      if (faulty) (impossible ??= []).push({ deviceId: r.deviceId, tsMs: r.tsMs, values: faulty });
    }
    if (impossible) {
      const others = impossible.length - 1;
      const more = others > 0 ? `, and ${others} more ${others === 1 ? 'reading' : 'readings'} like it` : '';
      return {
        ok: false,
        kind: 'sensor_fault',
        reason: `${faultReason}${more}: sensor fault, message rejected`,
        impossible,
      };
    }
    if (fresh) for (const metric of fresh) d.metrics.add(metric);
    return undeclared ? { ok: true, judged: declaredOnly(readings, ranges) } : OK;
  }

  #device(deviceId: string): DeviceState {
    let d = this.#devices.get(deviceId);
    if (!d) {
      const metrics = new Set<string>();
      for (const metric of this.#opts.knownMetricsOf?.(deviceId) ?? []) {
        if (metrics.size >= this.#opts.maxMetricsPerDevice) break;
        metrics.add(metric);
      }
      d = { metrics };
      this.#devices.set(deviceId, d);
    }
    return d;
  }
}

/** `metric "flow_rate" is not declared by booster-b40 (version 3), which declares pressure, flow, current, temperature: message rejected` */
function undeclaredReason(metric: string, contract: DeviceContract): string {
  const declared = [...contract.metrics.keys()];
  const shown =
    declared.length > 12 ? `${declared.slice(0, 12).join(', ')} and ${declared.length - 12} more` : declared.join(', ');
  return `metric "${metric}" is not declared by ${contract.modelId} (version ${contract.version}), which declares ${shown}: message rejected`;
}

/** The readings with their declared metrics only; a reading left with none is left out. */
function declaredOnly(readings: readonly Reading[], declared: ReadonlyMap<string, PhysicalRange>): Reading[] {
  const out: Reading[] = [];
  for (const r of readings) {
    let values: Record<string, number> | null = null;
    for (const metric in r.values) if (declared.has(metric)) (values ??= {})[metric] = valueOf(r.values, metric);
    if (values) out.push({ deviceId: r.deviceId, tsMs: r.tsMs, values });
  }
  return out;
}
