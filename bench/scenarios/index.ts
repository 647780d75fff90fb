import { floorScenario } from './floor';
import { fanoutScenario } from './fanout';
import { outageScenario } from './outage';
import { pgbouncerScenario } from './pgbouncer';
import { revocationScenario } from './revocation';
import { scalingScenario } from './scaling';
import type { Batch, Scenario } from './types';
import { workloadsScenario } from './workloads';

export type { Batch, CellPlan, FanoutPlan, GroupPlan, Scenario, ScenarioName, Selection } from './types';

/** The scenario registry, in run order. */
export const SCENARIOS: Scenario[] = [workloadsScenario, floorScenario, scalingScenario, pgbouncerScenario, revocationScenario, outageScenario, fanoutScenario];

/** Batches that need the same processes (same instance groups) run on one start-up of them. */
export function mergeBatches(batches: Batch[]): Batch[] {
  const out: Batch[] = [];
  for (const b of batches) {
    const key = (x: Batch) => x.fleet.map((g) => `${g.key}:${g.count}:${JSON.stringify(g.env ?? {})}`).join('|');
    const same = out.find((x) => key(x) === key(b));
    if (!same) {
      out.push({ ...b, groups: [...b.groups], users: { ...b.users } });
      continue;
    }
    same.groups.push(...b.groups);
    for (const [pool, n] of Object.entries(b.users)) same.users[pool as keyof Batch['users']] = (same.users[pool as keyof Batch['users']] ?? 0) + (n ?? 0);
    same.revocation ??= b.revocation;
    same.outage ??= b.outage;
    same.fanout ??= b.fanout;
  }
  return out;
}
