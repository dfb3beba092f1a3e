// Which backend the service tests run on, and a fresh PostgreSQL database for each service a
// test starts. vitest.config.ts runs test/service/*.test.ts twice: the `sqlite` project as
// they are, the `postgres` project with PURNA_TEST_BACKEND=postgres against the one server
// test/global-setup.ts started (its URL provided as `postgresUrl`).
import { existsSync } from 'node:fs';
import { inject } from 'vitest';
import { openServiceDb } from '../../service/db.ts';
import { PgBridge } from '../../sql/pg-bridge.ts';

export const TEST_BACKEND: 'sqlite' | 'postgres' =
  process.env.PURNA_TEST_BACKEND === 'postgres' ? 'postgres' : 'sqlite';

let admin: PgBridge | null = null;
let serial = 0;
const byPath = new Map<string, string>();

function adminUrl(): string {
  const url = inject('postgresUrl');
  if (!url)
    throw new Error(
      'PURNA_TEST_BACKEND=postgres but test/global-setup.ts started no PostgreSQL (apt-get install -y postgresql)',
    );
  return url;
}

let template: string | null = null;

function urlOf(name: string): string {
  const u = new URL(adminUrl());
  u.pathname = `/${name}`;
  return u.toString();
}

/**
 * CREATE DATABASE (synchronously, through the bridge: makeService is synchronous) and its URL.
 * `migrated`: a copy of a database the service migrations were applied to once per test
 * process (CREATE DATABASE … TEMPLATE), so a test's start finds them applied, as a restarted
 * worker does, instead of running the 14 of them for every service a test starts.
 */
export function freshDatabaseUrl(opts: { migrated?: boolean } = {}): string {
  admin ??= new PgBridge(adminUrl());
  if (opts.migrated && !template) {
    const name = `svc_${process.pid}_template`;
    admin.query(`CREATE DATABASE ${name}`, null);
    openServiceDb('', urlOf(name)).close();
    template = name;
  }
  const name = `svc_${process.pid}_${++serial}`;
  admin.query(`CREATE DATABASE ${name}${opts.migrated ? ` TEMPLATE ${template}` : ''}`, null);
  return urlOf(name);
}

/**
 * Where a service a test starts keeps its data: on SQLite the file (or ':memory:') as the test
 * asked; on PostgreSQL a database of its own, the same one again for the same file path (a test
 * restarting the service on its file restarts it on that database).
 */
export function serviceLocation(dbPath = ':memory:'): { dbPath: string; databaseUrl?: string } {
  if (TEST_BACKEND === 'sqlite') return { dbPath };
  if (dbPath === ':memory:') return { dbPath, databaseUrl: freshDatabaseUrl({ migrated: true }) };
  // A file the test built itself before starting the service (an old SQLite file to upgrade)
  // is SQLite's case on either run.
  if (!byPath.has(dbPath) && existsSync(dbPath)) return { dbPath };
  let url = byPath.get(dbPath);
  if (!url) {
    url = freshDatabaseUrl({ migrated: true });
    byPath.set(dbPath, url);
  }
  return { dbPath, databaseUrl: url };
}
