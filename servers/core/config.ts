// The only reader of process.env. Every setting is parsed, defaulted, validated (errors name the
// variable) and frozen; secrets are non-enumerable so `console.log(config)` never prints them.
import { availableParallelism, hostname } from 'node:os';
import { USERNAME_PATTERN, USERNAME_RULE } from './users/username';

export type Variant = 'session' | 'session-memory' | 'session-cached' | 'jwt' | 'jwt-denylist' | 'jwt-push' | 'jwt-string-secret';

export interface JwtKey {
  kid: string;
  secret: Buffer;
}

export interface Config {
  host: string;
  port: number;
  instanceId: string;
  variant: Variant;
  databaseUrl: string;
  db: { poolMax: number; connectTimeoutMs: number; statementTimeoutMs: number };
  /** Trust X-Forwarded-For/-Proto (only when a proxy we run sits in front). */
  trustProxy: boolean;
  /** Origins allowed to make cookie-authenticated state changes; empty = same-origin only. */
  allowedOrigins: string[];
  bodyLimitBytes: number;
  logRequests: boolean;
  /** GET /metrics (Prometheus) on its own listener, never on the public port (README "Metrics"). */
  metrics: { enabled: boolean; host: string; port: number };
  password: { scryptLogN: number; minLength: number; maxLength: number };
  login: { maxFailures: number; perClientMaxFailures: number; windowMs: number; maxLockMs: number; pruneIntervalMs: number };
  /** Bounds on password-hashing work (users/hashing-queue.ts). */
  hashing: { concurrency: number; perClient: number; maxWaiting: number };
  admin: { username: string | null; password: string | null };
  session: { idleTimeoutMs: number; absoluteTimeoutMs: number; touchIntervalMs: number; pruneIntervalMs: number };
  jwt: {
    issuer: string;
    audience: string;
    accessTokenTtlSeconds: number;
    clockToleranceSeconds: number;
    refreshIdleTimeoutMs: number;
    refreshAbsoluteTimeoutMs: number;
    /** Refreshes one refresh family may make per minute (refresh-tokens.ts). */
    refreshesPerMinute: number;
    /** The key set; tokens name their key with `kid`. Non-enumerable. */
    keys: JwtKey[];
    currentKid: string;
  };
  /** Running behind a transaction-mode pooler (PgBouncer): see `poolerSettings`. */
  pooler: PoolerSettings;
}

// --- Pooler settings (README "Behind PgBouncer") ---------------------------------------------
export interface PoolerSettings {
  /**
   * A direct connection to the same database for LISTEN and the migrations' advisory lock: both
   * are session state, which a transaction-mode pooler hands to another client after every
   * transaction. Default: DATABASE_URL (no pooler). Non-enumerable (it may hold a password).
   */
  listenDatabaseUrl: string;
  /**
   * Named (prepared) statements on the hot paths. PgBouncer 1.18 (Debian 12) cannot route them in
   * transaction mode: a statement prepared on one server connection is unknown on the next, so
   * PG_PREPARED_STATEMENTS=0 sends every statement unnamed (parsed on each execution).
   */
  preparedStatements: boolean;
}

function poolerSettings(env: Env, databaseUrl: string): PoolerSettings {
  const settings = { listenDatabaseUrl: str(env, 'LISTEN_DATABASE_URL', databaseUrl), preparedStatements: bool(env, 'PG_PREPARED_STATEMENTS', true) };
  return hideSecret(settings, 'listenDatabaseUrl');
}
// --- end of the pooler settings ----------------------------------------------------------------

const VARIANTS: Variant[] = ['session', 'session-memory', 'session-cached', 'jwt', 'jwt-denylist', 'jwt-push', 'jwt-string-secret'];

export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;

function str(env: Env, name: string, fallback: string): string {
  const v = env[name];
  return v === undefined || v === '' ? fallback : v;
}

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(`${name} must be an integer between ${min} and ${max}, got "${raw}"`);
  }
  return n;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'yes'].includes(raw.toLowerCase())) return true;
  if (['0', 'false', 'no'].includes(raw.toLowerCase())) return false;
  throw new ConfigError(`${name} must be 1/0/true/false, got "${raw}"`);
}

/** Printed by every JWT_KEYS error: a command that prints a valid value. */
const GENERATE_JWT_KEYS = `node -e "console.log('k1:'+require('crypto').randomBytes(32).toString('base64url'))"`;

/**
 * Is this secret what a random generator would print? JWT_KEYS must be random bytes written as
 * canonical base64url (RFC 4648 5: A-Z a-z 0-9 - _, no '=' padding), e.g. by GENERATE_JWT_KEYS.
 * Returns why not, or null. The checks, and how often they refuse a truly random 32-byte key
 * (43 characters, each uniform over 64; longer keys are refused even less often):
 * - characters outside the alphabet ('+', '/', '='): standard base64 or padding, which Buffer
 *   would silently skip (so the key would not be the bytes the user thinks): never for random keys;
 * - fewer than 18 distinct characters (all-zero bytes "AAAA...", a repeated word): random keys
 *   have 31 on average, and <= 17 with probability 5.8e-11 (exact occupancy distribution);
 * - no upper-case or no lower-case letter: a passphrase or hex, not random base64url:
 *   2 * (38/64)^43 = 3.7e-10;
 * - not canonical (decode + re-encode differs: stray trailing bits, a length of 4n+1): never.
 * Total: a random key is refused about once in 2.3 billion. What it cannot see: a key typed by
 * hand that happens to mix cases and characters ("Tr0ub4dor-..."): entropy of a given string is
 * not measurable, so the error messages point at the generator instead.
 */
export function weakSecretReason(secret: string): string | null {
  if (!/^[A-Za-z0-9_-]+$/.test(secret)) {
    return "is not base64url: it has '+', '/' or '=' (standard base64 or padding) or other characters";
  }
  if (new Set(secret).size < 18) return `does not look random: only ${new Set(secret).size} distinct characters (random keys have ~31)`;
  if (!/[A-Z]/.test(secret) || !/[a-z]/.test(secret)) {
    return 'does not look random: random base64url mixes upper- and lower-case letters (a passphrase or hex string is not a key)';
  }
  if (Buffer.from(secret, 'base64url').toString('base64url') !== secret) return 'is not canonical base64url (stray trailing bits)';
  return null;
}

/**
 * JWT_KEYS="kid1:<base64url secret>,kid2:<...>". HS256 needs a secret at least as long as the hash
 * output (RFC 7518 3.2: 256 bits); jsonwebtoken happily signs with 1 byte, so we refuse here.
 * Several keys allow rotation with an overlap window: sign with JWT_CURRENT_KID, verify with any.
 */
function jwtKeys(env: Env): { keys: JwtKey[]; currentKid: string } {
  const raw = env.JWT_KEYS;
  const fix = `; generate a key with: ${GENERATE_JWT_KEYS}`;
  if (raw === undefined || raw === '') {
    throw new ConfigError(
      `JWT_KEYS is required for the jwt server: "kid:<base64url secret of >= 32 random bytes>[,kid2:...]" (npm run dev and the bench generate one)${fix}`,
    );
  }
  const keys = raw.split(',').map((entry, i) => {
    const [kid, secret, extra] = entry.trim().split(':');
    if (!kid || !secret || extra !== undefined) throw new ConfigError(`JWT_KEYS entry ${i + 1} must be "kid:secret"${fix}`);
    const bytes = Buffer.from(secret, 'base64url');
    const notBase64url = /[^A-Za-z0-9_-]/.test(secret);
    if (bytes.length < 32 && !notBase64url) {
      throw new ConfigError(`JWT_KEYS key "${kid}" has ${bytes.length} bytes; HS256 needs >= 32 random bytes (RFC 7518 3.2)${fix}`);
    }
    const weak = weakSecretReason(secret);
    if (weak) throw new ConfigError(`JWT_KEYS key "${kid}" ${weak}${fix}`);
    return { kid, secret: bytes };
  });
  if (new Set(keys.map((k) => k.kid)).size !== keys.length) throw new ConfigError('JWT_KEYS has a duplicate kid');
  const currentKid = str(env, 'JWT_CURRENT_KID', keys[0].kid);
  if (!keys.some((k) => k.kid === currentKid)) throw new ConfigError(`JWT_CURRENT_KID "${currentKid}" is not in JWT_KEYS`);
  return { keys, currentKid };
}

/** The bootstrap admin's name follows the registration rule (users/username.ts): one canonical form. */
function adminUsername(env: Env): string | null {
  const name = env.ADMIN_USERNAME || null;
  if (name !== null && !USERNAME_PATTERN.test(name)) throw new ConfigError(`ADMIN_USERNAME must be ${USERNAME_RULE}, got "${name}"`);
  return name;
}

/**
 * DATABASE_URL must be a postgres:// (or postgresql://) URL with a host. pg reads anything else its
 * own way: "localhost:5432" parses as a URL whose scheme is "localhost:", and the server would
 * then try a default socket, a different database than the user meant. The value is not echoed:
 * it may hold a password.
 */
function databaseUrl(env: Env): string {
  const raw = env.DATABASE_URL;
  const form = 'postgres://user:password@host:5432/database';
  if (!raw) {
    throw new ConfigError(`DATABASE_URL is required, e.g. ${form} (npm run dev, npm test and npm run bench start an embedded Postgres and set it for you)`);
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`DATABASE_URL is not a URL: expected ${form}`);
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new ConfigError(`DATABASE_URL must start with postgres:// (it starts with "${url.protocol}"): expected ${form}`);
  }
  if (!url.hostname) throw new ConfigError(`DATABASE_URL has no host: expected ${form}`);
  return raw;
}

function hideSecret<T extends object>(obj: T, key: keyof T): T {
  Object.defineProperty(obj, key, { enumerable: false });
  return obj;
}

function deepFreeze<T>(obj: T): T {
  for (const v of Object.values(obj as object)) if (v && typeof v === 'object' && !Buffer.isBuffer(v)) deepFreeze(v);
  return Object.freeze(obj);
}

export function loadConfig(strategy: 'session' | 'jwt', env: Env = process.env): Config {
  const variant = str(env, 'AUTH_VARIANT', strategy) as Variant;
  if (!VARIANTS.includes(variant) || !variant.startsWith(strategy)) {
    throw new ConfigError(
      `AUTH_VARIANT must be one of ${VARIANTS.filter((v) => v.startsWith(strategy)).join(', ')} for the ${strategy} server, got "${variant}"`,
    );
  }
  const port = int(env, 'PORT', strategy === 'session' ? 3001 : 3002, 0, 65535);
  const minute = 60_000;
  const dbUrl = databaseUrl(env);
  const config: Config = {
    host: str(env, 'HOST', '127.0.0.1'),
    port,
    // With PORT=0 (any free port) the pid tells instances on one host apart.
    instanceId: str(env, 'INSTANCE_ID', `${variant}-${hostname()}-${port || process.pid}`),
    variant,
    databaseUrl: dbUrl,
    db: {
      poolMax: int(env, 'PG_POOL_MAX', 10, 1, 100),
      // How long a request may wait for a pooled connection (queueing included) before it gets 503.
      // A stopped database refuses connections at once, so this bounds only hung networks and bursts.
      connectTimeoutMs: int(env, 'DB_CONNECT_TIMEOUT_MS', 5000, 100, 60_000),
      statementTimeoutMs: int(env, 'DB_STATEMENT_TIMEOUT_MS', 5000, 100, 600_000),
    },
    trustProxy: bool(env, 'TRUST_PROXY', false),
    allowedOrigins: str(env, 'ALLOWED_ORIGINS', '')
      .split(',')
      .map((o) => o.trim())
      .filter(Boolean),
    bodyLimitBytes: int(env, 'BODY_LIMIT_BYTES', 16 * 1024, 1024, 1024 * 1024),
    logRequests: bool(env, 'LOG_REQUESTS', false),
    metrics: {
      enabled: bool(env, 'METRICS_ENABLED', true),
      // Loopback unless told otherwise: a scraper in the same pod / host reaches it, the public
      // load balancer (which forwards to PORT) does not. 9464 is Prometheus' usual exporter port.
      host: str(env, 'METRICS_HOST', '127.0.0.1'),
      port: int(env, 'METRICS_PORT', 9464, 0, 65535),
    },
    password: {
      // scrypt N = 2^14, r = 8, p = 1: the OWASP Password Storage minimum; ~37 ms a hash on the reference box.
      scryptLogN: int(env, 'SCRYPT_LOG_N', 14, 10, 20),
      minLength: 8,
      maxLength: 1024,
    },
    login: {
      // NIST SP 800-63B-4 caps consecutive failures at 100; we lock far earlier, with backoff.
      maxFailures: int(env, 'LOGIN_MAX_FAILURES', 10, 1, 100),
      perClientMaxFailures: int(env, 'LOGIN_CLIENT_MAX_FAILURES', 100, 1, 100_000),
      windowMs: int(env, 'LOGIN_THROTTLE_WINDOW_MS', 15 * minute, 1000, 24 * 60 * minute),
      maxLockMs: int(env, 'LOGIN_MAX_LOCK_MS', 15 * minute, 1000, 24 * 60 * minute),
      // Rows past their window and lock change no answer: deleted this often (login-throttle.ts).
      pruneIntervalMs: int(env, 'LOGIN_FAILURES_PRUNE_INTERVAL_MS', 10 * minute, 1000, 24 * 60 * minute),
    },
    hashing: {
      // scrypt runs on libuv's thread pool (4 threads by default), and so does pg's SCRAM login to
      // Postgres (WebCrypto): with all 4 threads hashing, new database connections waited behind the
      // hashes until the pool gave up (503). One hash per core already uses every core, so: one per
      // core, at most 3, and one thread is always left for everything else.
      concurrency: int(env, 'HASH_CONCURRENCY', Math.max(1, Math.min(availableParallelism(), 3)), 1, 64),
      // Round robin already stops one address from starving the others; this bounds its share of the
      // queue. 16 fits an office behind one NAT logging in at once; a flood of 200 gets 184 x 429.
      perClient: int(env, 'HASH_PER_CLIENT', 16, 1, 100_000),
      // ~256 x 37 ms / 4 = ~2.4 s of queued work at most before new hashing requests get 503.
      maxWaiting: int(env, 'HASH_MAX_WAITING', 256, 1, 100_000),
    },
    admin: { username: adminUsername(env), password: env.ADMIN_PASSWORD || null },
    session: {
      // OWASP: 15-30 min idle for low-risk apps; ASVS 4 L2: 30 min idle, 12 h absolute.
      idleTimeoutMs: int(env, 'SESSION_IDLE_TIMEOUT_MS', 30 * minute, 1000, 24 * 60 * minute),
      absoluteTimeoutMs: int(env, 'SESSION_ABSOLUTE_TIMEOUT_MS', 12 * 60 * minute, 1000, 30 * 24 * 60 * minute),
      // Extending the idle expiry at most once a minute keeps the hot path read-only.
      touchIntervalMs: int(env, 'SESSION_TOUCH_INTERVAL_MS', minute, 0, 60 * minute),
      pruneIntervalMs: int(env, 'SESSION_PRUNE_INTERVAL_MS', 10 * minute, 1000, 24 * 60 * minute),
    },
    jwt: {
      issuer: str(env, 'JWT_ISSUER', 'sessions-vs-tokens'),
      audience: str(env, 'JWT_AUDIENCE', 'sessions-vs-tokens-api'),
      accessTokenTtlSeconds: int(env, 'ACCESS_TOKEN_TTL_SECONDS', 300, 1, 3600),
      clockToleranceSeconds: int(env, 'JWT_CLOCK_TOLERANCE_SECONDS', 30, 0, 60),
      refreshIdleTimeoutMs: int(env, 'REFRESH_IDLE_TIMEOUT_MS', 30 * minute, 1000, 24 * 60 * minute),
      refreshAbsoluteTimeoutMs: int(env, 'REFRESH_ABSOLUTE_TIMEOUT_MS', 12 * 60 * minute, 1000, 30 * 24 * 60 * minute),
      // A client refreshes once per access lifetime (5 min); 10 a minute leaves room for a few tabs
      // and retries, and caps a family at 10 rows a minute instead of ~280 a second (issue 8).
      refreshesPerMinute: int(env, 'REFRESH_MAX_PER_MINUTE', 10, 1, 10_000),
      ...(strategy === 'jwt' ? jwtKeys(env) : { keys: [], currentKid: '' }),
    },
    pooler: poolerSettings(env, dbUrl),
  };
  if (config.session.idleTimeoutMs > config.session.absoluteTimeoutMs) {
    throw new ConfigError('SESSION_IDLE_TIMEOUT_MS must not exceed SESSION_ABSOLUTE_TIMEOUT_MS');
  }
  hideSecret(config, 'databaseUrl');
  hideSecret(config.admin, 'password');
  hideSecret(config.jwt, 'keys');
  return deepFreeze(config);
}
