// Access tokens: short-lived HS256 JWTs, signed and checked with jsonwebtoken 9. jsonwebtoken checks
// the signature, `alg` against the pinned list, and exp/iss/aud *when present*; everything else a
// secure verifier needs (exp required, typ, kid, crit, the claim set) is checked here, because
// jsonwebtoken accepts a token without `exp` forever and ignores `typ` and `crit` (LIBRARIES.md 3).
import { randomBytes } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { countAuthOutcome } from '../core/metrics/auth-outcomes';
import type { KeyRing, SigningKey } from './keys';

export type Role = 'user' | 'admin';

/** What a verified access token says, in the units it carries (seconds since the epoch). */
export interface AccessTokenClaims {
  userId: string;
  role: Role;
  /** Public id of the refresh family this token was issued from (the prefix of its jti). */
  familyId: string;
  jti: string;
  issuedAtSeconds: number;
  expiresAtSeconds: number;
}

export interface AccessTokenOptions {
  keys: KeyRing;
  issuer: string;
  audience: string;
  ttlSeconds: number;
  /** Leeway for exp and iat between servers' clocks; config caps it at 60 s (SECURITY.md). */
  clockToleranceSeconds: number;
}

export interface AccessTokens {
  sign(user: { id: string; role: Role }, familyId: string): { token: string; claims: AccessTokenClaims };
  /** The claims of a valid token, or null for anything else. Never throws. */
  verify(token: string): AccessTokenClaims | null;
}

// RFC 9068 2.1 (and RFC 8725 3.11, explicit typing): access tokens carry `typ: at+jwt`, so a JWT
// minted for another purpose (an ID token, a token of another service sharing the key) can never pass
// as an access token here.
const ACCESS_TOKEN_TYP = 'at+jwt';
const ALGORITHM = 'HS256';

// One shared instance: a refused header is client input, not an event worth a stack trace.
const REFUSED_HEADER = new Error('refused header');

// 128 random bits (base64url, 22 characters) is the unguessable part of family ids and jtis.
const ID_BYTES = 16;
const ID = '[A-Za-z0-9_-]{22}';
const JTI = new RegExp(`^${ID}\\.${ID}$`);
// users.id is a bigint identity: a decimal of at most 19 digits without a leading zero.
const USER_ID = /^[1-9][0-9]{0,18}$/;

/** 128 random bits, base64url: family public ids and the random half of a jti. */
export function randomId(): string {
  return randomBytes(ID_BYTES).toString('base64url');
}

/**
 * The header check, run on the header jsonwebtoken decoded (so the kid we select by and the header we
 * check are the very bytes it verifies). Returns the key the token names, or null to refuse it.
 */
function keyFor(header: unknown, keys: KeyRing): SigningKey | null {
  if (typeof header !== 'object' || header === null || Array.isArray(header)) return null;
  const h = header as Record<string, unknown>;
  // Exactly alg, typ and kid: what we sign. Anything else is refused, in particular
  //  - `jwk`, `jku`, `x5u`, `x5c`: key material or key URLs chosen by the sender; using them lets an
  //    attacker sign with their own key (embedded jwk: CVE-2018-0114) or make us fetch a URL (SSRF,
  //    RFC 8725 3.10);
  //  - `crit`: names extensions the recipient MUST understand or reject the token (RFC 7515 4.1.11);
  //    we understand none, so any `crit` is fatal (this also refuses `b64: false`, RFC 7797).
  if (Object.keys(h).length !== 3) return null;
  // alg is compared case-sensitively: "none", "None", "NONE" and "nOnE" all fail here, and again in
  // jsonwebtoken's pinned `algorithms` list.
  if (h.alg !== ALGORITHM || h.typ !== ACCESS_TOKEN_TYP || typeof h.kid !== 'string') return null;
  // Unknown kid: refused (never "try every key": that would make a retired key live forever).
  return keys.get(h.kid) ?? null;
}

function isInteger(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v);
}

export function createAccessTokens(opts: AccessTokenOptions): AccessTokens {
  const { keys, issuer, audience, ttlSeconds, clockToleranceSeconds } = opts;
  const selectKey: jwt.GetPublicKeyOrSecret = (header, callback) => {
    const key = keyFor(header, keys);
    if (key === null) callback(REFUSED_HEADER);
    else callback(null, key);
  };
  const verifyOptions: jwt.VerifyOptions & { complete: true } = {
    complete: true,
    // Pinned to exactly one algorithm (RFC 8725 3.1): blocks alg none and HS/RS key confusion even if
    // a key of another type ever entered the ring.
    algorithms: [ALGORITHM],
    issuer,
    audience,
    clockTolerance: clockToleranceSeconds,
  };

  // The claim set is exactly iss, sub, aud, exp, iat, jti and role (SECURITY.md "Content": no PII).
  // Checking all seven and the count refuses missing claims (a token without exp would otherwise live
  // forever) and extra ones (nbf, __proto__, anything we never issue) alike.
  const readClaims = (payload: unknown): AccessTokenClaims | null => {
    // jsonwebtoken returns the raw string when the payload is valid JSON but not an object.
    if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return null;
    const p = payload as Record<string, unknown>;
    if (Object.keys(p).length !== 7) return null;
    const { iss, sub, aud, exp, iat, jti, role } = p;
    if (iss !== issuer || aud !== audience) return null; // also checked by jsonwebtoken; here aud must be the plain string we issue
    if (typeof sub !== 'string' || !USER_ID.test(sub)) return null;
    if (role !== 'user' && role !== 'admin') return null;
    if (typeof jti !== 'string' || !JTI.test(jti)) return null;
    if (!isInteger(exp) || !isInteger(iat) || exp <= iat) return null;
    const nowSeconds = Math.floor(Date.now() / 1000);
    // jsonwebtoken already refused exp in the past (with the same leeway); a token issued in the
    // future means a signer with a broken clock or a forged token: refuse it too.
    if (iat > nowSeconds + clockToleranceSeconds) return null;
    return {
      userId: sub,
      role,
      // Lead's decision: the family is found from the access token through its jti,
      // `<familyPublicId>.<128 random bits>`, which keeps the claim set minimal (no custom `sid`
      // claim). The family id is not a secret: GET /auth/sessions shows it to its owner.
      familyId: jti.slice(0, jti.indexOf('.')),
      jti,
      issuedAtSeconds: iat,
      expiresAtSeconds: exp,
    };
  };

  return {
    sign(user, familyId) {
      const iat = Math.floor(Date.now() / 1000);
      const exp = iat + ttlSeconds;
      // See readClaims: the jti names the refresh family; its random half makes every token unique,
      // which the denylist variants key on (never a hash of the token: a signature can have
      // several valid encodings, e.g. ECDSA's (r, s) and (r, n - s), so a hash is not an identity).
      const jti = `${familyId}.${randomId()}`;
      const token = jwt.sign({ iss: issuer, sub: user.id, aud: audience, iat, exp, jti, role: user.role }, keys.currentKey, {
        algorithm: ALGORITHM,
        // The key that signed, so verifiers pick it from the ring and rotation needs no flag day.
        keyid: keys.currentKid,
        header: { alg: ALGORITHM, typ: ACCESS_TOKEN_TYP },
      });
      return {
        token,
        claims: { userId: user.id, role: user.role, familyId, jti, issuedAtSeconds: iat, expiresAtSeconds: exp },
      };
    },

    verify(token) {
      let verified: unknown = null;
      let expired = false;
      // The callback form hands selectKey the header jsonwebtoken decoded: one decode per request,
      // and the header we check is the one it verifies. With a key callback that answers at once,
      // verify() runs the final callback before it returns (SOURCE and VERIFIED, LIBRARIES.md 3).
      // Before the key is chosen jsonwebtoken refuses 2 or 4+ segments, bytes outside base64url and
      // a header that is not JSON; with a key it refuses an empty signature (alg none).
      try {
        jwt.verify(token, selectKey, verifyOptions, (err, decoded) => {
          // JsonWebTokenError and its subclasses TokenExpiredError / NotBeforeError: bad signature,
          // expired, wrong iss/aud, refused header... Verification order is structure, alg,
          // signature, nbf, exp, aud, iss, so a tampered *and* expired token reports `invalid
          // signature`. All mean "not authenticated" (the seam's null); nothing about the token is logged.
          verified = err ? null : decoded?.payload;
          expired = err?.name === 'TokenExpiredError';
        });
      } catch {
        verified = null; // belt and braces: the seam never throws for client input
      }
      const claims = readClaims(verified);
      if (claims === null) countAuthOutcome(expired ? 'expired' : 'invalid');
      return claims;
    },
  };
}
