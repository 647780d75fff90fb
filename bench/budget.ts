// The budgeted mini-cluster of one measured group: Postgres (the postmaster and every process it
// has started; backends forked later inherit its group) on one CPU budget, every server instance on
// its own, the load generator (this process) on none; all three above other processes (cgroup.ts). Applied after start-up and logins (a 0.15-core
// budget would make a TypeScript server take ~20 s to start), released when the group ends so the
// other scenarios run unbudgeted. bench/cgroup.ts is the mechanism; this file decides what goes where.
import { type BudgetGroup, type BudgetMode, CpuBudgets, type ThrottleCounters, throttleDelta } from './cgroup';
import { postgresChildren, postmasterPid } from './cost';
import type { Instance } from './fleet';
import type { PrimePlan, PrimeRecord } from './prime';

export interface BudgetPlan {
  /** Cores of CPU time per wall second for all of Postgres together. */
  postgresCores: number;
  /** Cores for each server instance. */
  instanceCores: number;
  /** Unbudgeted load every instance answers before the budgets apply (bench/prime.ts says why). */
  prime: PrimePlan;
}

/** How a cell was budgeted: recorded with it, so no figure is read without knowing. */
export type BudgetRecord =
  | (Extract<BudgetMode, { mode: 'cgroup-v1' | 'cgroup-v2' }> & BudgetPlan & { primed?: PrimeRecord[] })
  | { mode: 'none'; reason: string };

/** Throttling during one run: Postgres' group and each of the cell's instances (in instance order). */
export interface BudgetUse {
  postgres: ThrottleCounters;
  servers: ThrottleCounters[];
}

/** Cumulative counters at one moment (same shape as a run's delta). */
export type BudgetSample = BudgetUse;

/** One per process: the parent group and its exit hook are shared by every budgeted group of a run. */
let shared: CpuBudgets | { reason: string } | null = null;

function budgets(): CpuBudgets | { reason: string } {
  shared ??= CpuBudgets.open();
  return shared;
}

export class GroupBudget {
  private constructor(
    private readonly cg: CpuBudgets,
    private readonly postgres: BudgetGroup,
    private readonly loadgen: BudgetGroup,
    private readonly servers: Map<number, BudgetGroup>,
    readonly record: BudgetRecord,
  ) {}

  /** Puts Postgres and the instances on their budgets, or says why it cannot (the run goes on unbudgeted). */
  static apply(plan: BudgetPlan, postgresDataDir: string | null, instances: Instance[]): GroupBudget | { record: BudgetRecord } {
    const cg = budgets();
    if (!(cg instanceof CpuBudgets)) return { record: { mode: 'none', reason: cg.reason } };
    const postmaster = postgresDataDir ? postmasterPid(postgresDataDir) : null;
    if (postmaster === null) return { record: { mode: 'none', reason: 'Postgres is not the embedded one (DATABASE_URL): its CPU cannot be budgeted' } };
    const postgres = cg.group('postgres', plan.postgresCores);
    const loadgen = cg.group('loadgen', null);
    const servers = new Map<number, BudgetGroup>();
    try {
      // The postmaster first: whatever it forks from now on is born inside the budget.
      cg.move(postgres, [postmaster]);
      cg.move(postgres, postgresChildren(postmaster));
      for (const inst of instances) {
        const g = cg.group(`instance-${inst.pid}`, plan.instanceCores);
        cg.move(g, [inst.pid]);
        servers.set(inst.pid, g);
      }
      // No quota for the load generator, but the parent's priority: neighbours on a busy machine
      // must not make it the limit either.
      cg.move(loadgen, [process.pid]);
    } catch (err) {
      cg.release(postgres);
      cg.release(loadgen);
      for (const g of servers.values()) cg.release(g);
      return { record: { mode: 'none', reason: `moving processes into cgroups failed: ${String(err)}` } };
    }
    const mode = cg.mode as Extract<BudgetMode, { mode: 'cgroup-v1' | 'cgroup-v2' }>;
    return new GroupBudget(cg, postgres, loadgen, servers, { ...mode, ...plan });
  }

  /** Synchronous: taken right before and right after a run, like the CPU samples. */
  sample(instances: Instance[]): BudgetSample {
    return {
      postgres: this.cg.counters(this.postgres),
      servers: instances.map((i) => {
        const g = this.servers.get(i.pid);
        return g ? this.cg.counters(g) : { periods: 0, throttled: 0, throttledSeconds: 0 };
      }),
    };
  }

  static use(a: BudgetSample, b: BudgetSample): BudgetUse {
    return { postgres: throttleDelta(a.postgres, b.postgres), servers: b.servers.map((s, i) => throttleDelta(a.servers[i], s)) };
  }

  /** Lifts every quota of the group, processes staying where they are (resume() puts them back). */
  suspend(): void {
    this.cg.group(this.postgres.name, null);
    for (const g of this.servers.values()) this.cg.group(g.name, null);
  }

  resume(): void {
    if (this.record.mode === 'none') return;
    this.cg.group(this.postgres.name, this.record.postgresCores);
    for (const g of this.servers.values()) this.cg.group(g.name, this.record.instanceCores);
  }

  release(): void {
    this.cg.release(this.postgres);
    this.cg.release(this.loadgen);
    for (const g of this.servers.values()) this.cg.release(g);
  }
}
