import { join } from 'node:path';
import { expect, it } from 'vitest';
import { SqliteTelemetryStore } from '../../store/sqlite-store.ts';
import { RetryableStoreError } from '../../store/telemetry-store.ts';
import { mountSmallFilesystem } from '../support/small-filesystem.ts';

const batch = (from: number) =>
  Array.from({ length: 500 }, (_, i) => ({
    deviceId: 'pump-1',
    tsMs: 1_700_000_000_000 + from + i,
    values: { temperature: 60, vibration: 1.5 },
  }));

it('a full disk is a retryable store error (the writer keeps the batch), and writes succeed once space returns', async () => {
  const fs = mountSmallFilesystem(2 * 1024 * 1024);
  const store = new SqliteTelemetryStore(join(fs.dir, 'telemetry.db'));
  try {
    await store.start();
    await store.write(batch(0));
    fs.fill();
    // SQLite may reuse pages it already has for a while; a few hundred KiB more is past them.
    let failure: unknown = null;
    for (let n = 1; n <= 200 && !failure; n++) await store.write(batch(n * 500)).catch((err) => (failure = err));
    expect(failure).toBeInstanceOf(RetryableStoreError);
    expect((failure as Error).message).toMatch(/disk is full/);
    fs.free();
    await store.write(batch(1_000_000));
    expect(await store.query('pump-1', 1_700_001_000_000, 1_700_001_000_499, 1000)).toHaveLength(500);
  } finally {
    await store.close();
    fs.unmount();
  }
});
