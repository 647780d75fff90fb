// Every workload on every variant that runs it, one instance each. Workload groups alternate
// between two instance "sides" (a, b), each on its own database, so a database rests for a whole
// group before its counters are read: Postgres flushes an idle backend's statistics only after 10 s
// (cost.ts), and the rest makes transactions and rows per request exact, at no cost in time.
import type { InstanceGroupSpec } from '../fleet';
import { runsWorkload } from '../variants';
import { getWorkload } from '../workloads';
import type { CellPlan, GroupPlan, Scenario } from './types';

export const workloadsScenario: Scenario = {
  name: 'workloads',
  method:
    'Each workload runs on one instance per variant. The cells of a workload (one per variant) are warmed up, then measured in interleaved rounds. Each connection has its own user and credential.',
  plan(profile, selection) {
    const fleet = new Map<string, InstanceGroupSpec>();
    const groups: GroupPlan[] = [];
    let users = { steady: 0, journey: 0, login: 0 };
    // Without the wait for settled counters (smoke) the rest is pointless: one side is enough.
    const sides = profile.settleDbStats ? ['a', 'b'] : ['a'];
    selection.workloads.forEach((name, gi) => {
      const workload = getWorkload(name);
      const side = sides[gi % sides.length];
      const cells: CellPlan[] = [];
      for (const variant of selection.variants.filter((v) => runsWorkload(v, name))) {
        const key = `workloads/${variant.name}/${side}`;
        if (!fleet.has(key)) fleet.set(key, { key, variant, count: 1, database: `${variant.name}_${side}` });
        const connections = workload.connections(profile);
        users = { ...users, [workload.userPool]: Math.max(users[workload.userPool], connections) };
        cells.push({
          id: `workloads/${name}/${variant.name}`,
          scenario: 'workloads',
          workload: name,
          variant,
          fleetKey: key,
          instances: 1,
          connections,
          outcome: [],
          dbAccounting: true,
          label: `${variant.name} ${name}`,
        });
      }
      if (cells.length === 0) return;
      groups.push({
        id: `workloads/${name}`,
        title: `${name}: ${cells.map((c) => c.variant.name).join(' vs ')}`,
        cells,
        warmupSeconds: profile.warmupSeconds,
        roundSeconds: Math.max(profile.roundSeconds, workload.minRoundSeconds ?? 0),
        rounds: profile.rounds,
      });
    });
    return groups.length ? [{ fleet: [...fleet.values()], users, groups }] : [];
  },
};
