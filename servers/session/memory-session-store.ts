// The `session-memory` variant: sessions in this process's memory. It exists for the bench only, to
// show what happens without shared storage: behind a round-robin balancer, a session issued by one
// instance is unknown to the others (401), and a revocation reaches only the instance that ran it.
// It never reads the users table, so a disabled user's sessions on other instances live until they
// expire: what a per-process store really does. Same interface, same code path otherwise.
import { type ActiveSession, MAX_LISTED_SESSIONS, type NewSession, type SessionListing, type SessionStore, type SessionTimeouts } from './session-store';

interface Entry {
  userId: string;
  role: 'user' | 'admin';
  publicId: string;
  createdAtMs: number;
  lastSeenAtMs: number;
  idleExpiresAtMs: number;
  absoluteExpiresAtMs: number;
  userAgent: string | null;
}

export function createMemorySessionStore(timeouts: SessionTimeouts): SessionStore {
  const { idleTimeoutMs, absoluteTimeoutMs, touchIntervalMs } = timeouts;
  const byHash = new Map<string, Entry>();
  // The in-memory counterpart of the user_id index: logout-all and listing do not scan every session.
  const byUser = new Map<string, Set<string>>();

  const live = (e: Entry, now: number) => e.idleExpiresAtMs > now && e.absoluteExpiresAtMs > now;

  const remove = (key: string) => {
    const e = byHash.get(key);
    if (!e) return false;
    byHash.delete(key);
    const keys = byUser.get(e.userId);
    keys?.delete(key);
    if (keys?.size === 0) byUser.delete(e.userId);
    return true;
  };

  const toActive = (e: Entry, now: number): ActiveSession => ({
    userId: e.userId,
    role: e.role,
    publicId: e.publicId,
    createdAtMs: e.createdAtMs,
    idleExpiresAtMs: e.idleExpiresAtMs,
    absoluteExpiresAtMs: e.absoluteExpiresAtMs,
    touchDue: now - e.lastSeenAtMs >= touchIntervalMs,
  });

  return {
    async find(idHash) {
      const e = byHash.get(idHash.toString('hex'));
      const now = Date.now();
      return e && live(e, now) ? toActive(e, now) : null;
    },

    async touch(idHash) {
      const e = byHash.get(idHash.toString('hex'));
      const now = Date.now();
      if (!e || !live(e, now) || now - e.lastSeenAtMs < touchIntervalMs) return null;
      e.lastSeenAtMs = now;
      e.idleExpiresAtMs = Math.min(now + idleTimeoutMs, e.absoluteExpiresAtMs);
      return e.idleExpiresAtMs;
    },

    async create(s: NewSession) {
      const now = Date.now();
      const key = s.idHash.toString('hex');
      const absoluteExpiresAtMs = now + absoluteTimeoutMs;
      const e: Entry = {
        userId: s.userId,
        role: s.role,
        publicId: s.publicId,
        createdAtMs: now,
        lastSeenAtMs: now,
        idleExpiresAtMs: Math.min(now + idleTimeoutMs, absoluteExpiresAtMs),
        absoluteExpiresAtMs,
        userAgent: s.userAgent,
      };
      byHash.set(key, e);
      const keys = byUser.get(s.userId) ?? new Set<string>();
      byUser.set(s.userId, keys.add(key));
      return toActive(e, now);
    },

    async destroy(idHash) {
      remove(idHash.toString('hex'));
    },

    async destroyAllForUser(userId) {
      const keys = [...(byUser.get(userId) ?? [])];
      for (const key of keys) remove(key);
      return keys.length;
    },

    async destroyByPublicId(userId, publicId) {
      for (const key of byUser.get(userId) ?? []) {
        if (byHash.get(key)?.publicId === publicId) return remove(key);
      }
      return false;
    },

    async listForUser(userId) {
      const now = Date.now();
      const out: SessionListing[] = [];
      for (const key of byUser.get(userId) ?? []) {
        const e = byHash.get(key);
        if (!e || !live(e, now)) continue;
        out.push({ publicId: e.publicId, createdAtMs: e.createdAtMs, lastSeenAtMs: e.lastSeenAtMs, expiresAtMs: e.idleExpiresAtMs, userAgent: e.userAgent });
      }
      return out.sort((a, b) => b.createdAtMs - a.createdAtMs).slice(0, MAX_LISTED_SESSIONS);
    },

    async pruneExpired(batchSize) {
      const now = Date.now();
      let pruned = 0;
      for (const [key, e] of byHash) {
        if (pruned >= batchSize) break;
        if (!live(e, now) && remove(key)) pruned++;
      }
      return pruned;
    },
  };
}
