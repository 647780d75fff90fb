// A Postgres LISTEN connection that knows whether it can be trusted. The in-process revocation
// variants (session-cached, jwt-push) may answer from memory only while `live` is true: the
// connection is up, LISTENing on every channel, and the owner has resynchronised after the last
// (re)connect. Everything else (connecting, down, backing off, resync failed) is "not live", and the
// owner must then ask Postgres on every request (PRODUCT.md: fall back to the database while deaf).
//
// Why "LISTEN first, then resync" is gap-free: Postgres delivers every notification committed after
// LISTEN completed; the resync reads (on the pool) start after that, so they see every revocation
// committed before. A notification for a commit in between arrives as well: owners apply both
// idempotently. Notifications that were in flight when a connection died are lost with it, which
// is why every reconnect resyncs instead of replaying.
import type pg from 'pg';
import { errorFields, type Logger } from '../log';
import { noteNotification, watchListener } from '../metrics/variant-state';
import type { Db } from './db';

/**
 * Channel of the trigger in migrations/030_revocation_notify.sql: fires whenever a user's
 * credentials_valid_after or disabled_at changes (logout-all, password change, disable), in the
 * transaction that changes it, so a listener hears of the cutoff exactly when it takes effect.
 */
export const USER_CHANGED_CHANNEL = 'auth_user_changed';

export interface UserChange {
  userId: string;
  /** users.credentials_valid_after in epoch ms (with its microsecond fraction). */
  cutoffMs: number;
  disabled: boolean;
}

/** Parses a USER_CHANGED_CHANNEL payload (`{"u":"42","c":1712345678901.123,"d":false}`); null if malformed. */
export function parseUserChange(payload: string): UserChange | null {
  try {
    const p = JSON.parse(payload) as { u?: unknown; c?: unknown; d?: unknown };
    if (typeof p.u !== 'string' || typeof p.c !== 'number' || typeof p.d !== 'boolean') return null;
    return { userId: p.u, cutoffMs: p.c, disabled: p.d };
  } catch {
    return null;
  }
}

export interface ListenerOptions {
  db: Db;
  /** Fixed identifiers of ours (never client input): they are interpolated into LISTEN. */
  channels: string[];
  /** application_name of the LISTEN backend: how an operator (or a test) finds it in pg_stat_activity. */
  applicationName: string;
  log: Logger;
  /** Every notification on the channels, also those arriving during a resync. Must not throw. */
  onNotification(channel: string, payload: string): void;
  /** Runs after LISTEN succeeded and before `live` turns true: reload or drop what memory holds. A throw retries the connection. */
  onResync(): Promise<void>;
  /** Runs synchronously the moment the connection is known to be lost. */
  onDown(): void;
  /** How often a live connection proves it still answers (a silent network partition emits no error). */
  heartbeatIntervalMs?: number;
  heartbeatTimeoutMs?: number;
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

export interface Listener {
  /** True while memory may be trusted (see the file comment). */
  readonly live: boolean;
  /** Settles after the first connection attempt (success or not): start-up never fails on it. */
  readonly started: Promise<void>;
  /** Stop trusting memory now and reconnect + resync (e.g. after a notification the owner could not apply). */
  reconnect(reason: unknown): void;
  close(): Promise<void>;
}

/** The LISTEN connection's application_name: the instance id, told apart from its pool connections. */
export function listenerApplicationName(instanceId: string): string {
  // Postgres truncates application_name to 63 bytes: keep the suffix that names the connection.
  return `${instanceId.slice(0, 55)}/listen`;
}

const CHANNEL_NAME = /^[a-z_][a-z0-9_]*$/;
const noop = () => {};

export function startListener(opts: ListenerOptions): Listener {
  const { db, channels, applicationName, log } = opts;
  for (const ch of channels) if (!CHANNEL_NAME.test(ch)) throw new Error(`invalid channel name: ${ch}`);
  // A lost backend is detected at once (Postgres sends 57P01 and closes the socket). A partition or a
  // frozen server sends nothing; TCP keepalive would notice only after minutes, so a cheap SELECT 1
  // every 5 s bounds how long a deaf instance can believe it is listening to ~5 + 3 s.
  const heartbeatIntervalMs = opts.heartbeatIntervalMs ?? 5000;
  const heartbeatTimeoutMs = opts.heartbeatTimeoutMs ?? 3000;
  // First retry after 100 ms (a terminated backend comes back almost at once), doubling to 5 s:
  // during an outage every instance retries at most every 5 s, with jitter so they do not stampede.
  const minBackoffMs = opts.minBackoffMs ?? 100;
  const maxBackoffMs = opts.maxBackoffMs ?? 5000;

  let current: pg.Client | null = null;
  let live = false;
  let closed = false;
  let failures = 0;
  let downSinceMs: number | null = Date.now();
  let retryTimer: NodeJS.Timeout | null = null;
  let heartbeatTimer: NodeJS.Timeout | null = null;
  watchListener(() => live);

  const stopHeartbeat = () => {
    if (heartbeatTimer) clearInterval(heartbeatTimer);
    heartbeatTimer = null;
  };

  const scheduleRetry = () => {
    if (closed || retryTimer) return;
    const base = Math.min(maxBackoffMs, minBackoffMs * 2 ** Math.min(failures, 16));
    const delayMs = Math.round(base * (0.8 + Math.random() * 0.4));
    failures++;
    retryTimer = setTimeout(() => {
      retryTimer = null;
      void connect();
    }, delayMs);
    retryTimer.unref();
  };

  /** The connection `c` is gone (error, end, failed heartbeat or resync): not live until a resync. */
  const lost = (c: pg.Client, err: unknown) => {
    if (c !== current) return; // an old connection's late event
    current = null;
    stopHeartbeat();
    const wasLive = live;
    live = false;
    downSinceMs ??= Date.now();
    // Synchronously, before any other request runs: from now on the owner asks Postgres.
    opts.onDown();
    if (wasLive) log.warn('revocation listener down: checking Postgres on every request', { application: applicationName, ...errorFields(err) });
    c.end().catch(noop); // the error handler stays attached: a late socket error is not an uncaught exception
    scheduleRetry();
  };

  const heartbeat = (c: pg.Client) => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`listener heartbeat: no answer within ${heartbeatTimeoutMs} ms`)), heartbeatTimeoutMs);
    });
    Promise.race([c.query('SELECT 1'), timeout])
      .catch((err) => lost(c, err))
      .finally(() => clearTimeout(timer));
  };

  async function connect(): Promise<void> {
    if (closed) return;
    let c: pg.Client;
    try {
      c = await db.connectDedicated();
    } catch (err) {
      if (failures === 0) log.warn('revocation listener cannot connect: checking Postgres on every request', errorFields(err));
      scheduleRetry();
      return;
    }
    if (closed) {
      await c.end().catch(noop);
      return;
    }
    current = c;
    c.on('error', (err) => lost(c, err));
    c.on('end', () => lost(c, new Error('listener connection ended')));
    c.on('notification', (n) => {
      if (c !== current) return;
      noteNotification();
      opts.onNotification(n.channel, n.payload ?? '');
    });
    try {
      await c.query({ text: "SELECT set_config('application_name', $1, false)", values: [applicationName] });
      for (const ch of channels) await c.query(`LISTEN ${ch}`);
      await opts.onResync();
    } catch (err) {
      if (c === current) log.warn('revocation listener resync failed', errorFields(err));
      lost(c, err);
      return;
    }
    if (c !== current || closed) return; // lost during the resync: a retry is already scheduled
    live = true;
    log.info('revocation listener up: answering from memory', {
      application: applicationName,
      channels,
      downMs: downSinceMs === null ? 0 : Date.now() - downSinceMs,
      retries: failures,
    });
    failures = 0;
    downSinceMs = null;
    heartbeatTimer = setInterval(() => heartbeat(c), heartbeatIntervalMs);
    heartbeatTimer.unref();
  }

  const started = connect();

  return {
    get live() {
      return live;
    },
    started,
    reconnect(reason) {
      if (current) lost(current, reason);
    },
    async close() {
      closed = true;
      live = false;
      stopHeartbeat();
      if (retryTimer) clearTimeout(retryTimer);
      const c = current;
      current = null;
      if (c) await c.end().catch(noop);
    },
  };
}
