// Running hours per device, counted from the running state analytics reads off each reading
// (HealthReport.running: the model's running metric against its stopped level, or vibration
// under a quarter of its running normal): the time from a report that said running to the next
// report is time run. Counted in memory per report (the bus carries one per device and batch),
// written to the store by the maintenance pass and on stop.

import type { HealthReport } from '../../core/types.ts';
import type { MaintenanceStore } from './store.ts';

/**
 * A gap between two reports longer than this is not counted even if the machine was running at
 * the first: nobody heard it run (a dead gateway, a device switched off at the mains). Readings
 * come every few seconds to a few minutes; half an hour covers the slowest.
 */
export const MAX_COUNTED_GAP_MS = 30 * 60_000;

interface Counter {
  runningMs: number;
  lastTsMs: number;
  lastRunning: boolean;
  dirty: boolean;
}

export class RunningHours {
  readonly #store: MaintenanceStore;
  readonly #counters = new Map<string, Counter>();

  constructor(store: MaintenanceStore) {
    this.#store = store;
    for (const r of store.allRunning()) this.#counters.set(r.deviceId, { ...r, dirty: false });
  }

  /** One health report: counts the time since the previous one if the machine was running then. */
  observe(report: HealthReport): void {
    if (report.running === undefined) return;
    const c = this.#counters.get(report.deviceId);
    if (!c) {
      this.#counters.set(report.deviceId, {
        runningMs: 0,
        lastTsMs: report.tsMs,
        lastRunning: report.running,
        dirty: true,
      });
      return;
    }
    // A replayed or late reading says nothing new about time run.
    if (report.tsMs <= c.lastTsMs) return;
    const gap = report.tsMs - c.lastTsMs;
    if (c.lastRunning && gap <= MAX_COUNTED_GAP_MS) c.runningMs += gap;
    c.lastTsMs = report.tsMs;
    c.lastRunning = report.running;
    c.dirty = true;
  }

  /** The device's running time counted so far, ms. */
  runningMs(deviceId: string): number {
    return this.#counters.get(deviceId)?.runningMs ?? 0;
  }

  /** Writes the counters that changed (inside the caller's transaction). */
  flush(): void {
    for (const [deviceId, c] of this.#counters) {
      if (!c.dirty) continue;
      this.#store.saveRunning(deviceId, c.runningMs, c.lastTsMs, c.lastRunning);
      c.dirty = false;
    }
  }
}
