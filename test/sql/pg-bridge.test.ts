// The synchronous bridge against a real PostgreSQL (the run's server, test/global-setup.ts).
import { afterAll, expect, inject, it } from 'vitest';
import { CONNECTION_FAILURE, PgBridge } from '../../sql/pg-bridge.ts';
import { PostgresDb } from '../../sql/postgres-db.ts';
import { isUniqueViolation, type SqlError } from '../../sql/sql-db.ts';
import { freePort } from '../support/influxd.ts';
import { freshDatabaseUrl } from '../support/service-db.ts';

const opened: { close(): void }[] = [];
afterAll(() => {
  for (const o of opened) o.close();
});

it('answers synchronously, with BIGINT and NUMERIC as numbers and booleans as 1/0, as node:sqlite does', () => {
  const b = new PgBridge(inject('postgresUrl'));
  opened.push(b);
  expect(
    b.query('SELECT 1788108924144::bigint AS ms, 2.5::numeric AS n, true AS yes, $1::text AS s', ['x']).rows,
  ).toEqual([{ ms: 1788108924144, n: 2.5, yes: 1, s: 'x' }]);
});

it('re-throws a refused statement with its SQLSTATE and constraint, and goes on after it', () => {
  const db = new PostgresDb(freshDatabaseUrl());
  opened.push(db);
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, k TEXT NOT NULL UNIQUE)');
  const insert = db.prepare('INSERT INTO t (k) VALUES (?)');
  expect(insert.run('a')).toEqual({ changes: 1, lastInsertRowid: 1 });
  let err: SqlError | null = null;
  try {
    insert.run('a');
  } catch (e) {
    err = e as SqlError;
  }
  expect(err).toMatchObject({ sqlState: '23505', constraint: 't_k_key' });
  expect(isUniqueViolation(err)).toBe(true);
  expect(db.prepare('INSERT OR IGNORE INTO t (k) VALUES (?)').run('a').changes).toBe(0);
  // PostgreSQL's identity is a sequence: the refused and the ignored insert used a number each.
  const b = insert.run('b');
  expect(b.changes).toBe(1);
  expect(db.prepare('SELECT k FROM t WHERE id = ?').get(b.lastInsertRowid)).toEqual({ k: 'b' });
  db.prepare('INSERT OR REPLACE INTO t (id, k) VALUES (?, ?)').run(b.lastInsertRowid, 'c');
  expect(db.prepare('SELECT k FROM t ORDER BY id').all()).toEqual([{ k: 'a' }, { k: 'c' }]);
});

it('a database that is not there is an error naming it within the deadline, not a hang', async () => {
  const port = await freePort();
  const b = new PgBridge(`postgres://postgres@127.0.0.1:${port}/purna`, { timeoutMs: 1000, connectTimeoutMs: 1000 });
  opened.push(b);
  const t0 = Date.now();
  expect(() => b.query('SELECT 1', [])).toThrow(new RegExp(`127.0.0.1:${port}/purna`));
  expect(Date.now() - t0).toBeLessThan(5000);
  try {
    b.query('SELECT 1', []);
  } catch (e) {
    expect((e as SqlError).sqlState).toBe(CONNECTION_FAILURE);
  }
});

it('a statement slower than the deadline is a timeout error; the next statement reconnects', () => {
  const b = new PgBridge(inject('postgresUrl'), { timeoutMs: 300 });
  opened.push(b);
  b.query('SELECT 1', []); // connected (the first statement also waits for the connection)
  expect(() => b.query('SELECT pg_sleep(2)', [])).toThrow(/did not answer within 300 ms/);
  expect(b.query('SELECT 2 AS two', []).rows).toEqual([{ two: 2 }]);
});
