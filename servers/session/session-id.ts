// Session identifiers: the secret in the cookie, its stored hash, and the public id the user sees.
import { createHash, randomBytes } from 'node:crypto';

/**
 * 32 bytes = 256 bits from the OS CSPRNG. ASVS 5.0 7.2.3 asks for >= 128 bits and rules out UUIDs
 * (a v4 UUID has 122 random bits): koa-session's default genid is randomUUID(), so it is replaced.
 * base64url without padding: 43 characters, cookie-safe with no quoting or encoding.
 */
export function newSessionId(): string {
  return randomBytes(32).toString('base64url');
}

// Exactly what newSessionId() produces. Anything else is rejected before hashing or querying, so
// garbage cookies cost no database round trip and never reach SQL.
const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;

export function isWellFormedSessionId(value: string): boolean {
  return SESSION_ID.test(value);
}

/**
 * What the database stores and is queried by. A fast unsalted hash is enough here (unlike for
 * passwords): the input is 256 random bits, so there is no dictionary to try. The lookup compares
 * hashes, so its timing says nothing useful about the secret.
 */
export function hashSessionId(id: string): Buffer {
  return createHash('sha256').update(id).digest();
}

/**
 * Not secret (it identifies a session in listings and DELETE /auth/sessions/:id), but random
 * (128 bits) so one user's ids say nothing about anyone else's and cannot be enumerated.
 */
export function newPublicId(): string {
  return randomBytes(16).toString('base64url');
}

const PUBLIC_ID = /^[A-Za-z0-9_-]{22}$/;

export function isWellFormedPublicId(value: string): boolean {
  return PUBLIC_ID.test(value);
}
