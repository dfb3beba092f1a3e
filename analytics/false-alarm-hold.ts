// False alarms a planner dismissed: the dispatch decision does not request the same device and
// failure mode again for the same evidence. Without this the next reading that is still "due"
// re-opened the dismissed job within a second. A hold ends after a quiet period, or as soon as
// the device reads clearly worse than what was dismissed: a real fault growing out of the noise
// must still reach a technician.

import type { FailureMode, FalseAlarmDismissal, HealthReport } from '../core/types.ts';

/**
 * How far below the dismissed health score (0–100) a reading must fall to be clearly worse: 20
 * points (the bands are 30 wide: watch 70–90, warning 40–70, so most of a band, beyond the wobble
 * of a persisting condition), or half of what was left when little was (a trend forecast
 * dismissed at 20 is clearly beaten by ISO zone D at 5).
 */
export function clearlyWorseBelow(dismissedScore: number): number {
  return dismissedScore - Math.min(20, dismissedScore / 2);
}

interface Hold {
  score: number;
  untilMs: number;
}

export class FalseAlarmHolds {
  readonly #quietMs: number;
  readonly #holds = new Map<string, Hold>();

  /** `quietMs`: how long a dismissed alarm stays held while the evidence does not grow. */
  constructor(quietMs: number) {
    this.#quietMs = quietMs;
  }

  /**
   * Holds the dismissed mode from `sinceMs` (the device's own clock: its latest reading), against
   * the worse of the work order's evidence and what the device showed when it was dismissed.
   */
  hold(d: FalseAlarmDismissal, sinceMs: number, currentScore: number | null): void {
    const score = currentScore === null ? d.score : Math.min(d.score, currentScore);
    this.#holds.set(key(d.deviceId, d.mode), { score, untilMs: sinceMs + this.#quietMs });
  }

  /** True while a request for `mode` on this report is the dismissed alarm again; a hold that ended is dropped. */
  holds(mode: FailureMode, report: HealthReport): boolean {
    const k = key(report.deviceId, mode);
    const h = this.#holds.get(k);
    if (!h) return false;
    if (report.tsMs < h.untilMs && report.score > clearlyWorseBelow(h.score)) return true;
    this.#holds.delete(k);
    return false;
  }
}

function key(deviceId: string, mode: FailureMode): string {
  return `${deviceId}\u0000${mode}`;
}
