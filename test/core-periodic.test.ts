import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { every, periodicJobFailures } from '../core/periodic.ts';
import { capturingLogger } from './support/purna.ts';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

it('a job that throws, or whose promise rejects, is logged and counted at each run and keeps its schedule', async () => {
  const { log, lines } = capturingLogger();
  let runs = 0;
  const throwing = every(
    'test throwing job',
    1000,
    () => {
      runs++;
      throw new Error('disk full');
    },
    log,
  );
  const rejecting = every(
    'test rejecting job',
    1000,
    async () => {
      throw Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
    },
    log,
  );
  await vi.advanceTimersByTimeAsync(3500);
  expect(runs).toBe(3);
  expect(periodicJobFailures.get('test throwing job')).toBe(3);
  expect(periodicJobFailures.get('test rejecting job')).toBe(3);
  expect(lines.filter((l) => l.job === 'test rejecting job')[0]).toMatchObject({
    level: 50,
    msg: 'periodic job failed; it runs again at its next time',
    err: { message: 'database is locked', code: 'SQLITE_BUSY' },
  });

  throwing.stop();
  rejecting.stop();
  await vi.advanceTimersByTimeAsync(5000);
  expect(runs).toBe(3);
});
