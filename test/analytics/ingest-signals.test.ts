// What analytics takes from ingest besides readings: physically impossible values as a
// sensor-fault signal only, and a snapshot bounded to the metrics a device may have.
import { expect, it } from 'vitest';
import { Analytics } from '../../analytics/index.ts';
import { deviceModel } from '../../core/device-models.ts';
import { EventBus } from '../../core/event-bus.ts';
import { createLogger } from '../../core/log.ts';
import type { DispatchRequest, HealthReport } from '../../core/types.ts';
import { prng } from '../../device-sim/fleet.ts';

function make() {
  const bus = new EventBus();
  const analytics = new Analytics({ bus, log: createLogger('silent'), deviceModelOf: () => deviceModel('pump-p200') });
  const health: HealthReport[] = [];
  const dispatches: DispatchRequest[] = [];
  bus.on('health', (h) => health.push(h));
  bus.on('dispatch', (d) => dispatches.push(d));
  analytics.start();
  return { bus, analytics, health, dispatches };
}

const T0 = 1_700_000_000_000;

it('an impossible value reported as a sensor fault makes the device a sensor fault without moving its baseline', () => {
  const rand = prng(4);
  const { bus, health, dispatches } = make();
  const normal = (i: number) => ({
    deviceId: 'dev-1',
    tsMs: T0 + i * 1000,
    values: { vibration: 1.6 + 0.05 * (rand() - 0.5), temperature: 58 + (rand() - 0.5) },
  });
  for (let i = 0; i < 300; i++) bus.emit('telemetry', [normal(i)]);
  const baselineBefore = health.at(-1)!.evidence.baselineMean;
  expect(health.at(-1)!.state).toBe('healthy');

  // Vibration velocity RMS cannot be negative: ingest rejected these and reported them, alone
  // (a few in a row: the physical-range rule dispatches from a decaying count of 3).
  for (let i = 300; i < 305; i++) {
    bus.emit('sensorFault', {
      deviceId: 'dev-1',
      readings: [{ deviceId: 'dev-1', tsMs: T0 + i * 1000, values: { vibration: -5 } }],
      reason: 'vibration -5 …',
      tsMs: T0 + i * 1000,
    });
  }
  const fault = health.at(-1)!;
  expect(fault.state).toBe('sensor_fault');
  expect(fault.rule).toBe('physical-range');
  expect(dispatches.map((d) => d.mode)).toEqual(['sensor_fault']);

  bus.emit('telemetry', [normal(305)]);
  expect(health.at(-1)!.state).toBe('healthy');
  expect(health.at(-1)!.evidence.baselineMean).toBeCloseTo(baselineBefore, 1);
});

it('a restored snapshot keeps at most the bound of metrics per device, the first ones', () => {
  const { bus, analytics } = make();
  const names = Array.from({ length: 100 }, (_, i) => `m${String(i).padStart(3, '0')}`);
  bus.emit('telemetry', [{ deviceId: 'dev-1', tsMs: T0, values: Object.fromEntries(names.map((n, i) => [n, i])) }]);
  bus.emit('telemetry', [{ deviceId: 'dev-2', tsMs: T0, values: { temperature: 50, vibration: 1 } }]);
  const snapshot = JSON.parse(JSON.stringify(analytics.snapshot()));

  const after = make();
  expect(after.analytics.restore(snapshot, 32)).toEqual({ droppedMetrics: 68 });
  expect(after.analytics.metricNames('dev-1')).toEqual(names.slice(0, 32));
  expect(after.analytics.metricNames('dev-2')).toEqual(['temperature', 'vibration']);
  // No bound given: everything comes back, as before.
  expect(make().analytics.restore(snapshot)).toEqual({ droppedMetrics: 0 });
});
