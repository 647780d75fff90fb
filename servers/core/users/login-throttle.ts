// Failed-login throttling, per account and per client address, counted in Postgres so every
// instance sees the same numbers. NIST SP 800-63B-4 caps consecutive failures at 100; we lock after
// LOGIN_MAX_FAILURES (10) per account with exponential backoff (30 s, 60 s, ... capped), and allow
// more per address (LOGIN_CLIENT_MAX_FAILURES, 100) since many users can share one NAT.
// Only failures are counted: successful logins cost no write here except clearing a counter.
import type { Queryable } from '../db/db';

const BASE_LOCK_MS = 30_000;

export interface ThrottleLimits {
  maxFailures: number;
  perClientMaxFailures: number;
  windowMs: number;
  maxLockMs: number;
}

export function createLoginThrottle(db: Queryable, limits: ThrottleLimits) {
  const keys = (username: string, ip: string) => [`user:${username.toLowerCase()}`, `ip:${ip}`];
  const maxFor = (key: string) => (key.startsWith('user:') ? limits.maxFailures : limits.perClientMaxFailures);

  return {
    /** Seconds to wait before another attempt is allowed, or 0. */
    async retryAfterSeconds(username: string, ip: string): Promise<number> {
      const r = await db.query<{ key: string; failures: number; last_ms: string }>({
        name: 'throttle_get',
        text: `SELECT key, failures, (extract(epoch FROM last_failure_at) * 1000)::bigint::text AS last_ms
               FROM login_failures WHERE key = ANY($1) AND last_failure_at > now() - $2 * interval '1 millisecond'`,
        values: [keys(username, ip), limits.windowMs],
      });
      let waitMs = 0;
      for (const row of r.rows) {
        const over = row.failures - maxFor(row.key);
        if (over < 0) continue;
        const lockMs = Math.min(BASE_LOCK_MS * 2 ** Math.min(over, 20), limits.maxLockMs);
        waitMs = Math.max(waitMs, Number(row.last_ms) + lockMs - Date.now());
      }
      return waitMs > 0 ? Math.ceil(waitMs / 1000) : 0;
    },

    async recordFailure(username: string, ip: string): Promise<void> {
      await db.query({
        name: 'throttle_fail',
        text: `INSERT INTO login_failures AS f (key, failures, last_failure_at)
               SELECT k, 1, now() FROM unnest($1::text[]) AS k
               ON CONFLICT (key) DO UPDATE SET
                 failures = CASE WHEN f.last_failure_at < now() - $2 * interval '1 millisecond' THEN 1 ELSE f.failures + 1 END,
                 last_failure_at = now()`,
        values: [keys(username, ip), limits.windowMs],
      });
    },

    /** A successful login clears the account's counter (the address keeps its count). */
    async recordSuccess(username: string): Promise<void> {
      await db.query({ name: 'throttle_ok', text: 'DELETE FROM login_failures WHERE key = $1', values: [`user:${username.toLowerCase()}`] });
    },
  };
}

export type LoginThrottle = ReturnType<typeof createLoginThrottle>;
