// A worker's partitions: it takes its fair share (ceil(P / live workers)) of the free ones,
// renews them every third of the TTL, gives up what is above its share when workers join, and
// releases everything on a clean stop.
//
// Never two owners at once: a lease is valid for its owner only until the time it *sent* the
// write that made or renewed it, plus the TTL, minus the skew margin; the store expires it no
// earlier than the TTL after it *received* that write. A free partition (its key expired or
// deleted) is taken only once this worker has seen it free for the skew margin. So the old
// owner has stopped at least one margin before the new one starts, whatever the network
// delays; clock rates may differ by the margin over a TTL. A lease that could not be renewed
// in time (NATS away, this process paused) is dropped when its validity ends, at once.

import type { Logger } from '../core/log.ts';
import type { LeaseStore } from './lease-store.ts';
import { fnv1a32 } from './partition.ts';

export interface LeaseEvents {
  /** The partition is this worker's from now on, at `revision` (restore its state, start consuming). */
  acquired(p: number, revision: number): Promise<void>;
  /** The lease is gone (renew refused, or its validity ended): stop the partition at once and drop its state. Synchronous. */
  lost(p: number): void;
  /** A clean hand-over: stop the partition and save its state; the lease is released after. */
  releasing(p: number): Promise<void>;
}

export interface LeaseManagerOptions {
  store: LeaseStore;
  workerId: string;
  partitions: number;
  ttlMs: number;
  skewMs: number;
  log: Logger;
  events: LeaseEvents;
  /** Epoch ms (tests may drive it); default Date.now. */
  now?: () => number;
}

interface Held {
  revision: number;
  /** The revision the lease was taken at: the fencing token for the whole tenure. */
  acquiredRevision: number;
  /** This worker treats the lease as its own until then (epoch ms). */
  validUntilMs: number;
}

export class LeaseManager {
  readonly #o: LeaseManagerOptions;
  readonly #now: () => number;
  readonly #held = new Map<number, Held>();
  /** When this worker first saw each partition free (cleared when it sees it held). */
  readonly #freeSince = new Map<number, number>();
  #tickTimer: NodeJS.Timeout | null = null;
  #expiryTimer: NodeJS.Timeout | null = null;
  #running: Promise<void> | null = null;
  #stopped = false;
  /** Counts, for metrics and tests. */
  readonly stats = { acquired: 0, lost: 0, released: 0, renewFailures: 0 };

  constructor(o: LeaseManagerOptions) {
    this.#o = o;
    this.#now = o.now ?? Date.now;
  }

  /** The partitions held now, with the revision each was acquired at (the fencing token). */
  holdings(): Map<number, number> {
    return new Map([...this.#held].map(([p, h]) => [p, h.acquiredRevision]));
  }

  /** The fencing token of partition `p` if this worker holds it and its lease is still valid. */
  fenceOf(p: number): number | null {
    const h = this.#held.get(p);
    return h && this.#now() < h.validUntilMs ? h.acquiredRevision : null;
  }

  start(): void {
    const period = Math.max(100, Math.floor(this.#o.ttlMs / 3));
    const loop = () => {
      if (this.#stopped) return;
      this.#running = this.#tick()
        .catch((err) => this.#o.log.warn({ err: (err as Error).message }, 'lease round failed; trying again'))
        .finally(() => {
          this.#running = null;
          if (!this.#stopped) this.#tickTimer = setTimeout(loop, period);
        });
    };
    loop();
    // Independent of the rounds (which wait on NATS): a lease past its validity is dropped on time.
    this.#expiryTimer = setInterval(() => this.#expire(), Math.max(50, Math.floor(this.#o.skewMs / 4)));
  }

  /** Releases every partition (each saved first) and leaves; a lease that cannot be released expires by itself. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#tickTimer) clearTimeout(this.#tickTimer);
    await this.#running;
    if (this.#expiryTimer) clearInterval(this.#expiryTimer);
    for (const p of [...this.#held.keys()]) await this.#release(p);
    try {
      await this.#o.store.leave(this.#o.workerId);
    } catch {
      // Its heartbeat expires within a TTL.
    }
  }

  #expire(): void {
    const now = this.#now();
    for (const [p, h] of this.#held)
      if (now >= h.validUntilMs) {
        this.#held.delete(p);
        this.stats.lost++;
        this.#o.log.warn({ partition: p }, 'partition lease not renewed in time: partition stopped');
        this.#o.events.lost(p);
      }
  }

  async #tick(): Promise<void> {
    const { store, workerId, partitions, ttlMs, skewMs, log } = this.#o;
    this.#expire();
    await store.heartbeat(workerId);
    for (const [p, h] of [...this.#held]) {
      const sentAt = this.#now();
      let revision: number | null;
      try {
        revision = await store.renew(p, workerId, h.revision);
      } catch (err) {
        this.stats.renewFailures++;
        log.warn({ partition: p, err: (err as Error).message }, 'could not renew a partition lease (kept while valid)');
        continue;
      }
      if (this.#held.get(p) !== h) continue; // dropped meanwhile (expired)
      if (revision === null) {
        this.#held.delete(p);
        this.stats.lost++;
        log.warn({ partition: p }, 'partition lease lost (renew refused): partition stopped');
        this.#o.events.lost(p);
        continue;
      }
      h.revision = revision;
      h.validUntilMs = sentAt + ttlMs - skewMs;
    }
    if (this.#stopped) return;
    const view = await store.view();
    const now = this.#now();
    for (let p = 0; p < partitions; p++) {
      if (view.held.has(p)) this.#freeSince.delete(p);
      else if (!this.#freeSince.has(p)) this.#freeSince.set(p, now);
    }
    view.workers.add(workerId);
    const share = Math.ceil(partitions / view.workers.size);
    // Above the fair share (a worker joined): hand the surplus over, highest partitions first.
    if (this.#held.size > share) {
      const surplus = [...this.#held.keys()].sort((a, b) => b - a).slice(0, this.#held.size - share);
      for (const p of surplus) await this.#release(p);
      return;
    }
    // Below it: free partitions seen free for the margin, starting at a place of this worker's
    // own (workers starting together then mostly try different ones).
    const start = fnv1a32(workerId) % partitions;
    for (let i = 0; i < partitions && this.#held.size < share && !this.#stopped; i++) {
      const p = (start + i) % partitions;
      const since = this.#freeSince.get(p);
      if (this.#held.has(p) || since === undefined || now - since < skewMs) continue;
      const sentAt = this.#now();
      const revision = await store.acquire(p, workerId);
      if (revision === null) {
        this.#freeSince.delete(p); // someone was quicker
        continue;
      }
      this.#held.set(p, { revision, acquiredRevision: revision, validUntilMs: sentAt + ttlMs - skewMs });
      this.stats.acquired++;
      log.info({ partition: p, revision }, 'partition lease acquired');
      try {
        await this.#o.events.acquired(p, revision);
      } catch (err) {
        // Could not start it (its snapshot unreadable from NATS now): give it back for another round.
        log.warn({ partition: p, err: (err as Error).message }, 'could not start a leased partition; releasing it');
        this.#o.events.lost(p);
        this.#held.delete(p);
        await store.release(p, revision).catch(() => {});
      }
    }
  }

  async #release(p: number): Promise<void> {
    const h = this.#held.get(p);
    if (!h) return;
    try {
      await this.#o.events.releasing(p);
    } catch (err) {
      // Not saved: the next owner restores the snapshot before and replays from its sequence.
      this.#o.log.warn({ partition: p, err: (err as Error).message }, 'could not save a partition at hand-over');
    } finally {
      // Stopped and saved (or failed to save: the next owner replays from the older snapshot).
      this.#held.delete(p);
      this.stats.released++;
      await this.#o.store
        .release(p, h.revision)
        .catch((err) =>
          this.#o.log.warn({ partition: p, err: (err as Error).message }, 'could not release a lease; it expires'),
        );
      this.#o.log.info({ partition: p }, 'partition lease released');
    }
  }
}
