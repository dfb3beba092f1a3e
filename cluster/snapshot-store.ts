// Per-partition detector snapshots in the shared store, with the stream sequence they cover: the
// next owner of a partition restores it and replays the stream from the sequence after. On NATS
// an object-store bucket (`purna_snapshots`, one object per partition: a partition's devices can
// exceed a KV value's 1 MiB message limit, an object is chunked); on Kafka it would be a
// PostgreSQL row per partition. One small interface.

import { StorageType } from '@nats-io/jetstream';
import { type ObjectStore, Objm } from '@nats-io/obj';
import type { NatsConnection } from '@nats-io/transport-node';

export interface PartitionSnapshot {
  partition: number;
  /** The last stream sequence whose reading is in `analytics` (0: none). */
  seq: number;
  /** Who saved it and when (epoch ms), for the log and operators. */
  workerId: string;
  savedAtMs: number;
  /** Analytics' snapshot of the partition's devices (Analytics.snapshot(only)). */
  analytics: unknown;
}

export interface SnapshotStore {
  get(p: number): Promise<PartitionSnapshot | null>;
  put(s: PartitionSnapshot): Promise<void>;
}

export const SNAPSHOT_BUCKET = 'purna_snapshots';
const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class ObjectSnapshotStore implements SnapshotStore {
  readonly #os: ObjectStore;

  private constructor(os: ObjectStore) {
    this.#os = os;
  }

  static async open(nc: NatsConnection): Promise<ObjectSnapshotStore> {
    return new ObjectSnapshotStore(await new Objm(nc).create(SNAPSHOT_BUCKET, { storage: StorageType.File }));
  }

  async get(p: number): Promise<PartitionSnapshot | null> {
    const blob = await this.#os.getBlob(`partition-${p}`);
    return blob ? (JSON.parse(decoder.decode(blob)) as PartitionSnapshot) : null;
  }

  async put(s: PartitionSnapshot): Promise<void> {
    await this.#os.putBlob({ name: `partition-${s.partition}` }, encoder.encode(JSON.stringify(s)));
  }
}
