import { expect, it } from 'vitest';
import { Analytics } from '../../analytics/index.ts';
import { deviceModel } from '../../core/device-models.ts';
import { EventBus } from '../../core/event-bus.ts';
import { createLogger } from '../../core/log.ts';
import type { Reading } from '../../core/types.ts';
import { prng } from '../../device-sim/fleet.ts';

// A worker's share of a device's readings can reach the stream late, after newer ones (queued at
// the broker while that worker was down). The detectors judge the present: what comes late is
// left out and counted, and the state is what the readings in time order made it.
it('a reading older than the last one its metric learnt is left out and counted; the state is as without it', () => {
  const rand = prng(3);
  const t0 = 1_700_000_000_000;
  const readings: Reading[] = Array.from({ length: 2_000 }, (_, i) => ({
    deviceId: 'pump-1',
    tsMs: t0 + i * 60_000,
    values: { vibration: 2 + 0.2 * rand(), temperature: 55 + rand() },
  }));
  const make = () =>
    new Analytics({ bus: new EventBus(), log: createLogger('silent'), deviceModelOf: () => deviceModel('pump-p200') });
  const inOrder = make();
  inOrder.process(readings);

  // The same readings, with every fifth one of the second half held back and delivered after the rest.
  const withLate = make();
  const held = readings.filter((_, i) => i >= 1_000 && i % 5 === 0);
  withLate.process(readings.filter((r) => !held.includes(r)));
  const before = JSON.stringify(withLate.snapshot());
  withLate.process(held.map((r) => ({ ...r, values: { vibration: 30, temperature: 120 } })));
  expect(withLate.lateSamples).toBe(held.length * 2);
  expect(JSON.stringify(withLate.snapshot())).toBe(before);
  expect(inOrder.lateSamples).toBe(0);
});
