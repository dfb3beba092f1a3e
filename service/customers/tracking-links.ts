import { createHash, createHmac, randomBytes } from 'node:crypto';
import type { SqlDb } from '../../sql/sql-db.ts';
import { prepared } from '../db.ts';

/** A tracking link keeps working this long after its job is resolved or cancelled. */
export const TRACKING_TTL_AFTER_CLOSE_MS = 7 * 24 * 3600_000;

export interface TrackingLink {
  id: string;
  workOrderId: string;
  contactId: string;
  issuedAtMs: number;
  confirmation: 'done' | 'not_fixed' | null;
  confirmedAtMs: number | null;
  /** The stars (1–5), recommendation (0–10) and comment given with the confirmation. */
  csat: number | null;
  nps: number | null;
  comment: string | null;
}

/** What the customer says on the tracking page after the visit. */
export interface TrackingAnswer {
  confirmation: 'done' | 'not_fixed';
  csat?: number;
  nps?: number;
  comment?: string;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/**
 * One link per job and contact, in every notice they get about that job, to the tracking page.
 * Every notice must carry the same link, so the token cannot be a random value kept only in the
 * message (as the survey's is): it is derived, HMAC-SHA256(key, link id), with a key that lives
 * outside the service store (data/link-key; tests pass their own). The store keeps the random
 * link id and the token's SHA-256: a copy of the store alone opens no page, and nothing
 * guessable leads to one (256 bits). A key lost or changed ends every link issued with it.
 */
export class TrackingLinks {
  readonly #db: SqlDb;
  readonly #key: Buffer;

  constructor(db: SqlDb, key: Buffer) {
    if (key.length < 32) throw new Error('the tracking link key must have at least 32 bytes');
    this.#db = db;
    this.#key = key;
  }

  /** The token of a link: what its URL carries. */
  tokenOf(linkId: string): string {
    return createHmac('sha256', this.#key).update(linkId).digest('base64url');
  }

  /** The link of (job, contact), issued on first use. Inside the caller's transaction. */
  ensure(workOrderId: string, contactId: string, nowMs: number): string {
    const existing = prepared(this.#db, 'SELECT id FROM tracking_links WHERE work_order_id = ? AND contact_id = ?').get(
      workOrderId,
      contactId,
    ) as { id: string } | undefined;
    if (existing) return existing.id;
    const id = randomBytes(16).toString('base64url');
    prepared(
      this.#db,
      'INSERT INTO tracking_links (id, token_hash, work_order_id, contact_id, issued_at_ms) VALUES (?, ?, ?, ?, ?)',
    ).run(id, sha256(this.tokenOf(id)), workOrderId, contactId, nowMs);
    return id;
  }

  byToken(token: string): TrackingLink | undefined {
    const r = prepared(this.#db, 'SELECT * FROM tracking_links WHERE token_hash = ?').get(sha256(token)) as
      | Row
      | undefined;
    return r ? toLink(r) : undefined;
  }

  /**
   * Records the customer's word once (the WHERE clause makes the link single-use even against two
   * simultaneous submissions); false when the link had been used already.
   */
  confirm(linkId: string, a: TrackingAnswer, nowMs: number): boolean {
    const r = prepared(
      this.#db,
      `UPDATE tracking_links SET confirmation = ?, confirmed_at_ms = ?, csat = ?, nps = ?, comment = ?
      WHERE id = ? AND confirmed_at_ms IS NULL`,
    ).run(a.confirmation, nowMs, a.csat ?? null, a.nps ?? null, a.comment ?? null, linkId);
    return r.changes === 1;
  }

  get(linkId: string): TrackingLink | undefined {
    const r = prepared(this.#db, 'SELECT * FROM tracking_links WHERE id = ?').get(linkId) as Row | undefined;
    return r ? toLink(r) : undefined;
  }

  forWorkOrder(workOrderId: string): TrackingLink[] {
    return (
      prepared(this.#db, 'SELECT * FROM tracking_links WHERE work_order_id = ? ORDER BY issued_at_ms, id').all(
        workOrderId,
      ) as unknown as Row[]
    ).map(toLink);
  }
}

interface Row {
  id: string;
  work_order_id: string;
  contact_id: string;
  issued_at_ms: number;
  confirmation: 'done' | 'not_fixed' | null;
  confirmed_at_ms: number | null;
  csat: number | null;
  nps: number | null;
  comment: string | null;
}

function toLink(r: Row): TrackingLink {
  return {
    id: r.id,
    workOrderId: r.work_order_id,
    contactId: r.contact_id,
    issuedAtMs: r.issued_at_ms,
    confirmation: r.confirmation,
    confirmedAtMs: r.confirmed_at_ms,
    csat: r.csat,
    nps: r.nps,
    comment: r.comment,
  };
}
