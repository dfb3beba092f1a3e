/**
 * The one small SQL interface Purna's relational stores speak (the service domain first): the
 * part of node:sqlite's DatabaseSync they already used, so the domain's statements and their
 * synchronous call sites stay as they are. Two implementations: SQLite (node:sqlite, the
 * embedded default, sqlite-db.ts) and PostgreSQL through a synchronous bridge to a worker
 * thread (postgres-db.ts), selected by DATABASE_URL.
 *
 * Statements are written in SQLite's dialect with `?` placeholders; postgres-dialect.ts
 * translates them. Where a statement cannot be translated mechanically, its call site picks a
 * variant by `db.dialect`.
 */

/** A value a statement binds: what node:sqlite accepts. */
export type SqlValue = null | number | bigint | string | Uint8Array;

export interface SqlRunResult {
  /** Rows inserted, updated or deleted. */
  changes: number | bigint;
  /** The identity of the row an INSERT added (tables with an integer `id` key), else 0. */
  lastInsertRowid: number | bigint;
}

export interface SqlStatement {
  run(...params: SqlValue[]): SqlRunResult;
  get(...params: SqlValue[]): Record<string, unknown> | undefined;
  all(...params: SqlValue[]): Record<string, unknown>[];
}

export type SqlDialect = 'sqlite' | 'postgres';

export interface SqlDb {
  readonly dialect: SqlDialect;
  /** True between BEGIN and COMMIT/ROLLBACK on this connection. */
  readonly isTransaction: boolean;
  /** False once closed (a delivery in flight when the domain stopped checks it before writing). */
  readonly isOpen: boolean;
  prepare(sql: string): SqlStatement;
  /** Runs one or more statements without parameters (DDL, BEGIN/COMMIT). */
  exec(sql: string): void;
  close(): void;
}

/**
 * A statement the database refused, with its SQLSTATE (PostgreSQL's five-character code, e.g.
 * 23505 unique violation; for SQLite the equivalent class is derived from its extended result
 * code), so a caller maps a constraint to its own error the same way on either backend.
 */
export class SqlError extends Error {
  readonly sqlState: string;
  /** The constraint or index that was violated, when the database names it. */
  readonly constraint: string | undefined;

  constructor(message: string, sqlState: string, constraint?: string, cause?: unknown) {
    super(message, { cause });
    this.name = 'SqlError';
    this.sqlState = sqlState;
    this.constraint = constraint;
  }
}

/** SQLSTATE of a unique-key violation (PostgreSQL); SQLite's SQLITE_CONSTRAINT_UNIQUE / _PRIMARYKEY map to it. */
export const UNIQUE_VIOLATION = '23505';

// SQLite extended result codes (https://sqlite.org/rescode.html).
const SQLITE_CONSTRAINT_PRIMARYKEY = 1555;
const SQLITE_CONSTRAINT_UNIQUE = 2067;

/** True when `err` is a unique-key violation on either backend (a second active job, a duplicate id). */
export function isUniqueViolation(err: unknown): boolean {
  if (err instanceof SqlError) return err.sqlState === UNIQUE_VIOLATION;
  const code = (err as { errcode?: unknown } | null)?.errcode;
  return code === SQLITE_CONSTRAINT_UNIQUE || code === SQLITE_CONSTRAINT_PRIMARYKEY;
}
