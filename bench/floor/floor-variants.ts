// The floor servers (bench/floor/main.ts) and one of ours with metrics off, described as variants
// so the harness starts, loads and measures them like ours. Not in the VARIANTS registry: they are
// references for bench/scenarios/floor.ts only, never part of the workloads or headline tables.
import type { ServerEntry } from '../../scripts/instances';
import type { Variant } from '../variants';

export const FLOOR_ENTRY: ServerEntry = { dir: 'bench/floor', name: 'main' };

const floor = (kind: 'public' | 'jwt' | 'session', strategy: Variant['strategy'], description: string): Variant => ({
  name: `floor-${kind}`,
  strategy,
  env: { AUTH_VARIANT: `floor-${kind}`, FLOOR: kind },
  description,
  workloads: kind === 'public' ? ['public'] : ['me'],
  scaling: false,
  revocation: false,
});

export const FLOOR_PUBLIC = floor('public', 'jwt', 'plain Koa, one JSON route answering the catalog from memory');
export const FLOOR_JWT = floor('jwt', 'jwt', 'plain Koa + one jsonwebtoken verify middleware with a KeyObject');
export const FLOOR_SESSION = floor('session', 'session', 'plain Koa + SHA-256(cookie) + one prepared SELECT by primary key');

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

export const FLOOR_VARIANTS = [FLOOR_PUBLIC, FLOOR_JWT, FLOOR_SESSION, JWT_METRICS_ON, JWT_METRICS_OFF];
