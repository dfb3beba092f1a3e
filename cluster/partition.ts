// Which partition a device belongs to: p = FNV-1a-32(UTF-8 bytes of deviceId) mod P.
//
// Purna computes the partition itself rather than leaving it to a broker feature (NATS subject
// mapping, Kafka's murmur2 default partitioner), so the same device lands in the same partition
// on NATS JetStream (subject purna.readings.<p>) and on Kafka (partition p of a topic with P
// partitions, the producer naming the partition). FNV-1a is tiny, has no dependency, is fully
// specified (offset basis 2166136261, prime 16777619, 32-bit) and spreads short ids well. P is
// fixed for the life of a stream: changing it moves devices between partitions (a new stream).

const FNV_OFFSET_BASIS = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const encoder = new TextEncoder();

/** FNV-1a, 32 bits, over the UTF-8 bytes of `text`; an unsigned integer. */
export function fnv1a32(text: string): number {
  const bytes = encoder.encode(text);
  let h = FNV_OFFSET_BASIS;
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i];
    h = Math.imul(h, FNV_PRIME);
  }
  return h >>> 0;
}

/** The partition of a device, 0 … partitions-1. */
export function partitionOf(deviceId: string, partitions: number): number {
  return fnv1a32(deviceId) % partitions;
}

/** The JetStream stream that holds every validated reading. */
export const READINGS_STREAM = 'PURNA_READINGS';
const SUBJECT_PREFIX = 'purna.readings.';

/** The subject of partition `p`. */
export function subjectOf(p: number): string {
  return SUBJECT_PREFIX + p;
}

/** The subjects of the stream: every partition. */
export const READINGS_SUBJECTS = `${SUBJECT_PREFIX}*`;
