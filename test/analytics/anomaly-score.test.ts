import { expect, it } from 'vitest';
import { AnomalyScorer } from '../../analytics/anomaly-score.ts';
import { prng } from '../../device-sim/series.ts';

const gaussian = (rand: () => number) => Math.sqrt(-2 * Math.log(Math.max(rand(), 1e-12))) * Math.cos(2 * Math.PI * rand());

it('a unit-free score: steady noise stays low, a spike is flagged once, at any scale', () => {
  for (const scale of [0.01, 1, 1e6]) {
    const rand = prng(42);
    const scorer = new AnomalyScorer();
    const scores: number[] = [];
    for (let i = 0; i < 3000; i++) {
      const spike = i === 2000 ? 12 : 0;
      scores.push(scorer.update(i * 60_000, scale * (10 + gaussian(rand) + spike)));
    }
    const alarms = scores.map((s, i) => [s, i] as const).filter(([s]) => s >= 0.99).map(([, i]) => i);
    expect(alarms).toContain(2000);
    // Outside the spike: at most a handful of alarms in 3,000 samples of noise.
    expect(alarms.filter((i) => i < 1990 || i > 2100).length).toBeLessThanOrEqual(3);
    // One event, one alarm: the refractory period holds the score down after it.
    expect(alarms.filter((i) => i > 2000 && i <= 2060)).toEqual([]);
  }
});
