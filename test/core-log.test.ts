import { execFileSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, readSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { LogDestination } from '../core/log.ts';

it('a log reader that stops reading never blocks the process: lines past the bound are dropped and counted, and flow again once it reads', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'purna-log-'));
  const fifo = join(dir, 'log.fifo');
  execFileSync('mkfifo', [fifo]);
  // Both ends in this process; nobody reads until the test does (the pipe holds 64 KiB).
  const fd = openSync(fifo, constants.O_RDWR | constants.O_NONBLOCK);
  try {
    const dest = new LogDestination(fd);
    const line = `${JSON.stringify({ level: 30, msg: 'x'.repeat(1000) })}\n`;
    for (let i = 0; i < 10_000; i++) dest.write(line); // about 10 MB: more than the pipe and the 4 MiB queue
    expect(dest.droppedLines).toBeGreaterThan(5000);
    expect(dest.droppedLines).toBeLessThan(10_000);

    // The reader comes back: queued lines are written, and a notice says how many were dropped.
    const buf = Buffer.alloc(1 << 16);
    let tail = '';
    let notice: string | null = null;
    for (const until = Date.now() + 20_000; notice === null && Date.now() < until; ) {
      try {
        tail = (tail + buf.toString('latin1', 0, readSync(fd, buf))).slice(-(1 << 17));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
        await new Promise((r) => setTimeout(r, 5));
      }
      notice = /\{[^\n]*log lines dropped[^\n]*\}/.exec(tail)?.[0] ?? null;
    }
    expect(JSON.parse(notice ?? '{}')).toMatchObject({ level: 40, droppedLines: dest.droppedLines });
  } finally {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  }
});
