// Where sessions live. A small interface (`session-cached` wraps it with an in-process cache,
// cached-session-store.ts) and its Postgres implementation: the only SQL on the sessions table
// (010_sessions.sql).
// Every method takes the SHA-256 of the id, never the id itself (session-id.ts).
import type { Db } from '../core/db/db';

/** A live session joined with what authentication needs of its user. The hot-path result. */
export interface ActiveSession {
  userId: string;
  role: 'user' | 'admin';
  publicId: string;
  createdAtMs: number;
  idleExpiresAtMs: number;
  absoluteExpiresAtMs: number;
  /** The last touch is older than the touch interval: extending the idle expiry is due. */
  touchDue: boolean;
  /** session-cached only: whether this lookup was answered from memory or by Postgres (GET /auth/me shows it). */
  source?: 'memory' | 'database';
}

/** One row of GET /auth/sessions. */
export interface SessionListing {
  publicId: string;
  createdAtMs: number;
  lastSeenAtMs: number;
  expiresAtMs: number;
  userAgent: string | null;
}

export interface NewSession {
  idHash: Buffer;
  publicId: string;
  userId: string;
  role: 'user' | 'admin';
  userAgent: string | null;
}

export interface SessionTimeouts {
  idleTimeoutMs: number;
  absoluteTimeoutMs: number;
  touchIntervalMs: number;
}

export interface SessionStore {
  /** The live session with this id hash, or null (unknown, expired, or its user disabled). */
  find(idHash: Buffer): Promise<ActiveSession | null>;
  /** Extends the idle expiry (capped at the absolute one). The new idle expiry, or null if it was not due or is gone. */
  touch(idHash: Buffer): Promise<number | null>;
  /** null when the user is disabled (or gone) by the time the session would be stored. */
  create(session: NewSession): Promise<ActiveSession | null>;
  destroy(idHash: Buffer): Promise<void>;
  destroyAllForUser(userId: string): Promise<number>;
  /** false when this user has no session with this public id (another user's id included). */
  destroyByPublicId(userId: string, publicId: string): Promise<boolean>;
  listForUser(userId: string): Promise<SessionListing[]>;
  /** Deletes at most `batchSize` expired sessions; returns how many. */
  pruneExpired(batchSize: number): Promise<number>;
}

// A listing is for humans; a user with thousands of sessions gets the newest ones, bounded.
export const MAX_LISTED_SESSIONS = 100;

// Timestamps cross the wire as epoch milliseconds (float8 parses to a number): cheaper than pg's
// Date parsing on the hot path, and every clock comparison stays on the database's clock.
const ms = (column: string) => `(extract(epoch FROM ${column}) * 1000)::float8`;
const interval = (param: number) => `$${param}::float8 * interval '1 millisecond'`;

interface ActiveRow {
  user_id: string;
  role: 'user' | 'admin';
  public_id: string;
  created_at_ms: number;
  idle_expires_at_ms: number;
  absolute_expires_at_ms: number;
  touch_due: boolean;
}

function toActive(r: ActiveRow): ActiveSession {
  return {
    userId: r.user_id,
    role: r.role,
    publicId: r.public_id,
    createdAtMs: r.created_at_ms,
    idleExpiresAtMs: r.idle_expires_at_ms,
    absoluteExpiresAtMs: r.absolute_expires_at_ms,
    touchDue: r.touch_due,
  };
}

const ACTIVE_COLUMNS = `s.user_id::text AS user_id, s.role, s.public_id,
  ${ms('s.created_at')} AS created_at_ms,
  ${ms('s.idle_expires_at')} AS idle_expires_at_ms,
  ${ms('s.absolute_expires_at')} AS absolute_expires_at_ms`;

// Each statement's text is built once, here: pg compares a named statement's text with the one it
// prepared on every execution, which is a pointer check for the same string and a character-by-
// character one (after flattening) for a template built per call (ISSUE 11: ~7 µs of a session
// `me` request went to pg's submit() when sess_find was built in find()).
const FIND_SQL = `SELECT ${ACTIVE_COLUMNS}, s.last_seen_at <= now() - ${interval(2)} AS touch_due
               FROM sessions s
               WHERE s.id_hash = $1 AND s.idle_expires_at > now() AND s.absolute_expires_at > now()`;
const TOUCH_SQL = `UPDATE sessions SET last_seen_at = now(),
                 idle_expires_at = least(now() + ${interval(2)}, absolute_expires_at)
               WHERE id_hash = $1 AND idle_expires_at > now() AND last_seen_at <= now() - ${interval(3)}
               RETURNING ${ms('idle_expires_at')} AS idle_expires_at_ms`;
const CREATE_SQL = `INSERT INTO sessions AS s (id_hash, public_id, user_id, role, idle_expires_at, absolute_expires_at, user_agent)
               SELECT $1, $2, u.id, u.role, now() + least(${interval(4)}, ${interval(5)}), now() + ${interval(5)}, $6
               FROM users u WHERE u.id = $3 AND u.disabled_at IS NULL FOR SHARE OF u
               RETURNING s.user_id::text AS user_id, s.role, s.public_id,
                 ${ms('s.created_at')} AS created_at_ms,
                 ${ms('s.idle_expires_at')} AS idle_expires_at_ms,
                 ${ms('s.absolute_expires_at')} AS absolute_expires_at_ms`;
const LIST_SQL = `SELECT public_id, ${ms('created_at')} AS created_at_ms, ${ms('last_seen_at')} AS last_seen_at_ms,
                 ${ms('idle_expires_at')} AS expires_at_ms, user_agent
               FROM sessions
               WHERE user_id = $1 AND idle_expires_at > now() AND absolute_expires_at > now()
               ORDER BY created_at DESC LIMIT ${MAX_LISTED_SESSIONS}`;

export interface PostgresSessionStoreOptions {
  /**
   * session-cached: every statement that deletes sessions also announces the user id on this
   * channel, in the same statement, so the notification is delivered exactly when (and only if) the
   * delete commits. null (the plain `session` variant): no NOTIFY, its SQL stays exactly as measured.
   */
  notifyChannel?: string | null;
}

export function createPostgresSessionStore(db: Db, timeouts: SessionTimeouts, opts: PostgresSessionStoreOptions = {}): SessionStore {
  const { idleTimeoutMs, absoluteTimeoutMs, touchIntervalMs } = timeouts;
  const channel = opts.notifyChannel ?? null;
  return {
    // THE hot path: one prepared statement, one primary-key read, one round trip, no write. The row
    // alone decides: the database deletes a user's sessions in the transaction that disables the user
    // or moves the cutoff (migrations/050_session_hot_path.sql), so no join with users is needed.
    async find(idHash) {
      const r = await db.query<ActiveRow>({
        name: 'sess_find',
        text: FIND_SQL,
        values: [idHash, touchIntervalMs],
      });
      return r.rows[0] ? toActive(r.rows[0]) : null;
    },

    // Guarded by the same conditions as find(): a touch never revives an expired session, and of two
    // concurrent requests that both saw touch_due only one writes.
    async touch(idHash) {
      const r = await db.query<{ idle_expires_at_ms: number }>({
        name: 'sess_touch',
        text: TOUCH_SQL,
        values: [idHash, idleTimeoutMs, touchIntervalMs],
      });
      return r.rows[0]?.idle_expires_at_ms ?? null;
    },

    // Only for a user who is enabled right now, with the role the users row has. FOR SHARE locks that
    // row against a concurrent disable: it either waits for this session and then deletes it (the
    // trigger), or commits first and this insert finds no enabled user (null).
    async create(s) {
      const r = await db.query<Omit<ActiveRow, 'touch_due'>>({
        name: 'sess_create',
        text: CREATE_SQL,
        values: [s.idHash, s.publicId, s.userId, idleTimeoutMs, absoluteTimeoutMs, s.userAgent],
      });
      return r.rows[0] ? toActive({ ...r.rows[0], touch_due: false }) : null;
    },

    async destroy(idHash) {
      if (channel === null) {
        await db.query({ name: 'sess_destroy', text: 'DELETE FROM sessions WHERE id_hash = $1', values: [idHash] });
        return;
      }
      // The payload is the user id only: listeners drop every cached session of that user (a handful),
      // which needs no second key on the wire. No row deleted, no notification.
      await db.query({
        name: 'sess_destroy_notify',
        text: `WITH gone AS (DELETE FROM sessions WHERE id_hash = $1 RETURNING user_id)
               SELECT pg_notify($2, user_id::text) FROM gone`,
        values: [idHash, channel],
      });
    },

    async destroyAllForUser(userId) {
      if (channel === null) {
        const r = await db.query({ name: 'sess_destroy_user', text: 'DELETE FROM sessions WHERE user_id = $1', values: [userId] });
        return r.rowCount;
      }
      // Announced even when nothing was deleted: cheap (a rare event), and never wrong.
      const r = await db.query<{ n: number }>({
        name: 'sess_destroy_user_notify',
        text: `WITH gone AS (DELETE FROM sessions WHERE user_id = $1 RETURNING 1)
               SELECT (SELECT count(*) FROM gone)::int AS n, pg_notify($2, $1::text)`,
        values: [userId, channel],
      });
      return r.rows[0].n;
    },

    // The user_id condition is the object-level authorization: another user's public id matches no row.
    async destroyByPublicId(userId, publicId) {
      if (channel === null) {
        const r = await db.query({
          name: 'sess_destroy_public',
          text: 'DELETE FROM sessions WHERE public_id = $1 AND user_id = $2',
          values: [publicId, userId],
        });
        return r.rowCount > 0;
      }
      const r = await db.query({
        name: 'sess_destroy_public_notify',
        text: `WITH gone AS (DELETE FROM sessions WHERE public_id = $1 AND user_id = $2 RETURNING user_id)
               SELECT pg_notify($3, user_id::text) FROM gone`,
        values: [publicId, userId, channel],
      });
      return r.rowCount > 0;
    },

    async listForUser(userId) {
      const r = await db.query<{ public_id: string; created_at_ms: number; last_seen_at_ms: number; expires_at_ms: number; user_agent: string | null }>({
        name: 'sess_list_user',
        text: LIST_SQL,
        values: [userId],
      });
      return r.rows.map((row) => ({
        publicId: row.public_id,
        createdAtMs: row.created_at_ms,
        lastSeenAtMs: row.last_seen_at_ms,
        expiresAtMs: row.expires_at_ms,
        userAgent: row.user_agent,
      }));
    },

    // Small batches through the expiry index, each its own short statement. SKIP LOCKED lets several
    // instances prune at once without waiting on each other or on a logout deleting the same row.
    // idle_expires_at <= absolute_expires_at always (CHECK in 010_sessions.sql), so this covers both.
    async pruneExpired(batchSize) {
      const r = await db.query({
        name: 'sess_prune',
        text: `DELETE FROM sessions WHERE id_hash IN (
                 SELECT id_hash FROM sessions WHERE idle_expires_at <= now()
                 ORDER BY idle_expires_at LIMIT $1 FOR UPDATE SKIP LOCKED)`,
        values: [batchSize],
      });
      return r.rowCount;
    },
  };
}
