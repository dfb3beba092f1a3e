import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { periodicJobFailures } from './periodic.ts';

/** Where the figures come from; read at scrape time so the hot paths only bump plain counters. */
export interface MetricSources {
  messagesReceived: () => number;
  messagesRejected: () => number;
  /** Rejected messages by kind: payload, metric_limit, sensor_fault, internal. */
  rejectedByKind: () => Readonly<Record<string, number>>;
  readingsStored: () => number;
  readingsRefused: () => number;
  writeQueueDepth: () => number;
  spoolBytes: () => number;
  walRefused: () => number;
  walFailedWrites: () => number;
  /** Group commits of the write-ahead log (one write + fdatasync each) and the messages they held. */
  walFsyncs: () => number;
  walAppended: () => number;
  logLinesDropped: () => number;
  detectorSamples: () => number;
  openWorkOrders: () => number;
  socketClients: () => number;
  mqttClients: () => number;
  /** With PURNA_NATS_URL (0 without): readings accepted and not yet acknowledged by the stream, readings it acknowledged, partitions this worker leases. */
  streamPending?: () => number;
  streamPublished?: () => number;
  partitionsHeld?: () => number;
}

/**
 * Purna's Prometheus metrics. Counters are filled from the parts' own stats objects when
 * scraped (no work per message for metrics), except the write-batch latency histogram, which
 * the writer observes once per batch. Default process metrics, with our own event-loop delay.
 */
export class PurnaMetrics {
  readonly registry = new Registry();
  readonly writeBatchSeconds: Histogram;
  #sources: MetricSources | null = null;

  constructor() {
    // prom-client's event-loop collector is replaced (see registerEventLoopDelay). It cannot be
    // left out of the defaults, so its own histogram is set to sample once a minute: the cheapest
    // it can be, and unread.
    collectDefaultMetrics({ register: this.registry, prefix: 'purna_', eventLoopMonitoringPrecision: 60_000 });
    for (const name of EVENT_LOOP_METRICS) this.registry.removeSingleMetric(`purna_${name}`);
    registerEventLoopDelay(this.registry, 'purna_', 10);
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
    counter('purna_mqtt_messages_rejected_total', 'Telemetry messages rejected with a reason', (s) =>
      s.messagesRejected(),
    );
    new Counter({
      name: 'purna_mqtt_messages_rejected_by_kind_total',
      help: 'Telemetry messages rejected, by kind (payload, metric_limit, sensor_fault, internal)',
      labelNames: ['kind'],
      registers: [this.registry],
      collect() {
        if (!self.#sources) return;
        this.reset();
        for (const [kind, n] of Object.entries(self.#sources.rejectedByKind())) this.inc({ kind }, n);
      },
    });
    new Counter({
      name: 'purna_periodic_job_failures_total',
      help: 'Failed runs of periodic jobs (snapshot, silence check, ...), by job; each is logged and the job carries on',
      labelNames: ['job'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [job, n] of periodicJobFailures) this.inc({ job }, n);
      },
    });
    counter('purna_readings_stored_total', 'Readings confirmed stored in the telemetry store', (s) =>
      s.readingsStored(),
    );
    counter(
      'purna_readings_refused_total',
      'Accepted readings the telemetry store refused for good (too large even alone, points it will not take); each device is told on its errors topic',
      (s) => s.readingsRefused(),
    );
    counter('purna_detector_samples_total', 'Samples through the detectors (rate() gives samples/s)', (s) =>
      s.detectorSamples(),
    );
    counter(
      'purna_wal_refused_total',
      'Telemetry messages refused without PUBACK because the write-ahead log disk was full',
      (s) => s.walRefused(),
    );
    counter(
      'purna_wal_failed_writes_total',
      'Write-ahead log writes that failed (none of their messages acknowledged)',
      (s) => s.walFailedWrites(),
    );
    counter(
      'purna_wal_fsyncs_total',
      'Write-ahead log group commits (one write and fdatasync each); purna_wal_appended_total / this is messages per commit',
      (s) => s.walFsyncs(),
    );
    counter('purna_wal_appended_total', 'Telemetry messages made durable in the write-ahead log', (s) =>
      s.walAppended(),
    );
    counter(
      'purna_log_lines_dropped_total',
      'Log lines dropped because the log could not be written (full disk, closed or stalled reader)',
      (s) => s.logLinesDropped(),
    );
    gauge('purna_write_queue_depth', 'Readings accepted and waiting to be written', (s) => s.writeQueueDepth());
    gauge('purna_spool_bytes', 'Bytes in the write-ahead spool not yet confirmed stored', (s) => s.spoolBytes());
    gauge('purna_open_work_orders', 'Work orders not resolved or cancelled', (s) => s.openWorkOrders());
    gauge('purna_socketio_clients', 'Connected dashboard (socket.io) clients', (s) => s.socketClients());
    gauge('purna_mqtt_clients', 'Connected MQTT clients', (s) => s.mqttClients());
    gauge(
      'purna_stream_pending',
      'Readings accepted and not yet acknowledged by the reading stream (PURNA_NATS_URL; the write-ahead log holds them)',
      (s) => s.streamPending?.() ?? 0,
    );
    counter(
      'purna_stream_published_total',
      'Readings the reading stream acknowledged (PURNA_NATS_URL)',
      (s) => s.streamPublished?.() ?? 0,
    );
    gauge(
      'purna_partitions_held',
      'Partitions of the reading stream this worker leases and judges (PURNA_NATS_URL)',
      (s) => s.partitionsHeld?.() ?? 0,
    );
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

const EVENT_LOOP_METRICS = ['lag', 'lag_min', 'lag_max', 'lag_mean', 'lag_stddev', 'lag_p50', 'lag_p90', 'lag_p99'].map(
  (m) => `nodejs_eventloop_${m}_seconds`,
);

/**
 * Event-loop delay under prom-client's names, right from the first scrape. prom-client reads a
 * perf_hooks histogram and resets it per scrape; a window without samples (a scrape less than
 * its resolution after the previous one, or right after start) came out as the histogram's
 * empty state: min 9223372036.85 s (int64 max ns), mean and stddev NaN, max 0. And its `lag`
 * gauge was measured after the answer left, so each scrape showed the previous one's (0 on the
 * first). Here every gauge waits for one measurement per scrape: the delay until the loop comes
 * round (setImmediate), and the window's histogram, or that one delay when the window is empty.
 */
function registerEventLoopDelay(registry: Registry, prefix: string, resolutionMs: number): void {
  const histogram = monitorEventLoopDelay({ resolution: resolutionMs });
  histogram.enable();
  const values = { lag: 0, lag_min: 0, lag_max: 0, lag_mean: 0, lag_stddev: 0, lag_p50: 0, lag_p90: 0, lag_p99: 0 };
  // Registry.metrics() asks every gauge at once: the first starts the measurement, all await it.
  let measuring: Promise<void> | null = null;
  const measure = async () => {
    const start = process.hrtime.bigint();
    await new Promise((resolve) => setImmediate(resolve));
    const lagS = Number(process.hrtime.bigint() - start) / 1e9;
    const seconds = (ns: number) => ns / 1e9;
    if (histogram.count === 0) {
      Object.assign(values, {
        lag: lagS,
        lag_min: lagS,
        lag_max: lagS,
        lag_mean: lagS,
        lag_stddev: 0,
        lag_p50: lagS,
        lag_p90: lagS,
        lag_p99: lagS,
      });
    } else {
      Object.assign(values, {
        lag: lagS,
        lag_min: seconds(histogram.min),
        lag_max: seconds(histogram.max),
        lag_mean: seconds(histogram.mean),
        lag_stddev: seconds(histogram.stddev),
        lag_p50: seconds(histogram.percentile(50)),
        lag_p90: seconds(histogram.percentile(90)),
        lag_p99: seconds(histogram.percentile(99)),
      });
    }
    histogram.reset();
  };
  const help: Record<keyof typeof values, string> = {
    lag: 'Lag of event loop in seconds (measured at the scrape).',
    lag_min: 'The minimum event loop delay since the previous scrape.',
    lag_max: 'The maximum event loop delay since the previous scrape.',
    lag_mean: 'The mean event loop delay since the previous scrape.',
    lag_stddev: 'The standard deviation of the event loop delays since the previous scrape.',
    lag_p50: 'The 50th percentile of the event loop delays since the previous scrape.',
    lag_p90: 'The 90th percentile of the event loop delays since the previous scrape.',
    lag_p99: 'The 99th percentile of the event loop delays since the previous scrape.',
  };
  for (const key of Object.keys(values) as (keyof typeof values)[]) {
    new Gauge({
      name: `${prefix}nodejs_eventloop_${key}_seconds`,
      help: help[key],
      registers: [registry],
      async collect() {
        measuring ??= measure().finally(() => {
          measuring = null;
        });
        await measuring;
        this.set(values[key]);
      },
    });
  }
}
