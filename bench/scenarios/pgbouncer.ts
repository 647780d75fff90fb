// What PgBouncer (transaction mode, Debian's 1.18) costs or saves per variant on GET /auth/me. Per
// variant one group of interleaved cells, each one instance on its own database:
//   direct   the usual set-up: pool straight to Postgres, named (prepared) statements
//   unnamed  direct, PG_PREPARED_STATEMENTS=0 (variants with a query on every request): the share
//            of the difference that is the statements, not the pooler
//   pooled   through PgBouncer: pool to PgBouncer, unnamed statements, LISTEN direct
// PgBouncer's own CPU is read around each group (bench/pgbouncer-leg.ts): only that group's pooled
// cell sends it traffic, so it is that cell's. Skipped (the report says so) when pgbouncer is absent.
import type { InstanceGroupSpec } from '../fleet';
import { findPgBouncer } from '../pgbouncer';
import type { Variant } from '../variants';
import type { CellPlan, GroupPlan, Scenario } from './types';

export type PoolingMode = 'direct' | 'unnamed' | 'pooled';

/** Variants whose `me` touches Postgres or its LISTEN/NOTIFY: the ones a pooler can change. */
const POOLED_VARIANTS = ['session', 'session-cached', 'jwt-denylist', 'jwt-push'];
/** A query on every request: unnamed statements cost something measurable there. */
const QUERY_PER_REQUEST = ['session', 'jwt-denylist'];

export const PGBOUNCER_POOL_SIZE = 20;

/** The mode of a pgbouncer-leg cell, from its id (`pgbouncer/me/<variant>/<mode>`). */
export function poolingMode(cellId: string): PoolingMode | null {
  const m = /^pgbouncer\/[^/]+\/[^/]+\/(direct|unnamed|pooled)$/.exec(cellId);
  return m ? (m[1] as PoolingMode) : null;
}

const MODE_ENV: Record<PoolingMode, Record<string, string>> = { direct: {}, unnamed: { PG_PREPARED_STATEMENTS: '0' }, pooled: {} };

export const pgbouncerScenario: Scenario = {
  name: 'pgbouncer',
  method: `GET /auth/me on one instance per cell, each on its own database: straight to Postgres (named statements), straight with PG_PREPARED_STATEMENTS=0 (variants with a query per request), and through PgBouncer in transaction mode (default_pool_size ${PGBOUNCER_POOL_SIZE}, at least the instance's pool of 10: no queueing is added; LISTEN direct; unnamed statements), interleaved in rounds. PgBouncer's CPU is read from /proc around each variant's group and divided by the requests of its pooled cell.`,
  plan(profile, selection) {
    if (!selection.pgbouncer || !findPgBouncer()) return [];
    const variants = selection.variants.filter((v) => POOLED_VARIANTS.includes(v.name));
    if (variants.length === 0) return [];
    const fleet: InstanceGroupSpec[] = [];
    const groups: GroupPlan[] = variants.map((variant: Variant) => {
      const modes: PoolingMode[] = QUERY_PER_REQUEST.includes(variant.name) ? ['direct', 'unnamed', 'pooled'] : ['direct', 'pooled'];
      const cells: CellPlan[] = modes.map((mode) => {
        const key = `pgbouncer/${variant.name}/${mode}`;
        fleet.push({ key, variant, count: 1, database: `${variant.name}_pgb_${mode}`, env: MODE_ENV[mode], ...(mode === 'pooled' ? { pooler: true } : {}) });
        return {
          id: `pgbouncer/me/${variant.name}/${mode}`,
          scenario: 'pgbouncer' as const,
          workload: 'me' as const,
          variant,
          fleetKey: key,
          instances: 1,
          connections: profile.connections,
          outcome: [],
          dbAccounting: false,
          label: `${variant.name} me ${mode}`,
        };
      });
      return {
        id: `pgbouncer/${variant.name}`,
        title: `pgbouncer me: ${variant.name} ${modes.join(' vs ')}`,
        cells,
        warmupSeconds: profile.warmupSeconds,
        roundSeconds: profile.roundSeconds,
        // The scaling scenario's round count: a comparison of two or three cells, not a headline figure.
        rounds: profile.scaling.rounds,
      };
    });
    return [{ fleet, users: { steady: profile.connections }, groups }];
  },
};
