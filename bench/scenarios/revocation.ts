// How long a revoked credential keeps working, on every instance (BENCH.md question 3). N instances
// of each variant share one database. Per repetition a fresh user logs in on instance A (A rotates
// over the instances); at t0 the revoking request is sent to A (logout, logout-all, password change,
// or an admin disables the user), and from t0 every instance is probed with the OLD credential,
// concurrently, in a tight loop (GET /auth/me, one request in flight per instance) until its first
// 401, bounded in time and count. bench/revoke.ts runs it; bench/revocation-window.ts reduces it.
import { randomBytes } from 'node:crypto';
import type { InstanceGroupSpec } from '../fleet';
import type { Profile } from '../profiles';
import type { Variant } from '../variants';
import type { Batch, RevocationCellPlan, RevocationEvent, Scenario } from './types';

export const REVOCATION_EVENTS: RevocationEvent[] = ['logout', 'logout-all', 'password-change', 'admin-disable'];

/** The bootstrap admin the servers create from ADMIN_USERNAME / ADMIN_PASSWORD (a new password per run). */
export const REVOCATION_ADMIN = { username: 'bench-admin', password: randomBytes(18).toString('base64url') };

/**
 * What the revocation servers get on top of the bench defaults, recorded with the results:
 * - ACCESS_TOKEN_TTL_SECONDS 300, the product default (not the bench's 1 h, which only keeps the
 *   throughput cells' tokens alive): plain jwt's window is this lifetime, so it must be the real one.
 * - SCRYPT_LOG_N 10: a password change hashes the new password before it revokes anything; at 2^14
 *   that is ~40 ms of every variant's window, the same for all and measured in the login section.
 * - PG_POOL_MAX 4: the probes keep at most one request in flight per instance; 15 idle pools of 10
 *   would crowd max_connections for nothing.
 */
export const REVOCATION_SERVER_ENV: Record<string, string> = {
  ACCESS_TOKEN_TTL_SECONDS: '300',
  SCRYPT_LOG_N: '10',
  PG_POOL_MAX: '4',
  ADMIN_USERNAME: REVOCATION_ADMIN.username,
};

/**
 * N instances of each variant on its own database. The outage scenario runs on the same processes
 * (run.ts merges batches with the same fleet), so it costs no start-up of its own.
 */
export function revocationFleet(profile: Profile, variants: Variant[]): InstanceGroupSpec[] {
  return variants.map((variant) => ({
    key: `revocation/${variant.name}`,
    variant,
    count: profile.revocation.instances,
    database: `${variant.name}_revocation`,
    env: { ...REVOCATION_SERVER_ENV, ADMIN_PASSWORD: REVOCATION_ADMIN.password },
  }));
}

/** Rough seconds per repetition beyond the bound: login, probes until the 401s, bookkeeping. */
const REPETITION_OVERHEAD_SECONDS = 0.08;

export const revocationScenario: Scenario = {
  name: 'revocation',
  method:
    'N instances of each variant share one Postgres. Per repetition a fresh user logs in on instance A (rotating over the instances); t0 is the moment the revoking request (logout, logout-all, password change, or an admin disabling the user) is sent to A, and its response time is recorded. From t0 every instance is probed with the OLD credential (GET /auth/me, one request in flight per instance, all instances at once) until its first 401, bounded in time and count. The window of an instance is the arrival of its first 401 minus t0; "accepted after ack" counts probes sent after the revoking response arrived that still got 200. For session-cached and jwt-push each instance first answers the credential from memory (checked in `credential.revocation`).',
  plan(profile, selection) {
    if (!selection.revocation) return [];
    const variants = selection.variants.filter((v) => v.revocation !== false);
    if (variants.length === 0) return [];
    const r = profile.revocation;
    const fleet = revocationFleet(profile, variants);
    const cells: RevocationCellPlan[] = variants.flatMap((variant) =>
      REVOCATION_EVENTS.map((event) => ({
        id: `revocation/${event}/${variant.name}`,
        variant,
        event,
        fleetKey: `revocation/${variant.name}`,
        instances: r.instances,
        repetitions: variant.revocation === 'expiry' ? r.untilExpiryRepetitions : r.repetitions,
        boundMs: r.boundMs,
        maxProbesPerInstance: r.maxProbesPerInstance,
        label: `${variant.name} ${event}`,
      })),
    );
    const estimateSeconds = cells.reduce(
      (s, c) => s + c.repetitions * (REPETITION_OVERHEAD_SECONDS + (c.variant.revocation === 'expiry' ? c.boundMs / 1000 : 0)),
      0,
    );
    // Each group seeds its own users in its own database: one per repetition of each event, and the
    // warm-up's (every event once on every instance).
    const users = (Math.max(...cells.map((c) => c.repetitions)) + r.instances) * REVOCATION_EVENTS.length;
    const batch: Batch = { fleet, users: { revocation: users }, groups: [], revocation: { cells, estimateSeconds } };
    return [batch];
  },
};
