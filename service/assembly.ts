import { randomBytes } from 'node:crypto';
import type { Clock } from '../core/clock.ts';
import { every, type PeriodicJob } from '../core/periodic.ts';
import { Quotes } from './billing/quotes.ts';
import { BillingRoom } from './billing/room.ts';
import { Catalogue } from './catalogue/catalogue.ts';
import { CatalogueRoom } from './catalogue/room.ts';
import { CustomerNotices } from './customers/notices.ts';
import { CustomersRoom } from './customers/room.ts';
import { SurveyLinks } from './customers/survey-links.ts';
import { Installations } from './installation/installation.ts';
import { InstallationRoom } from './installation/room.ts';
import { KpisRoom } from './kpis/room.ts';
import { Maintenance } from './maintenance/maintenance.ts';
import { MaintenanceRoom } from './maintenance/room.ts';
import { RunningHours } from './maintenance/running-hours.ts';
import { NetworkRoom } from './network/room.ts';
import { DEFAULT_WHATSAPP_TEMPLATES } from './notifications/notifier.ts';
import { NotificationsRoom } from './notifications/room.ts';
import { Dispatcher } from './planning/dispatcher.ts';
import { SlaWatch } from './planning/sla-watch.ts';
import { openServiceStores, type ServiceStores } from './stores.ts';
import { logFailure, WorkOrderCommands } from './work-orders/commands.ts';
import { Lifecycle } from './work-orders/lifecycle.ts';
import { Claims } from './warranty/claims.ts';
import { CoverageReminders } from './warranty/reminders.ts';
import { WarrantyRoom } from './warranty/room.ts';
import { FieldWork } from './work-orders/field-work.ts';
import { WorkOrdersRoom } from './work-orders/room.ts';

import type { ServiceOptions } from './options.ts';
import type { PostgresDb } from '../sql/postgres-db.ts';

/** What a started domain has: the stores, the rooms callers use, and what is stopped with it. */
export interface Running {
  stores: ServiceStores;
  workOrders: WorkOrdersRoom;
  network: NetworkRoom;
  customers: CustomersRoom;
  notifications: NotificationsRoom;
  catalogue: CatalogueRoom;
  kpis: KpisRoom;
  installation: InstallationRoom;
  maintenance: MaintenanceRoom;
  billing: BillingRoom;
  warranty: WarrantyRoom;
  maintenancePass: PeriodicJob | null;
  reminderPass: PeriodicJob | null;
  slaWatch: SlaWatch;
  unsubscribe: (() => void)[];
}

/**
 * Builds the domain's parts and rooms over one set of stores, wires them to each other and to the
 * bus, and starts their timers: the assembly ServiceDomain.start() runs, kept apart so the facade
 * stays a list of rooms. Stopped by `stopService`, in the reverse order.
 */
export function startService(opts: ServiceOptions, clock: Clock): Running {
  const { bus, log, dbPath, databaseUrl } = opts;
  const stores = openServiceStores({
    dbPath,
    databaseUrl,
    log,
    clock,
    notifier: { publish: opts.publish, ...opts.notifier },
    linkKey: opts.linkKey ?? randomBytes(32),
    trackingBaseUrl: opts.trackingBaseUrl ?? (() => '/api/track/'),
  });
  const notices = new CustomerNotices({
    stores,
    links: stores.links,
    whatsappTemplates: opts.whatsappTemplates ?? DEFAULT_WHATSAPP_TEMPLATES,
  });
  const templates = opts.whatsappTemplates ?? DEFAULT_WHATSAPP_TEMPLATES;
  const quotes = new Quotes(stores, templates.quote_ready ?? DEFAULT_WHATSAPP_TEMPLATES.quote_ready);
  const lifecycle = new Lifecycle(stores, [quotes.onOpened]);
  const surveys = new SurveyLinks(stores, clock, opts.surveyBaseUrl ?? '/api/surveys/');
  const dispatcher = new Dispatcher(stores, lifecycle);
  const installations = new Installations({
    stores,
    bus,
    warrantyMonthsOf: (modelId) => stores.terms.terms(modelId, 'warranty').periodMonths,
  });
  const runningHours = new RunningHours(stores.maintenance);
  const maintenance = new Maintenance({ stores, running: runningHours });
  const commands = new WorkOrderCommands({
    stores,
    lifecycle,
    dispatcher,
    surveys,
    notices,
    bus,
    log,
    clock,
    autoDispatch: opts.autoDispatch !== false,
    resolutionHooks: [installations.onResolved, maintenance.onResolved],
  });
  const everyMs = opts.slaCheckIntervalMs ?? 60_000;
  const slaWatch = new SlaWatch({ stores, notices, bus, log, clock, everyMs });
  const catalogue = new Catalogue({ stores, bus, log: log.child({ module: 'catalogue' }), clock });
  const running: Running = {
    stores,
    workOrders: new WorkOrdersRoom({
      stores,
      commands,
      slaWatch,
      fieldWork: new FieldWork({
        stores,
        bus,
        clock,
        trackingBaseUrl: opts.trackingBaseUrl ?? (() => '/api/track/'),
      }),
      log,
      clock,
    }),
    network: new NetworkRoom(stores, clock, () => commands.sweepBacklog()),
    customers: new CustomersRoom(stores, surveys, clock, {
      createJob: (input) => commands.create(input),
      inbound: opts.inbound,
    }),
    notifications: new NotificationsRoom(stores),
    catalogue: new CatalogueRoom(stores, catalogue),
    kpis: new KpisRoom(stores, clock),
    installation: new InstallationRoom(stores, installations, commands, clock),
    maintenance: new MaintenanceRoom(stores, maintenance, runningHours, commands, clock),
    billing: new BillingRoom(stores, quotes, commands, clock),
    warranty: new WarrantyRoom(
      stores,
      new Claims(stores),
      new CoverageReminders(
        stores,
        (opts.whatsappTemplates ?? DEFAULT_WHATSAPP_TEMPLATES).coverage_ending ??
          DEFAULT_WHATSAPP_TEMPLATES.coverage_ending,
      ),
      clock,
    ),
    maintenancePass: null,
    reminderPass: null,
    slaWatch,
    unsubscribe: [],
  };
  catalogue.seedIfNew();
  stores.registry.warmModelMemo();
  for (const w of opts.webhooks ?? []) stores.notifier.addWebhook(w);
  stores.notifier.start();
  running.unsubscribe.push(
    bus.on('dispatch', (req) => logFailure(log, 'dispatch', () => commands.handleDispatch(req))),
    bus.on('dispatchCancel', (c) => logFailure(log, 'dispatchCancel', () => commands.handleDispatchCancel(c))),
  );
  slaWatch.start();
  running.unsubscribe.push(bus.on('health', (report) => runningHours.observe(report)));
  const passMs = opts.maintenanceIntervalMs ?? 3_600_000;
  if (passMs > 0) {
    running.maintenancePass = every('maintenance', passMs, () => running.maintenance.planDue(), log);
    running.reminderPass = every('coverageReminders', passMs, () => running.warranty.remindCoverageEnding(), log);
  }
  log.info(
    databaseUrl
      ? { backend: 'postgres', db: (stores.db as PostgresDb).bridge.where }
      : { backend: 'sqlite', db: dbPath },
    'service domain started',
  );
  return running;
}

/** Stops the timers, flushes the running hours, unsubscribes and closes the stores. */
export function stopService(r: Running, log: ServiceOptions['log']): void {
  r.slaWatch.stop();
  r.maintenancePass?.stop();
  r.reminderPass?.stop();
  logFailure(log, 'flushRunningHours', () => r.maintenance.flushRunningHours());
  for (const off of r.unsubscribe) off();
  r.stores.notifier.stop();
  r.stores.db.close();
}
