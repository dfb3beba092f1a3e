import type { SqlDb } from '../../sql/sql-db.ts';
import { prepared } from '../db.ts';
import { conflict, notFound } from '../types.ts';

/** Why a planner should call the customer back. */
export type FollowUpReason = 'low_rating' | 'not_fixed' | 'unplaced_message';

export interface FollowUp {
  id: number;
  reason: FollowUpReason;
  workOrderId: string | null;
  customerId: string | null;
  contactId: string | null;
  /** Name of the contact, for the board (a removed contact keeps theirs). */
  contactName: string | null;
  csat: number | null;
  nps: number | null;
  /** The customer's own words: the rating's comment, or the message nobody could place. */
  comment: string | null;
  createdAtMs: number;
  doneAtMs: number | null;
  doneBy: string | null;
  doneNote: string | null;
}

export interface NewFollowUp {
  reason: FollowUpReason;
  workOrderId: string | null;
  customerId: string | null;
  contactId: string | null;
  csat?: number | null;
  nps?: number | null;
  comment?: string | null;
}

/**
 * The planner's follow-up tasks: what the customer said that a person must answer. Opened by
 * feedback (customers/feedback.ts) and by inbound messages that fit no job; closed by a planner
 * with a note. They stay on the work order and the customer's record once done.
 */
export class FollowUps {
  readonly #db: SqlDb;

  constructor(db: SqlDb) {
    this.#db = db;
  }

  /** Inside the caller's transaction. */
  open(f: NewFollowUp, nowMs: number): FollowUp {
    const r = prepared(
      this.#db,
      `INSERT INTO follow_ups (work_order_id, customer_id, contact_id, reason, csat, nps, comment, created_at_ms)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(f.workOrderId, f.customerId, f.contactId, f.reason, f.csat ?? null, f.nps ?? null, f.comment ?? null, nowMs);
    return this.require(Number(r.lastInsertRowid));
  }

  require(id: number): FollowUp {
    const r = prepared(this.#db, `${SELECT} WHERE f.id = ?`).get(id) as Row | undefined;
    if (!r) throw notFound('follow-up', String(id));
    return toFollowUp(r);
  }

  /** Open tasks oldest first (the longest-waiting customer first), or everything of a job / customer, newest first. */
  list(filter: { open?: boolean; workOrderId?: string; customerId?: string; limit?: number } = {}): FollowUp[] {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (filter.open) where.push('f.done_at_ms IS NULL');
    if (filter.workOrderId) {
      where.push('f.work_order_id = ?');
      args.push(filter.workOrderId);
    }
    if (filter.customerId) {
      where.push('f.customer_id = ?');
      args.push(filter.customerId);
    }
    const order = filter.open ? 'f.created_at_ms, f.id' : 'f.created_at_ms DESC, f.id DESC';
    const sql = `${SELECT}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY ${order} LIMIT ?`;
    return (prepared(this.#db, sql).all(...args, filter.limit ?? 500) as unknown as Row[]).map(toFollowUp);
  }

  /** A planner closes a task (409 when someone already did). */
  done(id: number, by: string, note: string | null, nowMs: number): FollowUp {
    this.require(id);
    const r = prepared(
      this.#db,
      'UPDATE follow_ups SET done_at_ms = ?, done_by = ?, done_note = ? WHERE id = ? AND done_at_ms IS NULL',
    ).run(nowMs, by, note, id);
    if (r.changes !== 1) throw conflict(`follow-up ${id} is already done`);
    return this.require(id);
  }
}

const SELECT = `SELECT f.*, c.name AS contact_name FROM follow_ups f LEFT JOIN contacts c ON c.id = f.contact_id`;

interface Row {
  id: number;
  reason: FollowUpReason;
  work_order_id: string | null;
  customer_id: string | null;
  contact_id: string | null;
  contact_name: string | null;
  csat: number | null;
  nps: number | null;
  comment: string | null;
  created_at_ms: number;
  done_at_ms: number | null;
  done_by: string | null;
  done_note: string | null;
}

function toFollowUp(r: Row): FollowUp {
  return {
    id: r.id,
    reason: r.reason,
    workOrderId: r.work_order_id,
    customerId: r.customer_id,
    contactId: r.contact_id,
    contactName: r.contact_name,
    csat: r.csat,
    nps: r.nps,
    comment: r.comment,
    createdAtMs: r.created_at_ms,
    doneAtMs: r.done_at_ms,
    doneBy: r.done_by,
    doneNote: r.done_note,
  };
}
