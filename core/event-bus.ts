import { EventEmitter } from 'node:events';
import type { CatalogueChange } from './product-catalogue.ts';
import type {
  DeviceStatusEvent,
  DispatchCancel,
  DispatchRequest,
  FalseAlarmDismissal,
  HealthReport,
  Reading,
  RejectedMessage,
  SensorFaultReport,
  WorkOrder,
} from './types.ts';

/**
 * Every event the parts exchange. Parts never import each other: ingest emits `telemetry`,
 * analytics listens and emits `health`/`dispatch`, the service domain turns dispatches into
 * work orders, the dashboard listens to all of them.
 */
export interface PurnaEvents {
  /** Accepted readings, in the order ingest validated them (one event per batch of a message). */
  telemetry: [readings: Reading[]];
  rejected: [rejection: RejectedMessage];
  /** A rejected message whose values were physically impossible: a sensor fault, never a reading. */
  sensorFault: [report: SensorFaultReport];
  health: [report: HealthReport];
  dispatch: [request: DispatchRequest];
  dispatchCancel: [cancel: DispatchCancel];
  workOrder: [order: WorkOrder];
  deviceStatus: [event: DeviceStatusEvent];
  /**
   * A product model was created, changed or deleted in the service domain's catalogue (after the
   * commit): judge the next readings of its devices by this version.
   */
  catalogueChanged: [change: CatalogueChange];
  /** The service domain resolved a work order that replaced a part: restart that baseline. */
  baselineReset: [event: { deviceId: string; mode: string; tsMs: number }];
  /** A planner dismissed a work order as a false alarm (after the commit): hold that mode for the device. */
  falseAlarm: [dismissal: FalseAlarmDismissal];
}

type Listener<K extends keyof PurnaEvents> = (...args: PurnaEvents[K]) => void;

/** A typed, synchronous in-process event bus (as zigbee2mqtt's eventBus). */
export class EventBus {
  readonly #emitter = new EventEmitter({ captureRejections: false });

  readonly #onListenerError: (event: string, err: unknown) => void;

  /**
   * @param onListenerError where a listener's exception goes. One part failing on an event must
   *   not stop the others hearing it, nor unwind into the emitter (ingest's write path).
   */
  constructor(
    onListenerError: (event: string, err: unknown) => void = (event, err) =>
      console.error(`purna: listener of '${event}' failed:`, err),
  ) {
    // Many parts and sockets listen; the default of 10 would warn falsely.
    this.#emitter.setMaxListeners(0);
    this.#onListenerError = onListenerError;
  }

  on<K extends keyof PurnaEvents>(event: K, listener: Listener<K>): () => void {
    this.#emitter.on(event, listener as (...args: unknown[]) => void);
    return () => this.#emitter.off(event, listener as (...args: unknown[]) => void);
  }

  emit<K extends keyof PurnaEvents>(event: K, ...args: PurnaEvents[K]): void {
    const listeners = this.#emitter.listeners(event) as ((...a: unknown[]) => void)[];
    for (let i = 0; i < listeners.length; i++) {
      try {
        listeners[i](...args);
      } catch (err) {
        this.#onListenerError(event, err);
      }
    }
  }

  listenerCount(event: keyof PurnaEvents): number {
    return this.#emitter.listenerCount(event);
  }
}
