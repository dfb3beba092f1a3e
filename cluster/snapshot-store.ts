// Per-partition detector snapshots in the shared store, with the stream sequence they cover: the
// next owner of a partition restores it and replays the stream from the sequence after. On NATS
// a KV bucket (`purna_snapshots`, a key per partition); on Kafka it would be a PostgreSQL row
// per partition. One small interface. (An object-store bucket, which chunks large values, was
// tried first: a read that met a replacement of the same object hung in a test, waiting for
// chunks the replacement had purged; a KV put replaces a value atomically.)

import { gunzipSync, gzipSync } from 'node:zlib';
import { StorageType } from '@nats-io/jetstream';
import { type KV, Kvm } from '@nats-io/kv';
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
/** NATS's default max_payload is 1 MiB; what a KV value may be, with room for the headers. */
const MAX_VALUE_BYTES = 1024 * 1024 - 4096;

/**
 * One key per partition (`partition.<p>`) in the KV bucket `purna_snapshots`, the JSON gzipped
 * (detector state compresses about 3-4x). A put replaces the value at once, so a reader never
 * meets half of one. A snapshot that does not fit one message (1 MiB by default: some 40,000
 * device x metric detectors per partition, compressed) is refused with an error naming the
 * partition: raise PURNA_PARTITIONS (a new stream) or the server's max_payload.
 */
export class KvSnapshotStore implements SnapshotStore {
  readonly #kv: KV;

  private constructor(kv: KV) {
    this.#kv = kv;
  }

  static async open(nc: NatsConnection): Promise<KvSnapshotStore> {
    return new KvSnapshotStore(await new Kvm(nc).create(SNAPSHOT_BUCKET, { history: 1, storage: StorageType.File }));
  }

  async get(p: number): Promise<PartitionSnapshot | null> {
    const e = await this.#kv.get(`partition.${p}`);
    if (e?.operation !== 'PUT' || e.value.length === 0) return null;
    return JSON.parse(gunzipSync(e.value).toString('utf8')) as PartitionSnapshot;
  }

  async put(s: PartitionSnapshot): Promise<void> {
    const value = gzipSync(JSON.stringify(s));
    if (value.length > MAX_VALUE_BYTES)
      throw new Error(
        `the snapshot of partition ${s.partition} is ${value.length} bytes compressed, over NATS's message limit: raise PURNA_PARTITIONS`,
      );
    await this.#kv.put(`partition.${s.partition}`, value);
  }
}
