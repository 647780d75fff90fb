// The budgeted mini-cluster: 1..N instances of a variant sharing one Postgres, load spread over them
// round robin per connection. Postgres and every instance run on a fixed CPU budget (a cgroup quota,
// bench/budget.ts; the load generator has none), so on a 2-core machine the design's bottleneck shows
// instead of the machine's: a variant that needs Postgres per request flattens when Postgres' budget
// is used up, one that does not keeps adding an instance's worth. Where no budget can be set the
// group runs unbudgeted, and every cell records which it was. A user logs in through the "balancer" and later requests land on any instance: the
// credential of connection c is issued by instance floor(c / N) mod N while c is served by c mod N,
// so a credential is used on an instance other than its issuer for (N-1)/N of the connections, as
// behind a non-sticky balancer. For a variant that keeps sessions in process memory those requests
// get 401: here, and only here, a 401 is the measured outcome (the share of failed requests), not
// an error. Every other status or error still invalidates the cell.
import type { InstanceGroupSpec } from '../fleet';
import { BENCH_SERVER_ENV, type Variant } from '../variants';
import type { Batch, CellPlan, Scenario } from './types';

/** Keep every instance's full pool under max_connections (200 for the embedded Postgres). */
const CONNECTION_BUDGET = 150;

export const SCALING_OUTCOME_STATUSES = [401];

export const scalingScenario: Scenario = {
  name: 'scaling',
  method:
    'A budgeted mini-cluster: N instances of one variant share one Postgres; Postgres (all its processes) and every instance each run on a fixed CPU quota (cgroup), the load generator on none, so the design rather than the machine is the limit. autocannon binds connection c to instance c mod N. The credential of connection c was issued by instance floor(c/N) mod N, as a non-sticky balancer would do: the login and later requests land on independent instances.',
  plan(profile, selection) {
    if (!selection.scaling) return [];
    const { instances, workload, rounds, warmupSeconds, roundSeconds, budget } = profile.scaling;
    const maxN = Math.max(...instances);
    const only = profile.scaling.variants;
    const variants = selection.variants.filter((v) => v.scaling && (!only || only.includes(v.name)));
    const perVariant = maxN * Number(BENCH_SERVER_ENV.PG_POOL_MAX);
    const batches: Variant[][] = [];
    for (const v of variants) {
      const last = batches[batches.length - 1];
      if (last && (last.length + 1) * perVariant <= CONNECTION_BUDGET) last.push(v);
      else batches.push([v]);
    }
    return batches.map((batch, bi): Batch => {
      const fleet: InstanceGroupSpec[] = batch.map((variant) => ({
        key: `scaling/${variant.name}`,
        variant,
        count: maxN,
        database: `${variant.name}_scaling`,
      }));
      const cells: CellPlan[] = batch.flatMap((variant) =>
        instances.map((n) => ({
          id: `scaling/${workload}/${variant.name}/x${n}`,
          scenario: 'scaling' as const,
          workload,
          variant,
          fleetKey: `scaling/${variant.name}`,
          instances: n,
          connections: profile.connections,
          outcome: variant.perInstanceState ? SCALING_OUTCOME_STATUSES : [],
          // N=1, 2, 4 of one variant share a database and are interleaved: no exclusive window.
          dbAccounting: false,
          label: `${variant.name} x${n} ${workload}`,
        })),
      );
      return {
        fleet,
        users: { steady: profile.connections, journey: 0, login: 0 },
        groups: [
          {
            id: `scaling/${bi + 1}`,
            title: `scaling ${workload}: ${batch.map((v) => v.name).join(', ')} on ${instances.join(', ')} instances`,
            cells,
            warmupSeconds,
            roundSeconds,
            rounds,
            budget,
          },
        ],
      };
    });
  },
};
