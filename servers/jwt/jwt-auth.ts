// The jwt strategy: a short-lived access token (HS256 JWT, `Authorization: Bearer`) checked without
// any database round trip, and a rotating refresh token (opaque, HttpOnly cookie, Postgres) that
// renews it. Implements the AuthStrategy seam (servers/core/auth.ts). What else an access token is
// checked against is the variant's choice (revocation.ts): nothing (`jwt`), Postgres on every
// request (`jwt-denylist`), or an in-process denylist fed by LISTEN/NOTIFY (`jwt-push`).
import type { Context } from 'koa';
import type { AuthStrategy, IssuedCredential, Principal, SessionSummary, StrategyFactory } from '../core/auth';
import { apiError } from '../core/http/errors';
import { isoFromMs } from '../core/iso-time';
import { errorFields } from '../core/log';
import { countAuthOutcome } from '../core/metrics/auth-outcomes';
import type { User } from '../core/users/user-store';
import { type AccessTokenClaims, createAccessTokens } from './access-token';
import { bearerChallenge, bearerToken } from './bearer';
import { createKeyRing } from './keys';
import { clearRefreshCookie, readRefreshCookie, setRefreshCookie } from './refresh-cookie';
import { createRefreshTokenStore } from './refresh-tokens';
import { createDenylistRevocation } from './denylist-revocation';
import { createPushRevocation, FAMILY_REVOKED_CHANNEL } from './push-revocation';
import { type AccessTokenRevocation, noAccessTokenRevocation } from './revocation';

// Dead families are deleted in the background; the interval only bounds table growth.
const PRUNE_INTERVAL_MS = 10 * 60_000;
// What GET /auth/sessions shows of a User-Agent: enough to recognise a device, bounded in storage.
const MAX_USER_AGENT_LENGTH = 256;
// Keeps printable ASCII and non-ASCII text; drops control characters (Postgres refuses NUL in text).
const NOT_PRINTABLE = /[^ -~\u00a0-\uffff]/g;

function userAgentOf(ctx: Context): string | null {
  const ua = ctx.headers['user-agent'];
  if (typeof ua !== 'string') return null;
  return ua.replace(NOT_PRINTABLE, '').slice(0, MAX_USER_AGENT_LENGTH) || null;
}

function isoFromSeconds(seconds: number): string {
  return isoFromMs(seconds * 1000);
}

export const createJwtAuth: StrategyFactory = async ({ config, db, users, log }) => {
  const { variant } = config;
  if (!['jwt', 'jwt-string-secret', 'jwt-denylist', 'jwt-push'].includes(variant)) {
    throw new Error(`AUTH_VARIANT "${variant}" is not a jwt server variant`);
  }
  // The variants that check revocation on every request say in GET /auth/me which source answered.
  const checksRevocation = variant === 'jwt-denylist' || variant === 'jwt-push';
  const keys = createKeyRing(config.jwt.keys, config.jwt.currentKid, { stringSecret: variant === 'jwt-string-secret' });
  const accessTokens = createAccessTokens({
    keys,
    issuer: config.jwt.issuer,
    audience: config.jwt.audience,
    ttlSeconds: config.jwt.accessTokenTtlSeconds,
    clockToleranceSeconds: config.jwt.clockToleranceSeconds,
  });
  const refreshTokens = createRefreshTokenStore(db, {
    idleTimeoutMs: config.jwt.refreshIdleTimeoutMs,
    absoluteTimeoutMs: config.jwt.refreshAbsoluteTimeoutMs,
    refreshesPerMinute: config.jwt.refreshesPerMinute,
    notifyChannel: variant === 'jwt-push' ? FAMILY_REVOKED_CHANNEL : null,
  });
  let revocation: AccessTokenRevocation;
  if (variant === 'jwt-push') {
    const push = createPushRevocation({
      db,
      log,
      instanceId: config.instanceId,
      accessTokenTtlSeconds: config.jwt.accessTokenTtlSeconds,
      clockToleranceSeconds: config.jwt.clockToleranceSeconds,
    });
    // Start serving once the first LISTEN + snapshot attempt settled: with Postgres up (it just ran
    // the migrations) checks are in memory from the first request; if not, they ask Postgres meanwhile.
    await push.started;
    revocation = push;
  } else if (variant === 'jwt-denylist') {
    revocation = createDenylistRevocation(db);
  } else {
    revocation = noAccessTokenRevocation();
  }

  const pruneTimer = setInterval(() => {
    refreshTokens.prune().catch((err: unknown) => log.warn('refresh family prune failed', errorFields(err)));
  }, PRUNE_INTERVAL_MS);
  pruneTimer.unref();

  function accessCredential(user: Pick<User, 'id' | 'role'>, familyId: string): IssuedCredential {
    const { token } = accessTokens.sign(user, familyId);
    return { accessToken: token, tokenType: 'Bearer', expiresIn: config.jwt.accessTokenTtlSeconds };
  }

  function principalFrom(claims: AccessTokenClaims, checkedBy: 'memory' | 'database' | null): Principal {
    return {
      userId: claims.userId,
      role: claims.role,
      credential: {
        strategy: 'jwt',
        variant,
        sessionId: claims.familyId,
        issuedAt: isoFromSeconds(claims.issuedAtSeconds),
        expiresAt: isoFromSeconds(claims.expiresAtSeconds),
        jti: claims.jti,
        ...(checkedBy ? { revocation: checkedBy } : {}),
      },
    };
  }

  /** The claims back from a principal this strategy built (logout needs the jti and exp). */
  function claimsFrom(principal: Principal): AccessTokenClaims {
    const { credential } = principal;
    return {
      userId: principal.userId,
      role: principal.role,
      familyId: credential.sessionId,
      jti: String(credential.jti),
      issuedAtSeconds: Date.parse(credential.issuedAt) / 1000,
      expiresAtSeconds: Date.parse(credential.expiresAt) / 1000,
    };
  }

  async function refresh(ctx: Context): Promise<IssuedCredential | null> {
    const presented = readRefreshCookie(ctx);
    if (presented === undefined) return null;
    const result = await refreshTokens.rotate(presented);
    if (result.kind === 'throttled') {
      throw apiError('too_many_requests', 'Too many refreshes. Try again later.', { 'Retry-After': String(result.retryAfterSeconds) });
    }
    if (result.kind === 'invalid') {
      clearRefreshCookie(ctx);
      return null;
    }
    if (result.kind === 'reused') {
      // A security event worth an operator's attention (ids only, never the token).
      log.warn('refresh token reuse: family revoked', { requestId: ctx.state.requestId, family: result.familyId, userId: result.userId });
      await revocation.revokeFamily(result.familyId, result.userId);
      clearRefreshCookie(ctx);
      return null;
    }
    const { issued, userId, familyCreatedAt } = result;
    // The role in the new access token comes from the database, not from the old token: a demoted
    // admin is an admin for one access lifetime at most. A disabled user, or a family from before
    // the user's credential cutoff (password change, disable, logout-all move it), never refreshes,
    // even if revoking its family had failed.
    const user = await users.findById(userId);
    if (user === null || user.disabled || familyCreatedAt < user.credentialsValidAfter) {
      await refreshTokens.revokeFamily(issued.familyId, userId, 'user_invalid');
      await revocation.revokeFamily(issued.familyId, userId);
      clearRefreshCookie(ctx);
      return null;
    }
    setRefreshCookie(ctx, issued.token, issued.lifetimeMs);
    return accessCredential(user, issued.familyId);
  }

  const strategy: AuthStrategy = {
    strategy: 'jwt',
    variant,
    middleware: [],

    challenge(ctx) {
      return bearerChallenge(ctx.headers.authorization);
    },

    // The hot path, and the measured property of the plain variant: zero database round trips.
    // Everything here is CPU: a length check, a regex, one header decode, one HMAC (~8 us with a
    // KeyObject on the reference box, BASELINES.md), the claims check.
    async authenticate(ctx) {
      const token = bearerToken(ctx.headers.authorization);
      if (token === null) {
        countAuthOutcome('missing');
        return null;
      }
      const claims = accessTokens.verify(token); // counts `invalid` and `expired` itself
      if (claims === null) return null;
      const revoked = revocation.isRevoked(claims);
      if (revoked === true || (revoked !== false && (await revoked))) {
        countAuthOutcome('revoked');
        return null;
      }
      countAuthOutcome('ok');
      // A synchronous answer came from memory, a Promise from Postgres.
      return principalFrom(claims, checksRevocation ? (typeof revoked === 'boolean' ? 'memory' : 'database') : null);
    },

    async issue(ctx, user) {
      const family = await refreshTokens.createFamily(user.id, userAgentOf(ctx));
      setRefreshCookie(ctx, family.token, family.lifetimeMs);
      return accessCredential(user, family.familyId);
    },

    refresh,

    async logout(ctx, principal) {
      await refreshTokens.revokeFamily(principal.credential.sessionId, principal.userId, 'logout');
      // Plain variant: a no-op, so the access token of this request keeps working until its exp
      // (at most ACCESS_TOKEN_TTL_SECONDS, 5 min by default). That window is the documented and
      // measured property of stateless JWTs (SECURITY.md "Revocation", BENCH.md "Revocation").
      await revocation.revokeToken(claimsFrom(principal));
      clearRefreshCookie(ctx);
    },

    async revokeAllForUser(userId) {
      const families = await refreshTokens.revokeAllForUser(userId);
      // Plain variant: access tokens already issued live until exp, as for logout.
      await revocation.revokeAllForUser(userId, families);
    },

    async listSessions(principal) {
      const families = await refreshTokens.listActive(principal.userId);
      return families.map(
        (f): SessionSummary => ({
          id: f.familyId,
          createdAt: f.createdAt.toISOString(),
          // Moves on refresh only (every access lifetime at most): stateless requests write nothing.
          lastSeenAt: f.lastUsedAt.toISOString(),
          expiresAt: f.expiresAt.toISOString(),
          userAgent: f.userAgent,
          current: f.familyId === principal.credential.sessionId,
        }),
      );
    },

    async revokeSession(principal, sessionId) {
      const revoked = await refreshTokens.revokeFamily(sessionId, principal.userId, 'session_revoked');
      if (revoked) await revocation.revokeFamily(sessionId, principal.userId);
      return revoked;
    },

    async close() {
      clearInterval(pruneTimer);
      await revocation.close();
    },
  };
  return strategy;
};
