// Where each device of the fleet stands, as one of a closed set of states, so the fleet page's
// counts add up to the number of devices: a device is counted once, in the first state that holds
// for it (a connection problem before a sensor fault before the health verdict). A device the
// registry knows but that never sent a reading is "never seen", not healthy (issue 18: the page
// said "Devices 31 · Healthy 31" while 29 had sent nothing).
import type { DeviceSummary } from '../fleet-view.ts';

/** In the order the counts are shown: worst first, then the states with no verdict. */
export const FLEET_STATES = [
  'alarm',
  'watch',
  'healthy',
  'sensor_fault',
  'learning',
  'silent',
  'offline',
  'never_seen',
] as const;
export type FleetState = (typeof FLEET_STATES)[number];

/** The device's latest message was a physically impossible value (rejected as a sensor fault). */
export function sensorFaultNow(d: DeviceSummary): boolean {
  return d.sensorFault !== null && (d.latestTsMs === null || d.sensorFault.tsMs >= d.latestTsMs);
}

export function fleetStateOf(d: DeviceSummary): FleetState {
  if (d.status === 'offline') return 'offline';
  if (d.status === 'silent' || d.health?.state === 'silent') return 'silent';
  if (sensorFaultNow(d) || d.health?.state === 'sensor_fault') return 'sensor_fault';
  const h = d.health;
  if (!h) return d.latestTsMs === null && d.status === 'unknown' ? 'never_seen' : 'learning';
  switch (h.state) {
    case 'critical':
    case 'warning':
      return 'alarm';
    case 'watch':
      return 'watch';
    case 'healthy':
      return 'healthy';
    default:
      return 'learning'; // warming_up: readings, no verdict yet
  }
}

/** How many devices are in each state; the values add up to the number of devices. */
export function countFleet(devices: Iterable<DeviceSummary>): Record<FleetState, number> & { total: number } {
  const counts = Object.fromEntries(FLEET_STATES.map((s) => [s, 0])) as Record<FleetState, number>;
  let total = 0;
  for (const d of devices) {
    counts[fleetStateOf(d)]++;
    total++;
  }
  return { ...counts, total };
}
