// Worker mode (PURNA_NATS_URL): this worker's analytics judges the devices of the partitions it
// leases, and only those. For each partition it acquires it restores the partition's last
// snapshot (the devices' detector state and the stream sequence it covers) and consumes the
// partition's subject from the sequence after, so a device's learnt state follows it from
// worker to worker and no reading is skipped or judged twice. Snapshots are saved every
// PURNA_PARTITION_SNAPSHOT_EVERY_MS and on a clean hand-over. A lease lost (renew refused, or not
// renewed in time) stops the partition's consumer at once and drops its devices' state.

import { type ConsumerMessages, DeliverPolicy, type JetStreamClient, type JsMsg } from '@nats-io/jetstream';
import type { Analytics } from '../analytics/index.ts';
import type { Logger } from '../core/log.ts';
import { every, type PeriodicJob } from '../core/periodic.ts';
import type { FencingToken } from '../core/types.ts';
import { LeaseManager } from './lease-manager.ts';
import type { LeaseStore } from './lease-store.ts';
import { partitionOf, READINGS_STREAM, subjectOf } from './partition.ts';
import { decodeReading } from './reading-stream.ts';
import type { SnapshotStore } from './snapshot-store.ts';

export interface PartitionWorkerOptions {
  js: JetStreamClient;
  leases: LeaseStore;
  snapshots: SnapshotStore;
  analytics: Analytics;
  workerId: string;
  partitions: number;
  ttlMs: number;
  skewMs: number;
  snapshotEveryMs: number;
  maxMetricsPerDevice: number;
  log: Logger;
}

interface Owned {
  revision: number;
  /** The last stream sequence fed to analytics (what a snapshot taken now covers). */
  lastSeq: number;
  messages: ConsumerMessages | null;
  /** Set the moment the partition stops: no reading is fed after it. */
  stopped: boolean;
  readings: number;
}

export class PartitionWorker {
  readonly #o: PartitionWorkerOptions;
  readonly #leases: LeaseManager;
  readonly #owned = new Map<number, Owned>();
  #job: PeriodicJob | null = null;
  #saving: Promise<void> | null = null;
  /** Readings fed to analytics, per partition over this worker's life (tests, metrics). */
  readonly readingsByPartition = new Map<number, number>();

  constructor(o: PartitionWorkerOptions) {
    this.#o = o;
    this.#leases = new LeaseManager({
      store: o.leases,
      workerId: o.workerId,
      partitions: o.partitions,
      ttlMs: o.ttlMs,
      skewMs: o.skewMs,
      log: o.log,
      events: {
        acquired: (p, revision) => this.#acquired(p, revision),
        lost: (p) => this.#lost(p),
        releasing: (p) => this.#releasing(p),
      },
    });
  }

  get workerId(): string {
    return this.#o.workerId;
  }

  /** The partitions this worker consumes now. */
  partitions(): number[] {
    return [...this.#owned.keys()].sort((a, b) => a - b);
  }

  get leaseStats(): LeaseManager['stats'] {
    return this.#leases.stats;
  }

  /** The fencing token of a device's partition while it is judged here; null when not (then no verdict may leave). */
  fenceOf(deviceId: string): FencingToken | null {
    const p = partitionOf(deviceId, this.#o.partitions);
    const o = this.#owned.get(p);
    if (!o || o.stopped) return null;
    const revision = this.#leases.fenceOf(p);
    return revision === null ? null : { partition: p, revision, workerId: this.#o.workerId };
  }

  start(): void {
    this.#leases.start();
    this.#job = every('partition snapshots', this.#o.snapshotEveryMs, () => this.saveSnapshots(), this.#o.log);
  }

  /** Hands every partition over (saved first) and leaves. */
  async stop(): Promise<void> {
    this.#job?.stop();
    this.#job = null;
    await this.#leases.stop();
  }

  /**
   * Saves each held partition's snapshot now (also run every PURNA_PARTITION_SNAPSHOT_EVERY_MS).
   * One round at a time: two puts of one object at once could leave the older one last.
   */
  saveSnapshots(): Promise<void> {
    if (!this.#saving) {
      // Assigned before the round runs: a round with nothing to await clears it after, not before.
      const round = Promise.resolve().then(async () => {
        for (const p of [...this.#owned.keys()]) await this.#save(p);
      });
      this.#saving = round.finally(() => {
        this.#saving = null;
      });
    }
    return this.#saving;
  }

  async #save(p: number): Promise<void> {
    const o = this.#owned.get(p);
    if (!o) return;
    // Taken in one synchronous step: the state and the sequence it covers agree.
    const snapshot = {
      partition: p,
      seq: o.lastSeq,
      workerId: this.#o.workerId,
      savedAtMs: Date.now(),
      analytics: this.#o.analytics.snapshot((id) => partitionOf(id, this.#o.partitions) === p),
    };
    await this.#o.snapshots.put(snapshot);
  }

  async #acquired(p: number, revision: number): Promise<void> {
    const { analytics, snapshots, log } = this.#o;
    const saved = await snapshots.get(p);
    // Lost while reading the snapshot (its validity ran out): the manager gives it back.
    if (this.#leases.fenceOf(p) === null) throw new Error('lease ran out while the partition was starting');
    // Whatever this worker knew of these devices is older than the snapshot: start from it.
    analytics.forgetWhere((id) => partitionOf(id, this.#o.partitions) === p);
    if (saved) analytics.restore(saved.analytics, this.#o.maxMetricsPerDevice);
    const o: Owned = { revision, lastSeq: saved?.seq ?? 0, messages: null, stopped: false, readings: 0 };
    this.#owned.set(p, o);
    log.info(
      { partition: p, revision, fromSeq: o.lastSeq + 1, snapshotBy: saved?.workerId ?? null },
      'partition started: snapshot restored, replaying from the sequence after it',
    );
    const consumer = await this.#o.js.consumers.get(READINGS_STREAM, {
      filter_subjects: subjectOf(p), // a string: filter_subject, which nats-server 2.9 knows (the array needs 2.10)
      ...(o.lastSeq > 0
        ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: o.lastSeq + 1 }
        : { deliver_policy: DeliverPolicy.All }),
    });
    if (o.stopped) return;
    const messages = await consumer.consume({ max_messages: 1000 });
    o.messages = messages;
    if (o.stopped) {
      messages.stop();
      return;
    }
    void this.#feed(p, o, messages);
  }

  async #feed(p: number, o: Owned, messages: ConsumerMessages): Promise<void> {
    try {
      for await (const m of messages) {
        if (o.stopped) break;
        this.#one(p, o, m);
      }
    } catch (err) {
      if (!o.stopped) this.#o.log.error({ partition: p, err: (err as Error).message }, 'partition consumer failed');
    }
  }

  #one(p: number, o: Owned, m: JsMsg): void {
    // An ordered consumer may deliver a sequence again after it reset itself: judged once.
    if (m.seq <= o.lastSeq) return;
    const reading = decodeReading(m.data);
    this.#o.analytics.process([reading]);
    o.lastSeq = m.seq;
    o.readings++;
    this.readingsByPartition.set(p, (this.readingsByPartition.get(p) ?? 0) + 1);
  }

  #lost(p: number): void {
    const o = this.#owned.get(p);
    this.#owned.delete(p);
    if (o) {
      o.stopped = true;
      o.messages?.stop();
    }
    this.#o.analytics.forgetWhere((id) => partitionOf(id, this.#o.partitions) === p);
  }

  async #releasing(p: number): Promise<void> {
    const o = this.#owned.get(p);
    if (!o) return;
    o.stopped = true;
    o.messages?.stop();
    try {
      await this.#save(p);
    } finally {
      this.#owned.delete(p);
      this.#o.analytics.forgetWhere((id) => partitionOf(id, this.#o.partitions) === p);
    }
  }
}
