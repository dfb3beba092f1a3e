import { createHash, randomBytes } from 'node:crypto';
import type { Clock } from '../../core/clock.ts';
import { isLanguage, LANGUAGES, type Language } from '../../core/i18n/index.ts';
import { ensureSchema, openSql } from '../../sql/open.ts';
import type { SqlDb } from '../../sql/sql-db.ts';
import { hashPassword, verifyPassword } from './passwords.ts';

export type Role = 'admin' | 'planner' | 'technician';
export const ROLES: readonly Role[] = ['admin', 'planner', 'technician'];

export interface User {
  id: string;
  email: string;
  name: string;
  role: Role;
  /** The service domain's technician id, for technician users: they see only their own work orders. */
  technicianId: string | null;
  /** The language the dashboard speaks to this user; null: their browser's. */
  language: Language | null;
}

export class UserError extends Error {
  readonly statusCode: number;
  constructor(message: string, statusCode = 400) {
    super(message);
    this.statusCode = statusCode;
  }
}

const MIN_PASSWORD_LENGTH = 12;

/**
 * Dashboard users and their sessions, in their own SQLite file, or with DATABASE_URL in
 * PostgreSQL, so a login on one worker is a session on every worker. Passwords are stored as scrypt
 * hashes; session ids are 256-bit random values of which only a SHA-256 is stored, so a copy
 * of the database does not let anyone in.
 */
export class UserStore {
  readonly #db: SqlDb;
  readonly #clock: Clock;
  readonly #endListeners = new Set<(sessionId: string) => void>();

  constructor(path: string, clock: Clock, databaseUrl?: string | null) {
    this.#db = openSql(path, databaseUrl);
    this.#clock = clock;
    const pg = this.#db.dialect === 'postgres';
    const language = `language TEXT CHECK (language IN (${LANGUAGES.map((l) => `'${l}'`).join(', ')}))`;
    // E-mail addresses are one account whatever their case: SQLite's NOCASE column; on
    // PostgreSQL (no such collation) a unique index on lower(email). Lookups compare lower() on both.
    ensureSchema(
      this.#db,
      'dashboard-users',
      `
      CREATE TABLE IF NOT EXISTS users (
        id TEXT PRIMARY KEY,
        email TEXT NOT NULL${pg ? '' : ' UNIQUE COLLATE NOCASE'},
        name TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('admin', 'planner', 'technician')),
        technician_id TEXT,
        password_hash TEXT NOT NULL,
        created_at_ms INTEGER NOT NULL${pg ? `,\n        ${language}` : ''}
      );
      ${pg ? 'CREATE UNIQUE INDEX IF NOT EXISTS users_email_lower ON users (lower(email));' : ''}
      CREATE TABLE IF NOT EXISTS sessions (
        id_hash TEXT PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        expires_at_ms INTEGER NOT NULL
      );
    `,
    );
    // Added after the first release: SQLite files created before it get the column here.
    if (!pg) {
      const columns = this.#db.prepare('PRAGMA table_info(users)').all() as { name: string }[];
      if (!columns.some((c) => c.name === 'language')) this.#db.exec(`ALTER TABLE users ADD COLUMN ${language}`);
    }
  }

  close(): void {
    this.#db.close();
  }

  count(role?: Role): number {
    const row = role
      ? (this.#db.prepare('SELECT count(*) AS n FROM users WHERE role = ?').get(role) as { n: number })
      : (this.#db.prepare('SELECT count(*) AS n FROM users').get() as { n: number });
    return row.n;
  }

  async create(input: {
    email: string;
    name?: string;
    role: Role;
    password: string;
    technicianId?: string | null;
    language?: Language | null;
  }): Promise<User> {
    if (!ROLES.includes(input.role)) throw new UserError(`role must be one of ${ROLES.join(', ')}`);
    if (input.password.length < MIN_PASSWORD_LENGTH)
      throw new UserError(`password must have at least ${MIN_PASSWORD_LENGTH} characters`);
    if (input.role === 'technician' && !input.technicianId)
      throw new UserError('a technician user needs a technicianId');
    if (input.language != null && !isLanguage(input.language))
      throw new UserError(`language must be one of ${LANGUAGES.join(', ')}`);
    if (this.byEmail(input.email)) throw new UserError(`a user with email ${input.email} exists`, 409);
    const user: User = {
      id: `usr_${randomBytes(8).toString('hex')}`,
      email: input.email,
      name: input.name ?? input.email,
      role: input.role,
      technicianId: input.technicianId ?? null,
      language: input.language ?? null,
    };
    const hash = await hashPassword(input.password);
    this.#db
      .prepare(
        'INSERT INTO users (id, email, name, role, technician_id, language, password_hash, created_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(user.id, user.email, user.name, user.role, user.technicianId, user.language, hash, this.#clock.nowMs());
    return user;
  }

  /** Sets (or, with null, clears: follow the browser) the language a user sees; returns the user. */
  setLanguage(userId: string, language: Language | null): User {
    if (language !== null && !isLanguage(language))
      throw new UserError(`language must be one of ${LANGUAGES.join(', ')}`);
    this.#db.prepare('UPDATE users SET language = ? WHERE id = ?').run(language, userId);
    const row = this.#db.prepare('SELECT * FROM users WHERE id = ?').get(userId) as UserRow | undefined;
    if (!row) throw new UserError(`no user ${userId}`, 404);
    return toUser(row);
  }

  /** Sets a new password for an existing user (used by the demo bootstrap and the CLI). */
  async setPassword(email: string, password: string): Promise<void> {
    if (password.length < MIN_PASSWORD_LENGTH)
      throw new UserError(`password must have at least ${MIN_PASSWORD_LENGTH} characters`);
    const hash = await hashPassword(password);
    this.#db.prepare('UPDATE users SET password_hash = ? WHERE lower(email) = lower(?)').run(hash, email);
  }

  byEmail(email: string): User | undefined {
    const row = this.#db.prepare('SELECT * FROM users WHERE lower(email) = lower(?)').get(email) as UserRow | undefined;
    return row && toUser(row);
  }

  list(): User[] {
    return (this.#db.prepare('SELECT * FROM users ORDER BY email').all() as unknown as UserRow[]).map(toUser);
  }

  async authenticate(email: string, password: string): Promise<User | null> {
    const row = this.#db.prepare('SELECT * FROM users WHERE lower(email) = lower(?)').get(email) as UserRow | undefined;
    if (!row) {
      // Spend the same time as a real check so timing does not tell which emails exist.
      await verifyPassword(password, DUMMY_HASH);
      return null;
    }
    return (await verifyPassword(password, row.password_hash)) ? toUser(row) : null;
  }

  createSession(userId: string, ttlMs: number): string {
    const token = randomBytes(32).toString('base64url');
    const now = this.#clock.nowMs();
    this.#db.prepare('DELETE FROM sessions WHERE expires_at_ms < ?').run(now);
    this.#db
      .prepare('INSERT INTO sessions (id_hash, user_id, expires_at_ms) VALUES (?, ?, ?)')
      .run(sha256(token), userId, now + ttlMs);
    return token;
  }

  userForSession(token: string | undefined): User | null {
    return this.session(token)?.user ?? null;
  }

  /** The live session of `token`: its id (the stored hash, never the token), user and expiry. */
  session(token: string | undefined): Session | null {
    if (!token || token.length > 100) return null;
    const id = sha256(token);
    const row = this.#db
      .prepare(
        'SELECT u.*, s.expires_at_ms AS session_expires_at_ms FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id_hash = ? AND s.expires_at_ms > ?',
      )
      .get(id, this.#clock.nowMs()) as (UserRow & { session_expires_at_ms: number }) | undefined;
    return row ? { id, user: toUser(row), expiresAtMs: row.session_expires_at_ms } : null;
  }

  /** Ends the session and tells the `onSessionEnded` listeners (the live connections close with it). */
  endSession(token: string | undefined): void {
    if (!token) return;
    const id = sha256(token);
    if (this.#db.prepare('DELETE FROM sessions WHERE id_hash = ?').run(id).changes === 0) return;
    for (const listener of this.#endListeners) listener(id);
  }

  /** Calls `listener` with the id of every session ended from now on; returns the unsubscribe. */
  onSessionEnded(listener: (sessionId: string) => void): () => void {
    this.#endListeners.add(listener);
    return () => this.#endListeners.delete(listener);
  }
}

export interface Session {
  /** SHA-256 of the token, as stored: safe to keep in memory and logs. */
  id: string;
  user: User;
  expiresAtMs: number;
}

interface UserRow {
  id: string;
  email: string;
  name: string;
  role: Role;
  technician_id: string | null;
  language: Language | null;
  password_hash: string;
}

function toUser(row: UserRow): User {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    role: row.role,
    technicianId: row.technician_id,
    language: row.language,
  };
}

function sha256(s: string): string {
  return createHash('sha256').update(s).digest('base64url');
}

// A valid scrypt hash of a random string, for constant-time misses.
const DUMMY_HASH = 'scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
