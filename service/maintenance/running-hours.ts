// Running hours per device, from analytics: each health report carries the time the machine has
// run since analytics first heard it in this process (`HealthReport.runningMs`, counted reading by
// reading from its running state: the model's running metric against its stopped level, or
// vibration under a quarter of its running normal; gaps over 30 minutes not counted). The service
// adds each increase to the device's lifetime count; after a restart analytics counts from 0
// again and the first report's whole value is the increase. Counted in memory per report, written
// to the store by the maintenance pass and on stop.

import type { HealthReport } from '../../core/types.ts';
import type { MaintenanceStore } from './store.ts';

interface Counter {
  runningMs: number;
  /** Analytics' count at the last report (this process). */
  seenMs: number;
  lastTsMs: number;
  lastRunning: boolean;
  dirty: boolean;
}

export class RunningHours {
  readonly #store: MaintenanceStore;
  readonly #counters = new Map<string, Counter>();

  constructor(store: MaintenanceStore) {
    this.#store = store;
    for (const r of store.allRunning()) this.#counters.set(r.deviceId, { ...r, seenMs: 0, dirty: false });
  }

  /** One health report: adds what analytics counted since the last one. */
  observe(report: HealthReport): void {
    const counted = report.runningMs;
    if (counted === undefined) return;
    let c = this.#counters.get(report.deviceId);
    if (!c) {
      c = { runningMs: 0, seenMs: 0, lastTsMs: report.tsMs, lastRunning: report.running ?? true, dirty: true };
      this.#counters.set(report.deviceId, c);
    }
    // Less than last time: analytics started counting afresh (a restart).
    const increase = counted >= c.seenMs ? counted - c.seenMs : counted;
    c.seenMs = counted;
    if (increase > 0) c.runningMs += increase;
    c.lastTsMs = Math.max(c.lastTsMs, report.tsMs);
    c.lastRunning = report.running ?? c.lastRunning;
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
