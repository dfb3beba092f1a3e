import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { SqlDb, SqlDialect, SqlStatement } from './sql-db.ts';

/**
 * SqlDb over node:sqlite: a thin shell whose statements are node:sqlite's own StatementSync
 * (nothing wraps a run, so the embedded default behaves and performs as before the seam).
 */
export class SqliteDb implements SqlDb {
  readonly dialect: SqlDialect = 'sqlite';
  /** The connection itself, for what only SQLite has (PRAGMAs in its migrations, tests' old files). */
  readonly sqlite: DatabaseSync;

  constructor(path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.sqlite = new DatabaseSync(path);
  }

  get isTransaction(): boolean {
    return this.sqlite.isTransaction;
  }

  get isOpen(): boolean {
    return this.sqlite.isOpen;
  }

  prepare(sql: string): SqlStatement {
    return this.sqlite.prepare(sql) as SqlStatement;
  }

  exec(sql: string): void {
    this.sqlite.exec(sql);
  }

  close(): void {
    this.sqlite.close();
  }
}
