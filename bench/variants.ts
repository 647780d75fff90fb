// The variant registry: everything the harness knows about a variant. A new variant is one entry
// here: credentials, workloads and reports depend only on its strategy and these fields, never on
// its name.
import type { WorkloadName } from './workloads';

export type Strategy = 'session' | 'jwt';
export type RevocationPromise = 'next-request' | 'notify' | 'expiry';

export interface Variant {
  name: string;
  strategy: Strategy;
  /** AUTH_VARIANT and any other server setting that makes the variant (on top of benchServerEnv). */
  env: Record<string, string>;
  description: string;
  /** Main workloads it runs; 'all' = every workload. */
  workloads: 'all' | WorkloadName[];
  /** Part of the scaling scenario (1..N instances sharing one Postgres). */
  scaling: boolean;
  /**
   * When a revoked credential stops working, as PRODUCT.md promises (the revocation scenario measures
   * it; false: not part of that scenario): at the next request, within the notify latency, or at `exp`.
   */
  revocation: RevocationPromise | false;
  /**
   * Sessions live in one process: behind a non-sticky balancer a credential works only on the
   * instance that issued it. In the scaling scenario its 401s are the measured outcome.
   */
  perInstanceState?: boolean;
  /** The variant its figures are read against (headline comparison, `× public` for variants without their own public cell). */
  comparedWith?: string;
  /** A benchmark trap, not a design (the string-secret cell): reported in its own section. */
  trap?: boolean;
  /**
   * Answers the revocation check from memory while its LISTEN connection is live, from Postgres while
   * not (GET /auth/me says which in `credential.revocation`). A cell that saw 'database' measured the
   * fallback path, not the variant: it is invalid.
   */
  answersFromMemory?: boolean;
}

export const VARIANTS: Variant[] = [
  {
    name: 'session',
    strategy: 'session',
    env: { AUTH_VARIANT: 'session' },
    description: 'server-side session in Postgres, id in an HttpOnly cookie; one indexed read per request',
    workloads: 'all',
    scaling: true,
    revocation: 'next-request',
  },
  {
    name: 'session-cached',
    strategy: 'session',
    env: { AUTH_VARIANT: 'session-cached' },
    description: 'the Postgres session store behind an in-process cache, dropped on every instance by LISTEN/NOTIFY',
    workloads: ['me', 'cart-read'],
    scaling: false,
    revocation: 'notify',
    comparedWith: 'session',
    answersFromMemory: true,
  },
  {
    name: 'jwt',
    strategy: 'jwt',
    env: { AUTH_VARIANT: 'jwt' },
    description: 'HS256 access token (KeyObject secret) as Bearer; no database on the request path',
    workloads: 'all',
    scaling: true,
    revocation: 'expiry',
  },
  {
    name: 'jwt-denylist',
    strategy: 'jwt',
    env: { AUTH_VARIANT: 'jwt-denylist' },
    description: 'as jwt, plus one Postgres query per request (revoked token family, user cutoff, disabled)',
    workloads: ['me', 'cart-read'],
    scaling: false,
    revocation: 'next-request',
    comparedWith: 'jwt',
  },
  {
    name: 'jwt-push',
    strategy: 'jwt',
    env: { AUTH_VARIANT: 'jwt-push' },
    description: 'as jwt, plus an in-process denylist loaded at start and fed by LISTEN/NOTIFY',
    workloads: ['me', 'cart-read'],
    scaling: false,
    revocation: 'notify',
    comparedWith: 'jwt',
    answersFromMemory: true,
  },
  {
    name: 'jwt-string-secret',
    strategy: 'jwt',
    env: { AUTH_VARIANT: 'jwt-string-secret' },
    description: 'the jsonwebtoken trap: the same HS256 secret passed as raw bytes instead of a KeyObject',
    workloads: ['me'],
    scaling: false,
    revocation: false,
    comparedWith: 'jwt',
    trap: true,
  },
  {
    name: 'session-memory',
    strategy: 'session',
    env: { AUTH_VARIANT: 'session-memory' },
    description: 'sessions in process memory (no shared storage): only in the scaling scenario',
    workloads: [],
    scaling: true,
    revocation: false,
    perInstanceState: true,
  },
];

/**
 * Settings every bench server gets, recorded with the results. Access tokens and sessions outlive
 * the longest profile so no credential expires mid-run (the refresh flow is not what is measured).
 */
export const BENCH_SERVER_ENV: Record<string, string> = {
  NODE_ENV: 'production',
  LOG_REQUESTS: '0',
  PG_POOL_MAX: '10',
  SCRYPT_LOG_N: '14',
  ACCESS_TOKEN_TTL_SECONDS: '3600',
  SESSION_IDLE_TIMEOUT_MS: '3600000',
  // The load generator is one client address standing in for many users: the per-address bounds a
  // server puts on hashing work and failed logins would otherwise throttle the bench itself.
  HASH_PER_CLIENT: '100000',
  HASH_MAX_WAITING: '100000',
  LOGIN_CLIENT_MAX_FAILURES: '100000',
};

export function runsWorkload(v: Variant, w: WorkloadName): boolean {
  return v.workloads === 'all' || v.workloads.includes(w);
}
