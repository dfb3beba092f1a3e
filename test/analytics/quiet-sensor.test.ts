// A metric that stops coming while its device goes on reporting the others (rule `quiet-sensor`,
// verdict.ts): its sensor, its wiring or its board, named and visited; one read less often than
// the others is not quiet between its readings.
import { describe, expect, it } from 'vitest';
import type { MetricValues } from '../../core/types.ts';
import { DAY, START, STEP, streamAnalytics } from '../support/analytics-stream.ts';

/** A pump's healthy readings at `ts` (a little noise, a daily swing). */
function pump(ts: number): { temperature: number; vibration: number } {
  const k = ts / STEP;
  return {
    temperature: 60 + 2 * Math.sin((2 * Math.PI * ts) / DAY) + 0.3 * Math.sin(k * 1.7),
    vibration: 2.5 + 0.1 * Math.sin(k * 2.3),
  };
}

describe('a quiet sensor on a device read every five minutes', () => {
  it('the vibration stops while the temperature goes on: after 10 of its intervals a sensor fault naming it, and one visit', () => {
    const lostAt = START + 3 * DAY;
    const { health, dispatches } = streamAnalytics((ts): MetricValues => {
      const { temperature, vibration } = pump(ts);
      return ts < lostAt ? { temperature, vibration } : { temperature };
    }, 4);
    const quiet = health.filter((h) => h.rule === 'quiet-sensor');
    expect(quiet.length).toBeGreaterThan(100);
    expect(quiet[0]).toMatchObject({ metric: 'vibration', state: 'sensor_fault', mode: 'sensor_fault' });
    // Its last reading came one interval before `lostAt`: quiet from 10 intervals after that.
    expect(quiet[0].tsMs - (lostAt - STEP)).toBe(10 * STEP);
    expect(quiet[0].explanation).toMatch(/^vibration: no reading for 50 min/);
    expect(health.filter((h) => h.tsMs < lostAt && h.rule === 'quiet-sensor')).toEqual([]);
    expect(dispatches.map((d) => [d.mode, d.health.rule])).toEqual([['sensor_fault', 'quiet-sensor']]);
  });

  it('a metric read hourly beside two read every five minutes is not quiet between its readings', () => {
    const { health, dispatches } = streamAnalytics((ts): MetricValues => {
      const { temperature, vibration } = pump(ts);
      return (ts - START) % (12 * STEP) === 0
        ? { temperature, vibration, oilQuality: 0.9 + 0.01 * Math.sin(ts / (7 * STEP)) }
        : { temperature, vibration };
    }, 4);
    expect(health.filter((h) => h.rule === 'quiet-sensor')).toEqual([]);
    expect(dispatches).toEqual([]);
  });
});
