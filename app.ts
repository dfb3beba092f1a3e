// The one wiring file (STYLE 1): it builds every part, hands each its collaborators, starts them
// in order and stops them in reverse. Nobody else constructs a part.

import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { Analytics } from './analytics/index.ts';
import { AnalyticsStateFile } from './analytics/snapshot-file.ts';
import { KvLeaseStore } from './cluster/lease-store.ts';
import { NatsLink } from './cluster/nats-link.ts';
import { PartitionBus } from './cluster/partition-bus.ts';
import { PartitionWorker } from './cluster/partition-worker.ts';
import { KvSnapshotStore } from './cluster/snapshot-store.ts';
import { StreamPublisher } from './cluster/stream-publisher.ts';
import { systemClock, type Clock } from './core/clock.ts';
import type { Config } from './core/config.ts';
import { deviceModel } from './core/device-models.ts';
import { EventBus } from './core/event-bus.ts';
import { deviceContract } from './core/product-catalogue.ts';
import { stdoutDestination, type Logger } from './core/log.ts';
import { PurnaMetrics } from './core/metrics.ts';
import { every } from './core/periodic.ts';
import { ACTIVE_STATES } from './core/work-order-states.ts';
import { Demo } from './demo/index.ts';
import { opsRoutes } from './dashboard/routes/ops.ts';
import { ensureAdmin } from './dashboard/auth/bootstrap.ts';
import { UserStore } from './dashboard/auth/users.ts';
import { buildDashboard } from './dashboard/server.ts';
import { FleetView } from './dashboard/fleet-view.ts';
import { startControlRoom } from './dashboard/control-room.ts';
import type { Fleet } from './device-sim/fleet.ts';
import { provisioningRoutes } from './ingest/http/provisioning-routes.ts';
import { telemetryReadiness } from './ingest/readiness.ts';
import { buildTelemetryPath } from './ingest/telemetry-path.ts';
import type { BrokerLink } from './ingest/broker-link.ts';
import type { Ingest } from './ingest/ingest.ts';
import type { TelemetryWriter } from './ingest/telemetry-writer.ts';
import { registerOpenApi } from './service/http/openapi.ts';
import { serviceRoutes } from './service/http/routes.ts';
import { ServiceDomain } from './service/index.ts';
import { serviceOptions } from './service/settings.ts';
import { openTelemetryStore } from './store/open-store.ts';
import type { TelemetryStore } from './store/telemetry-store.ts';

/** A stop step taking this long is logged by name (at warn, so it shows in the default log). */
const SLOW_STOP_STEP_MS = 1000;

export interface Purna {
  readonly config: Config;
  readonly bus: EventBus;
  readonly store: TelemetryStore;
  readonly ingest: Ingest;
  readonly writer: TelemetryWriter;
  readonly analytics: Analytics;
  readonly service: ServiceDomain;
  readonly fleetView: FleetView;
  readonly http: FastifyInstance;
  readonly broker: BrokerLink;
  readonly fleet: Fleet | null;
  readonly metrics: PurnaMetrics;
  readonly users: UserStore;
  /** Demo mode: the planner login and the password generated for this start (printed once). */
  readonly demoLogin: { email: string; password: string } | null;
  readonly dashboardUrl: string;
  readonly mqttUrl: string;
  stop(): Promise<void>;
}

export async function startPurna(config: Config, log: Logger, clock: Clock = systemClock): Promise<Purna> {
  mkdirSync(config.dataDir, { recursive: true });
  const bus = new EventBus((event, err) => log.error({ err, event }, 'event listener failed'));
  const stops: (() => Promise<void> | void)[] = [];
  const stop = async () => {
    for (const s of stops.reverse()) {
      const startedAt = performance.now();
      try {
        await s();
      } catch (err) {
        log.error({ err }, 'error while stopping');
      }
      const ms = Math.round(performance.now() - startedAt);
      // A stop that keeps a supervisor (or a worker's successor) waiting says which part was slow:
      // the step's own source line, e.g. "() => http.close()", names it.
      if (ms >= SLOW_STOP_STEP_MS) log.warn({ ms, step: String(s).split('\n')[0].slice(0, 80) }, 'slow stop step');
    }
  };

  try {
    const { store, storeStartup } = await openTelemetryStore(config, log, (s) => stops.push(s));

    // The broker is built after the service; dispatches published before it listens wait in
    // the service's outbox and are retried.
    let brokerForService: BrokerLink | null = null;
    let dashboardBase = '';
    const service = new ServiceDomain(
      serviceOptions(config, {
        bus,
        log: log.child({ part: 'service' }),
        clock,
        publish: (topic, payload) => {
          if (!brokerForService) throw new Error('broker not started yet');
          brokerForService.publish(topic, payload, 1);
        },
        dashboardBase: () => dashboardBase,
        onStop: (s) => stops.push(s),
      }),
    );
    service.start();
    stops.push(() => service.stop());

    // Worker mode (PURNA_NATS_URL): analytics judges only the partitions this worker leases, fed
    // by their consumers, and its dispatches carry the lease's fencing token (cluster/).
    let partitionWorker: PartitionWorker | null = null;
    const analyticsBus = config.natsUrl
      ? new PartitionBus({
          outer: bus,
          fenceOf: (deviceId) => partitionWorker?.fenceOf(deviceId) ?? null,
          log: log.child({ part: 'analytics' }),
        })
      : bus;
    const analytics = new Analytics({
      bus: analyticsBus,
      log: log.child({ part: 'analytics' }),
      // From the registry's memo (filled at start), not a device row per new device.
      deviceModelOf: (deviceId) => deviceModel(service.catalogue.productModelOfDevice(deviceId)?.id),
      falseAlarmQuietMs: config.falseAlarmQuietHours * 3600_000,
      // The catalogue's current version of the device's model, from memory; analytics imports no service code.
      modelOf: (deviceId) => service.catalogue.productModelOfDevice(deviceId) ?? null,
    });
    const analyticsState = new AnalyticsStateFile({
      analytics,
      path: join(config.dataDir, 'analytics-state.json'),
      saveEveryMs: config.analyticsSnapshotEveryMs,
      maxMetricsPerDevice: config.maxMetricsPerDevice,
      log: log.child({ part: 'analytics' }),
    });
    // In worker mode a device's state lives in its partition's snapshot, not in this worker's file.
    if (!config.natsUrl) {
      analyticsState.restore();
      analyticsState.start();
      stops.push(() => analyticsState.stop());
    }
    analytics.start();
    stops.push(() => analytics.stop());
    // The service network's real lead time (p90 of open → on site) tells analytics how early to dispatch.
    analytics.setLeadTimeMs(service.workOrders.currentLeadTimeMs());
    const leadTimeJob = every(
      'analytics lead time',
      60_000,
      () => analytics.setLeadTimeMs(service.workOrders.currentLeadTimeMs()),
      log.child({ part: 'analytics' }),
    );
    stops.push(() => leadTimeJob.stop());

    // With PURNA_NATS_URL every accepted reading also goes to the partitioned stream (cluster/).
    let streamPublisher: StreamPublisher | null = null;
    if (config.natsUrl) {
      const link = new NatsLink({
        url: config.natsUrl,
        name: config.workerId,
        log: log.child({ part: 'nats' }),
        stream: { maxAgeMs: config.streamMaxAgeMs },
      });
      link.start();
      stops.push(() => link.stop());
      streamPublisher = new StreamPublisher({
        js: () => link.jetstream(),
        partitions: config.partitions,
        log: log.child({ part: 'stream' }),
      });
      // The partitions are leased once NATS answers; until then this worker judges nothing.
      let workerStopped = false;
      const workerLog = log.child({ part: 'partitions', worker: config.workerId });
      link
        .connected()
        .then(async (nc) => {
          const js = link.jetstream();
          if (workerStopped || !js) return;
          const worker = new PartitionWorker({
            js,
            leases: await KvLeaseStore.open(nc, config.leaseTtlMs),
            snapshots: await KvSnapshotStore.open(nc),
            analytics,
            workerId: config.workerId,
            partitions: config.partitions,
            ttlMs: config.leaseTtlMs,
            skewMs: config.leaseSkewMs,
            snapshotEveryMs: config.partitionSnapshotEveryMs,
            maxMetricsPerDevice: config.maxMetricsPerDevice,
            log: workerLog,
          });
          if (workerStopped) return;
          partitionWorker = worker;
          worker.start();
        })
        .catch((err) => workerLog.error({ err: (err as Error).message }, 'partition worker did not start'));
      // Stopped before the NATS link (stops run in reverse): every partition is saved and released.
      stops.push(async () => {
        workerStopped = true;
        await partitionWorker?.stop();
      });
    }

    const metrics = new PurnaMetrics();
    const { wal, writer, ingest, credentials, broker, embedded } = buildTelemetryPath({
      config,
      store,
      bus,
      clock,
      log,
      metrics,
      // The catalogue's current version of the device's model, from memory (asked per message).
      contractOf: (deviceId) => {
        const model = service.catalogue.productModelOfDevice(deviceId);
        return model ? deviceContract(model) : null;
      },
      knownMetricsOf: (deviceId) => analytics.metricNames(deviceId),
      stream: streamPublisher,
      onStop: (s) => stops.push(s),
    });

    const fleetView = new FleetView(bus);
    fleetView.start();
    stops.push(() => fleetView.stop());

    // The control room's memory: health history and device events for the device page, the alert list.
    const { healthHistory, alerts } = startControlRoom({
      bus,
      dbPath: join(config.dataDir, 'control-room.db'),
      retentionMs: config.historyRetentionDays * 86_400_000,
      log,
      nowMs: () => clock.nowMs(),
      onStop: (s) => stops.push(s),
    });

    // Demo mode (demo/): the demo network with the simulated fleet among its devices, its story
    // restarted; its logins once users exist; the fleet itself once the broker listens.
    const demo =
      config.simDevices > 0
        ? new Demo({
            devices: config.simDevices,
            rateHz: config.simRateHz,
            seed: config.simSeed,
            service,
            analytics,
            credentials,
            clock,
            log: log.child({ part: 'device-sim' }),
          })
        : null;
    demo?.prepare();
    fleetView.register(
      service.customers.listDevices().map((d) => ({
        deviceId: d.id,
        modelId: d.modelId,
        site: d.siteName ? `${d.siteName}${d.city ? `, ${d.city}` : ''}` : null,
        timeZone: d.timeZone,
        lat: d.lat,
        lon: d.lon,
      })),
    );

    const users = new UserStore(join(config.dataDir, 'users.db'), clock, config.databaseUrl);
    stops.push(() => users.close());
    await ensureAdmin(users, config.adminEmail, config.adminPassword, log.child({ part: 'auth' }));
    const demoLogin = demo ? await demo.logins(users) : null;
    const readiness = telemetryReadiness({ broker, storeStartup, writer, wal, walMaxBytes: config.walMaxBytes });

    const http = await buildDashboard({
      log: log.child({ part: 'dashboard' }),
      fleet: fleetView,
      store,
      history: healthHistory,
      alerts,
      nowMs: () => clock.nowMs(),
      // Only active work orders travel to browsers; history is in the REST API.
      listWorkOrders: () => service.workOrders.listWorkOrders({ state: [...ACTIVE_STATES] }),
      users,
      sessionTtlMs: config.sessionTtlHours * 3600_000,
      cookieSecure: config.cookieSecure,
      trustProxy: config.trustProxy,
      map: { tileUrl: config.mapTileUrl, attribution: config.mapAttribution },
      trustedOrigins: config.publicUrl ? [new URL(config.publicUrl).origin] : [],
      // A technician sees a device while one of their active work orders is on it, not forever after.
      technicianSeesDevice: (technicianId, deviceId) =>
        service.workOrders
          .listWorkOrders({ deviceId, state: [...ACTIVE_STATES] })
          .some((o) => o.technicianId === technicianId),
      // Workers sharing one PostgreSQL share their live updates and their verdicts through it.
      cluster: config.databaseUrl
        ? { databaseUrl: config.databaseUrl, bus, workerId: config.workerId || `${hostname()}:${process.pid}` }
        : undefined,
      beforeRoutes: (root) => registerOpenApi(root),
      rootPlugins: [
        (root) =>
          opsRoutes(root, {
            metrics,
            metricsAccess: { token: config.metricsToken, allowFrom: config.metricsAllowFrom },
            readiness,
          }),
      ],
      apiPlugins: [
        (api, { authorize }) => serviceRoutes(api, { service, authorize }),
        (api) =>
          provisioningRoutes(api, {
            credentials,
            registerDevices: (d) => service.customers.registerDevices(d),
            technicianExists: (id) => service.network.getTechnician(id) !== undefined,
            nowMs: () => clock.nowMs(),
          }),
      ],
    });
    await http.listen({ host: config.httpHost, port: config.httpPort });
    stops.push(() => http.close());

    await broker.start();
    if (embedded && config.mqttWebSocketPath) embedded.attachWebSocket(http.server, config.mqttWebSocketPath);
    brokerForService = broker;
    const startedBroker = broker;
    stops.push(() => startedBroker.stop());

    metrics.bind({
      messagesReceived: () => ingest.stats.messagesReceived,
      messagesRejected: () => ingest.stats.messagesRejected,
      rejectedByKind: () => ingest.stats.rejectedByKind,
      readingsStored: () => writer.stats.storedReadings,
      readingsRefused: () => writer.stats.refusedReadings,
      writeQueueDepth: () => writer.stats.pending,
      spoolBytes: () => wal.unconfirmedBytes,
      walRefused: () => wal.refused,
      walFailedWrites: () => wal.failedWrites,
      walFsyncs: () => wal.fsyncs,
      walAppended: () => wal.appended,
      logLinesDropped: () => stdoutDestination().droppedLines,
      detectorSamples: () => analytics.samplesProcessed,
      openWorkOrders: () => service.workOrders.listWorkOrders({ state: [...ACTIVE_STATES] }).length,
      socketClients: () => http.liveUpdates.engine.clientsCount,
      mqttClients: () => startedBroker.connectedClients,
      streamPending: () => streamPublisher?.stats.pending ?? 0,
      streamPublished: () => streamPublisher?.stats.published ?? 0,
      partitionsHeld: () => partitionWorker?.partitions().length ?? 0,
    });

    const httpPort = (http.server.address() as AddressInfo).port;
    const dashboardUrl = `http://localhost:${httpPort}/`;
    dashboardBase = dashboardUrl;
    const mqttUrl = broker.url;

    let fleet: Fleet | null = null;
    if (demo) {
      fleet = await demo.startFleet(mqttUrl);
      stops.push(() => demo.stop());
    }

    return {
      config,
      bus,
      store,
      ingest,
      writer,
      analytics,
      service,
      fleetView,
      http,
      broker,
      fleet,
      metrics,
      users,
      demoLogin,
      dashboardUrl,
      mqttUrl,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
