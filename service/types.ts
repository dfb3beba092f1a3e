// The service domain's own records. WorkOrder extends core's WorkOrder additively, so every
// part that knows core's shape (dashboard, bus listeners) reads a ServiceWorkOrder unchanged.

import { HttpError, type Problem } from '../core/http-errors.ts';
import type { Language } from '../core/i18n/index.ts';
import type { JobType } from '../core/job-types.ts';
import type { CustomerChannel, FailureMode, WorkOrder, WorkOrderState } from '../core/types.ts';

export const FAILURE_MODES: readonly FailureMode[] = [
  'bearing_wear',
  'cooling_failure',
  'lubrication_loss',
  'sensor_fault',
  'unknown_anomaly',
];

export type ContractTier = 'basic' | 'standard' | 'premium';
export const CONTRACT_TIERS: readonly ContractTier[] = ['basic', 'standard', 'premium'];
export type Severity = 'low' | 'medium' | 'high' | 'critical';
export const SEVERITIES: readonly Severity[] = ['low', 'medium', 'high', 'critical'];

/** How a resolved job ended: drives first-time-fix and no-fault-found KPIs and baseline reset. */
export type ResolutionCode = 'fault_confirmed_part_replaced' | 'fault_confirmed_no_part' | 'no_fault_found';
export const RESOLUTION_CODES: readonly ResolutionCode[] = [
  'fault_confirmed_part_replaced',
  'fault_confirmed_no_part',
  'no_fault_found',
];

/** Where the spare part for a job stands. */
export type PartStatus = 'none' | 'reserved' | 'backorder' | 'consumed' | 'released';

export interface DeviceRecord {
  id: string;
  modelId: string;
  serial: string;
  siteId: string | null;
  siteName: string | null;
  city: string | null;
  lat: number | null;
  lon: number | null;
  customerId: string | null;
  customerName: string | null;
  /** The site's IANA time zone; null without a site. */
  timeZone: string | null;
  installDateMs: number;
  warrantyEndMs: number;
  contractTier: ContractTier;
}

export interface DeviceInput {
  deviceId: string;
  modelId: string;
  siteId?: string;
  serial?: string;
  installDateMs?: number;
  warrantyEndMs?: number;
  contractTier?: ContractTier;
}

export interface ServiceWorkOrder extends WorkOrder {
  /** What kind of job (core/job-types.ts): a failure's repair, or planned work. */
  jobType: JobType;
  severity: Severity;
  /** SLA: someone on site by then (response), job resolved by then (resolution). */
  slaRespondByMs: number | null;
  slaResolveByMs: number | null;
  /** Set by the SLA watch when an active job passed a deadline (the deadline's time); null otherwise. */
  slaRespondBreachedAtMs: number | null;
  slaResolveBreachedAtMs: number | null;
  assignedAtMs: number | null;
  onSiteAtMs: number | null;
  resolvedAtMs: number | null;
  cancelledAtMs: number | null;
  resolutionCode: ResolutionCode | null;
  partSku: string | null;
  partName: string | null;
  partDepotId: string | null;
  partStatus: PartStatus;
  /** Time to get the part to the site from the depot it was reserved at, ms; null when backordered. */
  partLeadTimeMs: number | null;
  /** Inside the device's warranty when opened: no charge to the customer. */
  warrantyCovered: boolean;
  /** The amount of the quote the customer approved, whole rupiah (null: nothing to pay, or not approved yet). */
  approvedAmountIdr: number | null;
  /** The total of the quote the customer has yet to approve: the job is not dispatched meanwhile (null: none pending). */
  awaitingApprovalIdr: number | null;
  source: string;
  note: string | null;
  /** A job the customer reported (a call, a message): their own words. */
  customerReport: string | null;
  /** Planned time until the technician can be on site (shift wait + travel), ms. */
  technicianEtaMs: number | null;
  /** Planned time until technician and part are both on site, ms; null while the part is backordered. */
  plannedLeadTimeMs: number | null;
  /** Why this technician and this depot: the options the dispatcher weighed. */
  plan: DispatchPlan | null;
  /**
   * Every spare part the job needs (its failure mode's parts in the catalogue version it was judged
   * by), each with its quantity and where it stands; `partSku` … are the first of them, `partStatus`
   * all of them (backorder while any is).
   */
  parts: WorkOrderPart[];
  /** The product model and its catalogue version the job was judged by (null: imported history). */
  modelId: string | null;
  modelVersion: number | null;
}

export interface WorkOrderPart {
  sku: string;
  name: string;
  quantity: number;
  status: Exclude<PartStatus, 'none'>;
  /** Where it is reserved (or was consumed from); null while backordered. */
  depotId: string | null;
  /** From that depot to the site, ms; null while backordered. */
  leadTimeMs: number | null;
}

export interface DispatchPlan {
  plannedAtMs: number;
  technician: {
    id: string;
    name: string;
    distanceKm: number;
    etaMs: number;
    onShift: boolean;
    openJobs: number;
  } | null;
  technicianCandidates: number;
  part: { sku: string; name: string } | null;
  /** The skill the catalogue's failure mode names for the repair (absent: a built-in mode or none named). */
  skill?: string;
  /**
   * With a skill: whether the technician assigned has it. False when nobody who could take the
   * job had it: the best of them was assigned all the same (the notes say so), rather than the
   * job waiting for a specialist who may never have capacity.
   */
  skillMatched?: boolean;
  /** Every part reserved or backordered for the job, in the catalogue's order (`part` is the first). */
  parts?: { sku: string; name: string; quantity: number; reservedAt: string | null; leadTimeMs: number | null }[];
  depots: { depotId: string; distanceKm: number; available: number; leadTimeMs: number }[];
  reservedAt: string | null;
  backorder: boolean;
  notes: string[];
}

export interface WorkOrderEvent {
  id: number;
  workOrderId: string;
  fromState: WorkOrderState | null;
  toState: WorkOrderState;
  actor: string;
  atMs: number;
  note: string | null;
}

export interface WorkOrderFilter {
  state?: WorkOrderState[];
  deviceId?: string;
  /** Jobs on the devices at this customer's sites. */
  customerId?: string;
  technicianId?: string;
  mode?: FailureMode;
  jobType?: JobType[];
  fromMs?: number;
  toMs?: number;
  limit?: number;
}

export interface Customer {
  id: string;
  name: string;
  email: string | null;
  phone: string | null;
}

export interface Site {
  id: string;
  customerId: string;
  name: string;
  city: string;
  lat: number;
  lon: number;
  /** IANA time zone (Asia/Jakarta = WIB, Asia/Makassar = WITA, Asia/Jayapura = WIT): the site's times are shown in it. */
  timeZone: string;
}

/** A site to save: without a time zone, a new site gets DEFAULT_SITE_TIME_ZONE and a stored one keeps its own. */
export type SiteInput = Omit<Site, 'timeZone'> & { timeZone?: string };

/** Where most of Purna's customers are: Java, WIB. */
export const DEFAULT_SITE_TIME_ZONE = 'Asia/Jakarta';

export { CUSTOMER_CHANNELS, type CustomerChannel } from '../core/types.ts';

/** A daily window, HH:MM to HH:MM in the site's time zone (may wrap midnight: 21:00 to 07:00). */
export interface QuietHours {
  from: string;
  to: string;
}

/** A person at a customer who hears from Purna about the jobs at their site (or all sites). */
export interface Contact {
  id: string;
  customerId: string;
  /** The site they look after; null: every site of the customer. */
  siteId: string | null;
  name: string;
  /** Their job at the customer (plant manager, maintenance lead), free text. */
  role: string | null;
  /** E.164 (+6281234567890). */
  phone: string | null;
  email: string | null;
  preferredChannel: CustomerChannel;
  language: Language;
  /** No notices in this window (urgent ones excepted), in the time zone of the job's site. */
  quietHours: QuietHours | null;
  /** False: kept on the record (calls, inbound messages) but sent no notices. */
  receivesNotices: boolean;
  /** False once removed: the messages already exchanged keep pointing at them. */
  active: boolean;
  createdAtMs: number;
  updatedAtMs: number;
}

export interface Depot {
  id: string;
  name: string;
  city: string;
  lat: number;
  lon: number;
}

export interface TechnicianSkill {
  /** A model id or '*' (any model). */
  modelId: string;
  /** A failure mode or '*' (any mode). */
  mode: string;
}

export interface Technician {
  id: string;
  name: string;
  phone: string | null;
  email: string | null;
  homeLat: number;
  homeLon: number;
  depotId: string | null;
  /** Working hours, minutes after local midnight. */
  shiftStartMin: number;
  shiftEndMin: number;
  /** The technician's local time offset from UTC, minutes (WIB = +420). */
  utcOffsetMin: number;
  /** Bit i set: works on weekday i (0 = Sunday). */
  workDaysMask: number;
  maxOpenJobs: number;
  active: boolean;
  skills: TechnicianSkill[];
  /**
   * The repair skills they have, in the catalogue's words (a failure mode's `skill`: mechanical-seal,
   * bearings, electrical …). `skills` says which models and modes they may be sent to; among those,
   * the dispatcher prefers one with the skill the failure mode needs.
   */
  skillTags: string[];
  /** Jobs assigned and not yet resolved or cancelled. */
  openJobs: number;
}

export interface InventoryItem {
  depotId: string;
  sku: string;
  partName: string;
  onHand: number;
  reserved: number;
  available: number;
  reorderPoint: number;
  leadTimeMs: number;
  belowReorderPoint: boolean;
}

/** A service rule said no: the API answers with its status and message (see core/http-errors.ts). */
export class ServiceError extends HttpError {
  readonly code: string;
  constructor(statusCode: number, code: string, message: string, problems?: Problem[]) {
    super(statusCode, message, problems);
    this.code = code;
  }
}

export const notFound = (what: string, id: string) => new ServiceError(404, 'Not Found', `${what} '${id}' not found`);
export const conflict = (message: string) => new ServiceError(409, 'Conflict', message);
export const badRequest = (message: string) => new ServiceError(400, 'Bad Request', message);
/** A 400 naming each problem of a body (the message lists them all too, for clients that read only it). */
export const invalid = (what: string, problems: Problem[]) =>
  new ServiceError(
    400,
    'Bad Request',
    `${what}: ${problems.map((p) => `${p.field} ${p.message}`).join('; ')}`,
    problems,
  );
export const forbidden = (message: string) => new ServiceError(403, 'Forbidden', message);

/** The value, or a 404 naming what was looked for. */
export function requireFound<T>(value: T | undefined, what: string, id: string): T {
  if (value === undefined) throw notFound(what, id);
  return value;
}
