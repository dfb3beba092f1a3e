// A work order dismissed as a false alarm is not requested again for the same evidence within
// the quiet period; a clearly worse reading (zone C → zone D) or the end of the period still is.
// Before the hold, the next "due" reading after the cancellation re-opened it at once.
import { expect, it } from 'vitest';
import { Analytics } from '../../analytics/index.ts';
import { deviceModel } from '../../core/device-models.ts';
import { EventBus } from '../../core/event-bus.ts';
import { createLogger } from '../../core/log.ts';
import type { DispatchRequest, WorkOrder } from '../../core/types.ts';

const T0 = 1_700_000_000_000;
const HOUR = 3600_000;

/** A pump (ISO 10816 class II: zone C from 2.8 mm/s, D from 7.1) read every minute. */
function pump(quietMs?: number) {
  const bus = new EventBus();
  const analytics = new Analytics({
    bus,
    log: createLogger('silent'),
    deviceModelOf: () => deviceModel('pump-p200'),
    falseAlarmQuietMs: quietMs,
  });
  const dispatches: DispatchRequest[] = [];
  bus.on('dispatch', (d) => dispatches.push(d));
  analytics.start();
  let i = 0;
  const read = (vibration: number, n: number) => {
    for (let k = 0; k < n; k++, i++)
      bus.emit('telemetry', [
        { deviceId: 'pump-1', tsMs: T0 + i * 60_000, values: { vibration: vibration + 0.02 * Math.sin(i) } },
      ]);
  };
  /** What the service domain emits when a planner cancels the job (optionally as a false alarm). */
  const cancel = (d: DispatchRequest, falseAlarm: boolean) => {
    const order: WorkOrder = {
      id: 'WO-1',
      deviceId: d.deviceId,
      mode: d.mode,
      state: 'cancelled',
      evidence: d.health,
      predictedFailureAtMs: null,
      createdAtMs: T0,
      updatedAtMs: T0,
      version: 2,
    };
    bus.emit('workOrder', order);
    if (falseAlarm)
      bus.emit('falseAlarm', {
        deviceId: d.deviceId,
        mode: d.mode,
        tsMs: Date.now(),
        workOrderId: order.id,
        score: d.health.score,
      });
  };
  return { dispatches, read, cancel };
}

it('a plain cancellation is requested again by the next reading that is still due (why the hold exists)', () => {
  const p = pump();
  p.read(1.6, 300);
  p.read(4.2, 10);
  expect(p.dispatches.map((d) => d.mode)).toEqual(['bearing_wear']);
  p.cancel(p.dispatches[0], false);
  p.read(4.2, 1);
  expect(p.dispatches).toHaveLength(2);
});

it('a dismissed false alarm stays dismissed for the same evidence; zone D is dispatched at once', () => {
  const p = pump(72 * HOUR);
  p.read(1.6, 300);
  p.read(4.2, 10);
  expect(p.dispatches).toHaveLength(1);
  p.cancel(p.dispatches[0], true);
  p.read(4.2, 24 * 60); // a day more of the same zone C reading
  p.read(4.6, 60); // a little higher: not clearly worse
  expect(p.dispatches).toHaveLength(1);
  p.read(8, 10); // zone D (the zone rule reads the smoothed level)
  expect(p.dispatches).toHaveLength(2);
  expect(p.dispatches[1]).toMatchObject({ mode: 'bearing_wear', health: { rule: 'iso10816-zone-d' } });
});

it('after the quiet period the same evidence is requested again', () => {
  const p = pump(2 * HOUR);
  p.read(1.6, 300);
  p.read(4.2, 10);
  p.cancel(p.dispatches[0], true);
  p.read(4.2, 110);
  expect(p.dispatches).toHaveLength(1);
  p.read(4.2, 15);
  expect(p.dispatches).toHaveLength(2);
});
