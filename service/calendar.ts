// Calendar arithmetic the service's terms are written in: a warranty of 24 months from 2 December
// 2026 ends on 2 December 2028, not 730 days later. UTC calendar: a day's shift at a month's end
// (31 January + 1 month = 3 March) is what Date does and what contracts accept as "one month".

/** `ms` plus `months` calendar months (UTC). */
export function addMonths(ms: number, months: number): number {
  const d = new Date(ms);
  d.setUTCMonth(d.getUTCMonth() + months);
  return d.getTime();
}

export const DAY_MS = 86_400_000;
export const HOUR_MS = 3_600_000;
