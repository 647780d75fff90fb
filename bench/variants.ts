// The variant registry: everything the harness knows about a variant. A new variant (session-cached,
// jwt-denylist, jwt-push) is one entry here: credentials, workloads and reports depend only on its
// strategy and these fields, never on its name.
import type { WorkloadName } from './workloads';

export type Strategy = 'session' | 'jwt';

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
   * Sessions live in one process: behind a non-sticky balancer a credential works only on the
   * instance that issued it. In the scaling scenario its 401s are the measured outcome.
   */
  perInstanceState?: boolean;
  /** Only meaningful beside this variant (the trap cell is read against plain jwt). */
  comparedWith?: string;
}

export const VARIANTS: Variant[] = [
  {
    name: 'session',
    strategy: 'session',
    env: { AUTH_VARIANT: 'session' },
    description: 'server-side session in Postgres, id in an HttpOnly cookie; one indexed read per request',
    workloads: 'all',
    scaling: true,
  },
  {
    name: 'jwt',
    strategy: 'jwt',
    env: { AUTH_VARIANT: 'jwt' },
    description: 'HS256 access token (KeyObject secret) as Bearer; no database on the request path',
    workloads: 'all',
    scaling: true,
  },
  {
    name: 'jwt-string-secret',
    strategy: 'jwt',
    env: { AUTH_VARIANT: 'jwt-string-secret' },
    description: 'the jsonwebtoken trap: the same HS256 secret passed as raw bytes instead of a KeyObject',
    workloads: ['me'],
    scaling: false,
    comparedWith: 'jwt',
  },
  {
    name: 'session-memory',
    strategy: 'session',
    env: { AUTH_VARIANT: 'session-memory' },
    description: 'sessions in process memory (no shared storage): only in the scaling scenario',
    workloads: [],
    scaling: true,
    perInstanceState: true,
  },
  // Later: { name: 'session-cached', strategy: 'session', env: { AUTH_VARIANT: 'session-cached' }, ... },
  //        { name: 'jwt-denylist', ... }, { name: 'jwt-push', ... }
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
};

export function runsWorkload(v: Variant, w: WorkloadName): boolean {
  return v.workloads === 'all' || v.workloads.includes(w);
}
