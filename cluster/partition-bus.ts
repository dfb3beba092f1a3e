// What analytics hears and says in worker mode (PURNA_NATS_URL). Its readings come from the
// consumers of the partitions this worker leases, not from this worker's ingest (which takes
// any device's messages from the broker's shared subscription): so `telemetry` on the bus is not
// for it, and a sensor fault counts only for a device of a partition held here. Every dispatch
// and dispatch cancel it emits carries the fencing token of the device's partition (the lease's
// revision); one from a partition not held any more is dropped here already.

import { EventBus, type PurnaEvents } from '../core/event-bus.ts';
import type { Logger } from '../core/log.ts';
import type { DispatchCancel, DispatchRequest, FencingToken } from '../core/types.ts';

export interface PartitionBusOptions {
  /** The worker's bus (the service, the dashboard, the control room listen there). */
  outer: EventBus;
  /** The fencing token of the device's partition while this worker holds it; null otherwise. */
  fenceOf: (deviceId: string) => FencingToken | null;
  log: Logger;
}

export class PartitionBus extends EventBus {
  readonly #o: PartitionBusOptions;

  constructor(o: PartitionBusOptions) {
    super();
    this.#o = o;
  }

  override on<K extends keyof PurnaEvents>(event: K, listener: (...args: PurnaEvents[K]) => void): () => void {
    if (event === 'telemetry') return () => {};
    if (event === 'sensorFault') {
      const held = ((report: PurnaEvents['sensorFault'][0]) => {
        if (this.#o.fenceOf(report.deviceId)) (listener as (r: typeof report) => void)(report);
      }) as unknown as (...args: PurnaEvents[K]) => void;
      return this.#o.outer.on(event, held);
    }
    return this.#o.outer.on(event, listener);
  }

  override emit<K extends keyof PurnaEvents>(event: K, ...args: PurnaEvents[K]): void {
    if (event === 'dispatch' || event === 'dispatchCancel') {
      const e = args[0] as DispatchRequest | DispatchCancel;
      const fencing = this.#o.fenceOf(e.deviceId);
      if (!fencing) {
        this.#o.log.warn({ device: e.deviceId, event }, 'verdict of a partition no longer held: dropped');
        return;
      }
      this.#o.outer.emit(event, ...([{ ...e, fencing }] as unknown as PurnaEvents[K]));
      return;
    }
    this.#o.outer.emit(event, ...args);
  }

  override listenerCount(event: keyof PurnaEvents): number {
    return this.#o.outer.listenerCount(event);
  }
}
