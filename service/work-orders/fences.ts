import type { FencingToken } from '../../core/types.ts';
import type { SqlDb } from '../../sql/sql-db.ts';
import { prepared } from '../db.ts';

/**
 * The fence of each analytics partition (cluster/README.md, fencing): the newest lease revision
 * a dispatch of that partition came under. Revisions only grow from owner to owner, so a request
 * with an older one is from a worker that lost the partition (paused past its lease) and must not
 * open or cancel a job. Checked and moved in the caller's transaction by one conditional upsert:
 * the row is written only when the request's revision is not older than the stored one; on
 * PostgreSQL two workers' upserts of one partition wait for each other's row lock, so the older
 * one always sees the newer.
 */
export class DispatchFences {
  readonly #db: SqlDb;

  constructor(db: SqlDb) {
    this.#db = db;
  }

  /** True when `token` may act (none: one process, no leases); records it as the partition's newest. */
  admit(token: FencingToken | undefined, nowMs: number): boolean {
    if (!token) return true;
    return (
      prepared(
        this.#db,
        `INSERT INTO dispatch_fences (partition_no, revision, worker_id, at_ms) VALUES (?, ?, ?, ?)
         ON CONFLICT (partition_no) DO UPDATE SET revision = excluded.revision, worker_id = excluded.worker_id,
           at_ms = excluded.at_ms
         WHERE dispatch_fences.revision <= excluded.revision`,
      ).run(token.partition, token.revision, token.workerId, nowMs).changes === 1
    );
  }

  /** The newest revision seen for a partition, or null. */
  newest(partition: number): { revision: number; workerId: string } | null {
    const row = prepared(this.#db, 'SELECT revision, worker_id FROM dispatch_fences WHERE partition_no = ?').get(
      partition,
    ) as { revision: number; worker_id: string } | undefined;
    return row ? { revision: row.revision, workerId: row.worker_id } : null;
  }
}
