// A dashboard user's language: stored with the user, set by the user through the API, refused
// when it is not one Purna speaks, and kept by a user file made before the column existed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, describe, expect, it } from 'vitest';
import { EventBus } from '../../core/event-bus.ts';
import { systemClock } from '../../core/clock.ts';
import { UserStore } from '../../dashboard/auth/users.ts';
import { FleetView } from '../../dashboard/fleet-view.ts';
import { buildDashboard } from '../../dashboard/server.ts';
import { SqliteTelemetryStore } from '../../store/sqlite-store.ts';
import { silentLog } from '../service/helpers.ts';

const PASSWORD = 'correct-horse-battery-staple';
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function dashboard(users: UserStore) {
  const store = new SqliteTelemetryStore(':memory:');
  await store.start();
  const app = await buildDashboard({
    log: silentLog,
    fleet: new FleetView(new EventBus()),
    store,
    nowMs: () => Date.now(),
    listWorkOrders: () => [],
    users,
    sessionTtlMs: 3600_000,
    cookieSecure: 'false',
    technicianSeesDevice: () => false,
  });
  cleanups.push(
    () => app.close(),
    () => store.close(),
  );
  return app;
}

async function signIn(app: Awaited<ReturnType<typeof dashboard>>, email: string): Promise<string> {
  const res = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password: PASSWORD } });
  expect(res.statusCode).toBe(200);
  return String(res.headers['set-cookie']).split(';')[0];
}

describe('a user’s language', () => {
  it('is null until chosen, then kept for the user and only for them', async () => {
    const users = new UserStore(':memory:', systemClock);
    cleanups.push(() => users.close());
    await users.create({ email: 'planner@example.com', role: 'planner', password: PASSWORD });
    await users.create({ email: 'other@example.com', role: 'planner', password: PASSWORD, language: 'en' });
    const app = await dashboard(users);
    const cookie = await signIn(app, 'planner@example.com');
    const me = () => app.inject({ url: '/api/auth/me', headers: { cookie } }).then((r) => r.json().user);
    expect((await me()).language).toBeNull();

    const set = (language: unknown) =>
      app.inject({
        method: 'PATCH',
        url: '/api/auth/me',
        headers: { cookie, 'sec-fetch-site': 'same-origin' },
        payload: { language },
      });
    const res = await set('id');
    expect(res.statusCode).toBe(200);
    expect(res.json().user).toMatchObject({ email: 'planner@example.com', language: 'id' });
    expect((await me()).language).toBe('id');
    expect(users.byEmail('other@example.com')!.language).toBe('en');

    // A language Purna does not speak: 400 naming the field; the choice stays.
    const bad = await set('fr');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toMatch(/language/);
    expect((await me()).language).toBe('id');

    expect((await set(null)).json().user.language).toBeNull();
  });

  it('needs a session to be set', async () => {
    const users = new UserStore(':memory:', systemClock);
    cleanups.push(() => users.close());
    const app = await dashboard(users);
    const res = await app.inject({
      method: 'PATCH',
      url: '/api/auth/me',
      headers: { 'sec-fetch-site': 'same-origin' },
      payload: { language: 'id' },
    });
    expect(res.statusCode).toBe(401);
  });

  it('is added to a user file made before languages existed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'purna-users-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'users.db');
    const old = new DatabaseSync(path);
    old.exec(`CREATE TABLE users (id TEXT PRIMARY KEY, email TEXT NOT NULL UNIQUE COLLATE NOCASE, name TEXT NOT NULL,
      role TEXT NOT NULL, technician_id TEXT, password_hash TEXT NOT NULL, created_at_ms INTEGER NOT NULL);
      INSERT INTO users VALUES ('usr_1', 'old@example.com', 'Old', 'planner', NULL, 'x', 0);`);
    old.close();
    const users = new UserStore(path, systemClock);
    cleanups.push(() => users.close());
    expect(users.byEmail('old@example.com')).toMatchObject({ email: 'old@example.com', language: null });
    expect(users.setLanguage('usr_1', 'id').language).toBe('id');
  });
});
