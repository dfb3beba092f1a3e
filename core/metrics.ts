import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Where the figures come from; read at scrape time so the hot paths only bump plain counters. */
export interface MetricSources {
  messagesReceived: () => number;
  messagesRejected: () => number;
  readingsStored: () => number;
  readingsRefused: () => number;
  writeQueueDepth: () => number;
  spoolBytes: () => number;
  detectorSamples: () => number;
  openWorkOrders: () => number;
  socketClients: () => number;
  mqttClients: () => number;
}

/**
 * Purna's Prometheus metrics. Counters are filled from the parts' own stats objects when
 * scraped (no work per message for metrics), except the write-batch latency histogram, which
 * the writer observes once per batch. Default process metrics include event-loop lag.
 */
export class PurnaMetrics {
  readonly registry = new Registry();
  readonly writeBatchSeconds: Histogram;
  #sources: MetricSources | null = null;

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'purna_', eventLoopMonitoringPrecision: 20 });
    const self = this;
    const counter = (name: string, help: string, read: (s: MetricSources) => number) =>
      new Counter({
        name,
        help,
        registers: [this.registry],
        collect() {
          if (!self.#sources) return;
          this.reset();
          this.inc(read(self.#sources));
        },
      });
    const gauge = (name: string, help: string, read: (s: MetricSources) => number) =>
      new Gauge({
        name,
        help,
        registers: [this.registry],
        collect() {
          if (self.#sources) this.set(read(self.#sources));
        },
      });
    counter('purna_mqtt_messages_received_total', 'Telemetry messages received', (s) => s.messagesReceived());
    counter('purna_mqtt_messages_rejected_total', 'Telemetry messages rejected with a reason', (s) => s.messagesRejected());
    counter('purna_readings_stored_total', 'Readings confirmed stored in the telemetry store', (s) => s.readingsStored());
    counter('purna_readings_refused_total', 'Accepted readings the telemetry store refused for good (too large even alone, points it will not take); each device is told on its errors topic', (s) => s.readingsRefused());
    counter('purna_detector_samples_total', 'Samples through the detectors (rate() gives samples/s)', (s) => s.detectorSamples());
    gauge('purna_write_queue_depth', 'Readings accepted and waiting to be written', (s) => s.writeQueueDepth());
    gauge('purna_spool_bytes', 'Bytes in the write-ahead spool not yet confirmed stored', (s) => s.spoolBytes());
    gauge('purna_open_work_orders', 'Work orders not resolved or cancelled', (s) => s.openWorkOrders());
    gauge('purna_socketio_clients', 'Connected dashboard (socket.io) clients', (s) => s.socketClients());
    gauge('purna_mqtt_clients', 'Connected MQTT clients', (s) => s.mqttClients());
    this.writeBatchSeconds = new Histogram({
      name: 'purna_write_batch_seconds',
      help: 'Latency of one write batch to the telemetry store',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [this.registry],
    });
  }

  bind(sources: MetricSources): void {
    this.#sources = sources;
  }
}
