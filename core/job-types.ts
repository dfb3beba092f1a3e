// The kinds of after-sales job, shared by the service domain, the API and the board. A failure
// job (predicted by analytics, or reported by the customer) names a failure mode of the device's
// model; the planned kinds do not: their work order's `mode` is the job type's own id, so the
// one-open-job-per-device-and-mode rule reads "one open installation per device" for them.

export const JOB_TYPES = [
  'predicted_failure',
  'customer_reported',
  'installation',
  'planned_maintenance',
  'inspection',
] as const;

export type JobType = (typeof JOB_TYPES)[number];

/** Jobs that repair a failure: they carry a failure mode of the model (and its part and skill). */
export const FAILURE_JOB_TYPES: readonly JobType[] = ['predicted_failure', 'customer_reported'];

/** Work planned ahead rather than a fault: the share of planned against unplanned work counts these. */
export const PLANNED_JOB_TYPES: readonly JobType[] = ['installation', 'planned_maintenance', 'inspection'];

export function isJobType(s: string): s is JobType {
  return (JOB_TYPES as readonly string[]).includes(s);
}

export function isFailureJob(t: JobType): boolean {
  return FAILURE_JOB_TYPES.includes(t);
}

/** Whether a mode or skill names planned work (a technician skilled for `installation` on a model installs it). */
export function isPlannedJob(mode: string): boolean {
  return (PLANNED_JOB_TYPES as readonly string[]).includes(mode);
}
