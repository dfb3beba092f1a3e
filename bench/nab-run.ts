// Streams every series of a NAB-layout corpus (data/<category>/*.csv, labels/combined_windows.json)
// through the production anomaly scorer, one pass, timestamps as given, no lookahead, and writes
// NAB result CSVs (timestamp,value,anomaly_score,label) under `resultsDir`.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { AnomalyScorer, DEFAULT_ANOMALY_SCORE_PARAMS, type AnomalyScoreParams } from '../analytics/anomaly-score.ts';
import { progress, progressDone } from './lib.ts';

export function scoreCorpus(
  dataDir: string,
  resultsDir: string,
  overrides: Partial<AnomalyScoreParams> = {},
): { files: number; rows: number; secs: number } {
  const windows = JSON.parse(readFileSync(join(dataDir, 'labels', 'combined_windows.json'), 'utf8')) as Record<
    string,
    [string, string][]
  >;
  let files = 0;
  let rows = 0;
  const t0 = performance.now();
  for (const category of readdirSync(join(dataDir, 'data'))) {
    for (const file of readdirSync(join(dataDir, 'data', category)).filter((f) => f.endsWith('.csv'))) {
      const key = `${category}/${file}`;
      const lines = readFileSync(join(dataDir, 'data', category, file), 'utf8')
        .trim()
        .split('\n')
        .slice(1);
      const labelled = (windows[key] ?? []).map(([a, b]) => [
        Date.parse(`${a.replace(' ', 'T')}Z`),
        Date.parse(`${b.replace(' ', 'T')}Z`),
      ]);
      const scorer = new AnomalyScorer({ ...DEFAULT_ANOMALY_SCORE_PARAMS, ...overrides });
      const out = ['timestamp,value,anomaly_score,label'];
      for (const line of lines) {
        const [timestamp, raw] = line.split(',');
        const ts = Date.parse(`${timestamp.replace(' ', 'T')}Z`);
        const value = Number(raw);
        const score = scorer.update(ts, value);
        const label = labelled.some(([a, b]) => ts >= a && ts <= b) ? 1 : 0;
        out.push(`${timestamp},${value},${score.toFixed(6)},${label}`);
        rows++;
      }
      const target = join(resultsDir, category, file);
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, `${out.join('\n')}\n`);
      files++;
      progress(`scored ${files} series, ${rows.toLocaleString()} rows: ${key}`);
    }
  }
  progressDone();
  return { files, rows, secs: (performance.now() - t0) / 1000 };
}
