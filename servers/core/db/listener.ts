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
//
// The NOTIFY self-test: LISTEN succeeding proves nothing about whether revocations will be heard.
// They are sent through the pool (DATABASE_URL, perhaps a PgBouncer) and heard on the direct LISTEN
// connection (LISTEN_DATABASE_URL); if the two reach different databases, or the LISTEN connection
// goes through a transaction-mode pooler, every notification is silently lost and memory would
// answer "valid" for revoked credentials forever. So after every (re)connect, before `live`, a NOTIFY
// with a fresh nonce goes out on the pool path and must arrive here within a bound; if it does not,
// memory is never trusted (the owner asks Postgres on every request), an error is logged, and the
// connection is retried with backoff like any other failure.
import { randomBytes } from 'node:crypto';
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

/** Channel of the self-test (file comment): each instance listens to it only while its own test runs. */
export const SELF_TEST_CHANNEL = 'revocation_self_test';

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
  /** How long the self-test NOTIFY may take to arrive. */
  selfTestTimeoutMs?: number;
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

class SelfTestFailed extends Error {}

/** Resolves when `arrived` is called, rejects with SelfTestFailed after `ms`; `cancel` drops the timer. */
function deadline(ms: number, what: string): { arrived(): void; cancel(): void; done: Promise<void> } {
  let arrived = noop;
  let timer: NodeJS.Timeout | undefined;
  const done = new Promise<void>((resolve, reject) => {
    timer = setTimeout(() => reject(new SelfTestFailed(what)), ms);
    arrived = resolve;
  });
  done.catch(noop); // observed by the caller; a rejection before it awaits must not be "unhandled"
  return { arrived: () => arrived(), cancel: () => clearTimeout(timer), done };
}

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
  // A NOTIFY round trip takes ~1 ms on loopback and a few ms across a network; 3 s absorbs a busy
  // database or event loop. It delays only the start of a misconfigured instance, never a healthy one.
  const selfTestTimeoutMs = opts.selfTestTimeoutMs ?? 3000;

  let current: pg.Client | null = null;
  let live = false;
  let closed = false;
  let failures = 0;
  let downSinceMs: number | null = Date.now();
  let retryTimer: NodeJS.Timeout | null = null;
  let heartbeatTimer: NodeJS.Timeout | null = null;
  watchListener(() => live);
  /** The nonce of the self-test in progress and what to call when it arrives. */
  let selfTest: { nonce: string; arrived(): void } | null = null;
  /** Consecutive failed self-tests (logged at 1, 2, 4, 8...: loud at first, then less often). */
  let selfTestFailures = 0;

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

  /** The self-test (file comment): a NOTIFY sent through the pool must arrive on `c`. Throws SelfTestFailed if not. */
  async function proveNotifyArrives(c: pg.Client): Promise<void> {
    const nonce = randomBytes(12).toString('base64url');
    const wait = deadline(selfTestTimeoutMs, `a NOTIFY sent through DATABASE_URL did not arrive on the LISTEN connection within ${selfTestTimeoutMs} ms`);
    selfTest = { nonce, arrived: wait.arrived };
    try {
      await c.query(`LISTEN ${SELF_TEST_CHANNEL}`);
      await db.query({ name: 'listener_self_test', text: 'SELECT pg_notify($1, $2)', values: [SELF_TEST_CHANNEL, nonce] });
      await wait.done;
      await c.query(`UNLISTEN ${SELF_TEST_CHANNEL}`);
    } finally {
      wait.cancel();
      selfTest = null;
    }
    if (selfTestFailures > 0) log.info('revocation listener NOTIFY self-test passed', { application: applicationName, afterFailures: selfTestFailures });
    selfTestFailures = 0;
  }

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
      // Other instances' self-tests arrive too while ours runs: only our nonce counts, none is forwarded.
      if (n.channel === SELF_TEST_CHANNEL) {
        if (selfTest && n.payload === selfTest.nonce) selfTest.arrived();
        return;
      }
      opts.onNotification(n.channel, n.payload ?? '');
    });
    try {
      await c.query({ text: "SELECT set_config('application_name', $1, false)", values: [applicationName] });
      for (const ch of channels) await c.query(`LISTEN ${ch}`);
      await proveNotifyArrives(c);
      await opts.onResync();
    } catch (err) {
      if (err instanceof SelfTestFailed) {
        selfTestFailures++;
        if ((selfTestFailures & (selfTestFailures - 1)) === 0) {
          log.error('revocation listener NOTIFY self-test FAILED: memory is not trusted, checking Postgres on every request', {
            application: applicationName,
            reason: err.message,
            failures: selfTestFailures,
            hint: 'LISTEN_DATABASE_URL must reach the same database as DATABASE_URL, directly (not through a transaction-mode pooler)',
          });
        }
      } else if (c === current) log.warn('revocation listener resync failed', errorFields(err));
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
