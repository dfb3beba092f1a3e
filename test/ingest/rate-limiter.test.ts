import { expect, it } from 'vitest';
import { RateLimiter } from '../../ingest/rate-limiter.ts';

it('allows a burst of the limit, then the limit per minute, with no window edge that resets it', () => {
  const limiter = new RateLimiter(30);
  const t0 = 59_999; // one millisecond before a fixed window's edge
  for (let i = 0; i < 30; i++) expect(limiter.take('dev-b', t0)).toBe(true);
  expect(limiter.take('dev-b', t0)).toBe(false);
  expect(limiter.take('dev-b', t0 + 2)).toBe(false); // a fixed window would start afresh here
  expect(limiter.take('dev-b', t0 + 2_000)).toBe(true); // one token back every 2 s
  expect(limiter.take('dev-b', t0 + 2_000)).toBe(false);
  expect(limiter.take('other', t0)).toBe(true); // keys are apart
});

it('spend() runs into debt, so an address that goes on failing stays exhausted until it stops', () => {
  const limiter = new RateLimiter(20);
  for (let i = 0; i < 40; i++) limiter.spend('10.0.0.9', 0);
  expect(limiter.exhausted('10.0.0.9', 0)).toBe(true);
  expect(limiter.exhausted('10.0.0.9', 60_000)).toBe(true); // one minute refills only the debt
  expect(limiter.exhausted('10.0.0.9', 63_000)).toBe(false);
  expect(limiter.exhausted('10.0.0.10', 0)).toBe(false);
});
