import type { DatabaseSync } from 'node:sqlite';
import { systemClock, type Clock } from '../core/clock.ts';
import type { EventBus } from '../core/event-bus.ts';
import type { Logger } from '../core/log.ts';
import type { DispatchCancel, DispatchRequest, FailureMode, HealthReport } from '../core/types.ts';
import { statesBefore, type WorkOrderState } from '../core/work-order-states.ts';
import { inTransaction, openServiceDb, prepared } from './db.ts';
import { importCsv, type ImportKind, type ImportResult } from './csv-import.ts';
import { importHistory, type HistoricalWorkOrder } from './work-orders/history-import.ts';
import { computeKpis, type ServiceKpis } from './kpis/kpis.ts';
import { Network } from './network/store.ts';
import { Notifier, type NotifierOptions, type PublishFn, type WebhookConfig } from './notifications/notifier.ts';
import { depotOptions, rankTechnicians } from './planning/planner.ts';
import { Registry } from './customers/registry.ts';
import { severityOf, slaDeadlines } from './planning/sla.ts';
import { Surveys, type Survey, type SurveyAnswer } from './customers/surveys.ts';
import {
  badRequest,
  conflict,
  notFound,
  ServiceError,
  type DeviceRecord,
  type DispatchPlan,
  type ResolutionCode,
  type ServiceWorkOrder,
  type Severity,
  type WorkOrderEvent,
  type WorkOrderFilter,
} from './types.ts';
import { transitionError, WorkOrderStore, type WorkOrderPatch } from './work-orders/store.ts';

export * from './types.ts';
export type { PublishFn, WebhookConfig } from './notifications/notifier.ts';
export type { ServiceKpis } from './kpis/kpis.ts';
export type { ImportKind, ImportResult } from './csv-import.ts';
export type { HistoricalWorkOrder } from './work-orders/history-import.ts';
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
  /** Notification retry tuning (see Notifier); tests set pollIntervalMs 0 and drive processDue(). */
  notifier?: Omit<NotifierOptions, 'db' | 'log' | 'clock' | 'publish'>;
  /** How often active jobs are checked against their SLA deadlines, ms (real time). Default 60 s; 0 = never by itself (tests call checkSla()). */
  slaCheckIntervalMs?: number;
}

/** Lead time analytics assumes until the service network has a history: a day, the standard-tier response. */
export const DEFAULT_LEAD_TIME_MS = 24 * 3600_000;

export interface TransitionInput {
  to: WorkOrderState;
  /** The version the caller last saw; a mismatch is a 409 (someone else changed it). */
  version?: number;
  actor: string;
  technicianId?: string;
  resolutionCode?: ResolutionCode;
  note?: string;
}

/** Actor name of changes the service domain makes by itself. */
const SYSTEM = 'system:service';

/**
 * The after-sales service domain: owns the service store and turns analytics' dispatch
 * requests into work orders. Everything it changes goes out on the bus as `workOrder` with the
 * full record, so the dashboard (and its technician rooms) never polls.
 */
export class ServiceDomain {
  readonly #bus: EventBus;
  readonly #log: Logger;
  readonly #clock: Clock;
  readonly #dbPath: string;
  #db: DatabaseSync | null = null;
  #registry: Registry | null = null;
  #orders: WorkOrderStore | null = null;
  #network: Network | null = null;
  #surveys: Surveys | null = null;
  #notifier: Notifier | null = null;
  readonly #opts: ServiceOptions;
  #unsubscribe: (() => void)[] = [];
  #slaTimer: NodeJS.Timeout | null = null;

  constructor(opts: ServiceOptions) {
    this.#bus = opts.bus;
    this.#log = opts.log;
    this.#clock = opts.clock ?? systemClock;
    this.#dbPath = opts.dbPath;
    this.#opts = opts;
  }

  start(): void {
    if (this.#db) return;
    const db = openServiceDb(this.#dbPath);
    this.#db = db;
    this.#registry = new Registry(db, () => this.#clock.nowMs());
    this.#orders = new WorkOrderStore(db);
    this.#network = new Network(db);
    this.#surveys = new Surveys(db);
    this.#notifier = new Notifier({ db, log: this.#log.child({ module: 'notifier' }), clock: this.#clock, publish: this.#opts.publish, ...this.#opts.notifier });
    this.#registry.syncDeviceModels();
    for (const w of this.#opts.webhooks ?? []) this.#notifier.addWebhook(w);
    this.#notifier.start();
    this.#unsubscribe.push(
      this.#bus.on('dispatch', (req) => this.#guard('dispatch', () => this.handleDispatch(req))),
      this.#bus.on('dispatchCancel', (c) => this.#guard('dispatchCancel', () => this.handleDispatchCancel(c))),
    );
    const slaEveryMs = this.#opts.slaCheckIntervalMs ?? 60_000;
    if (slaEveryMs > 0) {
      this.#slaTimer = setInterval(() => this.#guard('checkSla', () => this.checkSla()), slaEveryMs);
      this.#slaTimer.unref();
    }
    this.#log.info({ db: this.#dbPath }, 'service domain started');
  }

  stop(): void {
    if (this.#slaTimer) clearInterval(this.#slaTimer);
    this.#slaTimer = null;
    for (const off of this.#unsubscribe) off();
    this.#unsubscribe = [];
    this.#notifier?.stop();
    this.#db?.close();
    this.#db = null;
    this.#registry = null;
    this.#orders = null;
  }

  /** The domain's clock (routes use it for defaults so tests with a manual clock stay consistent). */
  nowMs(): number {
    return this.#clock.nowMs();
  }

  // ── devices ──────────────────────────────────────────────────────────────

  /** Idempotent upsert; fields not given keep their stored values (see Registry.upsertDevices). */
  registerDevices(devices: { deviceId: string; modelId: string; siteId?: string }[]): void {
    this.#reg().upsertDevices(devices);
  }

  listDevices(): DeviceRecord[] {
    return this.#reg().listDevices();
  }

  getDevice(id: string): DeviceRecord | undefined {
    return this.#reg().getDevice(id);
  }

  get registry(): Registry {
    return this.#reg();
  }

  get network(): Network {
    this.#dbOrThrow();
    return this.#network!;
  }

  get notifier(): Notifier {
    this.#dbOrThrow();
    return this.#notifier!;
  }

  /** CSV import (all or nothing; see csv-import.ts for why). */
  importCsv(kind: ImportKind, text: string): ImportResult {
    return importCsv(kind, text, { db: this.#dbOrThrow(), registry: this.#reg(), network: this.network });
  }

  /**
   * Loads finished jobs from before Purna (a legacy system's records, the demo's past) with
   * their own timestamps, all or nothing; returns the new ids. No bus events, notifications or
   * stock movements: see history.ts for why.
   */
  importHistory(entries: readonly HistoricalWorkOrder[]): string[] {
    const db = this.#dbOrThrow();
    const ids = inTransaction(db, () => importHistory({ registry: this.#reg(), network: this.network, orders: this.#wo(), surveys: this.#surveys! }, entries));
    this.#log.info({ imported: ids.length }, 'service history imported');
    return ids;
  }

  // ── work orders ──────────────────────────────────────────────────────────

  listWorkOrders(filter?: WorkOrderFilter): ServiceWorkOrder[] {
    return this.#wo().list(filter);
  }

  getWorkOrder(id: string): ServiceWorkOrder | undefined {
    return this.#wo().get(id);
  }

  workOrderHistory(id: string): WorkOrderEvent[] {
    this.#wo().require(id);
    return this.#wo().history(id);
  }

  /**
   * Opens a work order for a dispatch request, unless one is already open for the same device
   * and failure mode (analytics repeats its request while the condition lasts: one job, not many),
   * and — with autoDispatch — plans it at once (technician, part, lead time).
   */
  handleDispatch(req: DispatchRequest): { order: ServiceWorkOrder; created: boolean } {
    const now = this.#clock.nowMs();
    const result = inTransaction(this.#dbOrThrow(), () => {
      const existing = this.#wo().findActive(req.deviceId, req.mode);
      if (existing) {
        const escalated = this.#escalate(existing, req, now);
        if (escalated) this.#enqueueChange(escalated);
        return { order: escalated?.order ?? existing, created: false, changes: escalated ? [escalated] : [] };
      }
      const opened = this.#open(req.deviceId, req.mode, req.health, req.predictedFailureAtMs ?? null, 'analytics', SYSTEM, now);
      const changes: Change[] = [{ order: opened, prevTechnicianId: null }];
      if (this.#opts.autoDispatch !== false) changes.push(...this.#plan(opened, now));
      for (const c of changes) this.#enqueueChange(c);
      return { order: changes[changes.length - 1].order, created: true, changes };
    });
    if (result.created) {
      this.#log.info({ workOrder: result.order.id, device: req.deviceId, mode: req.mode, severity: result.order.severity, technician: result.order.technicianId }, 'work order opened');
    } else if (result.changes.length) {
      this.#log.warn({ workOrder: result.order.id, device: req.deviceId, severity: result.order.severity }, 'work order escalated');
    }
    for (const c of result.changes) this.#emit(c.order);
    return { order: result.order, created: result.created };
  }

  /** A planner opens a job by hand (customer call, routine visit); planned like an analytics one. */
  createWorkOrder(input: { deviceId: string; mode: FailureMode; severity?: Severity; note?: string; actor: string }): ServiceWorkOrder {
    const now = this.#clock.nowMs();
    if (!this.#reg().getDevice(input.deviceId)) throw notFound('device', input.deviceId);
    const health: HealthReport = {
      deviceId: input.deviceId, tsMs: now, score: 100, state: 'watch', mode: input.mode, evidence: {},
      explanation: `opened by ${input.actor}${input.note ? `: ${input.note}` : ''}`,
    };
    const changes = inTransaction(this.#dbOrThrow(), () => {
      if (this.#wo().findActive(input.deviceId, input.mode)) throw conflict(`device ${input.deviceId} already has an active ${input.mode} work order`);
      const opened = this.#open(input.deviceId, input.mode, health, null, 'planner', input.actor, now, input.severity, input.note);
      const out: Change[] = [{ order: opened, prevTechnicianId: null }];
      if (this.#opts.autoDispatch !== false) out.push(...this.#plan(opened, now));
      for (const c of out) this.#enqueueChange(c);
      return out;
    });
    for (const c of changes) this.#emit(c.order);
    return changes[changes.length - 1].order;
  }

  /** Re-runs the dispatcher on an open work order (after a decline, or when technicians come on shift). */
  dispatch(id: string, opts: { version?: number; actor: string }): ServiceWorkOrder {
    const now = this.#clock.nowMs();
    const changes = inTransaction(this.#dbOrThrow(), () => {
      const wo = this.#wo().require(id);
      if (opts.version !== undefined && opts.version !== wo.version) throw versionMismatch(wo, opts.version);
      if (wo.state !== 'open') throw conflict(`work order is ${wo.state}: only an open work order can be dispatched`);
      const out = this.#plan(wo, now);
      for (const c of out) this.#enqueueChange(c);
      return out;
    });
    for (const c of changes) this.#emit(c.order);
    return changes.length ? changes[changes.length - 1].order : this.#wo().require(id);
  }

  /**
   * Analytics withdrew its request (the device recovered). Cancel only while nobody has set off:
   * open, assigned or acknowledged. Once a technician is en route the visit goes ahead and ends
   * with a resolution code — the field verdict is worth more than the detector's second thought.
   */
  handleDispatchCancel(c: DispatchCancel): ServiceWorkOrder | null {
    const now = this.#clock.nowMs();
    const change = inTransaction(this.#dbOrThrow(), () => {
      const wo = this.#wo().findActive(c.deviceId, c.mode);
      if (!wo || !statesBefore('en_route').includes(wo.state)) return null;
      const ch = this.#applyTransition(wo, { to: 'cancelled', actor: 'analytics', note: `dispatch withdrawn: ${c.reason}` }, now);
      this.#enqueueChange(ch);
      return ch;
    });
    if (!change) return null;
    this.#log.info({ workOrder: change.order.id, device: c.deviceId, mode: c.mode }, 'work order cancelled: dispatch withdrawn');
    this.#emit(change.order);
    this.#guard('sweepBacklog', () => this.sweepBacklog());
    return change.order;
  }

  /** A lifecycle step requested by a person or API client. Throws ServiceError 400/404/409. */
  transition(id: string, input: TransitionInput): ServiceWorkOrder {
    const now = this.#clock.nowMs();
    const change = inTransaction(this.#dbOrThrow(), () => {
      const wo = this.#wo().require(id);
      if (input.version !== undefined && input.version !== wo.version) throw versionMismatch(wo, input.version);
      const ch = this.#applyTransition(wo, input, now);
      this.#enqueueChange(ch);
      return ch;
    });
    this.#log.info({ workOrder: id, state: change.order.state, actor: input.actor }, 'work order transition');
    this.#emit(change.order);
    if (change.order.state === 'resolved') this.#afterResolution(change.order, now);
    // A finished job frees a technician (and a cancelled one its part): staff what was waiting.
    if (change.order.state === 'resolved' || change.order.state === 'cancelled') this.#guard('sweepBacklog', () => this.sweepBacklog());
    return change.order;
  }

  /**
   * Work waiting on the network: open jobs the dispatcher could not staff (nobody skilled had
   * capacity) and active jobs whose part is backordered. Runs after a job frees a technician,
   * and should run after stock or technicians change (the routes call it). Oldest first; a job
   * is touched only when the sweep can actually staff it or reserve its part, so waiting jobs
   * do not churn versions. Jobs a technician declined stay with the planner.
   */
  sweepBacklog(): ServiceWorkOrder[] {
    if (this.#opts.autoDispatch === false) return [];
    const now = this.#clock.nowMs();
    const changes = inTransaction(this.#dbOrThrow(), () => {
      const out: Change[] = [];
      const waiting = this.#wo()
        .list({ state: statesBefore('on_site') })
        .filter((w) => (w.state === 'open' && w.plan !== null && w.plan.technician === null) || w.partStatus === 'backorder')
        .sort((a, b) => a.createdAtMs - b.createdAtMs)
        .slice(0, BACKLOG_SWEEP_MAX);
      for (const wo of waiting) {
        const device = this.#reg().getDevice(wo.deviceId);
        if (!device) continue;
        if (wo.state === 'open') {
          const ranked = rankTechnicians(this.#network!.listTechnicians(), { modelId: device.modelId, mode: wo.mode, siteLat: device.lat, siteLon: device.lon }, now);
          if (ranked.length) out.push(...this.#plan(wo, now));
        } else if (wo.partSku && this.#network!.listInventory({ sku: wo.partSku }).some((i) => i.available > 0)) {
          const notes: string[] = [];
          const part = { sku: wo.partSku, name: wo.partName ?? wo.partSku };
          const p = this.#planPart(wo, part, { lat: device.lat, lon: device.lon }, notes, now);
          if (!p.reservedAt) continue;
          const plan: DispatchPlan = { ...(wo.plan ?? emptyPlan(now, part)), depots: p.depots, reservedAt: p.reservedAt, backorder: false, notes: [...(wo.plan?.notes ?? []), `part arrived: reserved at ${p.reservedAt}`, ...notes] };
          const order = this.#wo().patch(wo.id, { ...p.patch, plan_json: JSON.stringify(plan) }, { actor: DISPATCHER, nowMs: now, note: `backorder filled: ${wo.partSku} reserved at ${p.reservedAt}` });
          out.push({ order, prevTechnicianId: wo.technicianId ?? null });
        }
      }
      for (const c of out) this.#enqueueChange(c);
      return out;
    });
    for (const c of changes) this.#emit(c.order);
    if (changes.length) this.#log.info({ changed: changes.length }, 'backlog sweep staffed or supplied waiting work orders');
    return changes.map((c) => c.order);
  }

  /**
   * The SLA watch: marks active jobs that passed a deadline (nobody on site by the response
   * deadline; not resolved by the resolution deadline), once per deadline, and tells the CRM
   * (`workOrder.slaBreached`), the assigned technician and the board (bus `workOrder`) while
   * there is still something to do about it. The KPI judges compliance from the timestamps
   * anyway; this is the early warning. Runs every minute; returns the jobs it marked.
   */
  checkSla(): ServiceWorkOrder[] {
    const now = this.#clock.nowMs();
    const marked = inTransaction(this.#dbOrThrow(), () => {
      const out: ServiceWorkOrder[] = [];
      for (const wo of this.#wo().unmarkedSlaBreaches(now, SLA_CHECK_MAX)) {
        let order = wo;
        const missed: ('respond' | 'resolve')[] = [];
        if (order.slaRespondBreachedAtMs == null && order.onSiteAtMs == null && order.slaRespondByMs != null && order.slaRespondByMs < now) {
          order = this.#wo().markSlaBreach(order.id, 'respond', order.slaRespondByMs, now);
          missed.push('respond');
        }
        if (order.slaResolveBreachedAtMs == null && order.slaResolveByMs != null && order.slaResolveByMs < now) {
          order = this.#wo().markSlaBreach(order.id, 'resolve', order.slaResolveByMs, now);
          missed.push('resolve');
        }
        this.#notifier!.enqueue('workOrder.slaBreached', { missed, workOrder: order }, order.technicianId ? [order.technicianId] : []);
        out.push(order);
      }
      return out;
    });
    for (const order of marked) {
      this.#log.warn({ workOrder: order.id, device: order.deviceId, state: order.state, technician: order.technicianId }, 'SLA deadline missed');
      this.#emit(order);
    }
    return marked;
  }

  // ── surveys ──────────────────────────────────────────────────────────────

  /** Issues a fresh one-time survey link for a resolved work order (a re-send; the old link dies). */
  issueSurvey(workOrderId: string): { token: string; url: string } {
    const wo = this.#wo().require(workOrderId);
    if (wo.state !== 'resolved') throw conflict(`work order is ${wo.state}: surveys follow a resolved job`);
    return inTransaction(this.#dbOrThrow(), () => this.#issueSurvey(wo, this.#clock.nowMs()));
  }

  openSurvey(token: string): { survey: Survey; workOrder: { id: string; deviceId: string; resolvedAtMs: number | null; resolutionCode: string | null } } {
    const survey = this.#surveys!.open(token, this.#clock.nowMs());
    const wo = this.#wo().require(survey.workOrderId);
    return { survey, workOrder: { id: wo.id, deviceId: wo.deviceId, resolvedAtMs: wo.resolvedAtMs, resolutionCode: wo.resolutionCode } };
  }

  answerSurvey(token: string, answer: SurveyAnswer): Survey {
    const now = this.#clock.nowMs();
    return inTransaction(this.#dbOrThrow(), () => {
      const survey = this.#surveys!.answer(token, answer, now);
      this.#notifier!.enqueue('survey.answered', survey);
      return survey;
    });
  }

  surveyOf(workOrderId: string): Survey | undefined {
    this.#wo().require(workOrderId);
    return this.#surveys!.forWorkOrder(workOrderId);
  }

  // ── KPIs and feedback to analytics ───────────────────────────────────────

  kpis(fromMs: number, toMs: number): ServiceKpis {
    return computeKpis(this.#dbOrThrow(), fromMs, toMs, this.#clock.nowMs());
  }

  /**
   * The KPIs per consecutive bucket of [fromMs, toMs) (e.g. weeks over a quarter) for the trend
   * charts; the last bucket ends at toMs. At most 366 buckets.
   */
  kpiTrend(fromMs: number, toMs: number, bucketMs: number): ServiceKpis[] {
    if (!(bucketMs > 0) || !(toMs > fromMs)) throw badRequest('need from < to and a positive bucket');
    if ((toMs - fromMs) / bucketMs > 366) throw badRequest('at most 366 buckets: choose a longer bucket or a shorter period');
    const out: ServiceKpis[] = [];
    for (let start = fromMs; start < toMs; start += bucketMs) out.push(this.kpis(start, Math.min(toMs, start + bucketMs)));
    return out;
  }

  /**
   * The lead time analytics should dispatch ahead of a forecast failure: how long it actually
   * takes from a work order opening to a technician on site, the 90th percentile of the last 50
   * visits (a mean would promise the typical day and miss the bad ones). With fewer than 5
   * visits on record, the 90th percentile of the planned lead times of the last 200 jobs
   * (backordered ones have none); with neither, a day.
   */
  currentLeadTimeMs(): number {
    const db = this.#dbOrThrow();
    const actual = (prepared(db, `SELECT on_site_at_ms - created_at_ms AS ms FROM work_orders WHERE on_site_at_ms IS NOT NULL
      ORDER BY on_site_at_ms DESC LIMIT 50`).all() as { ms: number }[]).map((r) => r.ms);
    if (actual.length >= 5) return p90(actual);
    // Planned: the later of technician arrival and part arrival (as ServiceWorkOrder.plannedLeadTimeMs), in SQL:
    // this runs on every work-order change when wired to analytics.
    const planned = (prepared(db, `SELECT MAX(COALESCE(technician_eta_ms, 0), COALESCE(part_lead_time_ms, 0)) AS ms FROM work_orders
      WHERE part_status != 'backorder' ORDER BY created_at_ms DESC LIMIT 200`).all() as { ms: number }[]).map((r) => r.ms).filter((ms) => ms > 0);
    if (planned.length) return p90(planned);
    return DEFAULT_LEAD_TIME_MS;
  }

  // ── internals ────────────────────────────────────────────────────────────

  #open(deviceId: string, mode: FailureMode, health: HealthReport, predictedFailureAtMs: number | null, source: string, actor: string, now: number, severityOverride?: Severity, note?: string): ServiceWorkOrder {
    const device = this.#reg().getDevice(deviceId);
    const severity = severityOverride ?? severityOf(health, predictedFailureAtMs, now);
    const sla = slaDeadlines(device?.contractTier ?? 'standard', severity, now);
    return this.#wo().insert(
      {
        deviceId,
        mode,
        severity,
        evidence: health,
        predictedFailureAtMs,
        slaRespondByMs: sla.respondByMs,
        slaResolveByMs: sla.resolveByMs,
        warrantyCovered: device ? now <= device.warrantyEndMs : false,
        source,
        note: note ?? (device ? null : 'device not in the registry: default contract terms, no warranty'),
      },
      actor,
      now,
    );
  }

  /**
   * Plans an open work order: reserves the spare part at the nearest depot with stock (the
   * farther depots' longer lead times are stated; a backorder is flagged when none has it), then
   * assigns the best technician (see rankTechnicians). With nobody available the job stays
   * open with the reason in its plan. Runs inside the caller's transaction.
   */
  #plan(wo: ServiceWorkOrder, now: number): Change[] {
    const device = this.#reg().getDevice(wo.deviceId);
    const modelId = device?.modelId ?? 'unknown';
    const notes: string[] = [];
    const part = device ? this.#reg().partFor(modelId, wo.mode) ?? null : null;
    const site = { lat: device?.lat ?? null, lon: device?.lon ?? null };
    if (!device) notes.push('device not in the registry: no site, no parts catalogue');
    else if (site.lat == null) notes.push('device has no site location: distances not considered');

    const partPlan = this.#planPart(wo, part, site, notes, now);
    const { depots, reservedAt, backorder } = partPlan;
    const patch: WorkOrderPatch = { ...partPlan.patch };
    if (!part && device) notes.push(`no spare part listed for ${wo.mode} on ${modelId}: inspection visit`);

    const ranked = device ? rankTechnicians(this.#network!.listTechnicians(), { modelId, mode: wo.mode, siteLat: site.lat, siteLon: site.lon }, now) : [];
    const best = ranked[0];
    if (!best) notes.push(`no active technician with capacity is skilled for ${wo.mode} on ${modelId}: left open`);
    else if (!best.onShift) notes.push(`nobody suitable on shift now: ${best.technician.id} can be on site in ${hours(best.etaMs)} (after their shift starts)`);
    const plan: DispatchPlan = {
      plannedAtMs: now,
      technician: best ? { id: best.technician.id, name: best.technician.name, distanceKm: round1(best.distanceKm), etaMs: best.etaMs, onShift: best.onShift, openJobs: best.technician.openJobs } : null,
      technicianCandidates: ranked.length,
      part,
      depots,
      reservedAt,
      backorder,
      notes,
    };
    patch.plan_json = JSON.stringify(plan);
    patch.technician_eta_ms = best?.etaMs ?? null;
    if (!best) {
      return [{ order: this.#wo().patch(wo.id, patch, { actor: DISPATCHER, nowMs: now, note: notes.join('; ') }), prevTechnicianId: wo.technicianId ?? null }];
    }
    const planned = this.#wo().patch(wo.id, patch, { actor: DISPATCHER, nowMs: now, note: `planned: ${best.technician.id}${reservedAt ? `, part at ${reservedAt}` : ''}` });
    return [this.#applyTransition(planned, { to: 'assigned', actor: DISPATCHER, technicianId: best.technician.id, note: notes.join('; ') || undefined }, now)];
  }

  /**
   * Reserves the spare part at the nearest depot with a free unit, unless one is already
   * reserved; none anywhere → backorder (a stock-out, counted once per job).
   */
  #planPart(wo: ServiceWorkOrder, part: { sku: string; name: string } | null, site: { lat: number | null; lon: number | null }, notes: string[], now: number) {
    let depots: DispatchPlan['depots'] = [];
    let reservedAt: string | null = wo.partStatus === 'reserved' ? wo.partDepotId : null;
    let backorder = wo.partStatus === 'backorder';
    const patch: WorkOrderPatch = {};
    if (part && (wo.partStatus === 'none' || wo.partStatus === 'released' || wo.partStatus === 'backorder')) {
      const options = depotOptions(this.#network!.listDepots(), this.#network!.listInventory({ sku: part.sku }), part.sku, site);
      depots = options.map((o) => ({ depotId: o.depot.id, distanceKm: round1(o.distanceKm), available: o.available, leadTimeMs: o.leadTimeMs }));
      const chosen = options.find((o) => o.available > 0 && this.#network!.tryReserve(o.depot.id, part.sku, wo.id, now));
      if (chosen) {
        this.#announceReorder(chosen.depot.id, part.sku, chosen.available, now);
        reservedAt = chosen.depot.id;
        backorder = false;
        if (options[0] !== chosen) notes.push(`nearest depot ${options[0].depot.id} has no ${part.sku} free: reserved at ${chosen.depot.id}, lead time ${hours(chosen.leadTimeMs)} instead of ${hours(options[0].leadTimeMs)}`);
        Object.assign(patch, { part_sku: part.sku, part_depot_id: chosen.depot.id, part_status: 'reserved', part_lead_time_ms: chosen.leadTimeMs });
      } else {
        backorder = true;
        notes.push(`no depot has ${part.sku} in stock: backordered`);
        if (wo.partStatus !== 'backorder') {
          this.#network!.recordStockOut(part.sku, wo.id, now);
          this.#notifier!.enqueue('inventory.stockout', { sku: part.sku, partName: part.name, workOrderId: wo.id, deviceId: wo.deviceId, atMs: now });
        }
        Object.assign(patch, { part_sku: part.sku, part_depot_id: null, part_status: 'backorder', part_lead_time_ms: null });
      }
    }
    return { depots, reservedAt, backorder, patch };
  }

  /**
   * A repeated dispatch for an active job whose severity has risen (the forecast moved closer,
   * the health state worsened): raise the severity and recompute the SLA deadlines from the time
   * the job opened, as if it had been reported at this severity. Lower or equal: nothing changes,
   * so analytics repeating itself does not bump versions under the technician's feet.
   */
  #escalate(wo: ServiceWorkOrder, req: DispatchRequest, now: number): Change | null {
    const severity = severityOf(req.health, req.predictedFailureAtMs ?? wo.predictedFailureAtMs, now);
    if (SEVERITY_RANK[severity] <= SEVERITY_RANK[wo.severity]) return null;
    const tier = this.#reg().getDevice(wo.deviceId)?.contractTier ?? 'standard';
    const sla = slaDeadlines(tier, severity, wo.createdAtMs);
    const order = this.#wo().patch(
      wo.id,
      {
        severity,
        sla_respond_by_ms: sla.respondByMs,
        sla_resolve_by_ms: sla.resolveByMs,
        predicted_failure_at_ms: req.predictedFailureAtMs ?? wo.predictedFailureAtMs,
        evidence_json: JSON.stringify(req.health),
      },
      { actor: 'analytics', nowMs: now, note: `escalated ${wo.severity} → ${severity}: ${req.health.explanation}` },
    );
    return { order, prevTechnicianId: wo.technicianId ?? null };
  }

  /** Validates the step's extra inputs, applies it and its stock effects (inside the caller's transaction). */
  #applyTransition(wo: ServiceWorkOrder, input: TransitionInput, now: number): Change {
    // The lifecycle verdict (409) comes before the step's own inputs (400).
    const reason = transitionError(wo.state, input.to);
    if (reason) throw new ServiceError(409, 'Conflict', reason);
    const patch: WorkOrderPatch = {};
    switch (input.to) {
      case 'assigned': {
        if (!input.technicianId) throw badRequest('technicianId is required to assign a work order');
        const tech = this.#network!.getTechnician(input.technicianId);
        if (!tech) throw notFound('technician', input.technicianId);
        if (!tech.active) throw conflict(`technician ${tech.id} is not active`);
        if (tech.openJobs >= tech.maxOpenJobs) throw conflict(`technician ${tech.id} is at capacity (${tech.openJobs}/${tech.maxOpenJobs} open jobs)`);
        patch.technician_id = input.technicianId;
        patch.assigned_at_ms = now;
        break;
      }
      case 'open':
        patch.technician_id = null;
        patch.assigned_at_ms = null;
        break;
      case 'on_site':
        patch.on_site_at_ms = now;
        break;
      case 'resolved':
        if (!input.resolutionCode) throw badRequest('resolutionCode is required to resolve a work order');
        patch.resolution_code = input.resolutionCode;
        patch.resolved_at_ms = now;
        if (input.resolutionCode === 'fault_confirmed_part_replaced') {
          if (wo.partStatus === 'reserved' && wo.partDepotId && wo.partSku) this.#network!.consume(wo.partDepotId, wo.partSku, wo.id, now);
          if (wo.partSku) patch.part_status = 'consumed';
        } else {
          this.#releasePart(wo, now, patch);
        }
        break;
      case 'cancelled':
        patch.cancelled_at_ms = now;
        this.#releasePart(wo, now, patch);
        break;
      default:
        break;
    }
    const order = this.#wo().transition(wo.id, input.to, { actor: input.actor, nowMs: now, note: input.note ?? null, patch });
    return { order, prevTechnicianId: wo.technicianId ?? null };
  }

  /**
   * Tells the ERP (webhook event `inventory.reorder`) when a reservation takes a depot's free
   * stock of a part down to its reorder point: the moment to order more, with the depot's
   * shortfall to the point plus one job's worth. Only on the crossing, not on every unit below.
   */
  #announceReorder(depotId: string, sku: string, availableBefore: number, now: number): void {
    const item = this.#network!.listInventory({ depotId, sku })[0];
    if (!item || !(availableBefore > item.reorderPoint && item.available <= item.reorderPoint)) return;
    this.#notifier!.enqueue('inventory.reorder', {
      depotId, sku, partName: item.partName, onHand: item.onHand, reserved: item.reserved, available: item.available,
      reorderPoint: item.reorderPoint, suggestedQuantity: item.reorderPoint - item.available + 1, atMs: now,
    });
  }

  #releasePart(wo: ServiceWorkOrder, now: number, patch: WorkOrderPatch): void {
    if (wo.partStatus === 'reserved' && wo.partDepotId && wo.partSku) {
      this.#network!.release(wo.partDepotId, wo.partSku, wo.id, now);
      patch.part_status = 'released';
    } else if (wo.partStatus === 'backorder') {
      patch.part_status = 'released';
    }
  }

  /** After a resolution: restart the replaced component's baseline, ask the customer how it went. */
  #afterResolution(wo: ServiceWorkOrder, now: number): void {
    if (wo.resolutionCode === 'fault_confirmed_part_replaced') {
      this.#bus.emit('baselineReset', { deviceId: wo.deviceId, mode: wo.mode, tsMs: now });
    }
    try {
      inTransaction(this.#dbOrThrow(), () => this.#issueSurvey(wo, now));
    } catch (err) {
      this.#log.error({ err, workOrder: wo.id }, 'could not issue the customer survey');
    }
  }

  #issueSurvey(wo: ServiceWorkOrder, now: number): { token: string; url: string } {
    const token = this.#surveys!.issue(wo.id, now);
    const url = `${this.#opts.surveyBaseUrl ?? '/api/surveys/'}${token}`;
    const device = this.#reg().getDevice(wo.deviceId);
    // The CRM sends the link to the customer; the link is the only copy of the token.
    this.#notifier!.enqueue('survey.requested', { workOrderId: wo.id, deviceId: wo.deviceId, customerId: device?.customerId ?? null, url });
    return { token, url };
  }

  /** Queues the change for webhooks and for the technicians concerned (new and previous). */
  #enqueueChange(c: Change): void {
    const techs = [c.order.technicianId, c.prevTechnicianId].filter((t): t is string => !!t);
    this.#notifier!.enqueue(`workOrder.${c.order.state}`, c.order, techs);
  }

  #emit(order: ServiceWorkOrder): void {
    this.#bus.emit('workOrder', order);
  }

  /** A bus listener must not throw into the emitter (it would break the emitting part). */
  #guard(event: string, fn: () => unknown): void {
    try {
      fn();
    } catch (err) {
      this.#log.error({ err, event }, 'service domain failed to handle event');
    }
  }

  #dbOrThrow(): DatabaseSync {
    if (!this.#db) throw new Error('ServiceDomain not started');
    return this.#db;
  }

  #reg(): Registry {
    this.#dbOrThrow();
    return this.#registry!;
  }

  #wo(): WorkOrderStore {
    this.#dbOrThrow();
    return this.#orders!;
  }
}

interface Change {
  order: ServiceWorkOrder;
  prevTechnicianId: string | null;
}

const DISPATCHER = 'system:dispatcher';
const SEVERITY_RANK: Record<Severity, number> = { low: 0, medium: 1, high: 2, critical: 3 };
/** Breaches marked per SLA check: bounds one pass (the rest are marked a minute later). */
const SLA_CHECK_MAX = 200;
/** Waiting jobs looked at per backlog sweep: bounds the work one resolution can trigger. */
const BACKLOG_SWEEP_MAX = 50;

function emptyPlan(now: number, part: { sku: string; name: string } | null): DispatchPlan {
  return { plannedAtMs: now, technician: null, technicianCandidates: 0, part, depots: [], reservedAt: null, backorder: false, notes: [] };
}

function versionMismatch(wo: ServiceWorkOrder, expected: number): ServiceError {
  return conflict(`version mismatch: work order ${wo.id} is at version ${wo.version}, not ${expected}; reload and retry`);
}

function p90(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(0.9 * sorted.length) - 1)];
}

const round1 = (x: number) => Math.round(x * 10) / 10;
const hours = (ms: number) => `${round1(ms / 3600_000)} h`;
