// With the reading stream on (PURNA_NATS_URL) the write-ahead log has two sinks: it may drop a
// reading only once the store and the stream both have it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../core/log.ts';
import { SinkConfirmations } from '../../ingest/sink-confirmations.ts';
import { WriteAheadLog } from '../../ingest/write-ahead-log.ts';

const log = createLogger('silent');
const payload = (i: number) => Buffer.from(JSON.stringify({ ts: 1_700_000_000_000 + i, values: { temperature: i } }));
const append = (wal: WriteAheadLog, i: number) =>
  new Promise<void>((resolve, reject) =>
    wal.append('pump-1', Date.now(), payload(i), 1, (err) => (err ? reject(err) : resolve())),
  );

describe('sink confirmations', () => {
  it('confirms the smallest count of the sinks, once, whatever order they settle in', () => {
    const confirmed: number[] = [];
    const both = new SinkConfirmations(2, (n) => confirmed.push(n));
    both.settled(0, 5); // the store has 5, the stream none
    expect(confirmed).toEqual([]);
    both.settled(1, 3);
    expect(confirmed).toEqual([3]);
    both.settled(1, 4); // the stream is ahead now: 5 of both
    expect(confirmed).toEqual([3, 2]);
    both.settled(0, 2);
    expect(confirmed).toEqual([3, 2, 2]);
    expect(both.confirmed).toBe(7);
  });

  it('the log keeps what the store has but the stream does not, and replays it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'purna-wal-sinks-'));
    try {
      // Small segments: confirmed ones are deleted as soon as both sinks have them.
      const wal = new WriteAheadLog({ dir, log, maxBytes: 1 << 20, segmentBytes: 4096 });
      wal.open();
      const both = new SinkConfirmations(2, (n) => wal.confirm(n));
      for (let i = 0; i < 200; i++) await append(wal, i);
      both.settled(0, 200); // stored, but the stream (NATS away) has only the first 150
      both.settled(1, 150);
      wal.close(); // not a clean stop for the log: 50 readings are not in every sink
      const again = new WriteAheadLog({ dir, log, maxBytes: 1 << 20, segmentBytes: 4096 });
      const replay = again.open().map((r) => r.values.temperature);
      // Every reading the stream lacks comes back (whole segments replay: a few before it too).
      for (let i = 150; i < 200; i++) expect(replay).toContain(i);
      expect(replay.length).toBeLessThan(200); // the segments both sinks had are gone
      const replayed = new SinkConfirmations(2, (n) => again.confirm(n));
      replayed.settled(0, replay.length);
      replayed.settled(1, replay.length);
      again.close();
      const third = new WriteAheadLog({ dir, log, maxBytes: 1 << 20, segmentBytes: 4096 });
      expect(third.open()).toEqual([]);
      third.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
