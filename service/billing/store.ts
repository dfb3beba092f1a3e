import type { SqlDb } from '../../sql/sql-db.ts';
import { prepared } from '../db.ts';
import type { Rupiah } from './money.ts';

/** One line of a quote: a part, labour by the minute, or anything else (travel, a consumable). */
export interface QuoteLine {
  kind: 'part' | 'labour' | 'other';
  description: string;
  sku?: string;
  /** Parts and other lines: how many. */
  quantity?: number;
  /** Labour lines: minutes on site. */
  minutes?: number;
  /** Parts and other lines: the unit price; labour: the hourly rate. Whole rupiah. */
  unitPriceIdr: Rupiah;
  amountIdr: Rupiah;
  /** False: the price list has no price for it yet (its amount is 0 until the planner prices it). */
  priced: boolean;
}

export type QuoteStatus = 'pending' | 'approved' | 'declined' | 'withdrawn';
export type DecidedVia = 'tracking' | 'phone' | 'api';

export interface Quote {
  id: string;
  workOrderId: string;
  status: QuoteStatus;
  /** What covered the job when it was quoted: nothing, or a contract that leaves part of it to pay. */
  coverage: 'none' | 'contract';
  lines: QuoteLine[];
  totalIdr: Rupiah;
  createdBy: string;
  createdAtMs: number;
  updatedAtMs: number;
  decidedBy: string | null;
  decidedVia: DecidedVia | null;
  decidedAtMs: number | null;
  decisionNote: string | null;
}

interface QuoteRow {
  id: string;
  work_order_id: string;
  status: string;
  coverage: string;
  lines_json: string;
  total_idr: number;
  created_by: string;
  created_at_ms: number;
  updated_at_ms: number;
  decided_by: string | null;
  decided_via: string | null;
  decided_at_ms: number | null;
  decision_note: string | null;
}

const toQuote = (r: QuoteRow): Quote => ({
  id: r.id,
  workOrderId: r.work_order_id,
  status: r.status as QuoteStatus,
  coverage: r.coverage as Quote['coverage'],
  lines: JSON.parse(r.lines_json) as QuoteLine[],
  totalIdr: r.total_idr,
  createdBy: r.created_by,
  createdAtMs: r.created_at_ms,
  updatedAtMs: r.updated_at_ms,
  decidedBy: r.decided_by,
  decidedVia: r.decided_via as DecidedVia | null,
  decidedAtMs: r.decided_at_ms,
  decisionNote: r.decision_note,
});

export interface PriceEntry {
  key: string;
  priceIdr: Rupiah;
  updatedBy: string;
  updatedAtMs: number;
}

/** Part prices, labour rates and quotes. Callers own the transaction. */
export class BillingStore {
  readonly #db: SqlDb;

  constructor(db: SqlDb) {
    this.#db = db;
  }

  partPrice(sku: string): Rupiah | undefined {
    return (
      prepared(this.#db, 'SELECT price_idr FROM part_prices WHERE sku = ?').get(sku) as
        | { price_idr: number }
        | undefined
    )?.price_idr;
  }
  setPartPrice(sku: string, priceIdr: Rupiah, by: string, nowMs: number): void {
    prepared(
      this.#db,
      `INSERT INTO part_prices (sku, price_idr, updated_by, updated_at_ms) VALUES (?, ?, ?, ?)
      ON CONFLICT(sku) DO UPDATE SET price_idr = excluded.price_idr, updated_by = excluded.updated_by, updated_at_ms = excluded.updated_at_ms`,
    ).run(sku, priceIdr, by, nowMs);
  }
  listPartPrices(): PriceEntry[] {
    return prepared(
      this.#db,
      'SELECT sku AS key, price_idr AS priceIdr, updated_by AS updatedBy, updated_at_ms AS updatedAtMs FROM part_prices ORDER BY sku',
    ).all() as unknown as PriceEntry[];
  }

  /** Whether any labour rate is set: a service company without one does not charge through Purna (no quotes). */
  charges(): boolean {
    return !!prepared(this.#db, 'SELECT 1 FROM labour_rates LIMIT 1').get();
  }

  /** The hourly rate for a skill, else the default ('*'). */
  labourRate(skill: string | undefined): Rupiah | undefined {
    return (
      prepared(
        this.#db,
        `SELECT rate_idr_per_hour FROM labour_rates WHERE skill IN (?, '*') ORDER BY skill = '*' LIMIT 1`,
      ).get(skill ?? '*') as { rate_idr_per_hour: number } | undefined
    )?.rate_idr_per_hour;
  }
  setLabourRate(skill: string, rateIdrPerHour: Rupiah, by: string, nowMs: number): void {
    prepared(
      this.#db,
      `INSERT INTO labour_rates (skill, rate_idr_per_hour, updated_by, updated_at_ms) VALUES (?, ?, ?, ?)
      ON CONFLICT(skill) DO UPDATE SET rate_idr_per_hour = excluded.rate_idr_per_hour, updated_by = excluded.updated_by,
        updated_at_ms = excluded.updated_at_ms`,
    ).run(skill, rateIdrPerHour, by, nowMs);
  }
  listLabourRates(): PriceEntry[] {
    return prepared(
      this.#db,
      'SELECT skill AS key, rate_idr_per_hour AS priceIdr, updated_by AS updatedBy, updated_at_ms AS updatedAtMs FROM labour_rates ORDER BY skill',
    ).all() as unknown as PriceEntry[];
  }

  insertQuote(
    q: Omit<Quote, 'id' | 'status' | 'decidedBy' | 'decidedVia' | 'decidedAtMs' | 'decisionNote' | 'updatedAtMs'>,
  ): Quote {
    const n = (prepared(this.#db, 'SELECT COUNT(*) + 1 AS n FROM quotes').get() as { n: number }).n;
    const id = `Q-${String(n).padStart(6, '0')}`;
    prepared(
      this.#db,
      `INSERT INTO quotes (id, work_order_id, status, coverage, lines_json, total_idr, created_by, created_at_ms, updated_at_ms)
      VALUES (?, ?, 'pending', ?, ?, ?, ?, ?, ?)`,
    ).run(
      id,
      q.workOrderId,
      q.coverage,
      JSON.stringify(q.lines),
      q.totalIdr,
      q.createdBy,
      q.createdAtMs,
      q.createdAtMs,
    );
    return this.quote(id)!;
  }
  quote(id: string): Quote | undefined {
    const row = prepared(this.#db, 'SELECT * FROM quotes WHERE id = ?').get(id) as QuoteRow | undefined;
    return row ? toQuote(row) : undefined;
  }
  /** The job's quotes, newest first. */
  quotesOf(workOrderId: string): Quote[] {
    return (
      prepared(this.#db, 'SELECT * FROM quotes WHERE work_order_id = ? ORDER BY created_at_ms DESC, id DESC').all(
        workOrderId,
      ) as unknown as QuoteRow[]
    ).map(toQuote);
  }
  /** Whether the job waits for its customer's approval of a quote (it is not dispatched meanwhile). */
  awaitingApproval(workOrderId: string): boolean {
    return !!prepared(this.#db, "SELECT 1 FROM quotes WHERE work_order_id = ? AND status = 'pending'").get(workOrderId);
  }
  revise(id: string, lines: QuoteLine[], totalIdr: Rupiah, nowMs: number): void {
    prepared(this.#db, 'UPDATE quotes SET lines_json = ?, total_idr = ?, updated_at_ms = ? WHERE id = ?').run(
      JSON.stringify(lines),
      totalIdr,
      nowMs,
      id,
    );
  }
  decide(
    id: string,
    status: QuoteStatus,
    by: string,
    via: DecidedVia | null,
    note: string | null,
    nowMs: number,
  ): void {
    prepared(
      this.#db,
      `UPDATE quotes SET status = ?, decided_by = ?, decided_via = ?, decided_at_ms = ?, decision_note = ?, updated_at_ms = ?
      WHERE id = ?`,
    ).run(status, by, via, nowMs, note, nowMs, id);
  }
}
