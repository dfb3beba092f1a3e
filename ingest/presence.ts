import type { Clock } from '../core/clock.ts';
import type { EventBus } from '../core/event-bus.ts';
import type { Logger } from '../core/log.ts';
import { every, type PeriodicJob } from '../core/periodic.ts';
import type { DeviceConnectionStatus } from '../core/types.ts';

export interface PresenceOptions {
  bus: EventBus;
  clock: Clock;
  log: Logger;
  /** A device is silent after this many of its usual reporting intervals without a message. */
  silentAfterIntervals: number;
  /** …but never sooner than this, ms (a device reporting every 100 ms is not silent after 500 ms). */
  minSilentMs: number;
  /** How often the silence check runs, ms. */
  checkEveryMs: number;
}

interface DevicePresence {
  lastSeenMs: number;
  /** EWMA of the interval between messages, ms (server receive time). */
  intervalMs: number;
  status: DeviceConnectionStatus;
}

/**
 * Online / offline / silent. The retained status topic (and the offline last will) say whether
 * a device's connection is up; a device whose connection stays open but which stops reporting
 * for N × its usual interval is marked silent all the same. Status changes go on the bus.
 */
export class Presence {
  readonly #opts: PresenceOptions;
  readonly #devices = new Map<string, DevicePresence>();
  #job: PeriodicJob | null = null;

  constructor(opts: PresenceOptions) {
    this.#opts = opts;
  }

  start(): void {
    this.#job = every('silence check', this.#opts.checkEveryMs, () => this.checkSilence(), this.#opts.log);
  }

  stop(): void {
    this.#job?.stop();
    this.#job = null;
  }

  lastSeenMs(deviceId: string): number | undefined {
    return this.#devices.get(deviceId)?.lastSeenMs;
  }

  /** A telemetry message arrived from the device. */
  seen(deviceId: string): void {
    const now = this.#opts.clock.nowMs();
    const d = this.#devices.get(deviceId);
    if (!d) {
      this.#devices.set(deviceId, { lastSeenMs: now, intervalMs: 0, status: 'online' });
      return;
    }
    const gap = now - d.lastSeenMs;
    d.intervalMs = d.intervalMs === 0 ? gap : d.intervalMs + 0.1 * (gap - d.intervalMs);
    d.lastSeenMs = now;
    if (d.status === 'silent') this.#set(deviceId, d, 'online');
  }

  /** The device's status topic said online or offline (an offline will included). */
  connection(deviceId: string, status: 'online' | 'offline'): void {
    let d = this.#devices.get(deviceId);
    if (!d) {
      d = { lastSeenMs: this.#opts.clock.nowMs(), intervalMs: 0, status };
      this.#devices.set(deviceId, d);
      this.#opts.bus.emit('deviceStatus', { deviceId, status, tsMs: this.#opts.clock.nowMs() });
      return;
    }
    if (status === 'online') d.lastSeenMs = this.#opts.clock.nowMs();
    if (d.status !== status) this.#set(deviceId, d, status);
  }

  checkSilence(): void {
    const now = this.#opts.clock.nowMs();
    for (const [id, d] of this.#devices) {
      if (d.status !== 'online' || d.intervalMs === 0) continue;
      const limit = Math.max(this.#opts.minSilentMs, this.#opts.silentAfterIntervals * d.intervalMs);
      if (now - d.lastSeenMs > limit) this.#set(id, d, 'silent');
    }
  }

  #set(deviceId: string, d: DevicePresence, status: DeviceConnectionStatus): void {
    d.status = status;
    this.#opts.bus.emit('deviceStatus', { deviceId, status, tsMs: this.#opts.clock.nowMs() });
  }
}
