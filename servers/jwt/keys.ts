// The HS256 key ring: sign with the current key, verify with whichever key the token's `kid` names.
// Several keys give rotation with an overlap window: add the new key, make it current, and drop the
// old one once every token it signed has expired (the access lifetime, 5 min by default).
import { type KeyObject, createSecretKey } from 'node:crypto';
import type { JwtKey } from '../core/config';

/** What jsonwebtoken is handed: a KeyObject normally, raw bytes only in the string-secret bench cell. */
export type SigningKey = KeyObject | Buffer;

export interface KeyRing {
  readonly currentKid: string;
  readonly currentKey: SigningKey;
  /** The key a token names, or undefined for an unknown kid (the token is then rejected). */
  get(kid: string): SigningKey | undefined;
}

// RFC 7518 3.2: an HS256 key must be at least as long as the hash output (256 bits). jsonwebtoken
// signs happily with a 1-byte secret; config.ts already refuses short keys, and this repeats the
// check where the key is used, so no other entry point can hand us a weak one.
const MIN_HS256_KEY_BYTES = 32;

export function createKeyRing(keys: readonly JwtKey[], currentKid: string, opts: { stringSecret: boolean }): KeyRing {
  // A Map, not an object: a `kid` of "__proto__" or "constructor" must not find anything.
  const ring = new Map<string, SigningKey>();
  for (const { kid, secret } of keys) {
    if (secret.length < MIN_HS256_KEY_BYTES) {
      throw new Error(`JWT key "${kid}" has ${secret.length} bytes; HS256 needs >= ${MIN_HS256_KEY_BYTES} (RFC 7518 3.2)`);
    }
    // jsonwebtoken 9 treats a string or Buffer secret as maybe-a-PEM: every sign/verify first calls
    // createPrivateKey/createPublicKey, which throw, then createSecretKey. That costs ~430 us per call
    // against 6-8 us with a KeyObject (LIBRARIES.md 3; auth0/node-jsonwebtoken#966): ~50x, enough to
    // decide a benchmark. The jwt-string-secret variant keeps the slow path on purpose, as the one
    // bench cell that shows the trap published comparisons fell into.
    ring.set(kid, opts.stringSecret ? Buffer.from(secret) : createSecretKey(secret));
  }
  const currentKey = ring.get(currentKid);
  if (currentKey === undefined) throw new Error(`JWT current kid "${currentKid}" is not in the key set`);
  return {
    currentKid,
    currentKey,
    get: (kid) => ring.get(kid),
  };
}
