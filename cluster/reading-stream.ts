// The stream of validated readings on NATS JetStream: its configuration, and a reading as a
// message. One message per reading, on the subject of the device's partition, with a
// Nats-Msg-Id of device, timestamp and metric names, so a reading published twice (the
// write-ahead log replaying after a crash, a publish retried after a lost acknowledgement) is
// stored once within the stream's duplicate window.

import { type JetStreamManager, RetentionPolicy, StorageType, DiscardPolicy } from '@nats-io/jetstream';
import type { Reading } from '../core/types.ts';
import { READINGS_STREAM, READINGS_SUBJECTS } from './partition.ts';

export interface ReadingStreamOptions {
  /** How long a reading is kept, ms: at least two partition-snapshot intervals (a replay starts at the last snapshot). */
  maxAgeMs: number;
  /** Copies on a NATS cluster (1 on a single server). */
  replicas?: number;
}

/** The duplicate window: a replay within it is stored once. Bounded by the stream's age and by 20 minutes (the server keeps every id of the window in memory). */
export function duplicateWindowMs(maxAgeMs: number): number {
  return Math.min(maxAgeMs, 20 * 60_000);
}

const NS_PER_MS = 1_000_000;

/**
 * Creates the stream, or brings an existing one's retention to the configured one. File storage:
 * the stream survives a restart of the server (the write-ahead log is only the ingest worker's).
 */
export async function ensureReadingStream(jsm: JetStreamManager, o: ReadingStreamOptions): Promise<void> {
  const config = {
    name: READINGS_STREAM,
    subjects: [READINGS_SUBJECTS],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    max_age: o.maxAgeMs * NS_PER_MS,
    duplicate_window: duplicateWindowMs(o.maxAgeMs) * NS_PER_MS,
    num_replicas: o.replicas ?? 1,
  };
  try {
    const info = await jsm.streams.info(READINGS_STREAM);
    if (info.config.max_age !== config.max_age || info.config.duplicate_window !== config.duplicate_window)
      await jsm.streams.update(READINGS_STREAM, {
        max_age: config.max_age,
        duplicate_window: config.duplicate_window,
      });
  } catch (err) {
    if (!/stream not found/i.test((err as Error).message)) throw err;
    await jsm.streams.add(config);
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A reading as the stream carries it: compact JSON. */
export function encodeReading(r: Reading): Uint8Array {
  return encoder.encode(JSON.stringify({ d: r.deviceId, t: r.tsMs, v: r.values }));
}

export function decodeReading(data: Uint8Array): Reading {
  const m = JSON.parse(decoder.decode(data)) as { d: string; t: number; v: Reading['values'] };
  return { deviceId: m.d, tsMs: m.t, values: m.v };
}

/**
 * The reading's identity for deduplication: device, timestamp and metric names (in the
 * message's order; a replay parses the same payload, so the same order). Two readings of one
 * device at one time with the same metrics are one reading, as InfluxDB sees them too.
 */
export function messageIdOf(r: Reading): string {
  let metrics = '';
  for (const m in r.values) metrics = metrics === '' ? m : `${metrics},${m}`;
  return `${r.deviceId}|${r.tsMs}|${metrics}`;
}
