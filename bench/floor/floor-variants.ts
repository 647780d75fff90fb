// The floor servers (bench/floor/main.ts) and one of ours with metrics off, described as variants
// so the harness starts, loads and measures them like ours. Not in the VARIANTS registry: they are
// references for bench/scenarios/floor.ts only, never part of the workloads or headline tables.
import type { ServerEntry } from '../../scripts/instances';
import type { Variant } from '../variants';

export const FLOOR_ENTRY: ServerEntry = { dir: 'bench/floor', name: 'main' };

const floor = (kind: 'public' | 'jwt' | 'session', strategy: Variant['strategy'], description: string, headers: 'none' | 'ours' = 'none'): Variant => {
  const name = headers === 'ours' ? `floor-${kind}-headers` : `floor-${kind}`;
  return {
    name,
    strategy,
    env: { AUTH_VARIANT: name, FLOOR: kind, FLOOR_HEADERS: headers },
    description,
    workloads: kind === 'public' ? ['public'] : ['me'],
    scaling: false,
    revocation: false,
  };
};

export const FLOOR_PUBLIC = floor('public', 'jwt', 'plain Koa, one JSON route answering the catalog from memory');
export const FLOOR_JWT = floor('jwt', 'jwt', 'plain Koa + one jsonwebtoken verify middleware with a KeyObject');
export const FLOOR_SESSION = floor('session', 'session', 'plain Koa + SHA-256(cookie) + one prepared SELECT by primary key');

// The same two floors sending the response headers ours sends on every response (the security
// headers, X-Request-Id, X-Instance-Id: servers/core/http/security-headers.ts, called as is). They
// split ours-over-floor in two: what the response headers cost in Node's HTTP layer, and what the
// rest of ours costs over a peer that sends the same bytes.
export const FLOOR_JWT_HEADERS = floor('jwt', 'jwt', 'floor-jwt sending the response headers ours sends (security headers, request id, instance id)', 'ours');
export const FLOOR_SESSION_HEADERS = floor(
  'session',
  'session',
  'floor-session sending the response headers ours sends (security headers, request id, instance id)',
  'ours',
);

// What /metrics costs per request: the jwt server twice, METRICS_ENABLED=0 and =1, started alike
// (neither logs the bench users in, both serve only GET /products), so the two processes differ in
// nothing but the switch. Comparing `jwt` itself against the metrics-off twin did not: `jwt` also
// registers and logs the users in and serves the `me` cells, and the difference read 1.9, 3.6 and
// 9.4 µs in three default runs of 2026-12-01.
const jwtWithMetrics = (enabled: boolean): Variant => ({
  name: enabled ? 'jwt-metrics-on' : 'jwt-metrics-off',
  strategy: 'jwt',
  env: { AUTH_VARIANT: 'jwt', METRICS_ENABLED: enabled ? '1' : '0' },
  description: enabled
    ? 'the jwt server with METRICS_ENABLED=1, started like jwt-metrics-off (its twin for the metrics cost)'
    : 'the jwt server with METRICS_ENABLED=0 (no request metrics, no metrics listener)',
  workloads: ['public'],
  scaling: false,
  revocation: false,
  comparedWith: 'jwt',
});

export const JWT_METRICS_ON = jwtWithMetrics(true);
export const JWT_METRICS_OFF = jwtWithMetrics(false);

/**
 * The instance of ours that logs a floor group's bench users in. A floor server never serves a
 * login, so the instance of ours it is compared with serves none either: both get their credentials
 * from this one, and both see only the measured requests. The history is not always free: V8 keeps
 * what the login path taught the code it shares with `me` (Koa's response path, pg's row parsing).
 * In the full-profile run of 2026-12-01 21:00 the session issuer spent 1.07x (95% CI 0.99-1.17) the
 * server CPU per `me` request of the instance that served no login; the jwt issuer 0.98x (0.91-1.06).
 */
export const issuerOf = (v: Variant): Variant => ({
  name: `${v.name}-issuer`,
  strategy: v.strategy,
  env: v.env,
  description: `the ${v.name} server, the instance that logged the bench users in (registrations and logins before its measured requests)`,
  workloads: ['me'],
  scaling: false,
  revocation: false,
});

export const FLOOR_VARIANTS = [FLOOR_PUBLIC, FLOOR_JWT, FLOOR_SESSION, FLOOR_JWT_HEADERS, FLOOR_SESSION_HEADERS, JWT_METRICS_ON, JWT_METRICS_OFF];
