// The one wiring file (STYLE 1): it builds every part, hands each its collaborators, starts them
// in order and stops them in reverse. Nobody else constructs a part.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { Analytics } from './analytics/index.ts';
import { AnalyticsStateFile } from './analytics/snapshot-file.ts';
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
import { AlertBook } from './dashboard/alerts/alert-book.ts';
import { openControlRoomDb } from './dashboard/history/db.ts';
import { HealthHistory } from './dashboard/history/health-history.ts';
import type { Fleet } from './device-sim/fleet.ts';
import { AccessControl } from './ingest/access-control.ts';
import { DeviceCredentials } from './ingest/device-credentials.ts';
import type { BrokerLink } from './ingest/broker-link.ts';
import { EmbeddedBroker } from './ingest/embedded-broker.ts';
import { maxPacketBytesFor } from './ingest/packet-size-guard.ts';
import { ExternalBroker } from './ingest/external-broker.ts';
import { provisioningRoutes } from './ingest/http/provisioning-routes.ts';
import { Presence } from './ingest/presence.ts';
import { telemetryReadiness } from './ingest/readiness.ts';
import { Ingest } from './ingest/ingest.ts';
import { DeviceChecks } from './ingest/device-checks.ts';
import { DEFAULT_PAYLOAD_LIMITS } from './ingest/payload.ts';
import { TelemetryWriter } from './ingest/telemetry-writer.ts';
import { WriteAheadLog } from './ingest/write-ahead-log.ts';
import { registerOpenApi } from './service/http/openapi.ts';
import { serviceRoutes } from './service/http/routes.ts';
import { linkKey } from './service/customers/link-key.ts';
import { channelsFromSettings } from './service/notifications/channels.ts';
import { ServiceDomain } from './service/index.ts';
import { InfluxTelemetryStore } from './store/influx-store.ts';
import { SqliteTelemetryStore } from './store/sqlite-store.ts';
import { StoreStartup } from './store/store-startup.ts';
import type { TelemetryStore } from './store/telemetry-store.ts';

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

export function createTelemetryStore(config: Config): TelemetryStore {
  if (config.influxUrl) {
    return new InfluxTelemetryStore({
      url: config.influxUrl,
      database: config.influxDatabase,
      username: config.influxUsername,
      password: config.influxPassword,
    });
  }
  return new SqliteTelemetryStore(join(config.dataDir, 'telemetry.db'));
}

export async function startPurna(config: Config, log: Logger, clock: Clock = systemClock): Promise<Purna> {
  mkdirSync(config.dataDir, { recursive: true });
  const bus = new EventBus((event, err) => log.error({ err, event }, 'event listener failed'));
  const stops: (() => Promise<void> | void)[] = [];
  const stop = async () => {
    for (const s of stops.reverse()) {
      try {
        await s();
      } catch (err) {
        log.error({ err }, 'error while stopping');
      }
    }
  };

  try {
    const store = createTelemetryStore(config);
    stops.push(() => store.close());
    // A store that is away does not stop start-up: telemetry goes into the write-ahead log and
    // is stored once the store is back (StoreStartup keeps trying).
    const storeStartup = new StoreStartup({
      store,
      log: log.child({ part: 'store', url: config.influxUrl ?? undefined }),
    });
    await storeStartup.start();
    stops.push(() => storeStartup.stop());

    // The broker is built after the service; dispatches published before it listens wait in
    // the service's outbox and are retried.
    let brokerForService: BrokerLink | null = null;
    const customerChannels = channelsFromSettings(config);
    stops.push(() => {
      for (const c of Object.values(customerChannels)) c.close?.();
    });
    let dashboardBase = '';
    const service = new ServiceDomain({
      bus,
      log: log.child({ part: 'service' }),
      clock,
      dbPath: join(config.dataDir, 'service.db'),
      notifier: { outboundAllow: config.webhookAllowHosts, channels: customerChannels },
      surveyBaseUrl: config.publicUrl ? `${config.publicUrl.replace(/\/+$/, '')}/api/surveys/` : undefined,
      // Notices carry absolute links: the public URL, else the dashboard's own once it listens.
      trackingBaseUrl: () => `${(config.publicUrl ?? dashboardBase).replace(/\/+$/, '')}/api/track/`,
      linkKey: linkKey(config.dataDir),
      whatsappTemplates: config.whatsappTemplates,
      inbound: {
        whatsappAppSecret: config.whatsappAppSecret,
        whatsappVerifyToken: config.whatsappVerifyToken,
        emailSecret: config.inboundEmailSecret,
      },
      publish: (topic, payload) => {
        if (!brokerForService) throw new Error('broker not started yet');
        brokerForService.publish(topic, payload, 1);
      },
    });
    service.start();
    stops.push(() => service.stop());

    const analytics = new Analytics({
      bus,
      log: log.child({ part: 'analytics' }),
      deviceModelOf: (deviceId) => deviceModel(service.customers.getDevice(deviceId)?.modelId),
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
    analyticsState.restore();
    analyticsState.start();
    stops.push(() => analyticsState.stop());
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

    const metrics = new PurnaMetrics();
    const wal = new WriteAheadLog({
      dir: join(config.dataDir, 'wal'),
      log: log.child({ part: 'wal' }),
      maxBytes: config.walMaxBytes,
    });
    const replay = wal.open();
    stops.push(() => wal.close());
    const writer = new TelemetryWriter({
      store,
      log: log.child({ part: 'writer' }),
      batchSize: config.writeBatchSize,
      maxBatchAgeMs: config.writeBatchMaxAgeMs,
      onStored: (_readings, latencyMs) => metrics.writeBatchSeconds.observe(latencyMs / 1000),
      stuckAfterMs: config.writeStuckAfterMs,
      onSettled: (count) => wal.confirm(count),
      // Only ever called after a store answer, by when `ingest` below exists.
      onRefused: (readings, reason) => ingest.refusedByStore(readings, reason),
    });
    stops.push(() => writer.stop());
    // What a previous run acknowledged but had not stored goes first, in the log's order.
    if (replay.length > 0) writer.enqueue(replay);

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
    stops.push(() => presence.stop());
    const ingest = new Ingest({
      presence,
      bus,
      log: log.child({ part: 'ingest' }),
      clock,
      writer,
      wal,
      limits: { ...DEFAULT_PAYLOAD_LIMITS, maxFutureSkewMs: config.maxFutureSkewMs, maxAgeMs: config.maxPastAgeMs },
      deviceChecks: new DeviceChecks({
        maxMetricsPerDevice: config.maxMetricsPerDevice,
        // The catalogue's current version of the device's model, from memory (asked per message).
        contractOf: (deviceId) => {
          const model = service.catalogue.productModelOfDevice(deviceId);
          return model ? deviceContract(model) : null;
        },
        undeclaredMetrics: config.undeclaredMetrics,
        // After a restart a device keeps the metrics its restored detectors have, not a fresh allowance.
        knownMetricsOf: (deviceId) => analytics.metricNames(deviceId),
      }),
      reportRejection: (deviceId, reason, topic) => broker?.reportRejection(deviceId, reason, topic),
    });
    const credentials = new DeviceCredentials(join(config.dataDir, 'credentials.db'));
    stops.push(() => credentials.close());
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

    const fleetView = new FleetView(bus);
    fleetView.start();
    stops.push(() => fleetView.stop());

    // The control room's memory: health history and device events for the device page, the alert list.
    const controlRoomDb = openControlRoomDb(join(config.dataDir, 'control-room.db'));
    stops.push(() => controlRoomDb.close());
    const retentionMs = config.historyRetentionDays * 86_400_000;
    const healthHistory = new HealthHistory({
      bus,
      db: controlRoomDb,
      log: log.child({ part: 'history' }),
      nowMs: () => clock.nowMs(),
      retentionMs,
    });
    healthHistory.start();
    stops.push(() => healthHistory.stop());
    const alerts = new AlertBook({
      bus,
      db: controlRoomDb,
      log: log.child({ part: 'alerts' }),
      nowMs: () => clock.nowMs(),
      retentionMs,
    });
    alerts.start();
    stops.push(() => alerts.stop());

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
      })),
    );

    const users = new UserStore(join(config.dataDir, 'users.db'), clock);
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
      trustedOrigins: config.publicUrl ? [new URL(config.publicUrl).origin] : [],
      // A technician sees a device while one of their active work orders is on it, not forever after.
      technicianSeesDevice: (technicianId, deviceId) =>
        service.workOrders
          .listWorkOrders({ deviceId, state: [...ACTIVE_STATES] })
          .some((o) => o.technicianId === technicianId),
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
      logLinesDropped: () => stdoutDestination().droppedLines,
      detectorSamples: () => analytics.samplesProcessed,
      openWorkOrders: () => service.workOrders.listWorkOrders({ state: [...ACTIVE_STATES] }).length,
      socketClients: () => http.liveUpdates.engine.clientsCount,
      mqttClients: () => startedBroker.connectedClients,
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
