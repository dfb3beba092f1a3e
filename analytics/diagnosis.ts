// The failure mode from the catalogue: of the model's failure modes whose signature has the metric
// that is due moving the way it moved, the one whose signature best fits how the device's metrics
// moved (each term whose metric moved its way counts +1, one that moved the other way −1; a tie
// goes to the more specific signature, then to the catalogue's order).

import type { FailureModeSpec, ProductModelVersion } from '../core/product-catalogue.ts';
import type { DeviceState } from './device-state.ts';

/** How far (σ from the device's normal) a metric must be to count as moved in a signature: as far as makes it elevated (verdict.ts). */
const MOVED_SIGMAS = 4;

/** A metric with at least this share of the joint model's residual moved (joint-model.ts), the way its residual points. */
const JOINT_MOVED_SHARE = 0.1;

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
  return bestFit(model, dueMetric, dueMoved < 0 ? 'down' : 'up', (metric) => movement(d, metric));
}

/**
 * The catalogue failure mode that explains a device off its joint normal: as `diagnose`, with the
 * metric that has the largest share of the residual as the due one, and a metric moved when it
 * has a tenth of the residual or more, the way its residual points (at the same running point:
 * a load change moves nothing here).
 */
export function diagnoseJoint(d: DeviceState, model: ProductModelVersion): FailureModeSpec | null {
  const joint = d.joint;
  if (!joint) return null;
  let top = 0;
  for (let i = 1; i < joint.d; i++) if (joint.share(i) > joint.share(top)) top = i;
  const jointMovement = (metric: string): -1 | 0 | 1 => {
    const i = joint.indexOf(metric);
    if (i < 0 || joint.share(i) < JOINT_MOVED_SHARE) return 0;
    return joint.residual(i) < 0 ? -1 : 1;
  };
  return bestFit(model, joint.metrics[top], joint.residual(top) < 0 ? 'down' : 'up', jointMovement);
}

function bestFit(
  model: ProductModelVersion,
  dueMetric: string,
  dueDirection: 'up' | 'down',
  movement: (metric: string) => -1 | 0 | 1,
): FailureModeSpec | null {
  let best: FailureModeSpec | null = null;
  let bestFit = Number.NEGATIVE_INFINITY;
  for (const mode of model.failureModes) {
    if (!mode.signature.some((t) => t.metric === dueMetric && t.direction === dueDirection)) continue;
    let fit = 0;
    for (const t of mode.signature) {
      const moved = t.metric === dueMetric ? (dueDirection === 'up' ? 1 : -1) : movement(t.metric);
      fit += moved === 0 ? 0 : moved === (t.direction === 'up' ? 1 : -1) ? 1 : -1;
    }
    if (fit > bestFit || (fit === bestFit && best !== null && mode.signature.length < best.signature.length)) {
      best = mode;
      bestFit = fit;
    }
  }
  return best;
}
