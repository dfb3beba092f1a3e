import { expect, it } from 'vitest';
import { EventBus } from '../core/event-bus.ts';

it('a listener that throws is reported and does not stop the others or reach the emitter', () => {
  const errors: string[] = [];
  const bus = new EventBus((event, err) => errors.push(`${event}: ${(err as Error).message}`));
  const heard: number[] = [];
  bus.on('telemetry', () => {
    throw new Error('boom');
  });
  bus.on('telemetry', (r) => heard.push(r.length));
  expect(() => bus.emit('telemetry', [{ deviceId: 'd', tsMs: 1, values: { t: 1 } }])).not.toThrow();
  expect(heard).toEqual([1]);
  expect(errors).toEqual(['telemetry: boom']);
});
