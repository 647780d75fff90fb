// A scenario turns a profile and a selection into batches: the instances a batch needs alive, and
// the groups of cells it runs. Cells of one group are interleaved round by round (A B A B ...).
import type { BudgetPlan } from '../budget';
import type { InstanceGroupSpec, UserPool } from '../fleet';
import type { Profile } from '../profiles';
import type { Variant } from '../variants';
import type { WorkloadName } from '../workloads';

export type ScenarioName = 'workloads' | 'scaling' | 'revocation' | 'outage' | 'floor' | 'fanout' | 'pgbouncer';

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
  /** Run the group on a budgeted mini-cluster (bench/budget.ts): Postgres and every instance on a CPU quota. */
  budget?: BudgetPlan;
}

/** Revoke a credential on one instance, probe it on all of them (bench/revoke.ts runs it). */
export type RevocationEvent = 'logout' | 'logout-all' | 'password-change' | 'admin-disable';

export interface RevocationCellPlan {
  id: string;
  variant: Variant;
  event: RevocationEvent;
  fleetKey: string;
  instances: number;
  repetitions: number;
  /** Probe every instance until its first 401, for at most this long (ms since the revoking request was sent)... */
  boundMs: number;
  /** ...and at most this many probes per instance. */
  maxProbesPerInstance: number;
  label: string;
}

export interface RevocationPlan {
  cells: RevocationCellPlan[];
  /** Seconds the plan takes beyond start-up (for the progress estimate). */
  estimateSeconds: number;
}

/** Postgres stops under load and comes back (bench/outage.ts runs it). */
export interface OutagePlan {
  /** One instance (the first) of each group, in fleet order. */
  fleetKeys: string[];
  /** Concurrent probe loops per variant, each with its own user and credential. */
  connections: number;
  beforeMs: number;
  downMs: number;
  afterMs: number;
  estimateSeconds: number;
}

/** Notify fan-out as instances are added (bench/fanout.ts runs it). */
export interface FanoutPlan {
  /** One group per variant, started at the smallest count and grown step by step. */
  fleetKeys: string[];
  instances: number[];
  /** Logout revocations per step (each with a fresh user), probed on every instance. */
  repetitions: number;
  boundMs: number;
  maxProbesPerInstance: number;
  estimateSeconds: number;
}

export interface Batch {
  fleet: InstanceGroupSpec[];
  users: Partial<Record<UserPool, number>>;
  groups: GroupPlan[];
  revocation?: RevocationPlan;
  outage?: OutagePlan;
  fanout?: FanoutPlan;
}

export interface Selection {
  /** Workloads of the workloads scenario (registry order). */
  workloads: WorkloadName[];
  scaling: boolean;
  revocation: boolean;
  outage: boolean;
  fanout: boolean;
  /** The PgBouncer leg (scenarios/pgbouncer.ts); absent = not selected. */
  pgbouncer?: boolean;
  /** Ours against the floor servers (scenarios/floor.ts); absent = not selected. */
  floor?: boolean;
  variants: Variant[];
}

export interface Scenario {
  name: ScenarioName;
  /** For the report's method section. */
  method: string;
  plan(profile: Profile, selection: Selection): Batch[];
}
