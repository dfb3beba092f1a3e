import { EventEmitter } from 'node:events';
import type {
  DeviceStatusEvent,
  DispatchCancel,
  DispatchRequest,
  HealthReport,
  Reading,
  RejectedMessage,
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
  health: [report: HealthReport];
  dispatch: [request: DispatchRequest];
  dispatchCancel: [cancel: DispatchCancel];
  workOrder: [order: WorkOrder];
  deviceStatus: [event: DeviceStatusEvent];
  /** The service domain resolved a work order that replaced a part: restart that baseline. */
  baselineReset: [event: { deviceId: string; mode: string; tsMs: number }];
}

type Listener<K extends keyof PurnaEvents> = (...args: PurnaEvents[K]) => void;

/** A typed, synchronous in-process event bus (as zigbee2mqtt's eventBus). */
export class EventBus {
  readonly #emitter = new EventEmitter({ captureRejections: false });

  constructor() {
    // Many parts and sockets listen; the default of 10 would warn falsely.
    this.#emitter.setMaxListeners(0);
  }

  on<K extends keyof PurnaEvents>(event: K, listener: Listener<K>): () => void {
    this.#emitter.on(event, listener as (...args: unknown[]) => void);
    return () => this.#emitter.off(event, listener as (...args: unknown[]) => void);
  }

  emit<K extends keyof PurnaEvents>(event: K, ...args: PurnaEvents[K]): void {
    this.#emitter.emit(event, ...args);
  }

  listenerCount(event: keyof PurnaEvents): number {
    return this.#emitter.listenerCount(event);
  }
}
