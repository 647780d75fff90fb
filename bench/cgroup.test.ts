import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cgroupPathOf, CpuBudgets, DISABLE_ENV, detectCpuController, parseCpuStat, quotaUs, type Roots, SYSTEM_ROOTS } from './cgroup';

function fakeRoots(): { dir: string; roots: Roots } {
  const dir = mkdtempSync(join(tmpdir(), 'svt-cgroup-'));
  return { dir, roots: { v1: join(dir, 'cpu'), v2: [join(dir, 'unified')] } };
}

describe('CPU budget set-up (pure parts, fake cgroup roots)', () => {
  let dir: string;
  let roots: Roots;
  beforeEach(() => ({ dir, roots } = fakeRoots()));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('prefers a v2 hierarchy that has the cpu controller', () => {
    mkdirSync(roots.v2[0]);
    writeFileSync(join(roots.v2[0], 'cgroup.controllers'), 'cpuset cpu io memory pids\n');
    mkdirSync(roots.v1);
    writeFileSync(join(roots.v1, 'cpu.cfs_quota_us'), '-1\n');
    expect(detectCpuController(roots)).toEqual({ version: 'v2', mount: roots.v2[0] });
  });

  it('falls to v1 when v2 is mounted without a cpu controller (this machine)', () => {
    mkdirSync(roots.v2[0]);
    writeFileSync(join(roots.v2[0], 'cgroup.controllers'), '\n');
    mkdirSync(roots.v1);
    writeFileSync(join(roots.v1, 'cpu.cfs_quota_us'), '-1\n');
    expect(detectCpuController(roots)).toEqual({ version: 'v1', mount: roots.v1 });
  });

  it('says why when neither can be used, and open() falls back instead of throwing', () => {
    mkdirSync(roots.v2[0]);
    writeFileSync(join(roots.v2[0], 'cgroup.controllers'), 'memory\n');
    const found = detectCpuController(roots);
    expect(found).toEqual({ reason: expect.stringContaining('no cpu controller') });
    const opened = CpuBudgets.open(roots);
    expect(opened).not.toBeInstanceOf(CpuBudgets);
    expect((opened as { reason: string }).reason).toMatch(/no cgroup v1 cpu hierarchy/);
  });

  it('writes the quota of each version into a run-specific parent', () => {
    mkdirSync(roots.v1);
    writeFileSync(join(roots.v1, 'cpu.cfs_quota_us'), '-1\n');
    const budgets = CpuBudgets.open(roots);
    if (!(budgets instanceof CpuBudgets)) throw new Error(budgets.reason);
    const g = budgets.group('postgres', 0.5);
    expect(g.dir).toBe(join(roots.v1, `svt-bench-${process.pid}`, 'postgres'));
    expect(readFileSync(join(g.dir, 'cpu.cfs_quota_us'), 'utf8')).toBe('50000');
    expect(readFileSync(join(g.dir, 'cpu.cfs_period_us'), 'utf8')).toBe('100000');
    // The parent outweighs ordinary processes, so a busy machine does not eat into the budgets.
    expect(readFileSync(join(budgets.parent, 'cpu.shares'), 'utf8')).toBe('10240');
    // Re-sized: a 10 ms period keeps the share (0.5 core = 5 ms per period); null lifts the quota.
    budgets.group('postgres', 0.5, 10_000);
    expect(readFileSync(join(g.dir, 'cpu.cfs_quota_us'), 'utf8')).toBe('5000');
    expect(readFileSync(join(g.dir, 'cpu.cfs_period_us'), 'utf8')).toBe('10000');
    budgets.group('postgres', null);
    expect(readFileSync(join(g.dir, 'cpu.cfs_quota_us'), 'utf8')).toBe('-1');
    budgets.close(); // a plain directory with files cannot be rmdir'ed: close must not throw
  });

  it('is disabled on request', () => {
    process.env[DISABLE_ENV] = '1';
    try {
      expect(CpuBudgets.open(roots)).toEqual({ reason: `${DISABLE_ENV}=1 is set` });
    } finally {
      delete process.env[DISABLE_ENV];
    }
  });

  it('reads both versions of cpu.stat, and quotas in µs per 100 ms period', () => {
    expect(parseCpuStat('nr_periods 40\nnr_throttled 12\nthrottled_time 250000000\n')).toEqual({ periods: 40, throttled: 12, throttledSeconds: 0.25 });
    expect(parseCpuStat('usage_usec 9\nnr_periods 40\nnr_throttled 12\nthrottled_usec 250000\n')).toEqual({
      periods: 40,
      throttled: 12,
      throttledSeconds: 0.25,
    });
    expect(quotaUs(0.15)).toBe(15_000);
    expect(quotaUs(0.001)).toBe(1000);
    expect(() => quotaUs(0)).toThrow();
  });

  it('finds a process cgroup in each hierarchy', () => {
    const text = '4:memory:/x\n2:cpuacct:/\n1:cpu,cpuacct:/svt/a\n0::/user.slice\n';
    expect(cgroupPathOf(text, 'v1')).toBe('/svt/a');
    expect(cgroupPathOf(text, 'v2')).toBe('/user.slice');
  });
});

// The real thing, where it can be done (CI runs as root on a machine with the v1 cpu controller).
const real = CpuBudgets.open(SYSTEM_ROOTS);
const realIt = real instanceof CpuBudgets ? it : it.skip;
if (real instanceof CpuBudgets) real.close();

describe('CPU budget on this machine', () => {
  realIt(
    'a busy child under a 0.1-core quota is throttled and stays far below a core; everything is removed after',
    async () => {
      const budgets = CpuBudgets.open(SYSTEM_ROOTS) as CpuBudgets;
      const child = spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' });
      try {
        const pid = child.pid as number;
        const g = budgets.group('busy', 0.1);
        budgets.move(g, [pid]);
        expect(readFileSync(join(g.dir, 'cgroup.procs'), 'utf8').split('\n')).toContain(String(pid));
        const cpu = () => {
          const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
          return Number(f[11]) + Number(f[12]);
        };
        const before = { ticks: cpu(), at: Date.now(), stat: budgets.counters(g) };
        await new Promise((r) => setTimeout(r, 1500));
        const after = { ticks: cpu(), at: Date.now(), stat: budgets.counters(g) };
        expect(after.stat.throttled - before.stat.throttled).toBeGreaterThan(0);
        // 0.1 core of quota: the busy loop gets a small share of a core, not all of it (ticks are 1/100 s).
        const cores = (after.ticks - before.ticks) / 100 / ((after.at - before.at) / 1000);
        expect(cores).toBeLessThan(0.5);
        budgets.close();
        expect(existsSync(budgets.parent)).toBe(false);
        // Back where it came from: the child is out of the budget.
        const path = cgroupPathOf(readFileSync(`/proc/${pid}/cgroup`, 'utf8'), budgets.controller.version);
        expect(path?.includes('svt-bench-')).toBe(false);
      } finally {
        child.kill('SIGKILL');
        budgets.close();
      }
    },
    20_000,
  );
});
