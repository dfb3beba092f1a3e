import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { DEVICE_ID_PATTERN } from '../core/topics.ts';
import { ensureSchema, openSql } from '../sql/open.ts';
import type { SqlDb, SqlStatement } from '../sql/sql-db.ts';

export type MqttIdentity =
  | { kind: 'device'; id: string }
  | { kind: 'service'; id: string }
  | { kind: 'technician'; id: string };

/** A technician's MQTT user name: the prefix keeps it apart from device ids (which have no colon). */
export const TECHNICIAN_USERNAME_PREFIX = 'technician:';

/**
 * MQTT credentials: a device's username is its id and its password a random 256-bit token,
 * shown once when issued and stored only as a SHA-256 (a token of that entropy needs no slow
 * hash, and a per-CONNECT scrypt would let a flood of CONNECTs burn the CPU). Service users
 * (the ingest of another Purna worker, tools) have their own tokens, and so do technicians'
 * field apps (user name `technician:<id>`), which may only listen to their own dispatch topic.
 * Kept in credentials.db, or with DATABASE_URL in PostgreSQL, so a token issued through one
 * worker lets its device in on any.
 */
export class DeviceCredentials {
  readonly #db: SqlDb;
  readonly #selectDevice: SqlStatement;
  readonly #selectService: SqlStatement;
  readonly #selectTechnician: SqlStatement;

  constructor(path: string, databaseUrl?: string | null) {
    this.#db = openSql(path, databaseUrl);
    ensureSchema(
      this.#db,
      'device-credentials',
      `
      CREATE TABLE IF NOT EXISTS device_credentials (
        device_id TEXT PRIMARY KEY,
        token_sha256 BLOB NOT NULL,
        issued_at_ms INTEGER NOT NULL
      );
      CREATE TABLE IF NOT EXISTS service_credentials (
        username TEXT PRIMARY KEY,
        token_sha256 BLOB NOT NULL,
        issued_at_ms INTEGER NOT NULL
      );
      CREATE TABLE IF NOT EXISTS technician_credentials (
        technician_id TEXT PRIMARY KEY,
        token_sha256 BLOB NOT NULL,
        issued_at_ms INTEGER NOT NULL
      );
    `,
    );
    this.#selectTechnician = this.#db.prepare(
      'SELECT token_sha256 FROM technician_credentials WHERE technician_id = ?',
    );
    this.#selectDevice = this.#db.prepare('SELECT token_sha256 FROM device_credentials WHERE device_id = ?');
    this.#selectService = this.#db.prepare('SELECT token_sha256 FROM service_credentials WHERE username = ?');
  }

  close(): void {
    this.#db.close();
  }

  /** Issues (or rotates) a device's token and returns it: the only time it is visible. */
  issueDeviceToken(deviceId: string, nowMs: number): string {
    return this.issueDeviceTokens([deviceId], nowMs)[0];
  }

  /**
   * Issues (or rotates) the tokens of many devices in one transaction, all or none: one commit
   * (one fsync) for the batch, where one statement per device committed, and synced, each token
   * on its own (provisioning 19,000 devices took 55–86 s). Tokens in the order of the ids.
   */
  issueDeviceTokens(deviceIds: readonly string[], nowMs: number): string[] {
    for (const deviceId of deviceIds)
      if (!DEVICE_ID_PATTERN.test(deviceId))
        throw new Error(`device id "${deviceId}" is not allowed (1–64 of letters, digits, . _ -)`);
    const insert = this.#db.prepare(
      'INSERT OR REPLACE INTO device_credentials (device_id, token_sha256, issued_at_ms) VALUES (?, ?, ?)',
    );
    const tokens = deviceIds.map(() => randomBytes(32).toString('base64url'));
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      deviceIds.forEach((deviceId, i) => insert.run(deviceId, sha256(tokens[i]), nowMs));
      this.#db.exec('COMMIT');
    } catch (err) {
      this.#db.exec('ROLLBACK');
      throw err;
    }
    return tokens;
  }

  issueServiceToken(username: string, nowMs: number): string {
    const token = randomBytes(32).toString('base64url');
    this.#db
      .prepare('INSERT OR REPLACE INTO service_credentials (username, token_sha256, issued_at_ms) VALUES (?, ?, ?)')
      .run(username, sha256(token), nowMs);
    return token;
  }

  /** Sets a service user's token from configuration (the token itself is never stored). */
  setServiceToken(username: string, token: string, nowMs: number): void {
    this.#db
      .prepare('INSERT OR REPLACE INTO service_credentials (username, token_sha256, issued_at_ms) VALUES (?, ?, ?)')
      .run(username, sha256(token), nowMs);
  }

  /** Issues (or rotates) a technician's field-app token; returns the user name and the token, once. */
  issueTechnicianToken(technicianId: string, nowMs: number): { username: string; token: string } {
    const token = randomBytes(32).toString('base64url');
    this.#db
      .prepare(
        'INSERT OR REPLACE INTO technician_credentials (technician_id, token_sha256, issued_at_ms) VALUES (?, ?, ?)',
      )
      .run(technicianId, sha256(token), nowMs);
    return { username: TECHNICIAN_USERNAME_PREFIX + technicianId, token };
  }

  revokeDevice(deviceId: string): boolean {
    return this.#db.prepare('DELETE FROM device_credentials WHERE device_id = ?').run(deviceId).changes > 0;
  }

  hasDevice(deviceId: string): boolean {
    return this.#selectDevice.get(deviceId) !== undefined;
  }

  /** Who these MQTT credentials belong to, or null. */
  verify(username: string | undefined, password: Buffer | undefined): MqttIdentity | null {
    if (!username || !password || password.length === 0 || password.length > 200) return null;
    const given = sha256(password);
    if (username.startsWith(TECHNICIAN_USERNAME_PREFIX)) {
      const id = username.slice(TECHNICIAN_USERNAME_PREFIX.length);
      const technician = this.#selectTechnician.get(id) as { token_sha256: Uint8Array } | undefined;
      return technician && timingSafeEqual(Buffer.from(technician.token_sha256), given)
        ? { kind: 'technician', id }
        : null;
    }
    const device = this.#selectDevice.get(username) as { token_sha256: Uint8Array } | undefined;
    if (device && timingSafeEqual(Buffer.from(device.token_sha256), given)) return { kind: 'device', id: username };
    const service = this.#selectService.get(username) as { token_sha256: Uint8Array } | undefined;
    if (service && timingSafeEqual(Buffer.from(service.token_sha256), given)) return { kind: 'service', id: username };
    return null;
  }
}

function sha256(v: string | Buffer): Buffer {
  return createHash('sha256').update(v).digest();
}
