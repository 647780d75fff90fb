// The `jwt-push` variant: what jwt-denylist asks Postgres on every request, held in this process
// instead, loaded at start and fed by LISTEN/NOTIFY (servers/core/db/listener.ts). A check is two
// Map lookups, no await: stateless speed with revocation within the notify latency.
//
// Memory holds, for one access lifetime (plus leeway) after each event:
//   revoked families  from `jwt_revoked` (refresh-tokens.ts announces them in the revoking statement)
//   user cutoffs      from `auth_user_changed` (the users trigger, migrations/030): disabled users,
//                     and the cutoff as a backstop should the family revocation after it fail.
// Failure rule (PRODUCT.md): while the listener is not live (down, reconnecting, resyncing) every
// check asks Postgres exactly as jwt-denylist does; with Postgres down too that throws (503), never
// "allow". Revocations are permanent facts, so memory is never cleared: a resync merges a fresh
// snapshot into it, and entries leave only when every token they deny has expired.
import type { Db } from '../core/db/db';
import { type Listener, listenerApplicationName, parseUserChange, startListener, USER_CHANGED_CHANNEL } from '../core/db/listener';
import { watchState } from '../core/metrics/variant-state';
import { errorFields, type Logger } from '../core/log';
import type { AccessTokenClaims } from './access-token';
import { isRevokedInDatabase } from './denylist-revocation';
import type { AccessTokenRevocation } from './revocation';

/** Channel on which refresh-tokens.ts announces revoked families: {"u": user id, "f": [public ids]}. */
export const FAMILY_REVOKED_CHANNEL = 'jwt_revoked';

// Tokens are stamped by the signing process's clock, families and cutoffs by Postgres's, and entries
// dropped by this process's: 30 s absorbs any sane skew between them (and a login racing a disable,
// whose token is issued a few ms after the cutoff) at the cost of keeping entries 30 s longer.
const CLOCK_MARGIN_MS = 30_000;
// The cutoff compares whole-second iat with a microsecond timestamp (revocation.ts). Memory refuses
// only tokens issued at least one full second before the cutoff's second: that never refuses the
// fresh token of a password change (issued after the cutoff, possibly in the same second, by a clock
// up to 1 s behind Postgres's). Older tokens inside that slack die with their family, which every
// cutoff event also revokes; the database path (used while deaf) is exact.
const CUTOFF_SLACK_SECONDS = 1;
const SWEEP_INTERVAL_MS = 30_000;

interface UserEntry {
  /** Tokens with iat below this (seconds) are refused. */
  notBeforeSeconds: number;
  disabled: boolean;
  dropAtMs: number;
}

export interface PushRevocationOptions {
  db: Db;
  log: Logger;
  instanceId: string;
  accessTokenTtlSeconds: number;
  clockToleranceSeconds: number;
}

export interface PushRevocation extends AccessTokenRevocation {
  readonly live: boolean;
  readonly started: Promise<void>;
}

export function createPushRevocation(opts: PushRevocationOptions): PushRevocation {
  const { db, log } = opts;
  // How long after an event a token it denies can still pass verify(): issued before the event,
  // valid until iat + ttl, accepted until exp + clock tolerance. The memory bound: entries never
  // outlive this, so memory holds at most one access lifetime's worth of revocations.
  const windowMs = (opts.accessTokenTtlSeconds + opts.clockToleranceSeconds) * 1000 + CLOCK_MARGIN_MS;
  const revokedFamilies = new Map<string, number>(); // family public id -> drop at (ms)
  const users = new Map<string, UserEntry>();

  const addFamily = (familyId: string, dropAtMs: number) => {
    const known = revokedFamilies.get(familyId);
    if (known === undefined || known < dropAtMs) revokedFamilies.set(familyId, dropAtMs);
  };

  const addUser = (userId: string, cutoffMs: number, disabled: boolean, dropAtMs: number) => {
    const notBeforeSeconds = Math.floor(cutoffMs / 1000) - CUTOFF_SLACK_SECONDS;
    const known = users.get(userId);
    // Merge: cutoffs only move forward and a user is never re-enabled, so keep the strictest.
    users.set(userId, {
      notBeforeSeconds: Math.max(notBeforeSeconds, known?.notBeforeSeconds ?? notBeforeSeconds),
      disabled: disabled || known?.disabled === true,
      dropAtMs: Math.max(dropAtMs, known?.dropAtMs ?? dropAtMs),
    });
  };

  const onFamilies = (payload: string) => {
    const p = JSON.parse(payload) as { f?: unknown };
    if (!Array.isArray(p.f)) throw new Error('no family list');
    const dropAtMs = Date.now() + windowMs;
    for (const id of p.f) if (typeof id === 'string') addFamily(id, dropAtMs);
  };

  // Both snapshots are sequential scans (no index on revoked_at / credentials_valid_after: one more
  // index write on every logout for every variant is not worth it). They run at start and after a
  // reconnect only, and read the rows of the last window: milliseconds for a bench-sized table.
  async function loadSnapshot(): Promise<void> {
    const families = await db.query<{ public_id: string; revoked_at_ms: number }>({
      name: 'jwt_push_snapshot_families',
      text: `SELECT public_id, (extract(epoch FROM revoked_at) * 1000)::float8 AS revoked_at_ms
             FROM jwt_refresh_families WHERE revoked_at > now() - $1::float8 * interval '1 millisecond'`,
      values: [windowMs],
    });
    for (const row of families.rows) addFamily(row.public_id, row.revoked_at_ms + windowMs);
    const cutoffs = await db.query<{ id: string; cutoff_ms: number; disabled: boolean }>({
      name: 'jwt_push_snapshot_users',
      text: `SELECT id::text AS id, (extract(epoch FROM credentials_valid_after) * 1000)::float8 AS cutoff_ms, disabled_at IS NOT NULL AS disabled
             FROM users WHERE credentials_valid_after > now() - $1::float8 * interval '1 millisecond'`,
      values: [windowMs],
    });
    for (const row of cutoffs.rows) addUser(row.id, row.cutoff_ms, row.disabled, row.cutoff_ms + windowMs);
    log.info('revocation snapshot loaded', { families: families.rowCount, users: cutoffs.rowCount, windowMs });
  }

  watchState('jwt_denylist_entries', () => revokedFamilies.size + users.size);
  const listener: Listener = startListener({
    db,
    channels: [FAMILY_REVOKED_CHANNEL, USER_CHANGED_CHANNEL],
    applicationName: listenerApplicationName(opts.instanceId),
    log,
    onNotification(channel, payload) {
      try {
        if (channel === FAMILY_REVOKED_CHANNEL) onFamilies(payload);
        else {
          const change = parseUserChange(payload);
          if (!change) throw new Error('malformed user change');
          addUser(change.userId, change.cutoffMs, change.disabled, Math.max(Date.now(), change.cutoffMs) + windowMs);
        }
      } catch (err) {
        // Cannot happen with our own payloads. If it does, memory may have missed a revocation:
        // this process cannot tell which, so it stops trusting memory and reloads it (reconnect).
        log.error('unreadable revocation notification: resynchronising', { channel, ...errorFields(err) });
        listener.reconnect(err);
      }
    },
    onResync: loadSnapshot,
    onDown: () => {},
  });

  const sweep = setInterval(() => {
    const nowMs = Date.now();
    for (const [id, dropAtMs] of revokedFamilies) if (dropAtMs < nowMs) revokedFamilies.delete(id);
    for (const [id, u] of users) if (u.dropAtMs < nowMs) users.delete(id);
  }, SWEEP_INTERVAL_MS);
  sweep.unref();

  const dropAt = () => Date.now() + windowMs;

  return {
    get live() {
      return listener.live;
    },
    started: listener.started,

    isRevoked(claims: AccessTokenClaims) {
      if (!listener.live) return isRevokedInDatabase(db, claims);
      if (revokedFamilies.has(claims.familyId)) return true;
      const u = users.get(claims.userId);
      return u !== undefined && (u.disabled || claims.issuedAtSeconds < u.notBeforeSeconds);
    },

    // The revoking instance applies its own events at once: its next request must not wait for the
    // notification it just sent (which arrives too, and changes nothing).
    async revokeToken(claims) {
      addFamily(claims.familyId, dropAt());
    },
    async revokeFamily(familyId) {
      addFamily(familyId, dropAt());
    },
    async revokeAllForUser(_userId, familyIds) {
      const at = dropAt();
      for (const id of familyIds) addFamily(id, at);
    },

    async close() {
      clearInterval(sweep);
      await listener.close();
    },
  };
}
