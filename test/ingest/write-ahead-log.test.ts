import { appendFileSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../core/log.ts';
import { WriteAheadLog } from '../../ingest/write-ahead-log.ts';
import { mountSmallFilesystem } from '../support/small-filesystem.ts';

const log = createLogger('silent');
/** A logger whose lines the test reads. */
function capturingLog() {
  const lines: Record<string, unknown>[] = [];
  return { lines, log: pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) }) };
}
const reading = (i: number) => ({ deviceId: 'pump-1', tsMs: 1_700_000_000_000 + i, values: { temperature: i } });
const payload = (i: number) => Buffer.from(JSON.stringify({ ts: reading(i).tsMs, values: reading(i).values }));
const append = (wal: WriteAheadLog, i: number) =>
  new Promise<void>((resolve, reject) =>
    wal.append('pump-1', Date.now(), payload(i), 1, (err) => (err ? reject(err) : resolve())),
  );

describe('write-ahead log', () => {
  it('replays what was appended and not confirmed, cutting a torn last record', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'purna-wal-'));
    const wal = new WriteAheadLog({ dir, log, maxBytes: 1 << 30 });
    expect(wal.open()).toEqual([]);
    await Promise.all([0, 1, 2, 3, 4].map((i) => append(wal, i)));
    wal.confirm(2);
    wal.close();
    const segment = readdirSync(dir)[0];
    appendFileSync(join(dir, segment), 'pump-1\t1700000000000\t40\n{"ts": 17000'); // the process died mid-write

    const again = new WriteAheadLog({ dir, log, maxBytes: 1 << 30 });
    // Confirmation is not persisted within a segment: the whole segment replays (the store
    // overwrites per device and timestamp, so replaying stored readings changes nothing).
    expect(again.open().map((r) => r.values.temperature)).toEqual([0, 1, 2, 3, 4]);
    again.close();
  });

  it('a clean stop with everything stored leaves nothing to replay (a restart does not report refused readings again)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'purna-wal-'));
    const wal = new WriteAheadLog({ dir, log, maxBytes: 1 << 30 });
    wal.open();
    await Promise.all([0, 1, 2].map((i) => append(wal, i)));
    wal.confirm(3);
    wal.close();
    expect(readdirSync(dir)).toEqual([]);
    const again = new WriteAheadLog({ dir, log, maxBytes: 1 << 30 });
    expect(again.open()).toEqual([]);
    // Appends after a restart go on as before, and what is not confirmed at a stop is kept.
    await append(again, 3);
    again.close();
    const third = new WriteAheadLog({ dir, log, maxBytes: 1 << 30 });
    expect(third.open().map((r) => r.values.temperature)).toEqual([3]);
    third.close();
  });

  it('group-commits many appends in few fsyncs and deletes segments once confirmed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'purna-wal-'));
    const wal = new WriteAheadLog({ dir, log, maxBytes: 1 << 30, segmentBytes: 2000 });
    wal.open();
    for (let round = 0; round < 10; round++)
      await Promise.all(Array.from({ length: 50 }, (_, i) => append(wal, round * 50 + i)));
    expect(wal.appended).toBe(500);
    expect(wal.fsyncs).toBeLessThanOrEqual(20);
    expect(readdirSync(dir).length).toBeGreaterThan(3);
    wal.confirm(500);
    // Only the active (now empty or fully confirmed) segment is left.
    expect(readdirSync(dir).length).toBeLessThanOrEqual(2);
    wal.close();
    const again = new WriteAheadLog({ dir, log, maxBytes: 1 << 30 });
    expect(again.open()).toEqual([]);
    again.close();
  });

  it('with a group-commit wait, appends spread over the wait share one commit, acknowledged after it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'purna-wal-'));
    const wal = new WriteAheadLog({ dir, log, maxBytes: 1 << 30, groupCommitMs: 300 });
    wal.open();
    const started = performance.now();
    const acks: Promise<number>[] = [];
    // One append every 5 ms for about 40 ms: without the wait each would be a commit of its own
    // (a loaded machine may stretch the 40 ms: at most a second commit then).
    for (let i = 0; i < 8; i++) {
      acks.push(append(wal, i).then(() => performance.now() - started));
      await new Promise((r) => setTimeout(r, 5));
    }
    const ackedAfterMs = await Promise.all(acks);
    expect(wal.appended).toBe(8);
    expect(wal.fsyncs).toBeLessThanOrEqual(2);
    expect(Math.min(...ackedAfterMs)).toBeGreaterThanOrEqual(290);
    wal.confirm(8);
    wal.close();
    const again = new WriteAheadLog({ dir, log, maxBytes: 1 << 30 });
    expect(again.open()).toEqual([]);
    again.close();
  });
  it('holds appends back when full and lets them through once the store confirms', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'purna-wal-'));
    const wal = new WriteAheadLog({ dir, log, maxBytes: 400, segmentBytes: 200 });
    wal.open();
    let acked = 0;
    for (let i = 0; i < 20; i++) wal.append('pump-1', Date.now(), payload(i), 1, () => acked++);
    await new Promise((r) => setTimeout(r, 100));
    expect(wal.backPressure).toBe(true);
    expect(acked).toBeGreaterThan(0);
    expect(acked).toBeLessThan(20);
    for (let round = 0; round < 40 && acked < 20; round++) {
      wal.confirm(acked);
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(acked).toBe(20);
    wal.close();
  });

  it('cuts a segment at its first damaged record on open, logs the bytes cut, and appends after it are replayed next time', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'purna-wal-'));
    const wal = new WriteAheadLog({ dir, log, maxBytes: 1 << 30 });
    wal.open();
    for (let i = 0; i < 5; i++) await append(wal, i);
    wal.close();
    const segment = join(dir, readdirSync(dir)[0]);
    const before = readFileSync(segment);
    // One flipped bit in the third record's payload (its 2 becomes a 3): framing intact, checksum not.
    const third = before.indexOf('"temperature":2');
    before[third + 14] ^= 0x01;
    writeFileSync(segment, before);
    const cutFrom = before.lastIndexOf('pump-1\t', third) - 9; // the third record's header: its checksum, a tab, then the device
    const captured = capturingLog();

    const again = new WriteAheadLog({ dir, log: captured.log, maxBytes: 1 << 30 });
    expect(again.open().map((r) => r.values.temperature)).toEqual([0, 1]);
    expect(statSync(segment).size).toBe(cutFrom);
    expect(captured.lines).toContainEqual(
      expect.objectContaining({
        msg: expect.stringContaining('cut a torn or damaged tail'),
        cutBytes: before.length - cutFrom,
        keptRecords: 2,
      }),
    );
    await append(again, 5);
    again.close();

    const third_ = new WriteAheadLog({ dir, log, maxBytes: 1 << 30 });
    expect(third_.open().map((r) => r.values.temperature)).toEqual([0, 1, 5]);
    third_.close();
  });

  it('a bound far below a segment (1 MiB): an outage fills it, publishers wait, and once stored everything drains and the log shrinks to near zero', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'purna-wal-'));
    const maxBytes = 1024 * 1024;
    const wal = new WriteAheadLog({ dir, log, maxBytes });
    wal.open();
    let acked = 0;
    let confirmed = 0;
    // The store is away: nothing is confirmed while 20,000 messages (about 2 MiB) arrive.
    for (let i = 0; i < 20_000; i++) wal.append('pump-1', Date.now(), payload(i), 1, () => acked++);
    await new Promise((r) => setTimeout(r, 200));
    expect(wal.backPressure).toBe(true);
    expect(acked).toBeLessThan(20_000);
    expect(wal.unconfirmedBytes).toBeLessThanOrEqual(maxBytes);
    // The store is back: it confirms whatever was acknowledged, as the writer would.
    for (const until = Date.now() + 20_000; (acked < 20_000 || confirmed < acked) && Date.now() < until; ) {
      wal.confirm(acked - confirmed);
      confirmed = acked;
      await new Promise((r) => setTimeout(r, 5));
    }
    expect({ acked, backPressure: wal.backPressure }).toEqual({ acked: 20_000, backPressure: false });
    expect(wal.unconfirmedBytes).toBeLessThan(maxBytes / 16);
    // Ingest goes on.
    await append(wal, 20_000);
    wal.close();
  });

  it('replays segments written before records had a checksum (an upgrade with a backlog)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'purna-wal-'));
    const legacy = [0, 1].map((i) => `pump-1\t1700000000000\t${payload(i).length}\n${payload(i)}`).join('');
    writeFileSync(join(dir, 'segment-000000000001.wal'), legacy);
    const wal = new WriteAheadLog({ dir, log, maxBytes: 1 << 30 });
    expect(wal.open().map((r) => r.values.temperature)).toEqual([0, 1]);
    wal.close();
  });

  it('takes a message bigger than the whole bound once the log is empty (it would wait for ever otherwise)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'purna-wal-'));
    const wal = new WriteAheadLog({ dir, log, maxBytes: 64 });
    wal.open();
    let first = false;
    let second = false;
    wal.append('pump-1', Date.now(), payload(0), 1, () => (first = true)); // about 80 bytes with its header
    wal.append('pump-1', Date.now(), payload(1), 1, () => (second = true));
    for (let t = 0; t < 500 && !first; t++) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 50));
    expect({ first, second }).toEqual({ first: true, second: false }); // the first is not stored yet: the second waits
    wal.confirm(1);
    for (let t = 0; t < 500 && !second; t++) await new Promise((r) => setTimeout(r, 10));
    expect(second).toBe(true);
    wal.close();
  });
});

describe('write-ahead log on a full disk (a real 1 MiB tmpfs)', () => {
  it('acknowledges only whole records, refuses while full, takes appends again once space returns; a restart replays exactly what was acknowledged', async () => {
    const fs = mountSmallFilesystem(1024 * 1024);
    try {
      const dir = join(fs.dir, 'wal');
      const wal = new WriteAheadLog({ dir, log, maxBytes: 1 << 30, resumeFreeBytes: 256 * 1024, probeEveryMs: 20 });
      wal.open();
      const acked: number[] = [];
      const refused: number[] = [];
      let next = 0;
      const round = () =>
        Promise.all(
          Array.from({ length: 20 }, () => {
            const i = next++;
            return new Promise<void>((resolve) =>
              wal.append('pump-1', Date.now(), payload(i), 1, (err) => {
                (err ? refused : acked).push(i);
                resolve();
              }),
            );
          }),
        );
      for (let r = 0; r < 100; r++) await round();
      fs.fill();
      for (let r = 0; r < 100; r++) await round();
      const whileFull = { diskFull: wal.diskFull, refused: refused.length };
      fs.free();
      for (let t = 0; t < 100 && wal.diskFull; t++) await new Promise((r) => setTimeout(r, 20));
      const afterFree = wal.diskFull;
      for (let r = 0; r < 100; r++) await round();
      wal.close();

      const again = new WriteAheadLog({ dir, log, maxBytes: 1 << 30 });
      const replayed = again.open().map((r) => r.values.temperature);
      again.close();
      expect(acked.filter((i) => !replayed.includes(i))).toEqual([]); // nothing acknowledged lost
      expect(replayed).toEqual(acked); // each once, in order; nothing refused is there
      expect(whileFull.diskFull).toMatchObject({ code: 'ENOSPC' });
      expect(whileFull.refused).toBeGreaterThan(0);
      expect(afterFree).toBe(null);
      expect(refused.length).toBe(whileFull.refused); // nothing refused once space was back
    } finally {
      fs.unmount();
    }
  });
});
