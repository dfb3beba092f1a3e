// The failure mode from the catalogue: of the model's failure modes whose signature has the metric
// that is due moving the way it moved, the one whose signature best fits how the device's metrics
// moved (each term whose metric moved its way counts +1, one that moved the other way −1; a tie
// goes to the more specific signature, then to the catalogue's order).

import type { FailureModeSpec, ProductModelVersion } from '../core/product-catalogue.ts';
import type { DeviceState } from './device-state.ts';

/** How far (σ from the device's normal) a metric must be to count as moved in a signature: as far as makes it elevated (verdict.ts). */
const MOVED_SIGMAS = 4;

function movement(d: DeviceState, metric: string): -1 | 0 | 1 {
  const m = d.metrics.get(metric);
  if (!m?.last) return 0;
  return m.elevationSigned >= MOVED_SIGMAS ? 1 : m.elevationSigned <= -MOVED_SIGMAS ? -1 : 0;
}

/**
 * The catalogue failure mode that explains the due metric on this device, or null when no
 * signature of the model names that metric moving its way (the built-in mode stands then).
 */
export function diagnose(d: DeviceState, model: ProductModelVersion, dueMetric: string): FailureModeSpec | null {
  const dueMoved = d.metrics.get(dueMetric)?.elevationSigned ?? 0;
  const dueDirection = dueMoved < 0 ? 'down' : 'up';
  let best: FailureModeSpec | null = null;
  let bestFit = Number.NEGATIVE_INFINITY;
  for (const mode of model.failureModes) {
    if (!mode.signature.some((t) => t.metric === dueMetric && t.direction === dueDirection)) continue;
    let fit = 0;
    for (const t of mode.signature) {
      const moved = t.metric === dueMetric ? (dueDirection === 'up' ? 1 : -1) : movement(d, t.metric);
      fit += moved === 0 ? 0 : moved === (t.direction === 'up' ? 1 : -1) ? 1 : -1;
    }
    if (fit > bestFit || (fit === bestFit && best !== null && mode.signature.length < best.signature.length)) {
      best = mode;
      bestFit = fit;
    }
  }
  return best;
}
