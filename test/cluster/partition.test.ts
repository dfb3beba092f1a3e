import { describe, expect, it } from 'vitest';
import { fnv1a32, partitionOf, subjectOf } from '../../cluster/partition.ts';

describe('partition of a device', () => {
  it('is FNV-1a 32 over the UTF-8 bytes (the published test vectors)', () => {
    // Vectors of the FNV reference (draft-eastlake-fnv): "", "a", "foobar".
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(fnv1a32('foobar')).toBe(0xbf9cf968);
    // Non-ASCII ids hash their UTF-8 bytes (c3 a9 for é; a Kafka producer in another language would too), not UTF-16 units.
    expect(fnv1a32('é')).toBe(0x1e9de8c1);
  });

  it('is stable: fixed values a stream written today keeps meaning tomorrow', () => {
    expect(partitionOf('pump-0001', 64)).toBe(fnv1a32('pump-0001') % 64);
    expect([partitionOf('pump-0001', 64), partitionOf('compressor-0007', 64), partitionOf('motor-x', 64)]).toEqual([
      fnv1a32('pump-0001') % 64,
      fnv1a32('compressor-0007') % 64,
      fnv1a32('motor-x') % 64,
    ]);
    // Pinned numbers: changing the hash would move every device to another partition.
    expect(fnv1a32('pump-0001')).toBe(0x1caa8ca5);
    expect(subjectOf(partitionOf('pump-0001', 64))).toBe(`purna.readings.${0x1caa8ca5 % 64}`);
  });

  it('spreads a fleet evenly over the partitions', () => {
    const counts = new Array<number>(64).fill(0);
    for (let i = 0; i < 64_000; i++) counts[partitionOf(`device-${String(i).padStart(6, '0')}`, 64)]++;
    // 1,000 expected each; a binomial's sd is ~31: every partition within 15 % of even.
    expect(Math.min(...counts)).toBeGreaterThan(850);
    expect(Math.max(...counts)).toBeLessThan(1150);
  });
});
