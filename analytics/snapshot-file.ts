// Detector state survives a restart: restored from the last snapshot file at start, saved on stop
// (and every few minutes, so a crash loses minutes of learning, not the baselines).

import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { Logger } from '../core/log.ts';
import { every, type PeriodicJob } from '../core/periodic.ts';
import type { Analytics } from './index.ts';

export interface AnalyticsStateFileOptions {
  analytics: Analytics;
  /** The snapshot file (JSON); written next to it first and renamed, so a crash never leaves half a file. */
  path: string;
  /** How often the snapshot is saved while running, ms (PURNA_ANALYTICS_SNAPSHOT_EVERY_MS). */
  saveEveryMs: number;
  /** Metrics a device may have (PURNA_MAX_METRICS_PER_DEVICE): a snapshot from before that bound is trimmed to it. */
  maxMetricsPerDevice: number;
  log: Logger;
}

export class AnalyticsStateFile {
  readonly #opts: AnalyticsStateFileOptions;
  #job: PeriodicJob | null = null;

  constructor(opts: AnalyticsStateFileOptions) {
    this.#opts = opts;
  }

  /** Restores the last snapshot, if there is one; an unreadable one is left and the detectors start afresh. */
  restore(): void {
    const { analytics, path, maxMetricsPerDevice, log } = this.#opts;
    if (!existsSync(path)) return;
    try {
      const { droppedMetrics } = analytics.restore(JSON.parse(readFileSync(path, 'utf8')), maxMetricsPerDevice);
      log.info({ devices: analytics.deviceCount }, 'analytics state restored');
      if (droppedMetrics > 0) {
        log.warn(
          { droppedMetrics, maxMetricsPerDevice },
          'analytics state had devices with more metrics than PURNA_MAX_METRICS_PER_DEVICE: the metrics beyond it were dropped',
        );
      }
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'analytics state unreadable; detectors start afresh');
    }
  }

  /** Saves every few minutes from now on (a failed save is logged and counted; the next one runs). */
  start(): void {
    this.#job = every('analytics snapshot', this.#opts.saveEveryMs, () => this.save(), this.#opts.log);
  }

  /** Stops the periodic save and saves once more (after analytics has stopped). */
  stop(): void {
    this.#job?.stop();
    this.#job = null;
    this.save();
  }

  save(): void {
    const { analytics, path } = this.#opts;
    const tmp = `${path}.tmp`;
    writeFileSync(tmp, JSON.stringify(analytics.snapshot()));
    renameSync(tmp, path);
  }
}
