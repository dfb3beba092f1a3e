// The checks of a telemetry message that need to know its device, after the payload itself is
// valid (ingest/payload.ts): how many metric names the device may have, and what its model's
// sensors can physically read (core/device-models.ts).

import { physicalRanges, type DeviceModelSpec, type PhysicalRange } from '../core/device-models.ts';
import type { Reading } from '../core/types.ts';

export interface DeviceChecksOptions {
  /**
   * Distinct metric names one device may have. Every part keeps state per device × metric
   * (detectors, the dashboard's latest values, the analytics snapshot): without a bound one device
   * inventing 64 names per reading grew the live heap from 37 MB to 518 MB in 53 messages.
   */
  maxMetricsPerDevice: number;
  /** The device's product model (its sensors' physical ranges); asked once per device. */
  deviceModelOf: (deviceId: string) => DeviceModelSpec;
  /** Metric names the device had before this process started (restored analytics state). */
  knownMetricsOf?: (deviceId: string) => Iterable<string>;
}

export type DeviceCheck =
  | { ok: true }
  | { ok: false; kind: 'metric_limit'; reason: string }
  /** `impossible` holds the impossible values only, each at its reading's time. */
  | { ok: false; kind: 'sensor_fault'; reason: string; impossible: Reading[] };

interface DeviceState {
  metrics: Set<string>;
  model: DeviceModelSpec;
  ranges: ReadonlyMap<string, PhysicalRange>;
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
    let fresh: string[] | null = null;
    let impossible: Reading[] | null = null;
    let faultReason = '';
    // One pass over every value (this runs for each reading ingest accepts).
    for (let i = 0; i < readings.length; i++) {
      const r = readings[i];
      let faulty: Record<string, number> | null = null;
      for (const metric in r.values) {
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
        const range = d.ranges.get(metric);
        if (range === undefined) continue;
        const v = valueOf(r.values, metric);
        if (v >= range.min && v <= range.max) continue;
        (faulty ??= {})[metric] = v;
        if (!impossible) faultReason = `${elementOf(readings, i)}${metric} ${v} ${range.unit} is outside what the sensor can read on ${d.model.id} (${range.min}…${range.max} ${range.unit})`;
      }
      if (faulty) (impossible ??= []).push({ deviceId: r.deviceId, tsMs: r.tsMs, values: faulty });
    }
    if (impossible) {
      const others = impossible.length - 1;
      const more = others > 0 ? `, and ${others} more ${others === 1 ? 'reading' : 'readings'} like it` : '';
      return { ok: false, kind: 'sensor_fault', reason: `${faultReason}${more}: sensor fault, message rejected`, impossible };
    }
    if (fresh) for (const metric of fresh) d.metrics.add(metric);
    return OK;
  }

  #device(deviceId: string): DeviceState {
    let d = this.#devices.get(deviceId);
    if (!d) {
      const metrics = new Set<string>();
      for (const metric of this.#opts.knownMetricsOf?.(deviceId) ?? []) {
        if (metrics.size >= this.#opts.maxMetricsPerDevice) break;
        metrics.add(metric);
      }
      const model = this.#opts.deviceModelOf(deviceId);
      d = { metrics, model, ranges: physicalRanges(model) };
      this.#devices.set(deviceId, d);
    }
    return d;
  }
}
