import { randomBytes } from 'node:crypto';
import { systemClock, type Clock } from '../core/clock.ts';
import type { EventBus } from '../core/event-bus.ts';
import type { Logger } from '../core/log.ts';
import { every, type PeriodicJob } from '../core/periodic.ts';
import { Quotes } from './billing/quotes.ts';
import { BillingRoom } from './billing/room.ts';
import { Catalogue } from './catalogue/catalogue.ts';
import { CatalogueRoom } from './catalogue/room.ts';
import { CustomerNotices } from './customers/notices.ts';
import { CustomersRoom, type InboundSecrets } from './customers/room.ts';
import { SurveyLinks } from './customers/survey-links.ts';
import { Installations } from './installation/installation.ts';
import { InstallationRoom } from './installation/room.ts';
import { KpisRoom } from './kpis/room.ts';
import { Maintenance } from './maintenance/maintenance.ts';
import { MaintenanceRoom } from './maintenance/room.ts';
import { RunningHours } from './maintenance/running-hours.ts';
import { NetworkRoom } from './network/room.ts';
import {
  DEFAULT_WHATSAPP_TEMPLATES,
  type NoticeKind,
  type NotifierOptions,
  type PublishFn,
  type WebhookConfig,
} from './notifications/notifier.ts';
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

export * from './types.ts';
export type { PublishFn, WebhookConfig } from './notifications/notifier.ts';
export type { ServiceKpis } from './kpis/kpis.ts';
export type { ImportKind, ImportResult } from './csv-import.ts';
export type { CatalogueImportResult, SavedModel } from './catalogue/catalogue.ts';
export type { ModelHistoryEntry } from './catalogue/store.ts';
export type { ContactInput } from './customers/contact-fields.ts';
export type { CustomerRecord, Rating } from './customers/customer-record.ts';
export type { HistoricalWorkOrder } from './work-orders/history-import.ts';
export type { TransitionInput } from './work-orders/lifecycle.ts';
export type { ChecklistEntry, ChecklistRecord } from './work-orders/checklist.ts';
export type { NewJobInput } from './work-orders/commands.ts';
export type {
  BillingRoom,
  CatalogueRoom,
  CustomersRoom,
  InstallationRoom,
  KpisRoom,
  MaintenanceRoom,
  NetworkRoom,
  NotificationsRoom,
  WarrantyRoom,
  WorkOrdersRoom,
};
export { DEFAULT_LEAD_TIME_MS } from './work-orders/store.ts';

export interface ServiceOptions {
  bus: EventBus;
  log: Logger;
  clock?: Clock;
  /** SQLite file of the service data, e.g. data/service.db, or ':memory:'. */
  dbPath: string;
  /** MQTT publish for the technicians' field apps (`purna/v1/technicians/{id}/dispatch`); optional. */
  publish?: PublishFn;
  /** CRM/ERP webhooks to configure at start (URL + secret from the environment, never the repo). */
  webhooks?: WebhookConfig[];
  /** Base of the customer survey link; the token is appended. Default '/api/surveys/'. */
  surveyBaseUrl?: string;
  /** Assign a technician and reserve the part as soon as a work order opens. Default true. */
  autoDispatch?: boolean;
  /** Notification retry tuning and the customer channels (see Notifier); tests set pollIntervalMs 0 and drive processDue(). */
  notifier?: Omit<NotifierOptions, 'db' | 'log' | 'clock' | 'publish' | 'linkUrl'>;
  /** Base of the customers' tracking page, asked whenever a message is sent; the token is appended. Default '/api/track/'. */
  trackingBaseUrl?: () => string;
  /**
   * The key tracking-link tokens are derived with, at least 32 bytes (app.ts keeps it in the data
   * dir; see customers/tracking-links.ts). Default: a random key, so links die with the process.
   */
  linkKey?: Buffer;
  /** The approved WhatsApp template of each notice kind (PURNA_WHATSAPP_TEMPLATES). */
  whatsappTemplates?: Readonly<Record<NoticeKind, string>>;
  /** The secrets inbound customer messages (WhatsApp webhook, e-mail relay) are checked with; unset, those endpoints answer 503. */
  inbound?: InboundSecrets;
  /** How often the maintenance pass plans the visits due, ms (real time). Default an hour; 0 = never by itself (tests call planDue()). */
  maintenanceIntervalMs?: number;
  /** How often active jobs are checked against their SLA deadlines, ms (real time). Default 60 s; 0 = never by itself (tests call checkSla()). */
  slaCheckIntervalMs?: number;
}

/** What a started domain has: the stores, the rooms callers use, and what is stopped with it. */
interface Running {
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
 * The after-sales service domain: owns the service store and turns analytics' dispatch
 * requests into work orders. The facade every caller uses: it starts and stops the parts and
 * exposes one object per room (`service.workOrders`, `.network`, `.customers`,
 * `.notifications`, `.catalogue`, `.kpis`); a caller — a route, app.ts, a test — calls a room's
 * method, and the room hands it to the part that does the work. A new capability is a method on
 * its room's `room.ts`, not on this class. Every work-order change goes out on the bus as
 * `workOrder` with the full record, so the dashboard and its technician rooms never poll.
 */
export class ServiceDomain {
  readonly #opts: ServiceOptions;
  readonly #clock: Clock;
  #running: Running | null = null;

  constructor(opts: ServiceOptions) {
    this.#opts = opts;
    this.#clock = opts.clock ?? systemClock;
  }

  start(): void {
    if (this.#running) return;
    const { bus, log, dbPath } = this.#opts;
    const clock = this.#clock;
    const stores = openServiceStores({
      dbPath,
      log,
      clock,
      notifier: { publish: this.#opts.publish, ...this.#opts.notifier },
      linkKey: this.#opts.linkKey ?? randomBytes(32),
      trackingBaseUrl: this.#opts.trackingBaseUrl ?? (() => '/api/track/'),
    });
    const notices = new CustomerNotices({
      stores,
      links: stores.links,
      whatsappTemplates: this.#opts.whatsappTemplates ?? DEFAULT_WHATSAPP_TEMPLATES,
    });
    const templates = this.#opts.whatsappTemplates ?? DEFAULT_WHATSAPP_TEMPLATES;
    const quotes = new Quotes(stores, templates.quote_ready ?? DEFAULT_WHATSAPP_TEMPLATES.quote_ready);
    const lifecycle = new Lifecycle(stores, [quotes.onOpened]);
    const surveys = new SurveyLinks(stores, clock, this.#opts.surveyBaseUrl ?? '/api/surveys/');
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
      autoDispatch: this.#opts.autoDispatch !== false,
      resolutionHooks: [installations.onResolved, maintenance.onResolved],
    });
    const everyMs = this.#opts.slaCheckIntervalMs ?? 60_000;
    const slaWatch = new SlaWatch({ stores, notices, bus, log, clock, everyMs });
    const catalogue = new Catalogue({ stores, bus, log: log.child({ module: 'catalogue' }), clock });
    this.#running = {
      stores,
      workOrders: new WorkOrdersRoom({
        stores,
        commands,
        slaWatch,
        fieldWork: new FieldWork({
          stores,
          bus,
          clock,
          trackingBaseUrl: this.#opts.trackingBaseUrl ?? (() => '/api/track/'),
        }),
        log,
        clock,
      }),
      network: new NetworkRoom(stores, clock, () => commands.sweepBacklog()),
      customers: new CustomersRoom(stores, surveys, clock, {
        createJob: (input) => commands.create(input),
        inbound: this.#opts.inbound,
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
          (this.#opts.whatsappTemplates ?? DEFAULT_WHATSAPP_TEMPLATES).coverage_ending ??
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
    for (const w of this.#opts.webhooks ?? []) stores.notifier.addWebhook(w);
    stores.notifier.start();
    this.#running.unsubscribe.push(
      bus.on('dispatch', (req) => logFailure(log, 'dispatch', () => commands.handleDispatch(req))),
      bus.on('dispatchCancel', (c) => logFailure(log, 'dispatchCancel', () => commands.handleDispatchCancel(c))),
    );
    slaWatch.start();
    const running = this.#running;
    running.unsubscribe.push(bus.on('health', (report) => runningHours.observe(report)));
    const passMs = this.#opts.maintenanceIntervalMs ?? 3_600_000;
    if (passMs > 0) {
      running.maintenancePass = every('maintenance', passMs, () => running.maintenance.planDue(), log);
      running.reminderPass = every('coverageReminders', passMs, () => running.warranty.remindCoverageEnding(), log);
    }
    log.info({ db: dbPath }, 'service domain started');
  }

  stop(): void {
    const r = this.#running;
    if (!r) return;
    r.slaWatch.stop();
    r.maintenancePass?.stop();
    r.reminderPass?.stop();
    logFailure(this.#opts.log, 'flushRunningHours', () => r.maintenance.flushRunningHours());
    for (const off of r.unsubscribe) off();
    r.stores.notifier.stop();
    r.stores.db.close();
    this.#running = null;
  }

  /** The domain's clock (routes use it for defaults so tests with a manual clock stay consistent). */
  nowMs(): number {
    return this.#clock.nowMs();
  }

  // ── the rooms (each room's room.ts) ──────────────────────────────────────

  /** Work orders: reads, commands (one transaction each, then the bus), history import, backlog sweep, SLA check. */
  get workOrders(): WorkOrdersRoom {
    return this.#run().workOrders;
  }
  /** Technicians, depots, stock and their CSV import: a change may staff or supply waiting jobs. */
  get network(): NetworkRoom {
    return this.#run().network;
  }
  /** Customers, sites, devices, contacts, the customer record, surveys; devices' and contacts' CSV import. */
  get customers(): CustomersRoom {
    return this.#run().customers;
  }
  /** Webhooks, the delivery log, the notices a job's customer contacts were sent. */
  get notifications(): NotificationsRoom {
    return this.#run().notifications;
  }
  /** Product models: every change a new version, then `catalogueChanged`; which model a device is. */
  get catalogue(): CatalogueRoom {
    return this.#run().catalogue;
  }
  /** KPIs of a period and their trend. */
  get kpis(): KpisRoom {
    return this.#run().kpis;
  }
  /** Installing devices: the commissioning job, the warranty from commissioning. */
  get installation(): InstallationRoom {
    return this.#run().installation;
  }
  /** Maintenance plans per model and device, running hours, next due dates, the visits due. */
  get maintenance(): MaintenanceRoom {
    return this.#run().maintenance;
  }
  /** Part prices, labour rates, quotes for paid work and the customer's decision on them. */
  get billing(): BillingRoom {
    return this.#run().billing;
  }
  /** Warranty and contract terms, coverage, warranty claims. */
  get warranty(): WarrantyRoom {
    return this.#run().warranty;
  }
  /** The stores themselves, for the demo seed and tests only: routes and parts go through the rooms. */
  get stores(): ServiceStores {
    return this.#run().stores;
  }

  #run(): Running {
    if (!this.#running) throw new Error('ServiceDomain not started');
    return this.#running;
  }
}
