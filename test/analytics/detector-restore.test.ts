import { expect, it } from 'vitest';
import { DEFAULT_DETECTOR_PARAMS, MetricDetector } from '../../analytics/metric-detector.ts';
import { prng } from '../../device-sim/series.ts';

// A detector that tracks the reading-to-reading noise (vibration's), restored from its JSON
// snapshot half way, must end where one that never stopped ends: a partition's new owner and a
// restarted Purna continue a device's detector from its snapshot.
it('a noise-tracking detector restored from its JSON snapshot continues exactly as one never stopped', () => {
  const params = { ...DEFAULT_DETECTOR_PARAMS, noiseRecentMs: 12 * 3_600_000 };
  const rand = prng(7);
  const series = Array.from({ length: 3_000 }, (_, i) => ({
    tsMs: i * 60_000,
    value: 2 + 0.3 * Math.sin(i / 200) + 0.1 * (rand() - 0.5),
  }));
  const never = new MetricDetector(params);
  const first = new MetricDetector(params);
  const half = series.length / 2;
  for (const [i, r] of series.entries()) {
    never.updateZ(r.tsMs, r.value);
    if (i < half) first.updateZ(r.tsMs, r.value);
  }
  const restored = new MetricDetector(params);
  restored.restore(JSON.parse(JSON.stringify(first.snapshot())));
  for (const r of series.slice(half)) restored.updateZ(r.tsMs, r.value);

  const a = never.snapshot();
  expect(a.noiseLearntMs).toBeGreaterThan(0);
  expect(restored.snapshot()).toEqual(a);
  expect(restored.noiseRatio).toBe(never.noiseRatio);
});
