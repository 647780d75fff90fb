// Login throttling, per account and per client address, counted in Postgres so every instance sees
// the same numbers. NIST SP 800-63B-4 caps consecutive failures at 100; we lock after
// LOGIN_MAX_FAILURES (10) per account with exponential backoff (30 s, 60 s, ... capped), and allow
// more per address (LOGIN_CLIENT_MAX_FAILURES, 100) since many users can share one NAT.
//
// Check-then-act is one statement (issue 8): an attempt is RESERVED before its password is hashed
// (login_attempt_reserve, migrations/040_security.sql), so 60 concurrent guesses against a limit of
// 10 get 10 checks and 50 answers of 429, never 60 checks. A successful login gives its reservation
// back: the account's count is cleared and the address's one returned.
import type { Queryable } from '../db/db';
import { canonicalUsername } from './username';

const BASE_LOCK_MS = 30_000;

export interface ThrottleLimits {
  maxFailures: number;
  perClientMaxFailures: number;
  windowMs: number;
  maxLockMs: number;
}

/** Reserved: go ahead and hash. Otherwise: refuse with Retry-After (seconds). */
export type Reservation = { ok: true } | { ok: false; retryAfterSeconds: number };

export function createLoginThrottle(db: Queryable, limits: ThrottleLimits) {
  const accountKey = (username: string) => `user:${canonicalUsername(username)}`;
  const clientKey = (ip: string) => `ip:${ip}`;

  return {
    async reserve(username: string, ip: string): Promise<Reservation> {
      const r = await db.query<{ wait_ms: number }>({
        name: 'throttle_reserve',
        text: 'SELECT login_attempt_reserve($1::text[], $2::int[], $3, $4, $5) AS wait_ms',
        values: [[accountKey(username), clientKey(ip)], [limits.maxFailures, limits.perClientMaxFailures], limits.windowMs, BASE_LOCK_MS, limits.maxLockMs],
      });
      const waitMs = r.rows[0].wait_ms;
      return waitMs > 0 ? { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) } : { ok: true };
    },

    /** The password was right: the account's count is cleared, the address's reservation returned. */
    async succeeded(username: string, ip: string): Promise<void> {
      await db.query({
        name: 'throttle_succeeded',
        text: `WITH account AS (DELETE FROM login_failures WHERE key = $1)
               UPDATE login_failures SET failures = greatest(failures - 1, 0) WHERE key = $2`,
        values: [accountKey(username), clientKey(ip)],
      });
    },

    /**
     * Deletes rows whose window and longest lock are over (they no longer change any answer), at most
     * `batchSize` a call. Without it the table keeps a row per name ever guessed and per address.
     */
    async prune(batchSize: number): Promise<number> {
      const r = await db.query({
        name: 'throttle_prune',
        text: `DELETE FROM login_failures WHERE key IN (
                 SELECT key FROM login_failures WHERE last_failure_at < now() - $1::float8 * interval '1 millisecond'
                 LIMIT $2 FOR UPDATE SKIP LOCKED)`,
        values: [limits.windowMs + limits.maxLockMs, batchSize],
      });
      return r.rowCount;
    },
  };
}

export type LoginThrottle = ReturnType<typeof createLoginThrottle>;
