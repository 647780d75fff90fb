import { scalingScenario } from './scaling';
import type { Scenario } from './types';
import { workloadsScenario } from './workloads';

export type { Batch, CellPlan, GroupPlan, Scenario, ScenarioName, Selection } from './types';

/** The scenario registry, in run order. Revocation and Postgres-outage scenarios go here later. */
export const SCENARIOS: Scenario[] = [workloadsScenario, scalingScenario];
