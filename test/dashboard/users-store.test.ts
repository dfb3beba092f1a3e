// The dashboard's users and sessions on both backends: users.db, and PostgreSQL (DATABASE_URL),
// where two workers' stores are one: a login on one is a session on the other.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/clock.ts';
import { UserStore } from '../../dashboard/auth/users.ts';
import { freshDatabaseUrl } from '../support/service-db.ts';

describe.each(['sqlite', 'postgres'] as const)('users and sessions (%s)', (backend) => {
  const cleanups: (() => void)[] = [];
  afterEach(() => {
    for (const c of cleanups.splice(0).reverse()) c();
  });
  const location = (): [string, string | null] => {
    const dir = mkdtempSync(join(tmpdir(), 'purna-users-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    return [join(dir, 'users.db'), backend === 'postgres' ? freshDatabaseUrl() : null];
  };
  const open = (where: [string, string | null], clock: ManualClock) => {
    const users = new UserStore(where[0], clock, where[1]);
    cleanups.push(() => users.close());
    return users;
  };

  it('a session made on one store is live on the other until it expires or ends; e-mail is one account in any case', async () => {
    const clock = new ManualClock(1_000_000);
    const where = location();
    const a = open(where, clock);
    const b = open(where, clock);
    const user = await a.create({ email: 'Sari@Example.com', role: 'planner', password: 'a long password 1' });
    await expect(
      b.create({ email: 'sari@example.com', role: 'planner', password: 'a long password 2' }),
    ).rejects.toThrow(/exists/);
    expect(b.byEmail('SARI@example.COM')?.id).toBe(user.id);
    expect((await b.authenticate('sari@example.com', 'a long password 1'))?.id).toBe(user.id);

    const token = a.createSession(user.id, 60_000);
    expect(b.userForSession(token)?.email).toBe('Sari@Example.com');
    expect(b.setLanguage(user.id, 'id').language).toBe('id');
    expect(a.userForSession(token)?.language).toBe('id');
    clock.advance(60_001);
    expect(b.userForSession(token)).toBeNull();

    const second = b.createSession(user.id, 60_000);
    expect(a.userForSession(second)?.id).toBe(user.id);
    a.endSession(second);
    expect(b.userForSession(second)).toBeNull();
    expect(a.count('planner')).toBe(1);
  });
});
