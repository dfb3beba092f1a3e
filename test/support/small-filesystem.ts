// A real, small filesystem for disk-full fault tests: a size-limited tmpfs mounted on a fresh
// temp dir (the tests run as root). It is filled to the last byte by a filler file, so writes
// into it fail with ENOSPC (or come back short) as on a full disk, and freed by deleting it.
// A test that cannot mount one fails loudly; it never passes without having made the fault.
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, statfsSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SmallFilesystem {
  dir: string;
  /** Writes a filler file until not one more byte fits; returns the free bytes left (0). */
  fill(): number;
  /** Deletes the filler: space is back. */
  free(): void;
  freeBytes(): number;
  unmount(): void;
}

export function mountSmallFilesystem(
  sizeBytes: number,
  dir = mkdtempSync(join(tmpdir(), 'purna-smallfs-')),
): SmallFilesystem {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeBytes},mode=0755`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (err) {
    throw new Error(
      `this fault test needs a real full filesystem: mounting a ${sizeBytes}-byte tmpfs on ${dir} failed (run as root with CAP_SYS_ADMIN): ${(err as Error).message}`,
    );
  }
  const filler = join(dir, 'filler');
  const freeBytes = () => {
    const s = statfsSync(dir);
    return s.bavail * s.bsize;
  };
  return {
    dir,
    freeBytes,
    fill() {
      const fd = openSync(filler, 'a');
      try {
        // Big chunks first, then smaller ones down to a single byte: nothing is left.
        for (const chunk of [1 << 20, 64 << 10, 4096, 512, 1]) {
          const buf = Buffer.alloc(chunk, 0x2e);
          try {
            for (;;) writeSync(fd, buf);
          } catch (err) {
            if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
          }
        }
      } finally {
        closeSync(fd);
      }
      const left = freeBytes();
      if (left !== 0) throw new Error(`could not fill ${dir}: ${left} bytes still free`);
      return left;
    },
    free() {
      rmSync(filler, { force: true });
    },
    unmount() {
      // Lazy: a process of the test that still holds a file there must not keep the mount.
      execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
