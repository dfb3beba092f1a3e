// A contact's quiet hours: a daily window of wall-clock time in a site's IANA zone, during which
// no notice is sent (urgent ones excepted: see customers/notices.ts). Wall-clock, so a zone's
// rule changes are followed; Indonesia has no daylight saving, other zones may.

/** A daily window, minutes after local midnight; from > to wraps midnight (21:00–06:00). */
export interface QuietWindow {
  fromMin: number;
  toMin: number;
  timeZone: string;
}

const DAY_MIN = 24 * 60;

const clocks = new Map<string, Intl.DateTimeFormat>();
function clockIn(timeZone: string): Intl.DateTimeFormat {
  let f = clocks.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    });
    clocks.set(timeZone, f);
  }
  return f;
}

/** Minutes (with fractions) after local midnight at `ms` in `timeZone`. */
export function minuteOfDay(ms: number, timeZone: string): number {
  const parts = clockIn(timeZone).formatToParts(ms);
  const n = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return n('hour') * 60 + n('minute') + n('second') / 60 + (ms % 1000) / 60_000;
}

function inWindow(minute: number, w: QuietWindow): boolean {
  return w.fromMin < w.toMin ? minute >= w.fromMin && minute < w.toMin : minute >= w.fromMin || minute < w.toMin;
}

/**
 * When the quiet window that holds `ms` ends, or null when `ms` is outside it. Found by
 * stepping minute by minute at most a day ahead: robust to any offset change in the zone
 * (a whole-minute zone is exact; Intl knows no other).
 */
export function quietUntil(ms: number, w: QuietWindow | null): number | null {
  if (!w || w.fromMin === w.toMin) return null;
  const start = minuteOfDay(ms, w.timeZone);
  if (!inWindow(start, w)) return null;
  // The minutes from now to the window's end on the wall clock, then checked against the zone.
  const wallMinutes = (w.toMin - start + DAY_MIN) % DAY_MIN;
  let end = ms + Math.ceil((wallMinutes * 60_000) / 1000) * 1000;
  for (let i = 0; i < DAY_MIN && inWindow(minuteOfDay(end, w.timeZone), w); i++) end += 60_000;
  return end;
}
