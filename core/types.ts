// Domain types shared by every part. Units are in the names where a number has one:
// temperature in °C, vibration as velocity RMS in mm/s (the unit of ISO 10816 / 20816 zones).

import type { JobType } from './job-types.ts';
import type { WorkOrderState } from './work-order-states.ts';

/** Metric name → numeric value, e.g. { temperature: 71.2, vibration: 3.1 }. */
export type MetricValues = Record<string, number>;

/** One accepted telemetry sample of one device at one instant. */
export interface Reading {
  deviceId: string;
  /** Epoch milliseconds (device time when the device sent one, else server receive time). */
  tsMs: number;
  values: MetricValues;
}

/** The modes of Purna's three built-in models, and sensor_fault and unknown_anomaly, which every model has. */
export type BuiltInFailureMode =
  | 'bearing_wear'
  | 'cooling_failure'
  | 'lubrication_loss'
  | 'sensor_fault'
  | 'unknown_anomaly';

/**
 * A failure mode id: a built-in one, or one a catalogue model declares (`FailureModeSpec.id`,
 * snake_case: `seal_leak`). The built-in names stay in the type for the code that knows them.
 */
export type FailureMode = BuiltInFailureMode | (string & {});

/**
 * The mode of a job a customer reported (a call, a message) until a technician diagnoses it: any
 * model may have one, and the customer's own words say what is wrong.
 */
export const CUSTOMER_REPORTED_MODE = 'customer_reported';

/** The channels Purna reaches a customer's contact on. */
export type CustomerChannel = 'email' | 'whatsapp' | 'sms';
export const CUSTOMER_CHANNELS: readonly CustomerChannel[] = ['email', 'whatsapp', 'sms'];

/**
 * The kinds of notice a customer's contact gets: about a job (service/customers/notices.ts), and
 * that a device's warranty or service contract is about to end (service/warranty/reminders.ts),
 * that a repair's quote waits for their approval (service/billing/quote-notice.ts).
 */
export type NoticeKind =
  | 'visit_planned'
  | 'en_route'
  | 'delayed'
  | 'resolved'
  | 'cancelled'
  | 'coverage_ending'
  | 'quote_ready';
export const NOTICE_KINDS: readonly NoticeKind[] = [
  'visit_planned',
  'en_route',
  'delayed',
  'resolved',
  'cancelled',
  'coverage_ending',
  'quote_ready',
];

export type HealthState = 'warming_up' | 'healthy' | 'watch' | 'warning' | 'critical' | 'sensor_fault' | 'silent';

/** A device's health as analytics sees it, with the evidence behind the number. */
export interface HealthReport {
  deviceId: string;
  tsMs: number;
  /** 0 (failed or about to) … 100 (nothing unusual). */
  score: number;
  state: HealthState;
  /** The metric driving the score, when one does. */
  metric?: string;
  /** The rule that fired, e.g. 'zscore', 'iso10816-zone-c', 'trend-forecast'. */
  rule?: string;
  mode?: FailureMode;
  /** Numbers behind the verdict (latest value, baseline mean, z-score, …). */
  evidence: Record<string, number>;
  /** Forecast time until the driving metric crosses its failure threshold; null if not trending there. */
  timeToThresholdMs?: number | null;
  /** Human-readable one-liner: why this score. */
  explanation: string;
  /**
   * Whether the machine ran at this reading, as analytics reads it from its running metric (a
   * model without one runs all the time).
   */
  running?: boolean;
  /**
   * The time the machine has run since analytics first heard it in this process, ms, counted
   * reading by reading (gaps over 30 minutes not counted): the service sums its increases into
   * the device's running hours.
   */
  runningMs?: number;
}

/** Analytics asks the service domain to send someone. */
export interface DispatchRequest {
  deviceId: string;
  mode: FailureMode;
  tsMs: number;
  health: HealthReport;
  /** Epoch ms when the forecast says the device crosses its failure threshold, if known. */
  predictedFailureAtMs?: number | null;
  /** The product model version the readings were judged by; absent: the device's model's current version. */
  model?: { id: string; version: number };
  /** From the catalogue failure mode diagnosed (absent: a built-in mode, or no catalogue model): the parts the repair needs and the skill. */
  parts?: { sku: string; name: string; quantity: number }[];
  skill?: string;
  /** With PURNA_NATS_URL: the lease the device's partition was judged under (cluster/README.md, fencing). */
  fencing?: FencingToken;
}

/** Analytics withdraws a request: the device recovered before anyone was sent. */
export interface DispatchCancel {
  deviceId: string;
  mode: FailureMode;
  tsMs: number;
  reason: string;
  fencing?: FencingToken;
}

/**
 * Which lease a verdict was reached under: the device's partition and the revision its owner
 * acquired the lease at. Revisions only grow, so a request carrying an older revision than the
 * partition's newest comes from a worker that lost the partition (paused past its lease) and
 * must be refused by the service store.
 */
export interface FencingToken {
  partition: number;
  revision: number;
  workerId: string;
}

/**
 * A planner dismissed a work order as a false alarm: analytics should not request the same
 * device and failure mode again for what was dismissed (see analytics/false-alarm-hold.ts).
 */
export interface FalseAlarmDismissal {
  deviceId: string;
  mode: FailureMode;
  /** When it was dismissed, epoch ms. */
  tsMs: number;
  workOrderId: string;
  /** The health score of the evidence the work order last carried (0 = failed, 100 = healthy). */
  score: number;
}

/** The lifecycle's states (their list and transitions are in work-order-states.ts). */
export type { WorkOrderState };

export interface WorkOrder {
  id: string;
  deviceId: string;
  mode: FailureMode;
  state: WorkOrderState;
  /** The health report that triggered it (metric, rule, evidence, forecast). */
  evidence: HealthReport;
  predictedFailureAtMs: number | null;
  createdAtMs: number;
  updatedAtMs: number;
  version: number;
  technicianId?: string | null;
  /** The kind of job (core/job-types.ts); absent on records from before job types: a predicted failure. */
  jobType?: JobType;
}

export type DeviceConnectionStatus = 'online' | 'offline' | 'silent';

export interface DeviceStatusEvent {
  deviceId: string;
  status: DeviceConnectionStatus;
  tsMs: number;
}

/**
 * Values a device sent that its model's sensors cannot physically read (the ranges in
 * core/device-models.ts): the sensor is faulty, not the machine. Ingest rejects such a message and
 * reports only these values this way, so nothing takes them for a reading.
 */
export interface SensorFaultReport {
  deviceId: string;
  /** The impossible values only, each at its reading's time. */
  readings: Reading[];
  /** What the device was told on its errors topic. */
  reason: string;
  /** Receive time, epoch ms. */
  tsMs: number;
}

export interface RejectedMessage {
  deviceId: string | null;
  topic: string;
  reason: string;
  tsMs: number;
}

/** The service KPIs over [fromMs, toMs), as the service domain computes them and the dashboard shows them. */
export interface ServiceKpis {
  fromMs: number;
  toMs: number;
  workOrders: { created: number; resolved: number; cancelled: number; active: number };
  /** Resolved (fault confirmed) at or before the failure the forecast predicted. */
  failuresPrevented: number;
  /** Resolved with a fault confirmed, but after the predicted failure time. */
  failuresNotPrevented: number;
  meanTimeToRespondMs: number | null;
  meanTimeToResolveMs: number | null;
  /** Of jobs whose SLA can be judged (resolved, or still active past their resolution deadline). */
  slaCompliancePct: number | null;
  firstTimeFixRatePct: number | null;
  /** The detector's false alarms seen in the field: no fault found / resolved. */
  noFaultFoundRatePct: number | null;
  partsStockOuts: number;
  csatAverage: number | null;
  /** % promoters (9–10) − % detractors (0–6). */
  nps: number | null;
  surveysAnswered: number;
  /**
   * Each technician's jobs of the period that they resolved: how many, the first-time-fix rate of
   * the confirmed ones (as firstTimeFixRatePct) and the customers' average stars (CSAT, 1–5) of
   * the rated ones; the busiest first.
   */
  byTechnician: {
    technicianId: string;
    name: string;
    resolved: number;
    firstTimeFixRatePct: number | null;
    csatAverage: number | null;
    ratings: number;
  }[];
  /** High-risk products: confirmed failures per device and per device-year in the period. */
  failureRateByModel: {
    modelId: string;
    devices: number;
    confirmedFailures: number;
    failuresPerDevice: number;
    failuresPerDeviceYear: number;
  }[];
  /** Planned work (installation, maintenance, inspection) against unplanned (failures) among the jobs created. */
  planned: { planned: number; unplanned: number; plannedSharePct: number | null };
  /** Maintenance due in the period (by its due date) done by then, of what can be judged (done, or overdue). */
  maintenanceCompliancePct: number | null;
  maintenanceJudged: number;
  /** Warranty claims made in the period per model, whole rupiah: approved and still submitted. */
  warrantyCostByModel: { modelId: string; claims: number; approvedIdr: number; submittedIdr: number }[];
  /** Quotes customers approved in the period, whole rupiah. */
  serviceRevenueIdr: number;
  /** Repair visits (someone on site) in the period to a device visited less than 30 days before. */
  repeatVisits30d: number;
  /** All repair visits in the period: what repeatVisits30d is a part of. */
  repairVisits: number;
  /** … of all repair visits in the period. */
  repeatVisitRatePct: number | null;
}
