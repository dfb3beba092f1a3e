// Money in rupiah (issue 19, item 5): whole rupiah only, never a float. Amounts are JavaScript
// safe integers (up to Rp 9 007 199 254 740 991, nine quadrillion: far beyond any service bill)
// stored as SQLite INTEGER (64-bit); every product and sum is computed in bigint and checked
// back into the safe range, so a total is the exact sum of its lines and no rupiah is lost to a
// float's rounding. The one rounding there is, labour by the minute, rounds each line once, half
// up, to the rupiah: what the line shows is what the total adds.

import type { Problem } from '../../core/http-errors.ts';
import { invalid } from '../types.ts';

/** A whole, non-negative number of rupiah (a safe integer). */
export type Rupiah = number;

const MAX = BigInt(Number.MAX_SAFE_INTEGER);

/** Why `v` is not an amount of rupiah, or null. */
export function rupiahProblem(v: unknown): string | null {
  if (typeof v !== 'number' || !Number.isInteger(v)) return 'must be a whole number of rupiah (no decimals)';
  if (v < 0) return 'must not be negative';
  if (!Number.isSafeInteger(v)) return `must be at most ${Number.MAX_SAFE_INTEGER}`;
  return null;
}

/** `v` back as a number, or a 400 naming `field` when it left the safe range. */
function checked(v: bigint, field: string): Rupiah {
  if (v > MAX) throw invalid('amount', [{ field, message: `exceeds Rp ${Number.MAX_SAFE_INTEGER}` }]);
  return Number(v);
}

/** Unit price × quantity, exact. */
export function lineAmount(unitPriceIdr: Rupiah, quantity: number, field = 'amount'): Rupiah {
  return checked(BigInt(unitPriceIdr) * BigInt(quantity), field);
}

/** An hourly rate for some minutes: rate × minutes / 60, rounded half up to the rupiah, once per line. */
export function labourAmount(ratePerHourIdr: Rupiah, minutes: number, field = 'amount'): Rupiah {
  return checked((BigInt(ratePerHourIdr) * BigInt(minutes) * 2n + 60n) / 120n, field);
}

/** The exact sum of amounts. */
export function sumRupiah(amounts: Iterable<Rupiah>, field = 'total'): Rupiah {
  let total = 0n;
  for (const a of amounts) total += BigInt(a);
  return checked(total, field);
}

/** Checks named amounts at once: a 400 naming each field that is no amount of rupiah. */
export function requireRupiah(what: string, fields: Record<string, unknown>): void {
  const problems: Problem[] = [];
  for (const [field, v] of Object.entries(fields)) {
    const p = rupiahProblem(v);
    if (p) problems.push({ field, message: p });
  }
  if (problems.length) throw invalid(what, problems);
}
