import { prepared } from '../db.ts';
import { createHash, randomBytes } from 'node:crypto';
import type { SqlDb } from '../../sql/sql-db.ts';
import { badRequest, ServiceError } from '../types.ts';

/** A survey link stays valid this long: long enough for a customer back from leave, short enough to be meaningless later. */
export const SURVEY_TTL_MS = 30 * 24 * 3600_000;

export interface SurveyAnswer {
  csat: number;
  nps: number;
  comment?: string;
}

export interface Survey {
  workOrderId: string;
  issuedAtMs: number;
  expiresAtMs: number;
  answeredAtMs: number | null;
  csat: number | null;
  nps: number | null;
  comment: string | null;
}

const hash = (token: string) => createHash('sha256').update(token).digest('hex');

/**
 * Customer surveys after a resolved job: a one-time link carries a random 256-bit token; the
 * store keeps only its SHA-256, so the token works exactly once (the answer is recorded in the
 * same UPDATE that checks it is unanswered) and a copy of the database cannot answer for anyone.
 */
export class Surveys {
  readonly #db: SqlDb;

  constructor(db: SqlDb) {
    this.#db = db;
  }

  /** Issues (or re-issues, while unanswered) the survey of a work order; returns the token to put in the link. */
  issue(workOrderId: string, nowMs: number): string {
    const token = randomBytes(32).toString('base64url');
    const existing = prepared(this.#db, 'SELECT answered_at_ms FROM surveys WHERE work_order_id = ?').get(
      workOrderId,
    ) as { answered_at_ms: number | null } | undefined;
    if (existing?.answered_at_ms != null)
      throw new ServiceError(409, 'Conflict', `the survey of ${workOrderId} is already answered`);
    if (existing) {
      prepared(
        this.#db,
        'UPDATE surveys SET token_hash = ?, issued_at_ms = ?, expires_at_ms = ? WHERE work_order_id = ?',
      ).run(hash(token), nowMs, nowMs + SURVEY_TTL_MS, workOrderId);
    } else {
      prepared(
        this.#db,
        'INSERT INTO surveys (token_hash, work_order_id, issued_at_ms, expires_at_ms) VALUES (?, ?, ?, ?)',
      ).run(hash(token), workOrderId, nowMs, nowMs + SURVEY_TTL_MS);
    }
    return token;
  }

  /** The survey behind a link, for the form; 404 unknown, 410 used or expired. */
  open(token: string, nowMs: number): Survey {
    const s = this.#byToken(token);
    if (s.answeredAtMs != null) throw new ServiceError(410, 'Gone', 'this survey link has already been used');
    if (nowMs > s.expiresAtMs) throw new ServiceError(410, 'Gone', 'this survey link has expired');
    return s;
  }

  answer(token: string, a: SurveyAnswer, nowMs: number): Survey {
    if (!Number.isInteger(a.csat) || a.csat < 1 || a.csat > 5) throw badRequest('csat must be an integer from 1 to 5');
    if (!Number.isInteger(a.nps) || a.nps < 0 || a.nps > 10) throw badRequest('nps must be an integer from 0 to 10');
    this.open(token, nowMs);
    // The WHERE clause makes the link single-use even against two simultaneous submissions.
    const r = prepared(
      this.#db,
      `UPDATE surveys SET answered_at_ms = ?, csat = ?, nps = ?, comment = ?
      WHERE token_hash = ? AND answered_at_ms IS NULL AND expires_at_ms >= ?`,
    ).run(nowMs, a.csat, a.nps, a.comment ?? null, hash(token), nowMs);
    if (r.changes !== 1) throw new ServiceError(410, 'Gone', 'this survey link has already been used');
    return this.#byToken(token);
  }

  /**
   * The tracking page's rating answers the job's survey (the survey folds into the page): the
   * unanswered survey is answered (its link stops working), or one is recorded answered when none
   * was issued. False when the survey was answered already (by its link or another contact):
   * the rating then stays on the tracking link alone. Inside the caller's transaction.
   */
  answerForWorkOrder(
    workOrderId: string,
    a: { csat: number; nps: number | null; comment: string | null },
    nowMs: number,
  ): boolean {
    const existing = prepared(this.#db, 'SELECT answered_at_ms FROM surveys WHERE work_order_id = ?').get(
      workOrderId,
    ) as { answered_at_ms: number | null } | undefined;
    if (existing?.answered_at_ms != null) return false;
    if (existing) {
      prepared(
        this.#db,
        'UPDATE surveys SET answered_at_ms = ?, csat = ?, nps = ?, comment = ? WHERE work_order_id = ? AND answered_at_ms IS NULL',
      ).run(nowMs, a.csat, a.nps, a.comment, workOrderId);
    } else {
      // No link was issued: a hash no token has (random), so the row opens no survey page.
      prepared(
        this.#db,
        `INSERT INTO surveys (token_hash, work_order_id, issued_at_ms, expires_at_ms, answered_at_ms, csat, nps, comment)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(hash(randomBytes(32).toString('base64url')), workOrderId, nowMs, nowMs, nowMs, a.csat, a.nps, a.comment);
    }
    return true;
  }

  forWorkOrder(workOrderId: string): Survey | undefined {
    const r = prepared(this.#db, 'SELECT * FROM surveys WHERE work_order_id = ?').get(workOrderId) as
      | SurveyRow
      | undefined;
    return r ? toSurvey(r) : undefined;
  }

  #byToken(token: string): Survey {
    const r = prepared(this.#db, 'SELECT * FROM surveys WHERE token_hash = ?').get(hash(token)) as
      | SurveyRow
      | undefined;
    if (!r) throw new ServiceError(404, 'Not Found', 'unknown survey link');
    return toSurvey(r);
  }
}

interface SurveyRow {
  work_order_id: string;
  issued_at_ms: number;
  expires_at_ms: number;
  answered_at_ms: number | null;
  csat: number | null;
  nps: number | null;
  comment: string | null;
}

function toSurvey(r: SurveyRow): Survey {
  return {
    workOrderId: r.work_order_id,
    issuedAtMs: r.issued_at_ms,
    expiresAtMs: r.expires_at_ms,
    answeredAtMs: r.answered_at_ms,
    csat: r.csat,
    nps: r.nps,
    comment: r.comment,
  };
}
