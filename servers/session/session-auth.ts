// The session strategy: server-side sessions (koa-session + our store), the id in an HttpOnly
// cookie. Variants: `session` (Postgres, shared by every instance), `session-cached` (Postgres
// behind an in-process cache invalidated by LISTEN/NOTIFY, cached-session-store.ts) and
// `session-memory` (this process only; for the bench). Requirements and their sources:
// SECURITY.md "Session identifier and cookie".
import type { Context } from 'koa';
import type { AuthStrategy, CredentialInfo, Principal, StrategyFactory } from '../core/auth';
import { listenerApplicationName } from '../core/db/listener';
import { isoFromMs } from '../core/iso-time';
import type { Logger } from '../core/log';
import { countAuthOutcome } from '../core/metrics/auth-outcomes';
import { type CachedSessionStore, createCachedSessionStore } from './cached-session-store';
import { bindKoaSession } from './koa-session-binding';
import { createMemorySessionStore } from './memory-session-store';
import { sessionCookieName } from './session-cookie';
import { isWellFormedPublicId } from './session-id';
import { startPruner } from './session-pruner';
import { type ActiveSession, createPostgresSessionStore, type SessionStore, type SessionTimeouts } from './session-store';

const SUPPORTED_VARIANTS = ['session', 'session-memory', 'session-cached'] as const;

// Enough to tell "Firefox on Linux" from "curl" in GET /auth/sessions; a 16 KB header is not kept.
const USER_AGENT_MAX_CHARS = 256;

function userAgentOf(ctx: Context): string | null {
  // Control characters (Postgres refuses NUL in text) are dropped; Node already rejects most.
  const ua = ctx
    .get('user-agent')
    .replace(/\p{Cc}/gu, '')
    .slice(0, USER_AGENT_MAX_CHARS);
  return ua === '' ? null : ua;
}

/**
 * The touch interval, capped at half the idle timeout: with a touch interval >= the idle timeout
 * (e.g. tests with a 2 s idle timeout and the 60 s default), an active session would never be
 * extended and would die at the idle timeout despite activity.
 */
function effectiveTimeouts(configured: SessionTimeouts, log: Logger): SessionTimeouts {
  const cap = Math.floor(configured.idleTimeoutMs / 2);
  if (configured.touchIntervalMs <= cap) return configured;
  log.warn('session touch interval capped at half the idle timeout', { configuredMs: configured.touchIntervalMs, usedMs: cap });
  return { ...configured, touchIntervalMs: cap };
}

const iso = isoFromMs;

export const createSessionAuth: StrategyFactory = async ({ config, db, log }) => {
  const variant = config.variant;
  if (!(SUPPORTED_VARIANTS as readonly string[]).includes(variant)) {
    throw new Error(`the session server does not support AUTH_VARIANT=${variant} (supported: ${SUPPORTED_VARIANTS.join(', ')})`);
  }
  const timeouts = effectiveTimeouts(config.session, log);
  let cached: CachedSessionStore | null = null;
  let store: SessionStore;
  if (variant === 'session-cached') {
    cached = createCachedSessionStore({ db, timeouts, log, applicationName: listenerApplicationName(config.instanceId) });
    // Start serving once the first LISTEN attempt settled: with Postgres up (it just ran the
    // migrations) the cache is live from the first request; if not, lookups go to Postgres meanwhile.
    await cached.started;
    store = cached;
  } else {
    store = variant === 'session' ? createPostgresSessionStore(db, timeouts) : createMemorySessionStore(timeouts);
  }
  const sessions = bindKoaSession(store, timeouts.absoluteTimeoutMs);
  const pruner = startPruner(store, config.session.pruneIntervalMs, log);

  const credentialOf = (s: ActiveSession): CredentialInfo => ({
    strategy: 'session',
    variant,
    sessionId: s.publicId,
    issuedAt: iso(s.createdAtMs),
    expiresAt: iso(Math.min(s.idleExpiresAtMs, s.absoluteExpiresAtMs)),
    idleExpiresAt: iso(s.idleExpiresAtMs),
    absoluteExpiresAt: iso(s.absoluteExpiresAtMs),
    // session-cached: which one answered this request's lookup (tests and demos watch it switch).
    ...(s.source ? { revocation: s.source } : {}),
  });

  const strategy: AuthStrategy = {
    strategy: 'session',
    variant,
    refresh: null, // the id is the only credential: nothing to refresh (POST /auth/refresh -> 404)
    // Nothing mounted before the routes: requests that need no auth (GET /products, /healthz)
    // must not cost a session read even when they carry a cookie (koa-session-binding.ts).
    middleware: [],

    challenge: () => null, // cookies have no WWW-Authenticate scheme

    async authenticate(ctx): Promise<Principal | null> {
      const loaded = await sessions.load(ctx);
      if (!loaded) {
        // Unknown, expired and revoked ids look alike here (dead rows are deleted): all `invalid`.
        countAuthOutcome(ctx.cookies.get(sessionCookieName(ctx)) === undefined ? 'missing' : 'invalid');
        return null;
      }
      countAuthOutcome('ok');
      const { idHash, active } = loaded;
      // The idle expiry is extended at most once per touch interval (60 s by default), not on every
      // request: a write per request halves throughput again on the reference box (BASELINES.md:
      // 11.8k -> 3.7k req/s). The price: the idle timeout is effectively between 29 and 30 min.
      if (active.touchDue) {
        const idleExpiresAtMs = await store.touch(idHash);
        if (idleExpiresAtMs !== null) active.idleExpiresAtMs = idleExpiresAtMs;
      }
      return { userId: active.userId, role: active.role, credential: credentialOf(active) };
    },

    async issue(ctx, user) {
      // Always a new id (login, password change); the one sent with the request, if live, is destroyed.
      await sessions.rotate(ctx, user, userAgentOf(ctx));
      // Nothing in the body: the id travels in the Set-Cookie header only (never readable by scripts).
      return {};
    },

    async logout(ctx, principal) {
      const ended = await sessions.end(ctx);
      // Only if the principal's session was not the one loaded from this request's cookie (not the
      // case through the routes): still revoke exactly the session the caller authenticated with.
      if (ended !== principal.credential.sessionId) {
        await store.destroyByPublicId(principal.userId, principal.credential.sessionId);
      }
    },

    async revokeAllForUser(userId) {
      await store.destroyAllForUser(userId);
    },

    async listSessions(principal) {
      const rows = await store.listForUser(principal.userId);
      return rows.map((s) => ({
        id: s.publicId,
        createdAt: iso(s.createdAtMs),
        lastSeenAt: iso(s.lastSeenAtMs),
        expiresAt: iso(s.expiresAtMs),
        userAgent: s.userAgent,
        current: s.publicId === principal.credential.sessionId,
      }));
    },

    async revokeSession(principal, sessionId) {
      // Checked before SQL: a NUL or a 10 KB path segment must give "no such session", not a 500.
      if (!isWellFormedPublicId(sessionId)) return false;
      return store.destroyByPublicId(principal.userId, sessionId);
    },

    async close() {
      await pruner.stop();
      await cached?.close();
    },
  };
  return strategy;
};
