// Numbers and durations as the health reports' explanations write them.

export const fmt = (v: number, d = 2) => (Number.isFinite(v) ? v.toFixed(d) : String(v));

export function formatDuration(ms: number): string {
  if (ms < 90_000) return `${Math.round(ms / 1000)} s`;
  if (ms < 90 * 60_000) return `${Math.round(ms / 60_000)} min`;
  if (ms < 48 * 3600_000) return `${(ms / 3600_000).toFixed(1)} h`;
  return `${(ms / 86_400_000).toFixed(1)} days`;
}
