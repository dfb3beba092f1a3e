// The telemetry path as one part: the write-ahead log, the writer into the store, presence, the
// device checks, MQTT access control and the broker (embedded aedes, or the external broker of
// PURNA_MQTT_URL), tied together. app.ts builds it with what it needs from other parts (the
// device's contract, the metrics analytics knows) and starts the broker once the dashboard
// listens; everything is built and stopped here in one order.

import { join } from 'node:path';
import type { Clock } from '../core/clock.ts';
import type { Config } from '../core/config.ts';
import type { EventBus } from '../core/event-bus.ts';
import type { Logger } from '../core/log.ts';
import type { PurnaMetrics } from '../core/metrics.ts';
import { DEFAULT_BATCHING, type TelemetryStore } from '../store/telemetry-store.ts';
import { AccessControl } from './access-control.ts';
import type { BrokerLink } from './broker-link.ts';
import { DeviceChecks, type DeviceChecksOptions } from './device-checks.ts';
import { DeviceCredentials } from './device-credentials.ts';
import { EmbeddedBroker } from './embedded-broker.ts';
import { ExternalBroker } from './external-broker.ts';
import { Ingest } from './ingest.ts';
import { maxPacketBytesFor } from './packet-size-guard.ts';
import { DEFAULT_PAYLOAD_LIMITS } from './payload.ts';
import { Presence } from './presence.ts';
import type { ReadingSink } from './reading-sink.ts';
import { SinkConfirmations } from './sink-confirmations.ts';
import { TelemetryWriter } from './telemetry-writer.ts';
import { WriteAheadLog } from './write-ahead-log.ts';

export interface TelemetryPathOptions {
  config: Config;
  store: TelemetryStore;
  bus: EventBus;
  clock: Clock;
  log: Logger;
  metrics: PurnaMetrics;
  /** The device's contract from its catalogue model (from memory, asked per message); null: none known. */
  contractOf: DeviceChecksOptions['contractOf'];
  /** After a restart a device keeps the metrics its restored detectors have, not a fresh allowance. */
  knownMetricsOf: DeviceChecksOptions['knownMetricsOf'];
  /** A second sink for every accepted reading (the reading stream with PURNA_NATS_URL), confirmed to the log with the store: the log drops a reading only once both have it. */
  stream?: ReadingSink | null;
  /** Puts a stop on the wiring's list (stopped in reverse order of registration). */
  onStop: (stop: () => Promise<void> | void) => void;
}

export interface TelemetryPath {
  wal: WriteAheadLog;
  writer: TelemetryWriter;
  presence: Presence;
  ingest: Ingest;
  credentials: DeviceCredentials;
  /** The embedded broker, or the link to the external one; not started yet (`broker.start()`). */
  broker: BrokerLink;
  /** The embedded broker (null with PURNA_MQTT_URL): MQTT over WebSocket attaches to it. */
  embedded: EmbeddedBroker | null;
}

export function buildTelemetryPath(o: TelemetryPathOptions): TelemetryPath {
  const { config, store, bus, clock, log, metrics, onStop } = o;
  const wal = new WriteAheadLog({
    dir: join(config.dataDir, 'wal'),
    log: log.child({ part: 'wal' }),
    maxBytes: config.walMaxBytes,
    // An external broker's link (MQTT.js) hands over the next message only once this one is
    // acknowledged, i.e. committed: a group wait there adds itself to every message (a worker
    // stored 90 readings/s with 10 ms, 1,470 with none, bench:scale --workers 1).
    groupCommitMs: config.walGroupCommitMs ?? (config.mqttUrl ? 0 : 10),
  });
  const replay = wal.open();
  onStop(() => wal.close());
  const stream = o.stream ?? null;
  // Without a stream the store alone confirms, exactly as before; with one, both must.
  const both = stream ? new SinkConfirmations(2, (count) => wal.confirm(count)) : null;
  if (stream && both) {
    stream.onSettled((count) => both.settled(1, count));
    // Stopped after the writer (stops run in reverse), before the log closes.
    onStop(() => stream.stop());
  }
  const writer = new TelemetryWriter({
    store,
    log: log.child({ part: 'writer' }),
    batchSize: config.writeBatchSize ?? (store.batching ?? DEFAULT_BATCHING).readings,
    maxBatchAgeMs: config.writeBatchMaxAgeMs ?? (store.batching ?? DEFAULT_BATCHING).maxAgeMs,
    onStored: (_readings, latencyMs) => metrics.writeBatchSeconds.observe(latencyMs / 1000),
    stuckAfterMs: config.writeStuckAfterMs,
    onSettled: both ? (count) => both.settled(0, count) : (count) => wal.confirm(count),
    // Only ever called after a store answer, by when `ingest` below exists.
    onRefused: (readings, reason) => ingest.refusedByStore(readings, reason),
  });
  onStop(() => writer.stop());
  // What a previous run acknowledged but had not stored goes first, in the log's order.
  if (replay.length > 0) {
    writer.enqueue(replay);
    stream?.enqueue(replay);
  }
  // Both sinks take every accepted reading in the log's order (their confirmations are counts).
  const sinks: Pick<TelemetryWriter, 'enqueue'> = stream
    ? {
        enqueue: (readings) => {
          writer.enqueue(readings);
          stream.enqueue(readings);
        },
      }
    : writer;

  // The broker reports rejections; ingest needs the broker for that and the broker needs
  // ingest for its hook: tie the knot through a late-bound function.
  let broker: BrokerLink | null = null;
  const presence = new Presence({
    bus,
    clock,
    log: log.child({ part: 'presence' }),
    silentAfterIntervals: 5,
    minSilentMs: 30_000,
    checkEveryMs: 5000,
  });
  presence.start();
  onStop(() => presence.stop());
  const ingest = new Ingest({
    presence,
    bus,
    log: log.child({ part: 'ingest' }),
    clock,
    writer: sinks,
    wal,
    limits: { ...DEFAULT_PAYLOAD_LIMITS, maxFutureSkewMs: config.maxFutureSkewMs, maxAgeMs: config.maxPastAgeMs },
    deviceChecks: new DeviceChecks({
      maxMetricsPerDevice: config.maxMetricsPerDevice,
      contractOf: o.contractOf,
      undeclaredMetrics: config.undeclaredMetrics,
      knownMetricsOf: o.knownMetricsOf,
    }),
    reportRejection: (deviceId, reason, topic) => broker?.reportRejection(deviceId, reason, topic),
  });
  const credentials = new DeviceCredentials(join(config.dataDir, 'credentials.db'), config.databaseUrl);
  onStop(() => credentials.close());
  // The token's length is checked with the configuration (core/config.ts).
  if (config.mqttServiceUser) {
    credentials.setServiceToken(config.mqttServiceUser, config.mqttServiceToken, clock.nowMs());
  }
  const access = new AccessControl({
    mode: config.mqttAuth,
    credentials,
    log: log.child({ part: 'mqtt-access' }),
    clock,
    maxPayloadBytes: config.mqttMaxPayloadBytes,
    maxConnectsPerIpPerMinute: config.mqttMaxConnectsPerIpPerMinute,
    maxConnectsPerClientIdPerMinute: config.mqttMaxConnectsPerClientPerMinute,
    maxAuthFailuresPerIpPerMinute: config.mqttMaxAuthFailuresPerIpPerMinute,
    denySubscribe: config.mqttDenySubscribe,
  });
  if (config.mqttAuth === 'open')
    log.warn('MQTT authentication is OFF (PURNA_MQTT_AUTH=open): any client may publish as any device');
  const embedded = config.mqttUrl
    ? null
    : new EmbeddedBroker({
        host: config.mqttHost,
        port: config.mqttPort,
        log: log.child({ part: 'broker' }),
        bus,
        clock,
        ingest,
        access,
        maxPacketBytes: maxPacketBytesFor(config.mqttMaxPayloadBytes),
        tls: config.tlsCert
          ? { host: config.mqttHost, port: config.mqttsPort, certPath: config.tlsCert, keyPath: config.tlsKey }
          : null,
      });
  broker =
    embedded ??
    new ExternalBroker({
      url: config.mqttUrl!,
      username: config.mqttUsername,
      password: config.mqttPassword,
      clientId: config.mqttClientId,
      shareGroup: config.mqttShareGroup || undefined,
      log: log.child({ part: 'external-broker' }),
      clock,
      ingest,
    });
  return { wal, writer, presence, ingest, credentials, broker, embedded };
}
