// Refresh tokens: opaque, rotating, in families (one family per login), stored only as SHA-256.
// The only SQL on jwt_refresh_families / jwt_refresh_tokens (migrations/020_jwt.sql).
import { createHash, randomBytes } from 'node:crypto';
import type { Db } from '../core/db/db';
import { randomId } from './access-token';

// 256 bits from the CSPRNG: guessing is hopeless even with the hash table in hand (SECURITY.md;
// ASVS 5.0 7.2.3 asks >= 128 bits). base64url of 32 bytes is exactly 43 characters.
const TOKEN_BYTES = 32;
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;
const FAMILY_ID_SHAPE = /^[A-Za-z0-9_-]{22}$/;
// GET /auth/sessions shows a bounded list: a bench user logs in thousands of times.
const MAX_LISTED_FAMILIES = 100;
// Revoked and expired families are kept this long for the operator, then pruned. Once a family is
// dead, deleting it changes nothing for clients: its tokens are refused either way.
const DEAD_FAMILY_RETENTION_MS = 60 * 60_000;

// Revoking also ends the idle lifetime, so "dead" is one indexed column for the pruner and every
// "is it live?" check (revoked_at stays the record of when and why).
const REVOKE_SET = 'revoked_at = now(), idle_expires_at = least(idle_expires_at, now())';

export type RevokedReason = 'logout' | 'logout_all' | 'session_revoked' | 'reuse' | 'user_invalid';

export interface RefreshTokenOptions {
  idleTimeoutMs: number;
  absoluteTimeoutMs: number;
  /** Refreshes a family may make per minute (REFRESH_MAX_PER_MINUTE); past it, 429 and the token stays valid. */
  refreshesPerMinute: number;
  /**
   * jwt-push: every statement that revokes families also announces them on this channel, in the same
   * statement, so the notification is delivered exactly when (and only if) the revocation commits.
   * Payload: {"u": user id, "f": [family public ids]}. null: no NOTIFY (the other variants' SQL).
   */
  notifyChannel?: string | null;
}

// Rotated tokens kept per family for reuse detection: the newest 64 (at one refresh per 5-minute
// access lifetime, over 5 hours of history). Older ones are deleted as the family rotates, so a family
// holds at most 65 rows however long it lives or however fast it refreshes; a token older than that
// is simply unknown (401) rather than recognised as reuse (issue 8: rows were unbounded).
const KEPT_ROTATED_TOKENS = 64;

/** Family ids per notification: 200 x 26 bytes of JSON ~ 5.2 KB, under the 8000-byte NOTIFY limit. */
const FAMILIES_PER_NOTIFICATION = 200;

export interface IssuedRefreshToken {
  token: string;
  familyId: string;
  /** How long the token can work at most: min(idle, absolute remaining); the cookie's Max-Age. */
  lifetimeMs: number;
}

export type RotateResult =
  | { kind: 'rotated'; issued: IssuedRefreshToken; userId: string; familyCreatedAt: Date }
  /** An already-rotated token came back: the family has just been revoked. */
  | { kind: 'reused'; familyId: string; userId: string }
  /** Unknown token, or its family is revoked or expired. */
  | { kind: 'invalid' }
  /** A live token, but its family used up its refreshes for this minute: nothing changed (429). */
  | { kind: 'throttled'; retryAfterSeconds: number };

export interface FamilySummary {
  familyId: string;
  createdAt: Date;
  lastUsedAt: Date;
  expiresAt: Date;
  userAgent: string | null;
}

export interface RefreshTokenStore {
  createFamily(userId: string, userAgent: string | null): Promise<IssuedRefreshToken>;
  rotate(token: string): Promise<RotateResult>;
  /** Revokes one live family of this user; false when there is none with this id. */
  revokeFamily(familyId: string, userId: string, reason: RevokedReason): Promise<boolean>;
  /** Revokes every family of the user not revoked yet; their public ids. */
  revokeAllForUser(userId: string): Promise<string[]>;
  listActive(userId: string): Promise<FamilySummary[]>;
  /** Deletes families dead for longer than the retention; returns how many. */
  prune(): Promise<number>;
}

function newToken(): string {
  return randomBytes(TOKEN_BYTES).toString('base64url');
}

function hashToken(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

export function isFamilyId(value: string): boolean {
  return FAMILY_ID_SHAPE.test(value);
}

// Built once: a named statement's text is compared with the prepared one on every execution
// (servers/session/session-store.ts).
const ROTATE_SQL = `WITH claimed AS (
                 UPDATE jwt_refresh_tokens t SET used_at = now()
                 FROM jwt_refresh_families f
                 WHERE t.token_hash = $1 AND t.used_at IS NULL AND f.id = t.family_id
                   AND (f.refresh_window_start <= now() - interval '1 minute' OR f.refreshes_in_window < $4)
                 RETURNING t.family_id
               ), family AS (
                 UPDATE jwt_refresh_families f
                 SET last_used_at = now(),
                     idle_expires_at = least(now() + $3::float8 * interval '1 millisecond', f.absolute_expires_at),
                     refresh_window_start = CASE WHEN f.refresh_window_start <= now() - interval '1 minute' THEN now() ELSE f.refresh_window_start END,
                     refreshes_in_window = CASE WHEN f.refresh_window_start <= now() - interval '1 minute' THEN 1 ELSE f.refreshes_in_window + 1 END
                 FROM claimed
                 WHERE f.id = claimed.family_id AND f.revoked_at IS NULL
                   AND f.idle_expires_at > now() AND f.absolute_expires_at > now()
                 RETURNING f.id, f.public_id, f.user_id, f.created_at, f.idle_expires_at
               ), successor AS (
                 INSERT INTO jwt_refresh_tokens (token_hash, family_id) SELECT $2, id FROM family
               ), trimmed AS (
                 DELETE FROM jwt_refresh_tokens WHERE token_hash IN (
                   SELECT token_hash FROM jwt_refresh_tokens
                   WHERE family_id = (SELECT id FROM family) AND used_at IS NOT NULL
                   ORDER BY issued_at DESC OFFSET ${KEPT_ROTATED_TOKENS})
               )
               SELECT public_id, user_id::text AS user_id, created_at,
                      (extract(epoch FROM idle_expires_at - now()) * 1000)::float8 AS lifetime_ms
               FROM family`;
const REVOKE_ALL_SQL = `UPDATE jwt_refresh_families SET ${REVOKE_SET}, revoked_reason = 'logout_all'
                 WHERE user_id = $1 AND revoked_at IS NULL RETURNING public_id`;
const REVOKE_ALL_NOTIFY_SQL = `WITH revoked AS (
                 UPDATE jwt_refresh_families SET ${REVOKE_SET}, revoked_reason = 'logout_all'
                 WHERE user_id = $1 AND revoked_at IS NULL RETURNING public_id
               ), chunked AS (
                 SELECT public_id, (row_number() OVER () - 1) / ${FAMILIES_PER_NOTIFICATION} AS chunk FROM revoked
               ), announced AS (
                 SELECT pg_notify($2, json_build_object('u', $1::text, 'f', json_agg(public_id))::text) FROM chunked GROUP BY chunk
               )
               SELECT (SELECT array_agg(public_id) FROM revoked) AS ids, (SELECT count(*) FROM announced)::int AS notifications`;
const LIST_SQL = `SELECT public_id, created_at, last_used_at, idle_expires_at, user_agent FROM jwt_refresh_families
               WHERE user_id = $1 AND revoked_at IS NULL AND idle_expires_at > now()
               ORDER BY created_at DESC LIMIT ${MAX_LISTED_FAMILIES}`;

export function createRefreshTokenStore(db: Db, opts: RefreshTokenOptions): RefreshTokenStore {
  const firstLifetimeMs = Math.min(opts.idleTimeoutMs, opts.absoluteTimeoutMs);
  const channel = opts.notifyChannel ?? null;
  // The NOTIFY of one revoked family, appended to a RETURNING row's SELECT (jwt-push only).
  const announceOne = (param: number) =>
    channel ? `, pg_notify($${param}, json_build_object('u', user_id::text, 'f', json_build_array(public_id))::text)` : '';
  const suffix = channel ? '_notify' : '';
  // Built once per store (they depend on the variant): a named statement's text is compared with the
  // prepared one on every execution (servers/session/session-store.ts).
  const sql = {
    reuseRevokeName: `jwt_reuse_revoke${suffix}`,
    familyRevokeName: `jwt_family_revoke${suffix}`,
    reuseRevoke: `WITH revoked AS (
                 UPDATE jwt_refresh_families f SET ${REVOKE_SET}, revoked_reason = 'reuse'
                 FROM jwt_refresh_tokens t
                 WHERE t.token_hash = $1 AND t.used_at IS NOT NULL AND f.id = t.family_id AND f.revoked_at IS NULL
                 RETURNING f.public_id, f.user_id)
               SELECT public_id, user_id::text AS user_id${announceOne(2)} FROM revoked`,
    familyRevoke: `WITH revoked AS (
                 UPDATE jwt_refresh_families SET ${REVOKE_SET}, revoked_reason = $3
                 WHERE public_id = $1 AND user_id = $2 AND revoked_at IS NULL
                 RETURNING public_id, user_id, idle_expires_at = now() AS was_live)
               SELECT was_live${announceOne(4)} FROM revoked`,
  };

  return {
    async createFamily(userId, userAgent) {
      const token = newToken();
      const familyId = randomId();
      // One statement inserts the family and its first token: no half-created family on a crash.
      await db.query({
        name: 'jwt_family_create',
        text: `WITH family AS (
                 INSERT INTO jwt_refresh_families (public_id, user_id, idle_expires_at, absolute_expires_at, user_agent)
                 VALUES ($1, $2, now() + $3::float8 * interval '1 millisecond', now() + $4::float8 * interval '1 millisecond', $5)
                 RETURNING id)
               INSERT INTO jwt_refresh_tokens (token_hash, family_id) SELECT $6, id FROM family`,
        values: [familyId, userId, firstLifetimeMs, opts.absoluteTimeoutMs, userAgent, hashToken(token)],
      });
      return { token, familyId, lifetimeMs: firstLifetimeMs };
    },

    async rotate(token) {
      // Garbage never costs a database round trip.
      if (!TOKEN_SHAPE.test(token)) return { kind: 'invalid' };
      const hash = hashToken(token);
      const next = newToken();
      // Rotation is one statement, so it is atomic without an explicit transaction:
      //  1. claim the presented token: `used_at IS NULL` in the WHERE makes the claim a compare-and-set;
      //  2. extend the family's idle expiry, never past its absolute expiry (counted from the first
      //     login), and only if the family is live;
      //  3. insert the successor token.
      // Two concurrent refreshes with the same token (decision): the second UPDATE blocks on the row
      // lock the first one holds, then re-evaluates its WHERE against the committed row (Postgres READ
      // COMMITTED re-check) and claims nothing. Exactly one wins. The loser cannot be told apart from
      // a thief replaying a stolen, already-used token, so it takes the reuse path below and the whole
      // family is revoked: the winner's fresh refresh token dies too, and the client logs in again.
      // That is what RFC 9700 4.14.2 asks for; a grace window for racing tabs would hand the same
      // window to a token thief. (Clients should serialise their refreshes.)
      // Rate limit (issue 8): a family refreshes at most `refreshesPerMinute` times in a fixed
      // one-minute window; the counter lives on the family row and is checked in the same statement
      // that claims the token (only one token of a family is unused at a time, so claims of one family
      // are serialised by that token's row lock and the count cannot be raced).
      const rotated = await db.query<{ public_id: string; user_id: string; created_at: Date; lifetime_ms: number }>({
        name: 'jwt_rotate',
        text: ROTATE_SQL,
        values: [hash, hashToken(next), opts.idleTimeoutMs, opts.refreshesPerMinute],
      });
      const row = rotated.rows[0];
      if (row) {
        return {
          kind: 'rotated',
          issued: { token: next, familyId: row.public_id, lifetimeMs: Math.max(0, Math.floor(row.lifetime_ms)) },
          userId: row.user_id,
          familyCreatedAt: row.created_at,
        };
      }
      // Nothing claimed: the token is unknown, its family is dead, or it was already used. The last
      // case is reuse (RFC 9700 4.14.2, ASVS 5.0 10.4.5): an attacker and the legitimate client both
      // hold the token and we cannot tell which one is calling, so the whole family dies.
      const reused = await db.query<{ public_id: string; user_id: string }>({
        name: sql.reuseRevokeName,
        text: sql.reuseRevoke,
        values: channel ? [hash, channel] : [hash],
      });
      const r = reused.rows[0];
      if (r) return { kind: 'reused', familyId: r.public_id, userId: r.user_id };
      // Not reuse: unknown, dead, or a live token whose family is over its rate. Only the last keeps
      // its token (the client retries after Retry-After with the same cookie).
      const throttled = await db.query<{ wait_s: number }>({
        name: 'jwt_refresh_throttled',
        text: `SELECT extract(epoch FROM f.refresh_window_start + interval '1 minute' - now())::float8 AS wait_s
               FROM jwt_refresh_tokens t JOIN jwt_refresh_families f ON f.id = t.family_id
               WHERE t.token_hash = $1 AND t.used_at IS NULL AND f.revoked_at IS NULL
                 AND f.idle_expires_at > now() AND f.absolute_expires_at > now()
                 AND f.refresh_window_start > now() - interval '1 minute' AND f.refreshes_in_window >= $2`,
        values: [hash, opts.refreshesPerMinute],
      });
      const t = throttled.rows[0];
      return t ? { kind: 'throttled', retryAfterSeconds: Math.max(1, Math.ceil(t.wait_s)) } : { kind: 'invalid' };
    },

    async revokeFamily(familyId, userId, reason) {
      if (!isFamilyId(familyId)) return false;
      // `user_id = $2`: a user can only ever revoke their own families (object-level authorization).
      // An expired (not yet revoked) family is marked revoked too: an access token can outlive its
      // family's expiry by up to one access lifetime, and the denylist variants refuse the tokens of
      // revoked families; but only a live one counts as "revoked now" (DELETE /auth/sessions/:id
      // answers 404 for a family it no longer lists). REVOKE_SET pulls idle_expires_at down to now(),
      // so `idle_expires_at = now()` in RETURNING means it was still in the future: the family was live.
      const r = await db.query<{ was_live: boolean }>({
        name: sql.familyRevokeName,
        text: sql.familyRevoke,
        values: channel ? [familyId, userId, reason, channel] : [familyId, userId, reason],
      });
      return r.rows[0]?.was_live === true;
    },

    async revokeAllForUser(userId) {
      if (!channel) {
        const r = await db.query<{ public_id: string }>({
          name: 'jwt_family_revoke_all',
          text: REVOKE_ALL_SQL,
          values: [userId],
        });
        return r.rows.map((row) => row.public_id);
      }
      // One statement: revoke, then announce the ids in chunks that fit a NOTIFY payload (a bench
      // user can hold thousands of families). `announced` is referenced below, so it runs.
      const r = await db.query<{ ids: string[] | null; notifications: number }>({
        name: 'jwt_family_revoke_all_notify',
        text: REVOKE_ALL_NOTIFY_SQL,
        values: [userId, channel],
      });
      return r.rows[0].ids ?? [];
    },

    async listActive(userId) {
      const r = await db.query<{ public_id: string; created_at: Date; last_used_at: Date; idle_expires_at: Date; user_agent: string | null }>({
        name: 'jwt_family_list',
        text: LIST_SQL,
        values: [userId],
      });
      return r.rows.map((row) => ({
        familyId: row.public_id,
        createdAt: row.created_at,
        lastUsedAt: row.last_used_at,
        expiresAt: row.idle_expires_at,
        userAgent: row.user_agent,
      }));
    },

    async prune() {
      // idle_expires_at is <= absolute_expires_at (a CHECK) and revocation pulls it to now()
      // (REVOKE_SET), so it alone says when a family died, and its index finds them.
      const r = await db.query({
        name: 'jwt_family_prune',
        text: `DELETE FROM jwt_refresh_families WHERE idle_expires_at < now() - $1::float8 * interval '1 millisecond'`,
        values: [DEAD_FAMILY_RETENTION_MS],
      });
      return r.rowCount;
    },
  };
}
