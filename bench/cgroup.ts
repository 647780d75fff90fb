// CPU budgets for the scaling scenario: each process of the mini-cluster (Postgres, every server
// instance) gets a fixed share of a core through a cgroup CPU quota, so the machine's 2 cores stop
// being the bottleneck and the design's own bottleneck shows. The load generator gets none.
//
// Linux offers the quota through two interfaces: cgroup v2 `cpu.max` ("<quota> <period>") and
// cgroup v1 `cpu.cfs_quota_us` / `cpu.cfs_period_us`. Both need root (or a delegated subtree).
// Machines like ours mount both (v1 `cpu` at /sys/fs/cgroup/cpu, v2 at /sys/fs/cgroup/unified with
// no cpu controller), so detection tries what is actually writable, v2 first. Where neither works
// the scenario runs unbudgeted and says so: `open` returns the reason instead of throwing.
//
// Every group lives under one run-specific parent (`svt-bench-<pid>`). Processes go back to the
// cgroup they came from before the groups are removed (rmdir fails on a group with members), on
// every exit path: close(), process exit (SIGINT in run.ts ends in process.exit), and a later run
// removing a dead run's leftovers.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export type CgroupVersion = 'v1' | 'v2';

/** Where a CPU controller can be driven from, found by `detectCpuController`. */
export interface CpuController {
  version: CgroupVersion;
  /** Mount point of the hierarchy that carries the cpu controller. */
  mount: string;
}

export interface Roots {
  /** cgroup v1 cpu hierarchy (default /sys/fs/cgroup/cpu). */
  v1: string;
  /** cgroup v2 mount points to try, in order (unified mode, then hybrid). */
  v2: string[];
}

export const SYSTEM_ROOTS: Roots = { v1: '/sys/fs/cgroup/cpu', v2: ['/sys/fs/cgroup', '/sys/fs/cgroup/unified'] };

/** The kernel's default CFS period (100 ms); a quota is a share of it. */
export const CFS_PERIOD_US = 100_000;
/** The smallest quota the kernel accepts (1 ms per period, kernel/sched/core.c). */
const MIN_QUOTA_US = 1000;

/** 10 x the default weight of a process (v1 cpu.shares 1024; v2 cpu.weight 100). */
const PRIORITY_SHARES_V1 = 10_240;
const PRIORITY_WEIGHT_V2 = 1000;

/** Set to 1 to run the scaling scenario unbudgeted on purpose (and to test the fallback). */
export const DISABLE_ENV = 'SVT_BENCH_NO_CGROUP';

/** cores -> microseconds of CPU per period. */
export function quotaUs(cores: number, periodUs = CFS_PERIOD_US): number {
  if (!(cores > 0)) throw new Error(`a CPU budget must be > 0 cores, got ${cores}`);
  return Math.max(MIN_QUOTA_US, Math.round(cores * periodUs));
}

/** Which interface can set a quota here, or why none can. Reads only. */
export function detectCpuController(roots: Roots = SYSTEM_ROOTS): CpuController | { reason: string } {
  const tried: string[] = [];
  for (const mount of roots.v2) {
    const controllers = join(mount, 'cgroup.controllers');
    if (!existsSync(controllers)) continue;
    if (readFileSync(controllers, 'utf8').split(/\s+/).includes('cpu')) return { version: 'v2', mount };
    tried.push(`cgroup v2 at ${mount} has no cpu controller`);
  }
  if (existsSync(join(roots.v1, 'cpu.cfs_quota_us'))) return { version: 'v1', mount: roots.v1 };
  tried.push(`no cgroup v1 cpu hierarchy at ${roots.v1}`);
  return { reason: tried.join('; ') };
}

export interface ThrottleCounters {
  /** CFS periods in which the group had runnable work. */
  periods: number;
  /** Of those, periods in which it used up its quota and was stopped until the next one. */
  throttled: number;
  throttledSeconds: number;
}

/** cpu.stat of either version: v1 reports throttled_time in ns, v2 throttled_usec in µs. */
export function parseCpuStat(text: string): ThrottleCounters {
  const kv = new Map(
    text
      .split('\n')
      .map((l) => l.trim().split(/\s+/))
      .filter((f) => f.length === 2)
      .map(([k, v]) => [k, Number(v)] as const),
  );
  const seconds = kv.has('throttled_usec') ? (kv.get('throttled_usec') ?? 0) / 1e6 : (kv.get('throttled_time') ?? 0) / 1e9;
  return { periods: kv.get('nr_periods') ?? 0, throttled: kv.get('nr_throttled') ?? 0, throttledSeconds: seconds };
}

export function throttleDelta(a: ThrottleCounters, b: ThrottleCounters): ThrottleCounters {
  return { periods: b.periods - a.periods, throttled: b.throttled - a.throttled, throttledSeconds: b.throttledSeconds - a.throttledSeconds };
}

/**
 * The cgroup path of a process in one hierarchy, from /proc/<pid>/cgroup text: v2 is the `0::` line,
 * v1 the line whose controller list holds `cpu`.
 */
export function cgroupPathOf(procCgroup: string, version: CgroupVersion): string | null {
  for (const line of procCgroup.split('\n')) {
    const m = /^(\d+):([^:]*):(.*)$/.exec(line.trim());
    if (!m) continue;
    if (version === 'v2' && m[1] === '0' && m[2] === '') return m[3];
    if (version === 'v1' && m[2].split(',').includes('cpu')) return m[3];
  }
  return null;
}

const PARENT_PREFIX = 'svt-bench-';

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readProcs(dir: string): number[] {
  try {
    return readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** One budgeted group: a share of a core for the processes moved into it. */
export interface BudgetGroup {
  name: string;
  cores: number | null;
  dir: string;
}

/** What a run used: recorded with the results (also when no budget could be set). */
export type BudgetMode = { mode: 'cgroup-v1' | 'cgroup-v2'; mount: string; periodUs: number } | { mode: 'none'; reason: string };

export class CpuBudgets {
  private readonly groups = new Map<string, BudgetGroup>();
  /** Where each moved process came from (its cgroup path in this hierarchy), to put it back. */
  private readonly origin = new Map<number, string>();
  private readonly onExit = () => this.close();
  private closed = false;

  private constructor(
    readonly controller: CpuController,
    readonly parent: string,
  ) {
    process.once('exit', this.onExit);
  }

  /**
   * A run-specific parent group, or the reason there is none (not root, nothing writable, disabled).
   * Removes leftovers of earlier runs whose process is gone (a SIGKILLed run cannot clean up).
   */
  static open(roots: Roots = SYSTEM_ROOTS): CpuBudgets | { reason: string } {
    if (process.env[DISABLE_ENV] === '1') return { reason: `${DISABLE_ENV}=1 is set` };
    if (process.platform !== 'linux') return { reason: `cgroups are Linux only (this is ${process.platform})` };
    const found = detectCpuController(roots);
    if ('reason' in found) return found;
    const parent = join(found.mount, `${PARENT_PREFIX}${process.pid}`);
    try {
      removeStale(found.mount);
      mkdirSync(parent);
      if (found.version === 'v2') {
        // v2 hands a controller to children only through the parent's subtree_control (the mount
        // root may hold processes; our parent holds none, so "no internal processes" is kept).
        enableCpu(found.mount);
        enableCpu(parent);
      }
      // A quota is a ceiling, not a reservation: on a machine busy with other work (ours is shared
      // by several agents) a group would get less than its budget and the figures would measure the
      // neighbours. A high weight on the parent lets the budgeted processes take their full quota
      // first; the quotas still cap them, so the weight cannot give them more.
      writeFileSync(
        join(parent, found.version === 'v2' ? 'cpu.weight' : 'cpu.shares'),
        String(found.version === 'v2' ? PRIORITY_WEIGHT_V2 : PRIORITY_SHARES_V1),
      );
    } catch (err) {
      try {
        rmdirSync(parent);
      } catch {}
      return {
        reason: `cannot create a cgroup under ${found.mount} (${(err as NodeJS.ErrnoException).code ?? String(err)}): budgets need root or a delegated cgroup`,
      };
    }
    return new CpuBudgets(found, parent);
  }

  get mode(): BudgetMode {
    return { mode: this.controller.version === 'v1' ? 'cgroup-v1' : 'cgroup-v2', mount: this.controller.mount, periodUs: CFS_PERIOD_US };
  }

  /**
   * Creates (or re-sizes) the group `name` with a quota of `cores` per `periodUs` (null: no quota,
   * only the parent's priority). The bench keeps the kernel's 100 ms; bench/budget-probe.ts varies it.
   */
  group(name: string, cores: number | null, periodUs = CFS_PERIOD_US): BudgetGroup {
    let g = this.groups.get(name);
    if (!g) {
      const dir = join(this.parent, name);
      mkdirSync(dir, { recursive: true });
      g = { name, cores, dir };
      this.groups.set(name, g);
    }
    g.cores = cores;
    const quota = cores === null ? null : quotaUs(cores, periodUs);
    if (this.controller.version === 'v2') writeFileSync(join(g.dir, 'cpu.max'), `${quota ?? 'max'} ${periodUs}`);
    else {
      // No quota first: the kernel checks the quota against the period on every write.
      writeFileSync(join(g.dir, 'cpu.cfs_quota_us'), '-1');
      writeFileSync(join(g.dir, 'cpu.cfs_period_us'), String(periodUs));
      if (quota !== null) writeFileSync(join(g.dir, 'cpu.cfs_quota_us'), String(quota));
    }
    return g;
  }

  /** Moves whole processes (every thread) into the group; children they fork later stay in it. */
  move(g: BudgetGroup, pids: number[]): void {
    for (const pid of pids) {
      if (!this.origin.has(pid)) {
        let from = '/';
        try {
          from = cgroupPathOf(readFileSync(`/proc/${pid}/cgroup`, 'utf8'), this.controller.version) ?? '/';
        } catch {}
        this.origin.set(pid, from);
      }
      // One pid per write: the kernel parses a single number.
      writeFileSync(join(g.dir, 'cgroup.procs'), String(pid));
    }
  }

  counters(g: BudgetGroup): ThrottleCounters {
    return parseCpuStat(readFileSync(join(g.dir, 'cpu.stat'), 'utf8'));
  }

  /** Puts every member back where it came from and removes the group. */
  release(g: BudgetGroup): void {
    for (const pid of readProcs(g.dir)) {
      // Postgres backends forked inside the group were never moved: they go where their parent came from.
      const from = this.origin.get(pid) ?? this.originOfParent(pid) ?? '/';
      try {
        writeFileSync(join(this.controller.mount, from, 'cgroup.procs'), String(pid));
      } catch {
        try {
          writeFileSync(join(this.controller.mount, 'cgroup.procs'), String(pid));
        } catch {} // exited meanwhile
      }
    }
    try {
      rmdirSync(g.dir);
    } catch {}
    this.groups.delete(g.name);
  }

  private originOfParent(pid: number): string | undefined {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      return this.origin.get(ppid);
    } catch {
      return undefined;
    }
  }

  /** Synchronous: also runs from process.on('exit'). Safe to call twice. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    process.off('exit', this.onExit);
    for (const g of [...this.groups.values()]) this.release(g);
    try {
      rmdirSync(this.parent);
    } catch {}
  }
}

function enableCpu(dir: string): void {
  const control = join(dir, 'cgroup.subtree_control');
  if (!readFileSync(control, 'utf8').split(/\s+/).includes('cpu')) writeFileSync(control, '+cpu');
}

/** Parents left by runs whose process is gone: members back to the root, groups removed. */
function removeStale(mount: string): void {
  for (const name of readdirSync(mount)) {
    const pid = Number(name.slice(PARENT_PREFIX.length));
    if (!name.startsWith(PARENT_PREFIX) || !Number.isInteger(pid) || pidAlive(pid)) continue;
    const parent = join(mount, name);
    for (const child of readdirSync(parent, { withFileTypes: true }).filter((d) => d.isDirectory())) {
      for (const p of readProcs(join(parent, child.name))) {
        try {
          writeFileSync(join(mount, 'cgroup.procs'), String(p));
        } catch {}
      }
      try {
        rmdirSync(join(parent, child.name));
      } catch {}
    }
    try {
      rmdirSync(parent);
    } catch {}
  }
}
