import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The key tracking-link tokens are derived with (customers/tracking-links.ts), kept in its own
 * file beside the service store rather than in it: a copy of service.db alone opens no page.
 * Made on first start (32 random bytes, readable by Purna's user only); deleting it ends every
 * link issued so far.
 */
export function linkKey(dataDir: string): Buffer {
  const path = join(dataDir, 'link-key');
  if (existsSync(path)) {
    const key = readFileSync(path);
    if (key.length < 32)
      throw new Error(
        `${path} holds ${key.length} bytes; a tracking link key needs 32 (delete the file to make a new one, ending the links issued so far)`,
      );
    return key;
  }
  const key = randomBytes(32);
  writeFileSync(path, key, { mode: 0o600, flag: 'wx' });
  return key;
}
