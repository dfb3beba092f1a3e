import { describe, expect, it } from 'vitest';
import { DEFAULT_DETECTOR_PARAMS, MetricDetector } from '../../analytics/metric-detector.ts';
import { gaussian, prng } from '../../core/random.ts';
import type { MetricValues } from '../../core/types.ts';
import { DeviceSeries, type SimDeviceSpec } from '../../device-sim/series.ts';
import { DAY, START, STEP, streamAnalytics } from '../support/analytics-stream.ts';

const stream = (sample: (tsMs: number) => MetricValues | null, modelId: string, days: number) =>
  streamAnalytics(sample, days, { modelId });

function simulated(spec: Omit<SimDeviceSpec, 'deviceId' | 'modelId'>, days: number) {
  const series = new DeviceSeries({ deviceId: 'pump-0265', modelId: 'pump-p200', ...spec }, 2026);
  return stream((ts) => series.sample(ts), 'pump-p200', days);
}

describe('a drifting vibration sensor against bearing wear', () => {
  it('a vibration sensor whose gain drifts up is sent a sensor check, not a bearing', () => {
    // bench:fleet's pump-0265 (seed 2026): dispatched as bearing wear 58 h after its drift began before this rule.
    const onsetMs = START + 6 * DAY;
    const { dispatches, health } = simulated(
      { profile: 'sensor_drift', onsetMs, faultMetric: 'vibration', driftSign: 1 },
      12,
    );
    expect(dispatches.map((d) => d.mode)).toEqual(['sensor_fault']);
    const d = dispatches[0];
    expect(d.health.rule).toBe('sensor-gain-drift');
    expect(d.tsMs).toBeGreaterThan(onsetMs);
    expect(d.tsMs - onsetMs).toBeLessThan(3 * DAY);
    expect(d.health.evidence.noiseRatio).toBeGreaterThan(1.3);
    expect(d.health.explanation).toMatch(/gain is drifting.*check the sensor/);
    expect(d.health.explanation).toMatch(/temperature stays at its normal/);
    // It stays a sensor fault while the drift goes on (no bearing wear later, however high it reads).
    const later = health.filter((h) => h.tsMs > d.tsMs + DAY);
    expect(later.length).toBeGreaterThan(500);
    expect(later.every((h) => h.state === 'sensor_fault')).toBe(true);
  });

  it('bearing wear on the same pump is dispatched as bearing wear, days ahead, never as a sensor fault', () => {
    const failureMs = START + 14 * DAY;
    const { dispatches, health } = simulated({ profile: 'bearing_wear', onsetMs: failureMs - 9 * DAY, failureMs }, 14);
    expect(dispatches.map((d) => d.mode)).toEqual(['bearing_wear']);
    expect(failureMs - dispatches[0].tsMs).toBeGreaterThan(2 * DAY);
    expect(health.filter((h) => h.rule === 'sensor-gain-drift')).toEqual([]);
  });

  it('a vibration rising with its noise while the temperature climbs too is the machine, not the sensor', () => {
    // The same gain-like vibration, but the machine heats with it (as lubrication loss does): the
    // context says the machine changed, so no sensor check is sent for it.
    const rand = prng(21);
    const g = gaussian(rand);
    const onsetMs = START + 3 * DAY;
    const rise = (ts: number) => Math.max(0, (ts - onsetMs) / DAY);
    const { dispatches, health } = stream(
      (ts) => ({
        temperature: 58 + 6 * rise(ts) + 0.25 * g(),
        vibration: (1.6 + 0.04 * g()) * (1 + 0.3 * rise(ts)),
      }),
      'pump-p200',
      7,
    );
    expect(health.filter((h) => h.rule === 'sensor-gain-drift')).toEqual([]);
    expect(dispatches.length).toBeGreaterThan(0);
    expect(dispatches.every((d) => d.mode !== 'sensor_fault')).toBe(true);
    // Without the heat the same vibration is a sensor check: the temperature is what decided.
    const alone = stream(
      (ts) => ({ temperature: 58 + 0.25 * g(), vibration: (1.6 + 0.04 * g()) * (1 + 0.3 * rise(ts)) }),
      'pump-p200',
      7,
    );
    expect(alone.dispatches.map((d) => d.mode)).toEqual(['sensor_fault']);
  });

  it('once the noise stops following the level the rule lets go, and a rising vibration is the machine again', () => {
    // Held with hysteresis: the rule stays while the noise keeps up with the level to the power
    // 0.25. Here the vibration rises additively (as wear does) and its noise is 1.5 × for a day
    // only: called a drifting sensor in that day, the machine's again once the noise is back.
    const g = gaussian(prng(33));
    const onsetMs = START + 3 * DAY;
    const noisyFrom = START + 4 * DAY;
    const noisyTo = START + 5 * DAY;
    const { health, dispatches } = stream(
      (ts) => {
        const rise = 0.6 * Math.max(0, (ts - onsetMs) / DAY);
        const noise = ts >= noisyFrom && ts < noisyTo ? 0.06 : 0.04;
        return { temperature: 58 + 0.25 * g(), vibration: 1.6 + rise + noise * g() };
      },
      'pump-p200',
      8,
    );
    const drift = health.filter((h) => h.rule === 'sensor-gain-drift');
    expect(drift.length).toBeGreaterThan(10);
    expect(drift[0].tsMs).toBeGreaterThan(noisyFrom);
    const lastDrift = drift[drift.length - 1].tsMs;
    expect(lastDrift).toBeGreaterThan(noisyTo);
    expect(lastDrift - noisyTo).toBeLessThan(2 * DAY);
    const after = health.filter((h) => h.tsMs > lastDrift);
    expect(after.length).toBeGreaterThan(100);
    expect(after.every((h) => h.state !== 'sensor_fault')).toBe(true);
    expect(dispatches.some((d) => d.mode === 'bearing_wear' && d.tsMs > lastDrift)).toBe(true);
  });
});

describe('the detector’s reading-to-reading noise', () => {
  function noiseAfter(change: (value: number, day: number) => number): { noise: number; level: number } {
    const detector = new MetricDetector({ ...DEFAULT_DETECTOR_PARAMS, noiseRecentMs: 12 * 3_600_000 });
    const g = gaussian(prng(5));
    for (let ts = START; ts <= START + 5 * DAY; ts += STEP) {
      const day = (ts - START) / DAY;
      const value = 1.6 + 0.04 * g();
      detector.keep(ts, day < 2 ? value : change(value, day - 2));
    }
    return { noise: detector.noiseRatio, level: detector.recentLevelRatio };
  }

  it('grows with a gain and stays with an added level or a ramp', () => {
    const gain = noiseAfter((v) => 1.5 * v);
    expect(gain.level).toBeCloseTo(1.5, 1);
    expect(gain.noise).toBeGreaterThan(1.35);
    expect(gain.noise).toBeLessThan(1.65);
    const added = noiseAfter((v) => v + 0.8);
    expect(added.level).toBeCloseTo(1.5, 1);
    expect(added.noise).toBeGreaterThan(0.85);
    expect(added.noise).toBeLessThan(1.15);
    // A rise is not noise: the second difference takes a straight line out (0.8 mm/s a day).
    const ramp = noiseAfter((v, day) => v + 0.8 * day);
    expect(ramp.noise).toBeGreaterThan(0.85);
    expect(ramp.noise).toBeLessThan(1.15);
  });

  it('is not known before a day of normal running, and survives a snapshot', () => {
    const detector = new MetricDetector({ ...DEFAULT_DETECTOR_PARAMS, noiseRecentMs: 12 * 3_600_000 });
    const g = gaussian(prng(9));
    let ts = START;
    for (; ts < START + DAY / 2; ts += STEP) detector.keep(ts, 1.6 + 0.04 * g());
    expect(detector.noiseRatio).toBeNaN();
    for (; ts < START + 3 * DAY; ts += STEP) detector.keep(ts, 1.6 + 0.04 * g());
    const before = detector.noiseRatio;
    expect(before).toBeGreaterThan(0.8);
    const copy = new MetricDetector({ ...DEFAULT_DETECTOR_PARAMS, noiseRecentMs: 12 * 3_600_000 });
    copy.restore(JSON.parse(JSON.stringify(detector.snapshot())));
    expect(copy.noiseRatio).toBeCloseTo(before, 10);
  });
});
