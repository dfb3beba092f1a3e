import { type BridgeOptions, PgBridge } from './pg-bridge.ts';
import { type Translation, translate } from './postgres-dialect.ts';
import type { SqlDb, SqlDialect, SqlRunResult, SqlStatement, SqlValue } from './sql-db.ts';

/**
 * SqlDb on PostgreSQL: statements in SQLite's dialect, translated once each (postgres-dialect.ts)
 * and run through the synchronous bridge (pg-bridge.ts), so the stores' code is the same on both
 * backends. Isolation is PostgreSQL's default READ COMMITTED: the domain's races are guarded by
 * the database itself (the one-active-job partial unique index, conditional UPDATEs on stock,
 * the work order's version in its UPDATE), which hold under it.
 */
export class PostgresDb implements SqlDb {
  readonly dialect: SqlDialect = 'postgres';
  readonly bridge: PgBridge;
  /** Statements sent so far (bench:sql-bridge counts what a domain command costs in round trips). */
  statements = 0;
  #inTransaction = false;
  #open = true;
  readonly #statements = new Map<string, PgStatement>();
  /** Per table: its primary-key columns and its identity column (what lastInsertRowid reads). */
  readonly #tables = new Map<string, { key: string[]; identity: string | null }>();

  constructor(url: string, opts: BridgeOptions = {}) {
    this.bridge = new PgBridge(url, opts);
  }

  get isTransaction(): boolean {
    return this.#inTransaction;
  }

  get isOpen(): boolean {
    return this.#open;
  }

  prepare(sql: string): SqlStatement {
    let stmt = this.#statements.get(sql);
    if (!stmt) {
      stmt = new PgStatement(this, this.#complete(translate(sql)));
      this.#statements.set(sql, stmt);
    }
    return stmt;
  }

  exec(sql: string): void {
    const { text } = translate(sql);
    const verb = /^\s*(\w+)/.exec(text)?.[1]?.toUpperCase();
    this.statements++;
    try {
      this.bridge.query(text, null);
    } catch (err) {
      // A failed COMMIT ends the transaction too (PostgreSQL rolls it back).
      if (verb === 'COMMIT' || verb === 'ROLLBACK') this.#inTransaction = false;
      throw err;
    }
    if (/\b(CREATE|ALTER|DROP)\b/i.test(text)) {
      // The schema changed (a migration): statements and table facts are looked up afresh.
      this.#statements.clear();
      this.#tables.clear();
    }
    if (verb === 'BEGIN') this.#inTransaction = true;
    else if (verb === 'COMMIT' || verb === 'ROLLBACK') this.#inTransaction = false;
  }

  close(): void {
    if (!this.#open) return;
    this.#open = false;
    this.bridge.close();
  }

  /** Runs a translated statement; a broken connection also ends the transaction it was in. */
  run(text: string, params: SqlValue[]): { rows: Record<string, unknown>[]; rowCount: number } {
    this.statements++;
    try {
      return this.bridge.query(text, params);
    } catch (err) {
      if ((err as { sqlState?: string }).sqlState?.startsWith('08')) this.#inTransaction = false;
      throw err;
    }
  }

  /** Adds what needs the schema: the upsert's key for INSERT OR REPLACE, RETURNING the identity. */
  #complete(t: Translation): { text: string; identity: string | null } {
    if (!t.insert) return { text: t.text, identity: null };
    const table = this.#table(t.insert.table);
    let text = t.text;
    if (t.onConflict === 'replace') {
      const rest = t.insert.columns.filter((c) => !table.key.includes(c));
      text += ` ON CONFLICT (${table.key.join(', ')}) ${
        rest.length ? `DO UPDATE SET ${rest.map((c) => `${c} = EXCLUDED.${c}`).join(', ')}` : 'DO NOTHING'
      }`;
    }
    if (table.identity && !/\bRETURNING\b/i.test(text)) text += ` RETURNING ${table.identity}`;
    return { text, identity: table.identity };
  }

  #table(name: string): { key: string[]; identity: string | null } {
    let info = this.#tables.get(name);
    if (!info) {
      const key = this.bridge
        .query(
          `SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
           WHERE i.indrelid = to_regclass($1) AND i.indisprimary ORDER BY array_position(i.indkey, a.attnum)`,
          [name],
        )
        .rows.map((r) => String(r.attname));
      const identity = this.bridge.query(
        `SELECT attname FROM pg_attribute WHERE attrelid = to_regclass($1) AND attidentity <> '' AND NOT attisdropped`,
        [name],
      ).rows[0]?.attname;
      info = { key, identity: identity === undefined ? null : String(identity) };
      this.#tables.set(name, info);
    }
    return info;
  }
}

class PgStatement implements SqlStatement {
  readonly #db: PostgresDb;
  readonly #text: string;
  readonly #identity: string | null;

  constructor(db: PostgresDb, t: { text: string; identity: string | null }) {
    this.#db = db;
    this.#text = t.text;
    this.#identity = t.identity;
  }

  run(...params: SqlValue[]): SqlRunResult {
    const res = this.#db.run(this.#text, params);
    const id = this.#identity ? res.rows[0]?.[this.#identity] : undefined;
    return { changes: res.rowCount, lastInsertRowid: typeof id === 'number' ? id : 0 };
  }

  get(...params: SqlValue[]): Record<string, unknown> | undefined {
    return this.#db.run(this.#text, params).rows[0];
  }

  all(...params: SqlValue[]): Record<string, unknown>[] {
    return this.#db.run(this.#text, params).rows;
  }
}
