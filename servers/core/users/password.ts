// scrypt from node:crypto: memory-hard, no 72-byte truncation (bcrypt's), no native addon.
// Format: scrypt$<logN>$<r>$<p>$<salt b64url>$<hash b64url>, so the cost can rise without a migration.
import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const KEY_LENGTH = 32;
const R = 8;
const P = 1;

function scrypt(password: string, salt: Buffer, logN: number, r: number, p: number): Promise<Buffer> {
  const opts: ScryptOptions = { N: 2 ** logN, r, p, maxmem: 256 * 2 ** logN * r };
  return new Promise((resolve, reject) => {
    scryptCb(password.normalize('NFKC'), salt, KEY_LENGTH, opts, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

export async function hashPassword(password: string, logN: number): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, logN, R, P);
  return `scrypt$${logN}$${R}$${P}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, logN, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const actual = await scrypt(password, Buffer.from(salt, 'base64url'), Number(logN), Number(r), Number(p));
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/**
 * A well-formed hash that no password matches (random salt, random key), at cost `logN`: what a
 * login of an unknown user is checked against, so that it costs what a wrong password costs. The
 * verification is the same work as for a real hash (one scrypt at logN, one 32-byte comparison);
 * only making it is free, where hashing a random password cost a scrypt at every start-up. A match
 * would need scrypt to return 32 given random bytes: 2^-256, as for a random password's hash.
 */
export function unmatchableHash(logN: number): string {
  return `scrypt$${logN}$${R}$${P}$${randomBytes(16).toString('base64url')}$${randomBytes(KEY_LENGTH).toString('base64url')}`;
}
