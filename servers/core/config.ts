// The only reader of process.env. Every setting is parsed, defaulted, validated (errors name the
// variable) and frozen; secrets are non-enumerable so `console.log(config)` never prints them.
import { hostname } from 'node:os';

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
  password: { scryptLogN: number; minLength: number; maxLength: number };
  login: { maxFailures: number; perClientMaxFailures: number; windowMs: number; maxLockMs: number };
  admin: { username: string | null; password: string | null };
  session: { idleTimeoutMs: number; absoluteTimeoutMs: number; touchIntervalMs: number; pruneIntervalMs: number };
  jwt: {
    issuer: string;
    audience: string;
    accessTokenTtlSeconds: number;
    clockToleranceSeconds: number;
    refreshIdleTimeoutMs: number;
    refreshAbsoluteTimeoutMs: number;
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

/**
 * JWT_KEYS="kid1:<base64url secret>,kid2:<...>". HS256 needs a secret at least as long as the hash
 * output (RFC 7518 3.2: 256 bits); jsonwebtoken happily signs with 1 byte, so we refuse here.
 * Several keys allow rotation with an overlap window: sign with JWT_CURRENT_KID, verify with any.
 */
function jwtKeys(env: Env): { keys: JwtKey[]; currentKid: string } {
  const raw = env.JWT_KEYS;
  if (raw === undefined || raw === '') {
    throw new ConfigError(
      'JWT_KEYS is required for the jwt server: "kid:<base64url secret of >= 32 bytes>[,kid2:...]" (npm run dev and the bench generate one)',
    );
  }
  const keys = raw.split(',').map((entry, i) => {
    const [kid, secret] = entry.trim().split(':');
    if (!kid || !secret) throw new ConfigError(`JWT_KEYS entry ${i + 1} must be "kid:secret"`);
    const bytes = Buffer.from(secret, 'base64url');
    if (bytes.length < 32) {
      throw new ConfigError(`JWT_KEYS key "${kid}" has ${bytes.length} bytes; HS256 needs >= 32 random bytes (RFC 7518 3.2)`);
    }
    return { kid, secret: bytes };
  });
  if (new Set(keys.map((k) => k.kid)).size !== keys.length) throw new ConfigError('JWT_KEYS has a duplicate kid');
  const currentKid = str(env, 'JWT_CURRENT_KID', keys[0].kid);
  if (!keys.some((k) => k.kid === currentKid)) throw new ConfigError(`JWT_CURRENT_KID "${currentKid}" is not in JWT_KEYS`);
  return { keys, currentKid };
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
  const databaseUrl = env.DATABASE_URL;
  if (!databaseUrl) {
    throw new ConfigError('DATABASE_URL is required (npm run dev, npm test and npm run bench start an embedded Postgres and set it for you)');
  }
  const port = int(env, 'PORT', strategy === 'session' ? 3001 : 3002, 0, 65535);
  const minute = 60_000;
  const config: Config = {
    host: str(env, 'HOST', '127.0.0.1'),
    port,
    // With PORT=0 (any free port) the pid tells instances on one host apart.
    instanceId: str(env, 'INSTANCE_ID', `${variant}-${hostname()}-${port || process.pid}`),
    variant,
    databaseUrl,
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
    },
    admin: { username: env.ADMIN_USERNAME || null, password: env.ADMIN_PASSWORD || null },
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
      ...(strategy === 'jwt' ? jwtKeys(env) : { keys: [], currentKid: '' }),
    },
    pooler: poolerSettings(env, databaseUrl),
  };
  if (config.session.idleTimeoutMs > config.session.absoluteTimeoutMs) {
    throw new ConfigError('SESSION_IDLE_TIMEOUT_MS must not exceed SESSION_ABSOLUTE_TIMEOUT_MS');
  }
  hideSecret(config, 'databaseUrl');
  hideSecret(config.admin, 'password');
  hideSecret(config.jwt, 'keys');
  return deepFreeze(config);
}
