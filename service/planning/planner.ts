// The dispatch decision's service half: which technician, which depot's part, how long until
// both are at the site. Pure functions over plain records, so tests feed them hand-made networks.

import type { Depot, InventoryItem, Technician } from '../types.ts';

/**
 * Door-to-door speed for a service van in Java's cities and between them, km/h. Jakarta's
 * traffic makes 30 km/h optimistic in town; the toll roads make it pessimistic between cities.
 */
export const VAN_SPEED_KMH = 35;
const HOUR_MS = 3600_000;
const MINUTE_MS = 60_000;
/** A technician already carrying jobs arrives later: count each open job as this much delay. */
export const LOAD_PENALTY_MS = 2 * HOUR_MS;

export function haversineKm(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const R = 6371;
  const toRad = (d: number) => (d * Math.PI) / 180;
  const dLat = toRad(lat2 - lat1);
  const dLon = toRad(lon2 - lon1);
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(toRad(lat1)) * Math.cos(toRad(lat2)) * Math.sin(dLon / 2) ** 2;
  return 2 * R * Math.asin(Math.min(1, Math.sqrt(a)));
}

export function travelMs(km: number): number {
  return Math.round((km / VAN_SPEED_KMH) * HOUR_MS);
}

export function hasSkill(t: Technician, modelId: string, mode: string): boolean {
  return t.skills.some((s) => (s.modelId === '*' || s.modelId === modelId) && (s.mode === '*' || s.mode === mode));
}

/**
 * Milliseconds until the technician's shift is running (0 when on shift now), looking up to a
 * week ahead. Shifts are local time (utcOffsetMin), so WIB technicians start at 08:00 WIB.
 */
export function msUntilOnShift(t: Technician, nowMs: number): number {
  if (t.workDaysMask === 0 || t.shiftEndMin <= t.shiftStartMin) return Infinity;
  const local = nowMs + t.utcOffsetMin * MINUTE_MS;
  const dayMs = 24 * HOUR_MS;
  const dayStart = Math.floor(local / dayMs) * dayMs;
  for (let d = 0; d < 8; d++) {
    const start = dayStart + d * dayMs;
    const weekday = new Date(start).getUTCDay();
    if (((t.workDaysMask >> weekday) & 1) === 0) continue;
    const shiftStart = start + t.shiftStartMin * MINUTE_MS;
    const shiftEnd = start + t.shiftEndMin * MINUTE_MS;
    if (local < shiftEnd) return Math.max(0, shiftStart - local);
  }
  return Infinity;
}

export interface TechnicianChoice {
  technician: Technician;
  distanceKm: number;
  /** Until the technician can be at the site: wait for the shift + travel. */
  etaMs: number;
  onShift: boolean;
  /** Has the repair skill the job names (true when it names none). */
  hasSkill: boolean;
  score: number;
}

/**
 * Ranks the technicians who can do the job: skilled for this model and failure mode, active,
 * below their open-job capacity. When the job names a repair skill (the catalogue failure mode's
 * `skill`), those who have it (`skillTags`) come first, however far; among equals the earliest
 * effective arrival wins — travel time plus the wait for their shift plus a penalty per job
 * already on their list — so an on-shift technician nearby beats an idle one across the city,
 * and at night the job goes to whoever is there first in the morning rather than staying
 * unassigned. Ties go to the lower id (stable).
 */
export function rankTechnicians(
  technicians: readonly Technician[],
  job: { modelId: string; mode: string; siteLat: number | null; siteLon: number | null; skill?: string },
  nowMs: number,
): TechnicianChoice[] {
  const out: TechnicianChoice[] = [];
  for (const t of technicians) {
    if (!t.active || t.openJobs >= t.maxOpenJobs || !hasSkill(t, job.modelId, job.mode)) continue;
    const wait = msUntilOnShift(t, nowMs);
    if (!Number.isFinite(wait)) continue;
    const distanceKm =
      job.siteLat == null || job.siteLon == null ? 0 : haversineKm(t.homeLat, t.homeLon, job.siteLat, job.siteLon);
    const etaMs = wait + travelMs(distanceKm);
    out.push({
      technician: t,
      distanceKm,
      etaMs,
      onShift: wait === 0,
      hasSkill: !job.skill || t.skillTags.includes(job.skill),
      score: etaMs + t.openJobs * LOAD_PENALTY_MS,
    });
  }
  return out.sort(
    (a, b) =>
      Number(b.hasSkill) - Number(a.hasSkill) || a.score - b.score || a.technician.id.localeCompare(b.technician.id),
  );
}

export interface DepotOption {
  depot: Depot;
  distanceKm: number;
  available: number;
  /** Depot's own handling/courier lead time plus road time to the site. */
  leadTimeMs: number;
}

/**
 * The depots that stock `sku`, nearest to the site first. The caller reserves at the first one
 * with a free unit; the lead time of every option is stated so a farther depot's longer lead
 * time is visible on the work order.
 */
export function depotOptions(
  depots: readonly Depot[],
  inventory: readonly InventoryItem[],
  sku: string,
  site: { lat: number | null; lon: number | null },
): DepotOption[] {
  const stock = new Map(inventory.filter((i) => i.sku === sku).map((i) => [i.depotId, i]));
  const out: DepotOption[] = [];
  for (const depot of depots) {
    const item = stock.get(depot.id);
    if (!item) continue;
    const distanceKm = site.lat == null || site.lon == null ? 0 : haversineKm(depot.lat, depot.lon, site.lat, site.lon);
    out.push({ depot, distanceKm, available: item.available, leadTimeMs: item.leadTimeMs + travelMs(distanceKm) });
  }
  return out.sort((a, b) => a.distanceKm - b.distanceKm || a.depot.id.localeCompare(b.depot.id));
}
