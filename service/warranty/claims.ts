// Warranty claims (issue 19, item 4): a resolved job the warranty or a contract covered is claimed
// from the manufacturer with its parts, labour and cause, priced from the price list (only what
// the cover includes), and moves submitted → approved | rejected, once.

import { inTransaction, prepared } from '../db.ts';
import { labourAmount, lineAmount, sumRupiah, type Rupiah } from '../billing/money.ts';
import type { ServiceStores } from '../stores.ts';
import { badRequest, conflict, invalid, requireFound } from '../types.ts';

export type ClaimStatus = 'submitted' | 'approved' | 'rejected';
export const CLAIM_STATUSES: readonly ClaimStatus[] = ['submitted', 'approved', 'rejected'];

export interface ClaimPart {
  sku: string;
  name: string;
  quantity: number;
  unitPriceIdr: Rupiah;
  amountIdr: Rupiah;
}

export interface WarrantyClaim {
  id: string;
  workOrderId: string;
  deviceId: string;
  modelId: string;
  coverage: 'warranty' | 'contract';
  cause: string;
  labourMinutes: number;
  parts: ClaimPart[];
  partsIdr: Rupiah;
  labourIdr: Rupiah;
  totalIdr: Rupiah;
  status: ClaimStatus;
  createdBy: string;
  createdAtMs: number;
  decidedBy: string | null;
  decidedAtMs: number | null;
  decisionNote: string | null;
}

export interface ClaimInput {
  cause: string;
  /** Default: the parts the job consumed. */
  parts?: { sku: string; quantity: number }[];
  /** Default: the time on site (on site → resolved). */
  labourMinutes?: number;
}

interface Row {
  id: string;
  work_order_id: string;
  device_id: string;
  model_id: string;
  coverage: string;
  cause: string;
  labour_minutes: number;
  parts_json: string;
  parts_idr: number;
  labour_idr: number;
  total_idr: number;
  status: string;
  created_by: string;
  created_at_ms: number;
  decided_by: string | null;
  decided_at_ms: number | null;
  decision_note: string | null;
}

const toClaim = (r: Row): WarrantyClaim => ({
  id: r.id,
  workOrderId: r.work_order_id,
  deviceId: r.device_id,
  modelId: r.model_id,
  coverage: r.coverage as WarrantyClaim['coverage'],
  cause: r.cause,
  labourMinutes: r.labour_minutes,
  parts: JSON.parse(r.parts_json) as ClaimPart[],
  partsIdr: r.parts_idr,
  labourIdr: r.labour_idr,
  totalIdr: r.total_idr,
  status: r.status as ClaimStatus,
  createdBy: r.created_by,
  createdAtMs: r.created_at_ms,
  decidedBy: r.decided_by,
  decidedAtMs: r.decided_at_ms,
  decisionNote: r.decision_note,
});

export class Claims {
  readonly #s: ServiceStores;

  constructor(stores: ServiceStores) {
    this.#s = stores;
  }

  get(id: string): WarrantyClaim {
    const row = prepared(this.#s.db, 'SELECT * FROM warranty_claims WHERE id = ?').get(id) as Row | undefined;
    return requireFound(row ? toClaim(row) : undefined, 'warranty claim', id);
  }

  list(filter: { status?: ClaimStatus } = {}): WarrantyClaim[] {
    const rows = filter.status
      ? prepared(this.#s.db, 'SELECT * FROM warranty_claims WHERE status = ? ORDER BY created_at_ms DESC, id DESC').all(
          filter.status,
        )
      : prepared(this.#s.db, 'SELECT * FROM warranty_claims ORDER BY created_at_ms DESC, id DESC').all();
    return (rows as unknown as Row[]).map(toClaim);
  }

  /**
   * A claim for a resolved job that was covered when it opened and whose resolution the terms do
   * not exclude: 409 otherwise (naming why), and for a second claim on the job.
   */
  create(workOrderId: string, input: ClaimInput, by: string, nowMs: number): WarrantyClaim {
    const { db, orders, registry, terms, billing, catalogue } = this.#s;
    return inTransaction(db, () => {
      const wo = orders.require(workOrderId);
      if (wo.state !== 'resolved') throw conflict(`work order ${wo.id} is ${wo.state}: only a resolved job is claimed`);
      if (prepared(db, 'SELECT 1 FROM warranty_claims WHERE work_order_id = ?').get(wo.id))
        throw conflict(`work order ${wo.id} has its claim already`);
      const device = requireFound(registry.getDevice(wo.deviceId), 'device', wo.deviceId);
      const cover = terms.coverageAt(device, wo.createdAtMs);
      if (cover.kind === 'none')
        throw conflict(`work order ${wo.id} was not covered: no warranty or contract when it opened`);
      if (wo.resolutionCode && cover.exclusions.includes(wo.resolutionCode))
        throw conflict(`work order ${wo.id} resolved ${wo.resolutionCode}: excluded by the ${cover.kind} terms`);
      if (!input.cause.trim()) throw badRequest('cause: is required');
      const wanted =
        input.parts ??
        wo.parts.filter((p) => p.status === 'consumed').map((p) => ({ sku: p.sku, quantity: p.quantity }));
      const names = new Map(
        (catalogue.current(device.modelId)?.failureModes ?? []).flatMap((f) => f.parts.map((p) => [p.sku, p.name])),
      );
      const unpriced = wanted.flatMap((p, i) =>
        cover.partsCovered && billing.partPrice(p.sku) === undefined
          ? [{ field: `parts[${i}].sku`, message: `'${p.sku}' has no price in the price list` }]
          : [],
      );
      if (unpriced.length) throw invalid('warranty claim', unpriced);
      const parts: ClaimPart[] = wanted.map((p, i) => {
        const unit = cover.partsCovered ? billing.partPrice(p.sku)! : 0;
        return {
          sku: p.sku,
          name: names.get(p.sku) ?? wo.parts.find((x) => x.sku === p.sku)?.name ?? p.sku,
          quantity: p.quantity,
          unitPriceIdr: unit,
          amountIdr: lineAmount(unit, p.quantity, `parts[${i}]`),
        };
      });
      const minutes =
        input.labourMinutes ??
        (wo.onSiteAtMs !== null && wo.resolvedAtMs !== null
          ? Math.round((wo.resolvedAtMs - wo.onSiteAtMs) / 60_000)
          : 0);
      const skill = catalogue.current(device.modelId)?.failureModes.find((f) => f.id === wo.mode)?.skill;
      const rate = cover.labourCovered ? (billing.labourRate(skill) ?? 0) : 0;
      const partsIdr = sumRupiah(
        parts.map((p) => p.amountIdr),
        'partsIdr',
      );
      const labourIdr = labourAmount(rate, minutes, 'labourIdr');
      const n = (prepared(db, 'SELECT COUNT(*) + 1 AS n FROM warranty_claims').get() as { n: number }).n;
      const id = `WC-${String(n).padStart(6, '0')}`;
      prepared(
        db,
        `INSERT INTO warranty_claims (id, work_order_id, device_id, model_id, coverage, cause, labour_minutes, parts_json,
          parts_idr, labour_idr, total_idr, status, created_by, created_at_ms)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'submitted', ?, ?)`,
      ).run(
        id,
        wo.id,
        device.id,
        device.modelId,
        cover.kind,
        input.cause.trim(),
        minutes,
        JSON.stringify(parts),
        partsIdr,
        labourIdr,
        sumRupiah([partsIdr, labourIdr]),
        by,
        nowMs,
      );
      orders.addNote(wo.id, by, nowMs, `warranty claim ${id} submitted: Rp ${partsIdr + labourIdr}`);
      return this.get(id);
    });
  }

  /** The manufacturer's answer: approved, or rejected with the reason. 409 once decided. */
  decide(
    id: string,
    status: 'approved' | 'rejected',
    by: string,
    note: string | undefined,
    nowMs: number,
  ): WarrantyClaim {
    return inTransaction(this.#s.db, () => {
      const c = this.get(id);
      if (c.status !== 'submitted') throw conflict(`warranty claim ${id} is ${c.status} already`);
      if (status === 'rejected' && !note?.trim()) throw badRequest('note: is required to reject a claim (the reason)');
      prepared(
        this.#s.db,
        'UPDATE warranty_claims SET status = ?, decided_by = ?, decided_at_ms = ?, decision_note = ? WHERE id = ?',
      ).run(status, by, nowMs, note?.trim() || null, id);
      this.#s.orders.addNote(c.workOrderId, by, nowMs, `warranty claim ${id} ${status}${note ? `: ${note}` : ''}`);
      return this.get(id);
    });
  }
}
