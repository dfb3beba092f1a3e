// Numbers, dates, times and durations in the viewer's language, times in a stated IANA time
// zone and always with that zone's name: Intl does the formatting; this file only chooses the
// options, caches the formatters (the fleet view formats thousands of cells) and names the
// Indonesian zones.
import { LOCALES, type Language } from './index.ts';

/** What an empty cell shows. */
export const NONE = '—';

/**
 * Indonesia's three zones by their Indonesian abbreviations, in every language: CLDR (Chromium's
 * Intl) names them "GMT+7/+8/+9", and people in Indonesia say WIB/WITA/WIT. Asia/Pontianak is
 * West Kalimantan, also WIB. Every other zone gets Intl's short name.
 */
const INDONESIAN_ZONES: Readonly<Record<string, string>> = {
  'Asia/Jakarta': 'WIB',
  'Asia/Pontianak': 'WIB',
  'Asia/Makassar': 'WITA',
  'Asia/Jayapura': 'WIT',
};

const cache = new Map<string, Intl.NumberFormat | Intl.DateTimeFormat>();
function cached<T extends Intl.NumberFormat | Intl.DateTimeFormat>(key: string, make: () => T): T {
  let f = cache.get(key) as T | undefined;
  if (!f) {
    f = make();
    cache.set(key, f);
  }
  return f;
}

const missing = (v: number | null | undefined): v is null | undefined =>
  v === null || v === undefined || !Number.isFinite(v);

/** `v` with exactly `digits` decimals in `lang` (7,1 in Indonesian, 7.1 in English); — when there is none. */
export function formatNumber(lang: Language, v: number | null | undefined, digits = 0): string {
  if (missing(v)) return NONE;
  return cached(
    `n|${lang}|${digits}`,
    () => new Intl.NumberFormat(LOCALES[lang], { minimumFractionDigits: digits, maximumFractionDigits: digits }),
  ).format(v);
}

/** A percentage given as 0–100 (93 → "93%"). */
export function formatPercent(lang: Language, pct: number | null | undefined, digits = 0): string {
  if (missing(pct)) return NONE;
  return cached(
    `p|${lang}|${digits}`,
    () => new Intl.NumberFormat(LOCALES[lang], { style: 'percent', maximumFractionDigits: digits }),
  ).format(pct / 100);
}

/** The zone a time is shown in when none is stated: the viewer's own. */
export function viewerTimeZone(): string {
  return new Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/**
 * Whether `zone` is an IANA time zone name (Asia/Jakarta), canonically spelled; else a reason.
 * Offsets such as "+07:00" are refused: they do not follow a zone's rule changes.
 */
export function checkTimeZone(zone: string): { ok: true; timeZone: string } | { ok: false; reason: string } {
  let resolved: string;
  try {
    resolved = new Intl.DateTimeFormat('en', { timeZone: zone }).resolvedOptions().timeZone;
  } catch {
    return {
      ok: false,
      reason: `'${zone}' is not a time zone; use an IANA name such as Asia/Jakarta, Asia/Makassar or Asia/Jayapura`,
    };
  }
  if (!/^[A-Za-z]/.test(resolved))
    return { ok: false, reason: `'${zone}' is an offset, not an IANA time zone; use a name such as Asia/Jakarta` };
  return { ok: true, timeZone: resolved };
}

/** The zone's abbreviation at `ms`: WIB/WITA/WIT for Indonesia, Intl's short name elsewhere (CET, GMT+8). */
export function zoneName(lang: Language, ms: number, timeZone: string): string {
  const fixed = INDONESIAN_ZONES[timeZone];
  if (fixed) return fixed;
  const parts = cached(
    `z|${lang}|${timeZone}`,
    () => new Intl.DateTimeFormat(LOCALES[lang], { timeZone, timeZoneName: 'short' }),
  ).formatToParts(ms);
  return parts.find((p) => p.type === 'timeZoneName')?.value ?? timeZone;
}

const DATE_TIME: Intl.DateTimeFormatOptions = {
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
  timeZoneName: 'short',
};
const TIME: Intl.DateTimeFormatOptions = {
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
  timeZoneName: 'short',
};
const DAY: Intl.DateTimeFormatOptions = { day: 'numeric', month: 'short' };
const DATE: Intl.DateTimeFormatOptions = { day: 'numeric', month: 'short', year: 'numeric' };
const SHORT_TIME: Intl.DateTimeFormatOptions = {
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
  timeZoneName: 'short',
};

function formatIn(
  kind: string,
  options: Intl.DateTimeFormatOptions,
  lang: Language,
  ms: number | null | undefined,
  timeZone: string | null | undefined,
): string {
  if (missing(ms)) return NONE;
  const zone = timeZone || viewerTimeZone();
  const f = cached(
    `${kind}|${lang}|${zone}`,
    () => new Intl.DateTimeFormat(LOCALES[lang], { ...options, timeZone: zone }),
  );
  // The locale places the zone; only its name is ours (WIB rather than GMT+7).
  const name = INDONESIAN_ZONES[zone];
  if (!name) return f.format(ms);
  return f
    .formatToParts(ms)
    .map((p) => (p.type === 'timeZoneName' ? name : p.value))
    .join('');
}

/** "3 Des 2026, 14.05 WIB" / "3 Dec 2026, 14:05 WIB": the date and time in `timeZone` (default: the viewer's). */
export function formatDateTime(lang: Language, ms: number | null | undefined, timeZone?: string | null): string {
  return formatIn('dt', DATE_TIME, lang, ms, timeZone);
}

/** "14.05.07 WIB": the time of day with seconds, for live feeds. */
export function formatTime(lang: Language, ms: number | null | undefined, timeZone?: string | null): string {
  return formatIn('t', TIME, lang, ms, timeZone);
}

/** "14.05 WIB": the time of day to the minute. */
export function formatShortTime(lang: Language, ms: number | null | undefined, timeZone?: string | null): string {
  return formatIn('st', SHORT_TIME, lang, ms, timeZone);
}

/** "3 Des": the day in `timeZone`, for chart ticks a day apart. */
export function formatDay(lang: Language, ms: number | null | undefined, timeZone?: string | null): string {
  return formatIn('day', DAY, lang, ms, timeZone);
}

/** "3 Des 2026": the calendar day in `timeZone`, for dates without a time (warranty end, install). */
export function formatDate(lang: Language, ms: number | null | undefined, timeZone?: string | null): string {
  return formatIn('date', DATE, lang, ms, timeZone);
}

/**
 * A span of time in the unit a person would use: seconds under 90 s, minutes under 90 min,
 * hours (one decimal) under two days, then days. Negative spans (overdue) keep their sign.
 */
export function formatDuration(lang: Language, ms: number | null | undefined): string {
  if (missing(ms)) return NONE;
  const s = Math.abs(ms) / 1000;
  const [value, unit, digits, display]: [number, string, number, 'short' | 'long'] =
    s < 90
      ? [s, 'second', 0, 'short']
      : s < 5400
        ? [s / 60, 'minute', 0, 'short']
        : s < 172800
          ? [s / 3600, 'hour', 1, 'long']
          : [s / 86400, 'day', 1, 'long'];
  const f = cached(
    `d|${lang}|${unit}`,
    () =>
      new Intl.NumberFormat(LOCALES[lang], {
        style: 'unit',
        unit,
        unitDisplay: display,
        maximumFractionDigits: digits,
      }),
  );
  return f.format(ms < 0 ? -value : value);
}

/**
 * An amount of rupiah as Indonesians write it, whatever the viewer's language: `Rp 1.234.567`
 * (Intl's id-ID IDR currency format; the rupiah is priced in whole units, so Intl shows none
 * after the comma). Amounts are whole rupiah (service/billing/money.ts); a bigint is formatted
 * exactly too.
 */
export function formatIdr(amount: number | bigint | null | undefined): string {
  if (amount === null || amount === undefined || (typeof amount === 'number' && !Number.isFinite(amount))) return NONE;
  return cached('idr', () => new Intl.NumberFormat('id-ID', { style: 'currency', currency: 'IDR' })).format(amount);
}
