import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DeviceCredentials } from '../../ingest/device-credentials.ts';
import { freshDatabaseUrl } from '../support/service-db.ts';

// On credentials.db, and on PostgreSQL (DATABASE_URL) where every worker reads the same tokens.
describe.each(['sqlite', 'postgres'] as const)('device tokens issued in a batch (%s)', (backend) => {
  const dirs: string[] = [];
  /** Where a store keeps its tokens: a file in a fresh dir, or a fresh database. */
  const location = (): [string, string | null] => {
    const dir = mkdtempSync(join(tmpdir(), 'purna-credentials-'));
    dirs.push(dir);
    return [join(dir, 'credentials.db'), backend === 'postgres' ? freshDatabaseUrl() : null];
  };
  const open = () => new DeviceCredentials(...location());
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('gives every device its own token, which opens only that device', () => {
    const credentials = open();
    const ids = ['pump-1', 'pump-2', 'pump-3'];
    const tokens = credentials.issueDeviceTokens(ids, 1_000);
    expect(new Set(tokens).size).toBe(3);
    ids.forEach((id, i) => {
      expect(credentials.verify(id, Buffer.from(tokens[i]))?.id).toBe(id);
      expect(credentials.verify(ids[(i + 1) % 3], Buffer.from(tokens[i]))).toBeNull();
    });
    credentials.close();
  });

  it('issues none when one id of the batch is not allowed, and keeps the tokens already issued', () => {
    const credentials = open();
    const [kept] = credentials.issueDeviceTokens(['pump-1'], 1_000);
    expect(() => credentials.issueDeviceTokens(['pump-1', 'pump 2'], 2_000)).toThrow(/pump 2/);
    expect(credentials.verify('pump-1', Buffer.from(kept))?.id).toBe('pump-1');
    expect(credentials.hasDevice('pump 2')).toBe(false);
    credentials.close();
  });

  it('a second batch rotates: the old token no longer opens the device, and survives a reopen', () => {
    const where = location();
    let credentials = new DeviceCredentials(...where);
    const [first] = credentials.issueDeviceTokens(['pump-1'], 1_000);
    const [second] = credentials.issueDeviceTokens(['pump-1'], 2_000);
    credentials.close();
    credentials = new DeviceCredentials(...where);
    expect(credentials.verify('pump-1', Buffer.from(first))).toBeNull();
    expect(credentials.verify('pump-1', Buffer.from(second))?.id).toBe('pump-1');
    credentials.close();
  });

  it('two stores on one place (two workers): a token issued through one opens the device on the other', () => {
    const where = location();
    const a = new DeviceCredentials(...where);
    const b = new DeviceCredentials(...where);
    const [token] = a.issueDeviceTokens(['pump-9'], 1_000);
    const tech = a.issueTechnicianToken('T-1', 1_000);
    expect(b.verify('pump-9', Buffer.from(token))).toEqual({ kind: 'device', id: 'pump-9' });
    expect(b.verify(tech.username, Buffer.from(tech.token))).toEqual({ kind: 'technician', id: 'T-1' });
    expect(b.revokeDevice('pump-9')).toBe(true);
    expect(a.verify('pump-9', Buffer.from(token))).toBeNull();
    a.close();
    b.close();
  });
});
