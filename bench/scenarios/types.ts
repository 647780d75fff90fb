// A scenario turns a profile and a selection into batches: the instances a batch needs alive, and
// the groups of cells it runs. Cells of one group are interleaved round by round (A B A B ...).
import type { InstanceGroupSpec, UserPool } from '../fleet';
import type { Profile } from '../profiles';
import type { Variant } from '../variants';
import type { WorkloadName } from '../workloads';

export type ScenarioName = 'workloads' | 'scaling';

export interface CellPlan {
  id: string;
  scenario: ScenarioName;
  workload: WorkloadName;
  variant: Variant;
  /** Which instance group serves it, and how many of its instances (the first N) take load. */
  fleetKey: string;
  instances: number;
  connections: number;
  /** Statuses that are this cell's measured outcome rather than an error (session-memory 401s). */
  outcome: number[];
  /** The cell has its database to itself between two settled snapshots: DB work per request is exact. */
  dbAccounting: boolean;
  /** For progress lines: "jwt me", "session x2 me". */
  label: string;
}

export interface GroupPlan {
  id: string;
  title: string;
  cells: CellPlan[];
  warmupSeconds: number;
  roundSeconds: number;
  rounds: number;
}

export interface Batch {
  fleet: InstanceGroupSpec[];
  users: Record<UserPool, number>;
  groups: GroupPlan[];
}

export interface Selection {
  /** Workloads of the workloads scenario (registry order). */
  workloads: WorkloadName[];
  scaling: boolean;
  variants: Variant[];
}

export interface Scenario {
  name: ScenarioName;
  /** For the report's method section. */
  method: string;
  plan(profile: Profile, selection: Selection): Batch[];
}
