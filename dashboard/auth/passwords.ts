import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { HashSlots } from './hash-slots.ts';

// scrypt from node:crypto (no native addon). Parameters: N=2^15, r=8, p=1 — OWASP's minimum
// for scrypt — costs ~50 ms and 32 MiB per hash here, affordable at login, expensive to brute-force.
const N = 2 ** 15;
const R = 8;
const P = 1;
const KEY_LEN = 32;
const MAX_MEM = 64 * 1024 * 1024;

/**
 * Every scrypt of this process takes a slot: half the cores at most (and so at most half of
 * libuv's four threads on the 2-core machines), so file I/O (the write-ahead log's fsync before
 * a PUBACK) always finds a thread and ingest a core; eight may wait (under a second of hashing),
 * more are refused with HashBusyError (503) instead of queueing. bench:login-flood, 200 wrong
 * logins from 200 addresses at once on 2 cores: PUBACK p50 24 ms with one slot, 83 ms with two.
 */
export const scryptSlots = new HashSlots(Math.max(1, Math.floor(availableParallelism() / 2)), 8);

function scryptAsync(password: string, salt: Buffer, n: number, r: number, p: number): Promise<Buffer> {
  return scryptSlots.run(
    () =>
      new Promise<Buffer>((resolve, reject) =>
        scrypt(password, salt, KEY_LEN, { N: n, r, p, maxmem: MAX_MEM }, (err, key) =>
          err ? reject(err) : resolve(key),
        ),
      ),
  );
}

/** `scrypt$N$r$p$salt$hash`, salt and hash base64url. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt, N, R, P);
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [alg, n, r, p, salt, hash] = stored.split('$');
  if (alg !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const key = await scryptAsync(password, Buffer.from(salt, 'base64url'), Number(n), Number(r), Number(p));
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** A password people can type from a banner: 4 groups of 4 base32-ish characters (80 bits). */
export function generatePassword(): string {
  const alphabet = 'abcdefghijkmnpqrstuvwxyz23456789';
  const bytes = randomBytes(16);
  let out = '';
  for (let i = 0; i < 16; i++) out += alphabet[bytes[i] % alphabet.length] + (i % 4 === 3 && i < 15 ? '-' : '');
  return out;
}
