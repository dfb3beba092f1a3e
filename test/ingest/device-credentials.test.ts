import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DeviceCredentials } from '../../ingest/device-credentials.ts';

describe('device tokens issued in a batch', () => {
  const dirs: string[] = [];
  const open = () => {
    const dir = mkdtempSync(join(tmpdir(), 'purna-credentials-'));
    dirs.push(dir);
    return new DeviceCredentials(join(dir, 'credentials.db'));
  };
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
    const dir = mkdtempSync(join(tmpdir(), 'purna-credentials-'));
    dirs.push(dir);
    const path = join(dir, 'credentials.db');
    let credentials = new DeviceCredentials(path);
    const [first] = credentials.issueDeviceTokens(['pump-1'], 1_000);
    const [second] = credentials.issueDeviceTokens(['pump-1'], 2_000);
    credentials.close();
    credentials = new DeviceCredentials(path);
    expect(credentials.verify('pump-1', Buffer.from(first))).toBeNull();
    expect(credentials.verify('pump-1', Buffer.from(second))?.id).toBe('pump-1');
    credentials.close();
  });
});
