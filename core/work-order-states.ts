// The work-order lifecycle every part shares: the service domain enforces it, the dashboard
// groups its board by it, the API validates against it. Written once here.

/** Every state a work order can be in, in lifecycle order. */
export const WORK_ORDER_STATES = [
  'open',
  'assigned',
  'acknowledged',
  'en_route',
  'on_site',
  'resolved',
  'cancelled',
] as const;

export type WorkOrderState = (typeof WORK_ORDER_STATES)[number];

/**
 * Each state and the states it may move to; anything else is rejected with the reason.
 * `assigned → open` is a technician declining (or a planner unassigning) so the job can be
 * dispatched again. A job whose technician is on site can no longer be cancelled: it ends with a
 * resolution code (no_fault_found if nothing was wrong).
 */
export const TRANSITIONS: Readonly<Record<WorkOrderState, readonly WorkOrderState[]>> = {
  open: ['assigned', 'cancelled'],
  assigned: ['acknowledged', 'open', 'cancelled'],
  acknowledged: ['en_route', 'cancelled'],
  en_route: ['on_site', 'cancelled'],
  on_site: ['resolved'],
  resolved: [],
  cancelled: [],
};

/** The end of the lifecycle: no transition leaves these. */
export const CLOSED_STATES: readonly WorkOrderState[] = WORK_ORDER_STATES.filter((s) => TRANSITIONS[s].length === 0);

/** Work still to do: every state a transition leaves (the board's columns). */
export const ACTIVE_STATES: readonly WorkOrderState[] = WORK_ORDER_STATES.filter((s) => TRANSITIONS[s].length > 0);

/** Active and held by a technician: what counts against their capacity. */
export const ASSIGNED_STATES: readonly WorkOrderState[] = ACTIVE_STATES.filter((s) => s !== 'open');

export function isActive(state: WorkOrderState): boolean {
  return ACTIVE_STATES.includes(state);
}

/** The active states before `state` on the way to a resolution: statesBefore('en_route') is "nobody has set off yet". */
export function statesBefore(state: WorkOrderState): WorkOrderState[] {
  return ACTIVE_STATES.slice(0, ACTIVE_STATES.indexOf(state));
}
