// One device's readings every five minutes through a real Analytics, from START for `days`:
// what it dispatched and every health report (the sensor-fault tests' common harness).
import { Analytics } from '../../analytics/index.ts';
import { deviceModel } from '../../core/device-models.ts';
import { EventBus } from '../../core/event-bus.ts';
import { createLogger } from '../../core/log.ts';
import type { ProductModelVersion } from '../../core/product-catalogue.ts';
import type { DispatchRequest, HealthReport, MetricValues } from '../../core/types.ts';

export const START = Date.parse('2026-01-01T00:00:00Z');
export const DAY = 86_400_000;
export const STEP = 300_000;

/** `sample(ts)` (null: no reading then) as device 'dev-1' of the built-in `modelId`, or of `catalogue` when given. */
export function streamAnalytics(
  sample: (tsMs: number) => MetricValues | null,
  days: number,
  opts: { modelId?: string; catalogue?: ProductModelVersion | null } = {},
): { dispatches: DispatchRequest[]; health: HealthReport[] } {
  const bus = new EventBus();
  const catalogue = opts.catalogue ?? null;
  const analytics = new Analytics({
    bus,
    log: createLogger('silent'),
    deviceModelOf: () => deviceModel(opts.modelId ?? 'pump-p200'),
    ...(catalogue ? { modelOf: () => catalogue } : {}),
  });
  const dispatches: DispatchRequest[] = [];
  const health: HealthReport[] = [];
  bus.on('dispatch', (d) => dispatches.push(d));
  bus.on('health', (h) => health.push(h));
  analytics.start();
  for (let ts = START; ts <= START + days * DAY; ts += STEP) {
    const values = sample(ts);
    if (values) bus.emit('telemetry', [{ deviceId: 'dev-1', tsMs: ts, values }]);
  }
  return { dispatches, health };
}
