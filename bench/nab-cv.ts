// npm run bench:nab-cv [-- --data ../shared/nab --seed 1 --params JSON --json FILE]
// The figures the unit-free scorer's parameters are chosen by, in one run: NAB's development subset
// (its total, whose threshold NAB picks with hindsight, and leave-one-category-out pooled), our
// generated corpus (bench/synthetic-corpus.ts: total, leave-one-family-out pooled, and scored with
// the development subset's thresholds, which is how the held-out NAB series are measured), and
// the false alarms on the generated corpus's anomaly-free series at those thresholds. Choose by the
// cross-validated figures on both corpora, never by the development total. --params overrides the
// scorer's parameters (experiments).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AnomalyScoreParams } from '../analytics/anomaly-score.ts';
import { benchArgs, writeJson } from './lib.ts';
import { leaveOneCategoryOut, NAB_PROFILES, type Scorer } from './nab-loco.ts';
import { scoreCorpus } from './nab-run.ts';
import { writeSyntheticCorpus } from './synthetic-corpus.ts';

const args = benchArgs({
  data: { type: 'string', default: '../shared/nab' },
  scorer: { type: 'string', default: '' },
  seed: { type: 'string', default: '1' },
  params: { type: 'string', default: '' },
});
const overrides = args.params ? (JSON.parse(args.params) as Partial<AnomalyScoreParams>) : {};
const dev = resolve(args.data);
const scorerPath = args.scorer ? resolve(args.scorer) : resolve(dev, '..', 'tools', 'nab-score.mjs');
const nab = (await import(pathToFileURL(scorerPath).href)) as Omit<Scorer, 'scoreAll'> & {
  scoreAll(
    prepared: unknown[],
    profiles: unknown,
    names: readonly string[],
    fixed?: Record<string, number> | null,
  ): Record<string, Totals>;
};
interface Totals {
  normalisedScore: number | null;
  threshold: number | null;
  falsePositiveRows: number;
  perFile: Record<string, { fpRows: number; windowsTotal: number }>;
}
type Triple = [number, number, number];

/** NAB's scores of one corpus's results, at NAB's optimised thresholds or at fixed ones. */
function total(corpusDir: string, resultsDir: string, fixed: Record<string, number> | null = null) {
  const corpus = nab.loadCorpus(corpusDir);
  const found = nab.discoverResults(resultsDir, corpus);
  const prepared = [...corpus.files.keys()]
    .filter((rel) => found.mapping.has(rel))
    .map((rel) =>
      nab.prepareFile(
        rel,
        corpus.files.get(rel) as string,
        (found.mapping.get(rel) as { path: string }).path,
        corpus.windows[rel],
      ),
    );
  const r = nab.scoreAll(prepared, corpus.profiles, NAB_PROFILES, fixed);
  return {
    scores: NAB_PROFILES.map((p) => r[p].normalisedScore ?? Number.NaN) as Triple,
    // NAB's "detect nothing" threshold stands for an optimiser that preferred no detections.
    thresholds: Object.fromEntries(NAB_PROFILES.map((p) => [p, r[p].threshold ?? 1.1])) as Record<string, number>,
    standard: r.standard,
  };
}

const work = mkdtempSync(join(tmpdir(), 'purna-nab-cv-'));
try {
  scoreCorpus(dev, join(work, 'dev'), overrides);
  const devTotal = total(dev, join(work, 'dev'));
  const devLoco = await leaveOneCategoryOut(scorerPath, dev, join(work, 'dev'));

  const synthetic = join(work, 'synthetic-corpus');
  writeSyntheticCorpus(synthetic, Number(args.seed));
  scoreCorpus(synthetic, join(work, 'synthetic'), overrides);
  const synTotal = total(synthetic, join(work, 'synthetic'));
  const synLoco = await leaveOneCategoryOut(scorerPath, synthetic, join(work, 'synthetic'));
  const synAtDev = total(synthetic, join(work, 'synthetic'), devTotal.thresholds);
  const quiet = Object.entries(synAtDev.standard.perFile).filter(([, f]) => f.windowsTotal === 0);
  const falseAlarms = quiet.reduce((n, [, f]) => n + f.fpRows, 0);

  const f = (t: number[]) => t.map((x) => x.toFixed(1)).join(' / ');
  const pooled = (l: { pooled: Record<string, number> }) => NAB_PROFILES.map((p) => l.pooled[p]) as Triple;
  console.log(`scorer parameters: ${args.params || 'defaults'} (standard / low-FP / low-FN)`);
  console.log(
    `NAB development total (hindsight threshold ${devTotal.thresholds.standard.toFixed(6)}): ${f(devTotal.scores)}`,
  );
  console.log(
    `NAB leave one category out, pooled:                  ${f(pooled(devLoco))}  (standard per category: ${devLoco.categories.map((c) => `${c.category} ${(c.heldOut.standard ?? Number.NaN).toFixed(1)}`).join(', ')})`,
  );
  console.log(
    `synthetic total (hindsight threshold ${synTotal.thresholds.standard.toFixed(6)}):         ${f(synTotal.scores)}`,
  );
  console.log(`synthetic leave one family out, pooled:              ${f(pooled(synLoco))}`);
  console.log(`synthetic at NAB development's thresholds:           ${f(synAtDev.scores)}`);
  console.log(
    `false alarms at NAB development's threshold on the ${quiet.length} anomaly-free synthetic series: ${falseAlarms} (${(falseAlarms / quiet.length).toFixed(1)} per series of 4,000 samples)`,
  );
  writeJson(args.json, {
    params: overrides,
    devTotal: devTotal.scores,
    devThresholds: devTotal.thresholds,
    devLocoPooled: pooled(devLoco),
    syntheticTotal: synTotal.scores,
    syntheticLocoPooled: pooled(synLoco),
    syntheticAtDevThresholds: synAtDev.scores,
    anomalyFreeFalseAlarms: falseAlarms,
  });
} finally {
  rmSync(work, { recursive: true, force: true });
}
