// npm run bench:nab -- --data ../shared/nab --results DIR [--json FILE]
// npm run bench:nab -- --synthetic --results DIR   (our own generated corpus, bench/synthetic-corpus.ts)
// npm run bench:nab -- --synthetic --results DIR --threshold DEV/nab-scores.json
//   (scored with the thresholds of an earlier run, as the held-out NAB series are: fixed from the
//   development subset, no hindsight)
// Streams every series of a NAB-layout corpus through the production anomaly scorer (one pass,
// timestamps as given, no lookahead), writes NAB result CSVs and scores them with NAB's scorer,
// then again leave-one-category-out (the threshold chosen on the other categories).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { AnomalyScoreParams } from '../analytics/anomaly-score.ts';
import { barChartSvg, benchArgs, writeJson } from './lib.ts';
import { leaveOneCategoryOut, locoTable } from './nab-loco.ts';
import { scoreCorpus } from './nab-run.ts';
import { writeSyntheticCorpus } from './synthetic-corpus.ts';

const args = benchArgs({
  data: { type: 'string', default: '../shared/nab' },
  results: { type: 'string', default: 'bench/results/nab' },
  scorer: { type: 'string', default: '' },
  /** Score the generated corpus (bench/synthetic-corpus.ts) instead of --data. */
  synthetic: { type: 'boolean', default: false },
  seed: { type: 'string', default: '1' },
  /** A fixed threshold, or an earlier run's nab-scores.json (its per-profile thresholds); default: NAB's optimiser. */
  threshold: { type: 'string', default: '' },
  /** Experiments only: JSON overrides of the scorer's parameters. */
  params: { type: 'string', default: '' },
});
const overrides = args.params ? (JSON.parse(args.params) as Partial<AnomalyScoreParams>) : {};
const data = args.synthetic ? join(tmpdir(), `purna-synthetic-nab-${process.pid}`) : resolve(args.data);
if (args.synthetic) writeSyntheticCorpus(data, Number(args.seed));
const results = resolve(args.results);
const scorer = args.scorer
  ? resolve(args.scorer)
  : args.synthetic
    ? resolve(args.data, '..', 'tools', 'nab-score.mjs')
    : resolve(data, '..', 'tools', 'nab-score.mjs');
if (!existsSync(join(data, 'data'))) throw new Error(`no NAB corpus at ${data} (expected data/<category>/*.csv)`);
if (!existsSync(scorer)) throw new Error(`NAB scorer not found at ${scorer} (pass --scorer)`);

const { files, rows, secs } = scoreCorpus(data, results, overrides);

// NAB's own scorer, run from the folder that holds nab/ and tools/.
const corpusParent = dirname(data);
const jsonOut = join(results, 'nab-scores.json');
const fixed = args.threshold
  ? ['--threshold', /^[0-9.]+$/.test(args.threshold) ? args.threshold : resolve(args.threshold)]
  : [];
const printed = execFileSync(
  process.execPath,
  [scorer, '--corpus', data, '--results', results, '--json', jsonOut, ...fixed],
  { cwd: corpusParent, encoding: 'utf8' },
);
console.log(printed.trim());
const scores = JSON.parse(readFileSync(jsonOut, 'utf8')) as Record<string, unknown>;
const profileScore = (name: string): number => {
  const find = (o: unknown): number | null => {
    if (!o || typeof o !== 'object') return null;
    const rec = o as Record<string, unknown>;
    if (rec[name] && typeof (rec[name] as Record<string, unknown>).normalisedScore === 'number')
      return (rec[name] as { normalisedScore: number }).normalisedScore;
    for (const v of Object.values(rec)) {
      const r = find(v);
      if (r !== null) return r;
    }
    return null;
  };
  return find(scores) ?? Number.NaN;
};
const figures = {
  standard: profileScore('standard'),
  rewardLowFP: profileScore('reward_low_FP_rate'),
  rewardLowFN: profileScore('reward_low_FN_rate'),
  series: files,
  rows,
  rowsPerSec: Math.round(rows / secs),
};
const board: [string, number, number, number][] = [
  ['ARTime', 68.9, 60.3, 74.1],
  ['Numenta HTM', 65.4, 59.7, 70.6],
  ['HTM Java', 63.6, 56.7, 68.0],
  ['CAD OSE', 58.1, 54.4, 61.8],
  ['Random Cut Forest', 55.7, 43.1, 63.6],
  ['KNN CAD', 54.5, 40.2, 62.0],
  ['Twitter ADVec', 42.6, 36.8, 46.4],
  ['Windowed Gaussian', 28.2, 22.4, 31.6],
];
const at = args.threshold ? ` at the thresholds of ${args.threshold}` : '';
console.log(
  `\nPurna on ${args.synthetic ? 'the synthetic corpus' : 'this subset'}${at}: standard ${figures.standard.toFixed(1)} / low-FP ${figures.rewardLowFP.toFixed(1)} / low-FN ${figures.rewardLowFN.toFixed(1)}  (${files} series, ${rows.toLocaleString()} rows, ${secs.toFixed(1)} s)`,
);
if (!args.synthetic) {
  // The published scores are for NAB's development subset only; nothing to compare on our own corpus.
  console.log(
    `vs ARTime 68.9 / 60.3 / 74.1: ratio ${(figures.standard / 68.9).toFixed(2)} / ${(figures.rewardLowFP / 60.3).toFixed(2)} / ${(figures.rewardLowFN / 74.1).toFixed(2)}`,
  );
  const bars = [
    ...board.map(([n, s]) => ({ label: n, value: s })),
    { label: 'Purna', value: figures.standard, highlight: true },
  ].sort((a, b) => b.value - a.value);
  writeFileSync(
    join(results, 'nab-standard.svg'),
    barChartSvg('NAB score (standard profile) on the development subset', bars),
  );
  console.log(`chart: ${join(results, 'nab-standard.svg')}`);
}
const loco = await leaveOneCategoryOut(scorer, data, results);
console.log(`\n${locoTable(loco)}`);
writeJson(args.json, { ...figures, leaveOneCategoryOut: loco });
if (args.synthetic) rmSync(data, { recursive: true, force: true });
