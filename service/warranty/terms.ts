// What a device's owner is covered for (issue 19, item 4): the manufacturer's warranty from
// commissioning, then the service contract of the device's tier. Terms per model and tier, a
// model's own over the '*' row over Purna's defaults: the period, whether parts and labour are
// covered, and the resolution codes a claim is excluded for (no fault found: nothing to repair).

import type { SqlDb } from '../../sql/sql-db.ts';
import { addMonths } from '../calendar.ts';
import type { CatalogueStore } from '../catalogue/store.ts';
import { prepared } from '../db.ts';
import {
  CONTRACT_TIERS,
  RESOLUTION_CODES,
  type ContractTier,
  type DeviceRecord,
  type ResolutionCode,
} from '../types.ts';

export type TermsTier = 'warranty' | ContractTier;
export const TERMS_TIERS: readonly TermsTier[] = ['warranty', ...CONTRACT_TIERS];

export interface CoverageTerms {
  /** A model id, or '*' for any model without its own. */
  modelId: string;
  tier: TermsTier;
  /** Months: the warranty's from the install date (commissioning), a contract's from the warranty's end. */
  periodMonths: number;
  partsCovered: boolean;
  labourCovered: boolean;
  /** A job resolved with one of these is not covered. */
  exclusions: ResolutionCode[];
  /** 'default': Purna's, no row stored. */
  updatedBy: string;
  updatedAtMs: number | null;
}

export type TermsInput = Pick<CoverageTerms, 'periodMonths' | 'partsCovered' | 'labourCovered' | 'exclusions'>;

/**
 * Purna's terms where none are stored: the warranty covers parts and labour for the model's
 * catalogue months; a basic contract buys the response times only (SLA), standard adds labour,
 * premium parts too — a year each.
 */
const DEFAULTS: Record<ContractTier, Omit<TermsInput, 'exclusions'>> = {
  basic: { periodMonths: 12, partsCovered: false, labourCovered: false },
  standard: { periodMonths: 12, partsCovered: false, labourCovered: true },
  premium: { periodMonths: 12, partsCovered: true, labourCovered: true },
};
const DEFAULT_EXCLUSIONS: ResolutionCode[] = ['no_fault_found'];

/** What covers a job on a device at a time. */
export interface Coverage {
  kind: 'warranty' | 'contract' | 'none';
  /** The contract tier when a contract covers it. */
  tier: ContractTier | null;
  partsCovered: boolean;
  labourCovered: boolean;
  exclusions: ResolutionCode[];
  /** When what covers it ends (warranty or contract); null when nothing does. */
  endsAtMs: number | null;
}

interface Row {
  model_id: string;
  tier: string;
  period_months: number;
  parts_covered: number;
  labour_covered: number;
  exclusions_json: string;
  updated_by: string;
  updated_at_ms: number;
}

export class TermsStore {
  readonly #db: SqlDb;
  readonly #catalogue: CatalogueStore;

  constructor(db: SqlDb, catalogue: CatalogueStore) {
    this.#db = db;
    this.#catalogue = catalogue;
  }

  /** The terms that hold for a model and tier: its own, the '*' row, or Purna's default. */
  terms(modelId: string, tier: TermsTier): CoverageTerms {
    const row = prepared(
      this.#db,
      `SELECT * FROM coverage_terms WHERE tier = ? AND model_id IN (?, '*') ORDER BY model_id = '*' LIMIT 1`,
    ).get(tier, modelId) as Row | undefined;
    if (row)
      return {
        modelId: row.model_id,
        tier,
        periodMonths: row.period_months,
        partsCovered: row.parts_covered === 1,
        labourCovered: row.labour_covered === 1,
        exclusions: JSON.parse(row.exclusions_json) as ResolutionCode[],
        updatedBy: row.updated_by,
        updatedAtMs: row.updated_at_ms,
      };
    const base =
      tier === 'warranty'
        ? {
            periodMonths: this.#catalogue.current(modelId)?.warrantyMonths ?? 0,
            partsCovered: true,
            labourCovered: true,
          }
        : DEFAULTS[tier];
    return { modelId, tier, ...base, exclusions: [...DEFAULT_EXCLUSIONS], updatedBy: 'default', updatedAtMs: null };
  }

  /** Every model's terms in every tier as they hold now (stored or default). */
  list(modelIds: readonly string[]): CoverageTerms[] {
    return [...modelIds, '*'].flatMap((m) =>
      TERMS_TIERS.map((t) => (m === '*' ? this.#stored('*', t) : this.terms(m, t))).filter(
        (x): x is CoverageTerms => x !== undefined,
      ),
    );
  }

  save(modelId: string, tier: TermsTier, t: TermsInput, by: string, nowMs: number): CoverageTerms {
    prepared(
      this.#db,
      `INSERT INTO coverage_terms (model_id, tier, period_months, parts_covered, labour_covered, exclusions_json, updated_by, updated_at_ms)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT(model_id, tier) DO UPDATE SET period_months = excluded.period_months, parts_covered = excluded.parts_covered,
        labour_covered = excluded.labour_covered, exclusions_json = excluded.exclusions_json, updated_by = excluded.updated_by,
        updated_at_ms = excluded.updated_at_ms`,
    ).run(
      modelId,
      tier,
      t.periodMonths,
      t.partsCovered ? 1 : 0,
      t.labourCovered ? 1 : 0,
      JSON.stringify([...new Set(t.exclusions)].filter((c) => RESOLUTION_CODES.includes(c))),
      by,
      nowMs,
    );
    return this.terms(modelId, tier);
  }

  /**
   * What covers a job opened on `device` at `atMs`: the warranty while it runs (the device's
   * warranty end, set at commissioning), else the device's contract tier for its period after
   * the warranty, else nothing.
   */
  coverageAt(device: DeviceRecord, atMs: number): Coverage {
    if (atMs <= device.warrantyEndMs) {
      const w = this.terms(device.modelId, 'warranty');
      return { kind: 'warranty', tier: null, ...pick(w), endsAtMs: device.warrantyEndMs };
    }
    const c = this.terms(device.modelId, device.contractTier);
    // A service contract takes over where the warranty ends (an extended warranty in all but name).
    const endsAtMs = addMonths(device.warrantyEndMs, c.periodMonths);
    if (atMs <= endsAtMs && (c.partsCovered || c.labourCovered))
      return { kind: 'contract', tier: device.contractTier, ...pick(c), endsAtMs };
    return { kind: 'none', tier: null, partsCovered: false, labourCovered: false, exclusions: [], endsAtMs: null };
  }

  #stored(modelId: string, tier: TermsTier): CoverageTerms | undefined {
    const row = prepared(this.#db, 'SELECT 1 FROM coverage_terms WHERE model_id = ? AND tier = ?').get(modelId, tier);
    return row ? this.terms(modelId, tier) : undefined;
  }
}

function pick(t: CoverageTerms): Pick<Coverage, 'partsCovered' | 'labourCovered' | 'exclusions'> {
  return { partsCovered: t.partsCovered, labourCovered: t.labourCovered, exclusions: t.exclusions };
}
