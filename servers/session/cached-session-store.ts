// The `session-cached` variant: the Postgres store behind a bounded in-process cache of session
// lookups. A hit costs no database round trip; every instance drops a user's cached sessions when
// any instance revokes one of them (Postgres LISTEN/NOTIFY, servers/core/db/listener.ts), so a
// revocation is visible everywhere within the notify latency (PRODUCT.md "Strategy variants").
//
// Rules, each with its reason:
// - Memory is trusted only while the listener is live. While its connection is down (or not yet
//   resynchronised) every lookup goes to Postgres and nothing is cached: a notification missed while
//   deaf can never leave a revoked session in the cache. On reconnect the cache starts empty.
// - An entry lives at most the touch interval, and never past the moment its touch falls due or the
//   session expires: the touch write still happens once per touch interval (in the database, as in
//   the plain variant), and an idle session still dies on time.
// - A lookup that raced a revocation is not cached (see `canCache`).
// - Negative results are never cached: an unknown id costs a lookup, exactly as in `session`.
import { errorFields, type Logger } from '../core/log';
import type { Db } from '../core/db/db';
import { type Listener, parseUserChange, startListener, USER_CHANGED_CHANNEL } from '../core/db/listener';
import { countCacheLookup, watchState } from '../core/metrics/variant-state';
import { type ActiveSession, createPostgresSessionStore, type SessionStore, type SessionTimeouts } from './session-store';

/** Channel of the session deletes (session-store.ts announces them in the deleting statement). */
export const SESSION_REVOKED_CHANNEL = 'sess_revoked';

// 10,000 sessions of ~0.4 KB each: ~4 MB per instance. The bench holds a few hundred concurrent
// sessions; beyond the cap the oldest entry is evicted (insertion order: an entry lives one touch
// interval at most anyway, so "oldest inserted" is close to "least recently refreshed").
export const MAX_CACHED_SESSIONS = 10_000;
// Users whose invalidation sequence is remembered for in-flight lookups; past this, one global
// floor replaces them (conservative: lookups in flight at that moment are simply not cached).
const MAX_TRACKED_USERS = 10_000;

export interface CachedSessionStoreOptions {
  db: Db;
  timeouts: SessionTimeouts;
  log: Logger;
  /** application_name of the LISTEN connection (tests find and kill it in pg_stat_activity). */
  applicationName: string;
  maxEntries?: number;
}

export interface CachedSessionStore extends SessionStore {
  /** Whether lookups may be answered from memory right now. */
  readonly live: boolean;
  readonly started: Promise<void>;
  close(): Promise<void>;
}

interface Entry {
  session: ActiveSession;
  userId: string;
  /** Process clock (Date.now()); see `entryExpiry`. */
  expiresAtMs: number;
}

export function createCachedSessionStore(opts: CachedSessionStoreOptions): CachedSessionStore {
  const { db, timeouts, log } = opts;
  const maxEntries = opts.maxEntries ?? MAX_CACHED_SESSIONS;
  const inner = createPostgresSessionStore(db, timeouts, { notifyChannel: SESSION_REVOKED_CHANNEL });
  // "Cache lifetime never longer than the touch interval". A touch interval of 0 (touch on every
  // request) leaves nothing to cache: every lookup then goes to Postgres, as in `session`.
  const ttlMs = timeouts.touchIntervalMs;

  const entries = new Map<string, Entry>(); // key: the id hash (base64), never the id itself
  const byUser = new Map<string, Set<string>>();

  // Race guard. A lookup that started before a revocation committed can return the session alive
  // and finish after the notification was processed; caching it then would resurrect a revoked
  // session until its entry expires. So every invalidation takes a sequence number, and a lookup
  // is cached only if neither its user nor the whole cache was invalidated since it started.
  let seq = 0;
  let floorSeq = 0;
  const userSeq = new Map<string, number>();

  const removeKey = (key: string) => {
    const e = entries.get(key);
    if (!e) return;
    entries.delete(key);
    const keys = byUser.get(e.userId);
    keys?.delete(key);
    if (keys?.size === 0) byUser.delete(e.userId);
  };

  const invalidateUser = (userId: string) => {
    for (const key of byUser.get(userId) ?? []) entries.delete(key);
    byUser.delete(userId);
    if (userSeq.size >= MAX_TRACKED_USERS) {
      // Bounded memory: forget the per-user numbers and raise the floor instead. Cached entries stay
      // (they are valid); only the lookups in flight right now go uncached.
      userSeq.clear();
      floorSeq = seq + 1;
    }
    userSeq.set(userId, ++seq);
  };

  function invalidateAll() {
    entries.clear();
    byUser.clear();
    userSeq.clear();
    floorSeq = ++seq;
  }

  const canCache = (userId: string, startSeq: number) => startSeq >= floorSeq && (userSeq.get(userId) ?? 0) <= startSeq;

  /**
   * Process clock against the database's expiry timestamps: both clocks are the same on one host and
   * NTP-close across hosts; the skew only shifts when an entry is re-read, and the re-read decides.
   * idle_expires_at = last touch + idle timeout (unless capped by the absolute expiry, which only
   * makes this earlier), so the touch falls due at idleExpires - idle + touchInterval.
   */
  const entryExpiry = (s: ActiveSession, nowMs: number) =>
    Math.min(nowMs + ttlMs, s.idleExpiresAtMs - timeouts.idleTimeoutMs + ttlMs, s.idleExpiresAtMs, s.absoluteExpiresAtMs);

  const insert = (key: string, s: ActiveSession, nowMs: number) => {
    const expiresAtMs = entryExpiry(s, nowMs);
    if (expiresAtMs <= nowMs) return;
    removeKey(key);
    while (entries.size >= maxEntries) {
      const oldest = entries.keys().next().value;
      if (oldest === undefined) break;
      removeKey(oldest);
    }
    entries.set(key, { session: { ...s, source: 'memory' }, userId: s.userId, expiresAtMs });
    const keys = byUser.get(s.userId) ?? new Set<string>();
    byUser.set(s.userId, keys.add(key));
  };

  const fromDatabase = (s: ActiveSession | null): ActiveSession | null => (s ? { ...s, source: 'database' } : null);

  watchState('session_cache_entries', () => entries.size);
  const listener: Listener = startListener({
    db,
    channels: [SESSION_REVOKED_CHANNEL, USER_CHANGED_CHANNEL],
    applicationName: opts.applicationName,
    log,
    onNotification(channel, payload) {
      const userId = channel === SESSION_REVOKED_CHANNEL ? payload : parseUserChange(payload)?.userId;
      if (userId) invalidateUser(userId);
      else {
        // Not ours or garbled: the only safe reading is "something was revoked".
        log.warn('unexpected revocation notification: cache dropped', { channel });
        invalidateAll();
      }
    },
    // What was cached before the connection dropped may have missed notifications: start empty.
    onResync: async () => invalidateAll(),
    onDown: () => invalidateAll(),
  });

  return {
    get live() {
      return listener.live;
    },
    started: listener.started,

    async find(idHash) {
      if (!listener.live || ttlMs <= 0) {
        countCacheLookup(false);
        return fromDatabase(await inner.find(idHash));
      }
      const key = idHash.toString('base64');
      const hit = entries.get(key);
      const nowMs = Date.now();
      if (hit) {
        if (hit.expiresAtMs > nowMs) {
          countCacheLookup(true);
          return { ...hit.session }; // a copy: callers update idleExpiresAtMs
        }
        removeKey(key);
      }
      countCacheLookup(false);
      const startSeq = seq;
      const found = await inner.find(idHash);
      if (found === null) return null;
      // A due touch is written by the caller right after this lookup: cache the touched row on the
      // next lookup instead of this one's stale idle expiry.
      if (!found.touchDue && listener.live && canCache(found.userId, startSeq)) insert(key, found, Date.now());
      return fromDatabase(found);
    },

    touch: (idHash) => inner.touch(idHash),
    create: (session) => inner.create(session),

    // Each revocation drops the local entries as soon as the delete returns (this instance's next
    // request must not wait for its own notification), and again when the notification arrives.
    async destroy(idHash) {
      await inner.destroy(idHash);
      const key = idHash.toString('base64');
      const userId = entries.get(key)?.userId;
      if (userId) invalidateUser(userId);
      else {
        // Not cached here, so its user is unknown: keep a lookup in flight from caching it.
        floorSeq = ++seq;
      }
    },

    async destroyAllForUser(userId) {
      const n = await inner.destroyAllForUser(userId);
      invalidateUser(userId);
      return n;
    },

    async destroyByPublicId(userId, publicId) {
      const destroyed = await inner.destroyByPublicId(userId, publicId);
      invalidateUser(userId);
      return destroyed;
    },

    listForUser: (userId) => inner.listForUser(userId),
    pruneExpired: (batchSize) => inner.pruneExpired(batchSize),

    async close() {
      await listener.close().catch((err) => log.warn('revocation listener close failed', errorFields(err)));
      invalidateAll();
    },
  };
}
