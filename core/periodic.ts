// Periodic jobs whose failure costs one run, never the process. An exception thrown from a timer
// callback, or a promise it returns that rejects, is uncaught and ends Node: a snapshot write that
// hits a full disk (or a snapshot too large to serialise: "Invalid string length") took the
// whole platform down with it. Every periodic job of Purna runs through `every`.

import type { Logger } from './log.ts';

/**
 * Failed runs of periodic jobs in this process, by job name (Prometheus:
 * purna_periodic_job_failures_total). Timers belong to the process, so the count does too.
 */
export const periodicJobFailures = new Map<string, number>();

export interface PeriodicJob {
  stop(): void;
}

/**
 * Runs `run` every `everyMs` (an unref'd interval: it keeps no process alive). A failed run is
 * logged with its error, counted, and the job runs again at its next time.
 */
export function every(job: string, everyMs: number, run: () => unknown, log: Logger): PeriodicJob {
  const failed = (err: unknown) => {
    periodicJobFailures.set(job, (periodicJobFailures.get(job) ?? 0) + 1);
    log.error({ err, job }, 'periodic job failed; it runs again at its next time');
  };
  const timer = setInterval(() => {
    try {
      const result = run();
      if (result instanceof Promise) result.catch(failed);
    } catch (err) {
      failed(err);
    }
  }, everyMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
