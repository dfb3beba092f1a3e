// Leave-one-category-out scoring of NAB results: for each category, the threshold is chosen by
// NAB's own optimiser on the OTHER categories and the category is scored with it. This is how the
// held-out measurement works (a threshold fixed elsewhere), so it is the figure to choose
// parameters by; the development total picks its threshold with hindsight on the same files.
import { pathToFileURL } from 'node:url';

export const NAB_PROFILES = ['standard', 'reward_low_FP_rate', 'reward_low_FN_rate'] as const;
type Profile = (typeof NAB_PROFILES)[number];

interface ProfileResult {
  normalisedScore: number | null;
  rawScore: number;
  nullScore: number;
  perfectScore: number;
  threshold: number | null;
  windows: { total: number; detected: number };
  falsePositiveRows: number;
}

export interface Scorer {
  loadCorpus(dir: string): {
    profiles: Record<string, unknown>;
    files: Map<string, string>;
    windows: Record<string, unknown>;
  };
  discoverResults(dir: string, corpus: unknown): { mapping: Map<string, { path: string }> };
  prepareFile(rel: string, dataPath: string, resultPath: string, windows: unknown): unknown;
  scoreAll(
    prepared: unknown[],
    profiles: unknown,
    names: readonly string[],
    fixed?: Record<string, number> | null,
  ): Record<Profile, ProfileResult>;
}

export interface CategoryScore {
  category: string;
  /** Threshold per profile, chosen on the other categories. */
  thresholds: Record<Profile, number>;
  /** The held-out category scored with those thresholds. */
  heldOut: Record<Profile, number | null>;
  /** The same category with its own best threshold (hindsight), for the cost of transfer. */
  ownBest: Record<Profile, number | null>;
  windows: string;
}

export interface LocoReport {
  categories: CategoryScore[];
  /** All held-out scores pooled: raw, null and perfect scores added over the categories. */
  pooled: Record<Profile, number>;
}

// NAB's "no detection" threshold, used when the optimiser preferred detecting nothing.
const NO_DETECTION = 1.1;

export async function leaveOneCategoryOut(
  scorerPath: string,
  corpusDir: string,
  resultsDir: string,
): Promise<LocoReport> {
  const nab = (await import(pathToFileURL(scorerPath).href)) as Scorer;
  const corpus = nab.loadCorpus(corpusDir);
  const found = nab.discoverResults(resultsDir, corpus);
  const rels = [...corpus.files.keys()].filter((rel) => found.mapping.has(rel)).sort();
  const prepared = new Map(
    rels.map((rel) => [
      rel,
      nab.prepareFile(
        rel,
        corpus.files.get(rel) as string,
        (found.mapping.get(rel) as { path: string }).path,
        corpus.windows[rel],
      ),
    ]),
  );
  const categoryOf = (rel: string): string => rel.split('/')[0];
  const categories = [...new Set(rels.map(categoryOf))];
  const sums = Object.fromEntries(NAB_PROFILES.map((p) => [p, { raw: 0, null: 0, perfect: 0 }])) as Record<
    Profile,
    { raw: number; null: number; perfect: number }
  >;
  const out: CategoryScore[] = [];
  for (const category of categories) {
    const train = rels.filter((r) => categoryOf(r) !== category).map((r) => prepared.get(r));
    const test = rels.filter((r) => categoryOf(r) === category).map((r) => prepared.get(r));
    const fitted = nab.scoreAll(train, corpus.profiles, NAB_PROFILES);
    const thresholds = Object.fromEntries(NAB_PROFILES.map((p) => [p, fitted[p].threshold ?? NO_DETECTION])) as Record<
      Profile,
      number
    >;
    const held = nab.scoreAll(test, corpus.profiles, NAB_PROFILES, thresholds);
    const own = nab.scoreAll(test, corpus.profiles, NAB_PROFILES);
    for (const p of NAB_PROFILES) {
      sums[p].raw += held[p].rawScore;
      sums[p].null += held[p].nullScore;
      sums[p].perfect += held[p].perfectScore;
    }
    out.push({
      category,
      thresholds,
      heldOut: Object.fromEntries(NAB_PROFILES.map((p) => [p, held[p].normalisedScore])) as Record<
        Profile,
        number | null
      >,
      ownBest: Object.fromEntries(NAB_PROFILES.map((p) => [p, own[p].normalisedScore])) as Record<
        Profile,
        number | null
      >,
      windows: `${held.standard.windows.detected}/${held.standard.windows.total}`,
    });
  }
  const pooled = Object.fromEntries(
    NAB_PROFILES.map((p) => [p, (100 * (sums[p].raw - sums[p].null)) / (sums[p].perfect - sums[p].null)]),
  ) as Record<Profile, number>;
  return { categories: out, pooled };
}

export function locoTable(report: LocoReport): string {
  const f = (n: number | null) => (n === null ? '   n/a' : n.toFixed(1).padStart(6));
  const lines = [
    'leave one category out (threshold chosen on the other categories; standard / low-FP / low-FN):',
    ...report.categories.map(
      (c) =>
        `  ${c.category.padEnd(24)} held out ${NAB_PROFILES.map((p) => f(c.heldOut[p])).join(' /')}   own best ${NAB_PROFILES.map((p) => f(c.ownBest[p])).join(' /')}   windows ${c.windows}   threshold ${c.thresholds.standard.toFixed(6)}`,
    ),
    `  ${'pooled'.padEnd(24)} held out ${NAB_PROFILES.map((p) => f(report.pooled[p])).join(' /')}`,
  ];
  return lines.join('\n');
}
