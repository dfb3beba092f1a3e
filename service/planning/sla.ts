import { isFailureJob, type JobType } from '../../core/job-types.ts';
import type { HealthReport } from '../../core/types.ts';
import type { ContractTier, Severity } from '../types.ts';

const HOUR_MS = 3600_000;

/**
 * Contractual response (technician on site) and resolution times, hours, by contract tier and
 * severity. Premium buys the 4-hour on-site response common in industrial service contracts;
 * basic is next-business-day class.
 */
export const SLA_HOURS: Readonly<
  Record<ContractTier, Readonly<Record<Severity, { respondH: number; resolveH: number }>>>
> = {
  premium: {
    critical: { respondH: 4, resolveH: 12 },
    high: { respondH: 8, resolveH: 24 },
    medium: { respondH: 24, resolveH: 48 },
    low: { respondH: 48, resolveH: 96 },
  },
  standard: {
    critical: { respondH: 8, resolveH: 24 },
    high: { respondH: 24, resolveH: 48 },
    medium: { respondH: 48, resolveH: 96 },
    low: { respondH: 72, resolveH: 168 },
  },
  basic: {
    critical: { respondH: 24, resolveH: 48 },
    high: { respondH: 48, resolveH: 96 },
    medium: { respondH: 72, resolveH: 168 },
    low: { respondH: 120, resolveH: 240 },
  },
};

/**
 * Severity from the health verdict and the forecast: a failure forecast within a day is
 * critical whatever the score says, because that is when the response SLA starts to matter.
 */
export function severityOf(
  health: HealthReport,
  predictedFailureAtMs: number | null | undefined,
  nowMs: number,
): Severity {
  const untilFailureMs = predictedFailureAtMs == null ? Infinity : predictedFailureAtMs - nowMs;
  if (health.state === 'critical' || untilFailureMs <= 24 * HOUR_MS) return 'critical';
  if (health.state === 'warning' || untilFailureMs <= 72 * HOUR_MS) return 'high';
  if (health.state === 'sensor_fault') return 'low';
  return 'medium';
}

export function slaDeadlines(
  tier: ContractTier,
  severity: Severity,
  openedAtMs: number,
): { respondByMs: number; resolveByMs: number } {
  const h = SLA_HOURS[tier][severity];
  return { respondByMs: openedAtMs + h.respondH * HOUR_MS, resolveByMs: openedAtMs + h.resolveH * HOUR_MS };
}

/**
 * Planned work has its own terms, the same for every tier: it is booked, not a fault. An
 * installation is commissioned within the week it is delivered; an inspection within a week and
 * a half. Planned maintenance is due by its plan's date (`dueAtMs`), someone on site that day;
 * without a date, within two weeks.
 */
export const PLANNED_SLA_HOURS: Readonly<Record<JobType, { respondH: number; resolveH: number } | null>> = {
  predicted_failure: null,
  customer_reported: null,
  installation: { respondH: 72, resolveH: 120 },
  planned_maintenance: { respondH: 336, resolveH: 336 },
  inspection: { respondH: 168, resolveH: 240 },
};

/** The deadlines of a job of any type: failures by tier and severity, planned work by its own terms. */
export function jobSlaDeadlines(
  jobType: JobType,
  tier: ContractTier,
  severity: Severity,
  openedAtMs: number,
  dueAtMs?: number | null,
): { respondByMs: number; resolveByMs: number } {
  if (isFailureJob(jobType)) return slaDeadlines(tier, severity, openedAtMs);
  if (jobType === 'planned_maintenance' && dueAtMs != null) {
    const by = Math.max(dueAtMs, openedAtMs + HOUR_MS);
    return { respondByMs: by, resolveByMs: by + 24 * HOUR_MS };
  }
  const h = PLANNED_SLA_HOURS[jobType]!;
  return { respondByMs: openedAtMs + h.respondH * HOUR_MS, resolveByMs: openedAtMs + h.resolveH * HOUR_MS };
}
