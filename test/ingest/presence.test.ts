import { expect, it } from 'vitest';
import { ManualClock } from '../../core/clock.ts';
import { EventBus } from '../../core/event-bus.ts';
import { createLogger } from '../../core/log.ts';
import type { DeviceStatusEvent } from '../../core/types.ts';
import { Presence } from '../../ingest/presence.ts';

it('a device that stops reporting for N × its interval is silent even with its connection open, and online again when it reports', () => {
  const bus = new EventBus();
  const clock = new ManualClock(1_000_000);
  const events: DeviceStatusEvent[] = [];
  bus.on('deviceStatus', (e) => events.push(e));
  const presence = new Presence({
    bus,
    clock,
    log: createLogger('silent'),
    silentAfterIntervals: 5,
    minSilentMs: 3000,
    checkEveryMs: 1000,
  });
  presence.connection('pump-1', 'online');
  for (let i = 0; i < 20; i++) {
    presence.seen('pump-1');
    clock.advance(1000);
    presence.checkSilence();
  }
  expect(events.map((e) => e.status)).toEqual(['online']);
  clock.advance(4000); // 5 s since the last message: not yet more than 5 × 1 s
  presence.checkSilence();
  expect(events.length).toBe(1);
  clock.advance(1500);
  presence.checkSilence();
  expect(events.map((e) => e.status)).toEqual(['online', 'silent']);
  presence.checkSilence();
  expect(events.length).toBe(2); // said once
  presence.seen('pump-1');
  expect(events.map((e) => e.status)).toEqual(['online', 'silent', 'online']);
  presence.connection('pump-1', 'offline');
  expect(events.at(-1)!.status).toBe('offline');
  clock.advance(60_000);
  presence.checkSilence();
  expect(events.at(-1)!.status).toBe('offline'); // an offline device is not "silent" on top
});
