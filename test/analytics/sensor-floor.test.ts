import { describe, expect, it } from 'vitest';
import { Analytics } from '../../analytics/index.ts';
import { deviceModel } from '../../core/device-models.ts';
import { EventBus } from '../../core/event-bus.ts';
import { createLogger } from '../../core/log.ts';
import { gaussian, prng } from '../../core/random.ts';
import type { DispatchRequest, HealthReport, MetricValues } from '../../core/types.ts';

const START = Date.parse('2026-01-01T00:00:00Z');
const HOUR = 3_600_000;
const STEP = 300_000;
/** The vibration sensor's floor: it reports nothing below it (the simulator's 0.01 mm/s). */
const FLOOR = 0.01;

/** A pump-p200 read every five minutes; `running(ts)` says whether it runs, `vibrationSensor` what its vibration sensor reports of the true vibration. */
function stream(
  hours: number,
  running: (tsMs: number) => boolean,
  vibrationSensor: (tsMs: number, v: number) => number,
) {
  const bus = new EventBus();
  const analytics = new Analytics({ bus, log: createLogger('silent'), deviceModelOf: () => deviceModel('pump-p200') });
  const dispatches: DispatchRequest[] = [];
  const health: HealthReport[] = [];
  bus.on('dispatch', (d) => dispatches.push(d));
  bus.on('health', (h) => health.push(h));
  analytics.start();
  const g = gaussian(prng(5));
  let temperature = 58;
  for (let ts = START; ts <= START + hours * HOUR; ts += STEP) {
    const on = running(ts);
    // 20-minute thermal lag towards 58 °C running, 30 °C (ambient) stopped.
    temperature += ((on ? 58 : 30) - temperature) * (1 - Math.exp(-STEP / 1_200_000));
    // Stopped, the floor transmits 0.005 mm/s: under the sensor's floor, so it reports the floor, exactly.
    const vibration = on ? 1.6 + 0.04 * g() : 0.005;
    const values: MetricValues = {
      temperature: Math.round((temperature + 0.25 * g()) * 100) / 100,
      vibration: Math.max(FLOOR, Math.round(vibrationSensor(ts, vibration) * 1000) / 1000),
    };
    bus.emit('telemetry', [{ deviceId: 'pump-1', tsMs: ts, values }]);
  }
  return { dispatches, health };
}

describe('a vibration sensor at its floor (the same value exactly, over and over)', () => {
  it('a machine stopped for 8 h, its vibration reading the floor throughout, is stopped: no sensor fault', () => {
    // Runs 16 h, stops 8 h, for four days. Before, a repeat was never a stop: every floor reading
    // after the first was taken for a running machine's, and after 60 of them (5 h) the stopped
    // pump was sent a stuck-sensor check.
    const running = (ts: number) => (ts - START) % (24 * HOUR) < 16 * HOUR;
    const { dispatches, health } = stream(4 * 24, running, (_ts, v) => v);
    expect(dispatches).toEqual([]);
    const stopped = health.filter((h) => h.state !== 'warming_up' && !running(h.tsMs));
    expect(stopped.length).toBeGreaterThan(250);
    // Every reading of a stop but its first few (the state is the reading before's at a change) says stopped.
    const late = stopped.filter((h) => (h.tsMs - START) % (24 * HOUR) >= 16 * HOUR + 2 * STEP);
    expect(late.every((h) => h.running === false)).toBe(true);
    expect(health.filter((h) => h.state === 'sensor_fault')).toEqual([]);
  });

  it('a running machine whose vibration sensor reads only the floor is a sensor fault within the silent-sensor time (2 h)', () => {
    // Runs throughout; after two days its vibration sensor reads 0.01 exactly while the temperature
    // stays at its running level. Before, the repeats were taken for running readings and it took
    // the stuck-sensor rule's 60 repeats (5 h at five-minute readings).
    const deadFromMs = START + 48 * HOUR;
    const { dispatches, health } = stream(
      60,
      () => true,
      (ts, v) => (ts >= deadFromMs ? FLOOR : v),
    );
    expect(dispatches.map((d) => d.mode)).toEqual(['sensor_fault']);
    expect(dispatches[0].health.rule).toBe('silent-vibration-sensor');
    const afterH = (dispatches[0].tsMs - deadFromMs) / HOUR;
    expect(afterH).toBeGreaterThanOrEqual(2);
    expect(afterH).toBeLessThan(2.5);
    expect(health.filter((h) => h.tsMs >= dispatches[0].tsMs).every((h) => h.state === 'sensor_fault')).toBe(true);
  });

  it('a sensor stuck at a running value is still a stuck sensor', () => {
    const stuckFromMs = START + 48 * HOUR;
    const { dispatches } = stream(
      60,
      () => true,
      (ts, v) => (ts >= stuckFromMs ? 1.62 : v),
    );
    expect(dispatches.map((d) => `${d.mode} ${d.health.rule}`)).toEqual(['sensor_fault stuck-sensor']);
  });
});
