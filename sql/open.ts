import { PostgresDb } from './postgres-db.ts';
import type { SqlDb } from './sql-db.ts';
import { SqliteDb } from './sqlite-db.ts';

/**
 * A small store's connection: PostgreSQL when `databaseUrl` is set (DATABASE_URL, shared by every
 * worker), else the SQLite file at `path` in WAL mode (readers never block the writer; a second
 * process on the file waits for the lock up to 5 s instead of failing).
 */
export function openSql(path: string, databaseUrl?: string | null): SqlDb {
  if (databaseUrl) return new PostgresDb(databaseUrl);
  const db = new SqliteDb(path);
  db.exec('PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000;');
  return db;
}

/**
 * Runs a store's `CREATE TABLE IF NOT EXISTS …` at open. On PostgreSQL inside a transaction under
 * an advisory lock on `key`: two workers creating the same table at once would otherwise collide
 * in the catalogue (a unique violation on pg_type) although both said IF NOT EXISTS.
 */
export function ensureSchema(db: SqlDb, key: string, ddl: string): void {
  if (db.dialect === 'sqlite') {
    db.exec(ddl);
    return;
  }
  db.exec('BEGIN');
  try {
    db.prepare('SELECT pg_advisory_xact_lock(hashtext(?)) AS locked').get(key);
    db.exec(ddl);
    db.exec('COMMIT');
  } catch (err) {
    if (db.isTransaction) db.exec('ROLLBACK');
    throw err;
  }
}
