import { randomBytes, randomUUID } from 'node:crypto';
import { systemClock, type Clock } from '../core/clock.ts';
import type { EventBus } from '../core/event-bus.ts';
import type { Logger } from '../core/log.ts';
import type { ProductModel, ProductModelVersion } from '../core/product-catalogue.ts';
import type { DispatchCancel, DispatchRequest, FailureMode, ServiceKpis } from '../core/types.ts';
import { Catalogue, type CatalogueImportResult, type SavedModel } from './catalogue/catalogue.ts';
import { parseCsvImport, parseJsonImport } from './catalogue/import-file.ts';
import type { ModelHistoryEntry } from './catalogue/store.ts';
import { importCsv, type ImportKind, type ImportResult } from './csv-import.ts';
import type { ContactInput } from './customers/contact-fields.ts';
import { CustomerNotices } from './customers/notices.ts';
import { publicContact, type Contacts } from './customers/contacts.ts';
import { customerRecord, type CustomerRecord } from './customers/customer-record.ts';
import type { Registry } from './customers/registry.ts';
import { SurveyLinks, type SurveyedJob } from './customers/survey-links.ts';
import type { Survey, SurveyAnswer } from './customers/surveys.ts';
import { inTransaction } from './db.ts';
import { computeKpis, computeKpiTrend } from './kpis/kpis.ts';
import type { InventoryInput, Network, TechnicianInput } from './network/store.ts';
import {
  DEFAULT_WHATSAPP_TEMPLATES,
  type CustomerMessageRecord,
  type Delivery,
  type NoticeKind,
  type Notifier,
  type NotifierOptions,
  type PublishFn,
  type Webhook,
  type WebhookConfig,
} from './notifications/notifier.ts';
import { Dispatcher } from './planning/dispatcher.ts';
import { SlaWatch } from './planning/sla-watch.ts';
import { openServiceStores, type ServiceStores } from './stores.ts';
import {
  badRequest,
  requireFound,
  type Contact,
  type Customer,
  type Depot,
  type DeviceInput,
  type DeviceRecord,
  type InventoryItem,
  type ServiceWorkOrder,
  type Severity,
  type Site,
  type SiteInput,
  type Technician,
  type WorkOrderEvent,
  type WorkOrderFilter,
} from './types.ts';
import { logFailure, WorkOrderCommands } from './work-orders/commands.ts';
import { importHistory, type HistoricalWorkOrder } from './work-orders/history-import.ts';
import { Lifecycle, type TransitionInput } from './work-orders/lifecycle.ts';

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
export { DEFAULT_LEAD_TIME_MS } from './work-orders/store.ts';
export { seedDemo, type SeedOptions, type SeedSummary } from './seed.ts';

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
  /** How often active jobs are checked against their SLA deadlines, ms (real time). Default 60 s; 0 = never by itself (tests call checkSla()). */
  slaCheckIntervalMs?: number;
}

/** What a started domain has: the stores and the parts working on them. */
interface Running {
  stores: ServiceStores;
  catalogue: Catalogue;
  commands: WorkOrderCommands;
  surveys: SurveyLinks;
  slaWatch: SlaWatch;
  unsubscribe: (() => void)[];
}

/**
 * The after-sales service domain: owns the service store and turns analytics' dispatch
 * requests into work orders. The facade every caller uses: it starts and stops the parts and
 * hands each call to the room that does the work (work-orders/, planning/, customers/,
 * network/, notifications/, kpis/). Every work-order change goes out on the bus as `workOrder`
 * with the full record, so the dashboard and its technician rooms never poll.
 */
export class ServiceDomain {
  readonly #opts: ServiceOptions;
  readonly #log: Logger;
  readonly #clock: Clock;
  #running: Running | null = null;

  constructor(opts: ServiceOptions) {
    this.#opts = opts;
    this.#log = opts.log;
    this.#clock = opts.clock ?? systemClock;
  }

  start(): void {
    if (this.#running) return;
    const { bus, log, dbPath } = this.#opts;
    const stores = openServiceStores({
      dbPath,
      log,
      clock: this.#clock,
      notifier: { publish: this.#opts.publish, ...this.#opts.notifier },
      linkKey: this.#opts.linkKey ?? randomBytes(32),
      trackingBaseUrl: this.#opts.trackingBaseUrl ?? (() => '/api/track/'),
    });
    const notices = new CustomerNotices({
      stores,
      links: stores.links,
      whatsappTemplates: this.#opts.whatsappTemplates ?? DEFAULT_WHATSAPP_TEMPLATES,
    });
    const lifecycle = new Lifecycle(stores);
    const surveys = new SurveyLinks(stores, this.#clock, this.#opts.surveyBaseUrl ?? '/api/surveys/');
    const dispatcher = new Dispatcher(stores, lifecycle);
    const commands = new WorkOrderCommands({
      stores,
      lifecycle,
      dispatcher,
      surveys,
      notices,
      bus,
      log,
      clock: this.#clock,
      autoDispatch: this.#opts.autoDispatch !== false,
    });
    const slaWatch = new SlaWatch({
      stores,
      notices,
      bus,
      log,
      clock: this.#clock,
      everyMs: this.#opts.slaCheckIntervalMs ?? 60_000,
    });
    const catalogue = new Catalogue({ stores, bus, log: log.child({ module: 'catalogue' }), clock: this.#clock });
    this.#running = { stores, catalogue, commands, surveys, slaWatch, unsubscribe: [] };
    catalogue.seedIfNew();
    for (const w of this.#opts.webhooks ?? []) stores.notifier.addWebhook(w);
    stores.notifier.start();
    this.#running.unsubscribe.push(
      bus.on('dispatch', (req) => logFailure(log, 'dispatch', () => commands.handleDispatch(req))),
      bus.on('dispatchCancel', (c) => logFailure(log, 'dispatchCancel', () => commands.handleDispatchCancel(c))),
    );
    slaWatch.start();
    log.info({ db: dbPath }, 'service domain started');
  }

  stop(): void {
    const r = this.#running;
    if (!r) return;
    r.slaWatch.stop();
    for (const off of r.unsubscribe) off();
    r.stores.notifier.stop();
    r.stores.db.close();
    this.#running = null;
  }

  /** The domain's clock (routes use it for defaults so tests with a manual clock stay consistent). */
  nowMs(): number {
    return this.#clock.nowMs();
  }

  /** The stores themselves, for the demo seed and tests; callers change things through the methods below. */
  get registry(): Registry {
    return this.#run().stores.registry;
  }
  get network(): Network {
    return this.#run().stores.network;
  }
  get notifier(): Notifier {
    return this.#run().stores.notifier;
  }
  get contacts(): Contacts {
    return this.#run().stores.contacts;
  }

  // ── customers, sites, devices (customers/) ───────────────────────────────

  /** Idempotent upsert; fields not given keep their stored values (see Registry.upsertDevices). */
  registerDevices(devices: readonly DeviceInput[]): void {
    this.registry.upsertDevices(devices);
  }
  listDevices(): DeviceRecord[] {
    return this.registry.listDevices();
  }
  getDevice(id: string): DeviceRecord | undefined {
    return this.registry.getDevice(id);
  }
  listCustomers(): Customer[] {
    return this.registry.listCustomers();
  }
  listSites(): Site[] {
    return this.registry.listSites();
  }
  saveCustomer(c: Parameters<Registry['upsertCustomer']>[0]): Customer | undefined {
    this.registry.upsertCustomer(c);
    return this.listCustomers().find((x) => x.id === c.id);
  }
  saveSite(s: SiteInput): Site | undefined {
    this.registry.upsertSite(s);
    return this.registry.getSite(s.id);
  }

  // ── the product catalogue (catalogue/): every change a new version, then `catalogueChanged` ──

  listProductModels(): ProductModelVersion[] {
    return this.#run().catalogue.list();
  }
  /** The current version; 404 when there is none. */
  getProductModel(id: string): ProductModelVersion {
    return this.#run().catalogue.get(id);
  }
  productModelHistory(id: string): ModelHistoryEntry[] {
    return this.#run().catalogue.history(id);
  }
  productModelVersion(id: string, version: number): ModelHistoryEntry {
    return this.#run().catalogue.version(id, version);
  }
  /** 400 naming each problem; 409 when the id exists. Warnings (a part no depot holds) come with the answer. */
  createProductModel(model: ProductModel, by: string): SavedModel {
    return this.#run().catalogue.create(model, by);
  }
  updateProductModel(id: string, model: ProductModel, by: string, fromVersion?: number): SavedModel {
    return this.#run().catalogue.update(id, model, by, fromVersion);
  }
  /** 409 naming how many devices use it. */
  deleteProductModel(id: string, by: string): ProductModelVersion {
    return this.#run().catalogue.remove(id, by);
  }
  /** A JSON or CSV file of models, all or nothing, problems by line (see catalogue/import-file.ts for the CSV layout). */
  importProductModels(format: 'json' | 'csv', text: string, by: string): CatalogueImportResult {
    return this.#run().catalogue.importModels(
      format,
      format === 'json' ? parseJsonImport(text) : parseCsvImport(text),
      by,
    );
  }
  countDevicesOfModel(modelId: string): number {
    return this.registry.countDevicesOfModel(modelId);
  }
  /**
   * The current catalogue version of a device's model; undefined for a device the registry does
   * not know. Cheap (two lookups in memory): ingest and analytics ask per message.
   */
  productModelOfDevice(deviceId: string): ProductModelVersion | undefined {
    const { registry, catalogue } = this.#run().stores;
    const modelId = registry.modelIdOf(deviceId);
    return modelId === null ? undefined : catalogue.current(modelId);
  }

  /** The customer's page: sites, contacts, devices with warranty, jobs, ratings (404 unknown customer). */
  customerRecord(customerId: string): CustomerRecord {
    return customerRecord(this.#run().stores, customerId, this.nowMs());
  }

  // ── customer contacts (customers/) ───────────────────────────────────────

  listContacts(customerId: string): Contact[] {
    requireFound(this.registry.getCustomer(customerId), 'customer', customerId);
    return this.#run().stores.contacts.listForCustomer(customerId).map(publicContact);
  }
  getContact(id: string): Contact {
    return publicContact(this.#run().stores.contacts.require(id));
  }
  /** Creates or replaces a contact; a bad field is a 400 naming it (see customers/contact-fields.ts). */
  saveContact(id: string, input: ContactInput): Contact {
    const { contacts } = this.#run().stores;
    return publicContact(contacts.save(id, contacts.check(input), this.nowMs()));
  }
  /** A new contact of `customerId` under an id of Purna's choosing. */
  addContact(customerId: string, input: Omit<ContactInput, 'customerId'>): Contact {
    return this.saveContact(`CON-${randomUUID().slice(0, 8)}`, { ...input, customerId });
  }
  removeContact(id: string): void {
    this.#run().stores.contacts.deactivate(id, this.nowMs());
  }

  // ── technicians, depots, stock (network/): a change may staff or supply waiting jobs ──

  listTechnicians(): Technician[] {
    return this.network.listTechnicians();
  }
  getTechnician(id: string): Technician | undefined {
    return this.network.getTechnician(id);
  }
  listDepots(): Depot[] {
    return this.network.listDepots();
  }
  listInventory(filter: { depotId?: string; sku?: string } = {}): InventoryItem[] {
    return this.network.listInventory(filter);
  }
  /** A skill names a model and one of its failure modes (`*`: any); a mode the catalogue does not know is a 400. */
  saveTechnician(t: TechnicianInput): Technician | undefined {
    const { catalogue } = this.#run().stores;
    t.skills.forEach((s, i) => {
      const wrong = s.mode === '*' ? null : catalogue.modeProblem(s.modelId, s.mode);
      if (wrong) throw badRequest(`skills[${i}].mode: ${wrong}`);
    });
    this.network.upsertTechnician(t);
    this.sweepBacklog();
    return this.getTechnician(t.id);
  }
  saveDepot(d: Depot): Depot | undefined {
    this.network.upsertDepot(d);
    return this.listDepots().find((x) => x.id === d.id);
  }
  saveInventory(i: InventoryInput): InventoryItem | undefined {
    this.network.upsertInventory(i);
    this.sweepBacklog();
    return this.listInventory(i)[0];
  }

  /** CSV import (all or nothing; see csv-import.ts for why); new technicians or stock may staff waiting jobs. */
  importCsv(kind: ImportKind, text: string): ImportResult {
    const result = importCsv(kind, text, this.#run().stores, this.nowMs());
    if (result.committed && (kind === 'technicians' || kind === 'inventory')) this.sweepBacklog();
    return result;
  }

  // ── webhooks and the delivery log (notifications/) ───────────────────────

  listWebhooks(): Webhook[] {
    return this.notifier.listWebhooks();
  }
  /** Adds a webhook once its address passed the outbound check (internal addresses: 400; see notifications/outbound-address.ts). */
  async addWebhook(cfg: WebhookConfig): Promise<Webhook> {
    await this.notifier.checkWebhookUrl(cfg.url);
    return this.notifier.addWebhook(cfg);
  }
  removeWebhook(id: string): void {
    this.notifier.removeWebhook(id);
  }
  listDeliveries(filter: { state?: string; limit?: number } = {}): Delivery[] {
    return this.notifier.listDeliveries(filter);
  }
  deliveryAttempts(id: number): ReturnType<Notifier['deliveryAttempts']> {
    return this.notifier.deliveryAttempts(id);
  }
  retryDelivery(id: number): void {
    this.notifier.retryNow(id);
  }
  /** Every notice to the customer's contacts about a job: sent, held for quiet hours, failed or not sent, and why. */
  workOrderMessages(id: string): CustomerMessageRecord[] {
    const { orders, contacts } = this.#run().stores;
    return this.notifier
      .customerMessages({ workOrderId: orders.require(id).id })
      .map((m) => ({ ...m, contactName: contacts.get(m.contactId)?.name }));
  }

  // ── work orders (work-orders/, planning/) ────────────────────────────────

  listWorkOrders(filter?: WorkOrderFilter): ServiceWorkOrder[] {
    return this.#run().stores.orders.list(filter);
  }
  getWorkOrder(id: string): ServiceWorkOrder | undefined {
    return this.#run().stores.orders.get(id);
  }
  workOrderHistory(id: string): WorkOrderEvent[] {
    const { orders } = this.#run().stores;
    return orders.history(orders.require(id).id);
  }

  /**
   * Loads finished jobs from before Purna (a legacy system's records, the demo's past) with
   * their own timestamps, all or nothing; returns the new ids. No bus events, notifications or
   * stock movements: see history-import.ts for why.
   */
  importHistory(entries: readonly HistoricalWorkOrder[]): string[] {
    const { stores } = this.#run();
    const ids = inTransaction(stores.db, () => importHistory(stores, entries));
    this.#log.info({ imported: ids.length }, 'service history imported');
    return ids;
  }

  /** Opens a work order for a dispatch request, or escalates the active one (see WorkOrderCommands). */
  handleDispatch(req: DispatchRequest): { order: ServiceWorkOrder; created: boolean } {
    return this.#run().commands.handleDispatch(req);
  }
  /** Analytics withdrew its request: cancels the job while nobody has set off. */
  handleDispatchCancel(c: DispatchCancel): ServiceWorkOrder | null {
    return this.#run().commands.handleDispatchCancel(c);
  }
  /** A planner opens a job by hand (customer call, routine visit); planned like an analytics one. */
  createWorkOrder(input: {
    deviceId: string;
    mode: FailureMode;
    severity?: Severity;
    note?: string;
    actor: string;
  }): ServiceWorkOrder {
    return this.#run().commands.create(input);
  }
  /** Re-runs the dispatcher on an open work order (after a decline, or when technicians come on shift). */
  dispatch(id: string, opts: { version?: number; actor: string }): ServiceWorkOrder {
    return this.#run().commands.dispatch(id, opts);
  }
  /** A planner gives an assigned job to another technician (version-checked). */
  reassign(
    id: string,
    input: { technicianId: string; version?: number; actor: string; note?: string },
  ): ServiceWorkOrder {
    return this.#run().commands.reassign(id, input);
  }
  /** A note on the work order's record; no version bump. */
  addWorkOrderNote(id: string, input: { actor: string; note: string }): WorkOrderEvent {
    return inTransaction(this.#run().stores.db, () =>
      this.#run().stores.orders.addNote(id, input.actor, this.#clock.nowMs(), input.note),
    );
  }
  /** A lifecycle step requested by a person or API client. Throws ServiceError 400/404/409. */
  transition(id: string, input: TransitionInput): ServiceWorkOrder {
    return this.#run().commands.transition(id, input);
  }
  /** Staffs or supplies work waiting on the network; runs after a job frees a technician and after stock or technicians change. */
  sweepBacklog(): ServiceWorkOrder[] {
    return this.#run().commands.sweepBacklog();
  }
  /** One pass of the SLA watch (it runs every minute by itself); returns the jobs it marked. */
  checkSla(): ServiceWorkOrder[] {
    return this.#run().slaWatch.check();
  }

  // ── surveys (customers/) ─────────────────────────────────────────────────

  /** Issues a fresh one-time survey link for a resolved work order (a re-send; the old link dies). */
  issueSurvey(workOrderId: string): { token: string; url: string } {
    return this.#run().surveys.reissue(workOrderId);
  }
  openSurvey(token: string): { survey: Survey; workOrder: SurveyedJob } {
    return this.#run().surveys.open(token);
  }
  answerSurvey(token: string, answer: SurveyAnswer): Survey {
    return this.#run().surveys.answer(token, answer);
  }
  surveyOf(workOrderId: string): Survey | undefined {
    return this.#run().surveys.of(workOrderId);
  }

  // ── KPIs and feedback to analytics (kpis/, work-orders/store.ts) ─────────

  kpis(fromMs: number, toMs: number): ServiceKpis {
    return computeKpis(this.#run().stores.db, fromMs, toMs, this.nowMs());
  }
  /** The KPIs per consecutive bucket of [fromMs, toMs) for the trend charts; at most 366 buckets. */
  kpiTrend(fromMs: number, toMs: number, bucketMs: number): ServiceKpis[] {
    return computeKpiTrend(this.#run().stores.db, fromMs, toMs, bucketMs, this.nowMs());
  }
  /** The lead time analytics should dispatch ahead of a forecast failure (see WorkOrderStore.currentLeadTimeMs). */
  currentLeadTimeMs(): number {
    return this.#run().stores.orders.currentLeadTimeMs();
  }

  // ── internals ────────────────────────────────────────────────────────────

  #run(): Running {
    if (!this.#running) throw new Error('ServiceDomain not started');
    return this.#running;
  }
}
