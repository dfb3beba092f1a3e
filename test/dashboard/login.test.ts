// Login limits over real HTTP: the dashboard server listening on loopback, concurrent attempts
// from one and from many source addresses (127.0.0.x), the real scrypt behind them.
import type { FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { EventBus } from '../../core/event-bus.ts';
import { ManualClock, systemClock } from '../../core/clock.ts';
import { UserStore } from '../../dashboard/auth/users.ts';
import { FleetView } from '../../dashboard/fleet-view.ts';
import type { LoginLimits } from '../../dashboard/plugins/auth.ts';
import { buildDashboard } from '../../dashboard/server.ts';
import { SqliteTelemetryStore } from '../../store/sqlite-store.ts';
import { silentLog } from '../service/helpers.ts';
import { rawRequest } from '../support/http.ts';

const PASSWORD = 'correct-horse-battery-staple';
let cleanup: (() => Promise<void>) | null = null;
afterEach(async () => {
  await cleanup?.();
  cleanup = null;
});

async function start(
  loginLimits: Partial<LoginLimits>,
  nowMs = () => Date.now(),
  trustProxy?: readonly string[],
): Promise<{ base: string; users: UserStore; app: FastifyInstance }> {
  const users = new UserStore(':memory:', systemClock);
  await users.create({ email: 'victim@example.com', role: 'planner', password: PASSWORD });
  await users.create({ email: 'attacker@example.com', role: 'technician', technicianId: 'T-1', password: PASSWORD });
  const store = new SqliteTelemetryStore(':memory:');
  await store.start();
  const app = await buildDashboard({
    log: silentLog,
    fleet: new FleetView(new EventBus()),
    store,
    nowMs,
    listWorkOrders: () => [],
    users,
    sessionTtlMs: 3600_000,
    cookieSecure: 'false',
    technicianSeesDevice: () => false,
    loginLimits,
    trustProxy,
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  cleanup = async () => {
    await app.close();
    await store.close();
    users.close();
  };
  return { base: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/`, users, app };
}

const login = (base: string, email: string, password: string, from = '127.0.0.1', forwardedFor?: string) =>
  rawRequest(base, 'POST', '/api/auth/login', {
    headers: { 'content-type': 'application/json', ...(forwardedFor ? { 'x-forwarded-for': forwardedFor } : {}) },
    body: JSON.stringify({ email, password }),
    localAddress: from,
  });

function tally(statuses: number[]): Record<number, number> {
  const out: Record<number, number> = {};
  for (const s of statuses) out[s] = (out[s] ?? 0) + 1;
  return out;
}

const HIGH = 1000;
const LONG = 3600_000;

describe('login limits', () => {
  it('per account: 50 concurrent wrong guesses from 50 addresses, 5 reach the password check, 45 are refused', async () => {
    const { base } = await start({ perAccount: 5, accountWindowMs: LONG, perSource: HIGH });
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) => login(base, 'victim@example.com', `guess-${i}`, `127.0.0.${10 + i}`)),
    );
    expect(tally(answers.map((a) => a.status))).toEqual({ 401: 5, 429: 45 });
    const refused = answers.find((a) => a.status === 429)!;
    expect(JSON.parse(refused.body).message).toMatch(/too many failed logins for this account/);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    // Locked means locked, even for the right password, until the window ends.
    expect((await login(base, 'Victim@Example.com ', PASSWORD, '127.0.0.99')).status).toBe(429);
  });

  it('per source: 50 concurrent attempts on 50 accounts from one address, 5 let through, 45 refused before any hash', async () => {
    const { base } = await start({ perSource: 5, sourceWindowMs: LONG, perAccount: HIGH });
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) => login(base, `user-${i}@example.com`, 'a-wrong-password')),
    );
    expect(tally(answers.map((a) => a.status))).toEqual({ 401: 5, 429: 45 });
    expect(JSON.parse(answers.find((a) => a.status === 429)!.body).message).toMatch(
      /too many login attempts from this address/,
    );
    // Another address is not held back by this one.
    expect((await login(base, 'victim@example.com', PASSWORD, '127.0.0.2')).status).toBe(200);
  });

  it('X-Forwarded-For is ignored unless its sender is a trusted proxy (PURNA_TRUST_PROXY)', async () => {
    // Not trusted: a client naming a fresh address per attempt is still one source.
    const direct = await start({ perSource: 3, sourceWindowMs: LONG, perAccount: HIGH });
    const spoofed = [];
    for (let i = 0; i < 6; i++)
      spoofed.push((await login(direct.base, `u${i}@example.com`, 'x', '127.0.0.1', `203.0.113.${i}`)).status);
    expect(tally(spoofed)).toEqual({ 401: 3, 429: 3 });
    await cleanup?.();
    cleanup = null;

    // Behind a trusted proxy (127.0.0.1): clients are told apart by the header, so one noisy client
    // does not lock out everybody else coming through the same proxy.
    const proxied = await start({ perSource: 3, sourceWindowMs: LONG, perAccount: HIGH }, undefined, ['127.0.0.1']);
    const noisy = [];
    for (let i = 0; i < 5; i++)
      noisy.push((await login(proxied.base, `u${i}@example.com`, 'x', '127.0.0.1', '198.51.100.7')).status);
    expect(tally(noisy)).toEqual({ 401: 3, 429: 2 });
    expect((await login(proxied.base, 'victim@example.com', PASSWORD, '127.0.0.1', '198.51.100.8')).status).toBe(200);
    // From an address that is not the proxy the header is still ignored.
    const other = [];
    for (let i = 0; i < 4; i++)
      other.push((await login(proxied.base, `v${i}@example.com`, 'x', '127.0.0.5', `203.0.113.${i}`)).status);
    expect(tally(other)).toEqual({ 401: 3, 429: 1 });
  });

  it("a success on the attacker's own account does not reset the victim account's count", async () => {
    const { base } = await start({ perAccount: 3, accountWindowMs: LONG, perSource: HIGH });
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 3; i++)
        expect((await login(base, 'victim@example.com', `round-${round}-guess-${i}`)).status).toBeOneOf([401, 429]);
      expect((await login(base, 'attacker@example.com', PASSWORD)).status).toBe(200);
    }
    expect((await login(base, 'victim@example.com', 'one-more-guess')).status).toBe(429);
    expect((await login(base, 'victim@example.com', PASSWORD)).status).toBe(429);
  });

  it('the account limit lifts when its window has passed', async () => {
    const clock = new ManualClock(Date.now());
    const { base } = await start({ perAccount: 2, accountWindowMs: 60_000, perSource: HIGH }, () => clock.nowMs());
    for (let i = 0; i < 2; i++) expect((await login(base, 'victim@example.com', `guess-${i}`)).status).toBe(401);
    expect((await login(base, 'victim@example.com', PASSWORD)).status).toBe(429);
    clock.advance(59_000);
    expect((await login(base, 'victim@example.com', PASSWORD)).status).toBe(429);
    clock.advance(1000);
    expect((await login(base, 'victim@example.com', PASSWORD)).status).toBe(200);
  });

  it('the source limit counts every attempt on arrival, even one whose body is invalid, and lifts after its window', async () => {
    const { base } = await start({ perSource: 3, sourceWindowMs: 1500, perAccount: HIGH });
    const invalid = () =>
      rawRequest(base, 'POST', '/api/auth/login', { headers: { 'content-type': 'application/json' }, body: '{}' });
    for (let i = 0; i < 3; i++) expect((await invalid()).status).toBe(400);
    const refused = await login(base, 'victim@example.com', PASSWORD);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 1600));
    expect((await login(base, 'victim@example.com', PASSWORD)).status).toBe(200);
  });

  it('password hashing is bounded: past a few queued checks, further logins get 503 at once instead of queueing on the thread pool', async () => {
    const { base } = await start({ perAccount: HIGH, perSource: HIGH });
    const answers = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        login(base, `user-${i}@example.com`, 'a-wrong-password', `127.0.1.${1 + i}`),
      ),
    );
    const counts = tally(answers.map((a) => a.status));
    expect(Object.keys(counts).sort()).toEqual(['401', '503']);
    // One or two hashing and eight waiting at a time: most of a burst of 60 is refused.
    expect(counts[503]).toBeGreaterThanOrEqual(30);
    const busy = answers.find((a) => a.status === 503)!;
    expect(busy.headers['retry-after']).toBe('1');
    expect(JSON.parse(busy.body).message).toMatch(/too many password checks in progress/);
    // Refused checks are not counted against their accounts, and the server is usable right after.
    expect((await login(base, 'victim@example.com', PASSWORD)).status).toBe(200);
  });
});
