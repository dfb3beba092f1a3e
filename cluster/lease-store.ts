// Who owns a partition: one small interface (acquire, renew, release, each with a revision),
// so the same lease manager runs on NATS (a JetStream KV bucket, here) and on Kafka (a row per
// partition in PostgreSQL: INSERT … ON CONFLICT DO NOTHING for acquire, UPDATE … WHERE revision
// = $rev for renew and release, a `expires_at` column instead of the bucket's TTL). Purna assigns
// partitions itself instead of using Kafka's consumer-group rebalancing, so both behave the same.

import { type KV, Kvm } from '@nats-io/kv';
import { StorageType } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';

export interface LeaseView {
  /** Partitions someone holds now (expired and released ones are absent). */
  held: Set<number>;
  /** Workers whose heartbeat has not expired (the caller among them once it beat). */
  workers: Set<string>;
}

export interface LeaseStore {
  /** Takes partition `p` for `owner` if nobody holds it: the lease's revision, or null if it is held. */
  acquire(p: number, owner: string): Promise<number | null>;
  /** Extends the lease held at `revision`: the new revision, or null if it is no longer this one (expired, taken). */
  renew(p: number, owner: string, revision: number): Promise<number | null>;
  /** Lets the lease go, if it is still at `revision`. */
  release(p: number, revision: number): Promise<void>;
  /** Announces `worker` alive for one TTL. */
  heartbeat(worker: string): Promise<void>;
  /** The worker leaves (a clean stop): its heartbeat goes at once. */
  leave(worker: string): Promise<void>;
  view(): Promise<LeaseView>;
}

export const LEASE_BUCKET = 'purna_leases';
const OWNER = 'owner.';
const WORKER = 'worker.';

/** A JetStream KV error that means "not at the revision you said" (a lost race, an expired lease). */
function isRevisionConflict(err: unknown): boolean {
  return /wrong last sequence|key exists/i.test((err as Error)?.message ?? '');
}

/**
 * The leases as keys of the KV bucket `purna_leases`: `owner.<p>` = worker id, `worker.<id>` =
 * heartbeat. The bucket's TTL (max age) is the lease's: an entry not written again within it
 * disappears, so a dead worker's leases and heartbeat end by themselves. A key's revision (the
 * bucket stream's sequence) grows with every write to the bucket, so a later owner's revision is
 * always greater than any earlier owner's: it is the fencing token of what the owner dispatches.
 */
export class KvLeaseStore implements LeaseStore {
  readonly #kv: KV;

  private constructor(kv: KV) {
    this.#kv = kv;
  }

  /** Opens the bucket, creating it with the lease TTL if it does not exist. */
  static async open(nc: NatsConnection, ttlMs: number): Promise<KvLeaseStore> {
    const kv = await new Kvm(nc).create(LEASE_BUCKET, { ttl: ttlMs, history: 1, storage: StorageType.File });
    return new KvLeaseStore(kv);
  }

  async acquire(p: number, owner: string): Promise<number | null> {
    try {
      return await this.#kv.create(OWNER + p, owner);
    } catch (err) {
      if (isRevisionConflict(err)) return null;
      throw err;
    }
  }

  async renew(p: number, owner: string, revision: number): Promise<number | null> {
    try {
      return await this.#kv.update(OWNER + p, owner, revision);
    } catch (err) {
      if (isRevisionConflict(err)) return null;
      throw err;
    }
  }

  async release(p: number, revision: number): Promise<void> {
    try {
      await this.#kv.delete(OWNER + p, { previousSeq: revision });
    } catch (err) {
      if (!isRevisionConflict(err)) throw err; // someone else's now: nothing of ours to release
    }
  }

  async heartbeat(worker: string): Promise<void> {
    await this.#kv.put(WORKER + worker, String(Date.now()));
  }

  async leave(worker: string): Promise<void> {
    await this.#kv.delete(WORKER + worker);
  }

  async view(): Promise<LeaseView> {
    const held = new Set<number>();
    const workers = new Set<string>();
    for await (const key of await this.#kv.keys()) {
      if (key.startsWith(OWNER)) held.add(Number(key.slice(OWNER.length)));
      else if (key.startsWith(WORKER)) workers.add(key.slice(WORKER.length));
    }
    return { held, workers };
  }
}
