// Start-up to ready (ISSUE 11): how long a server process takes from spawn to its first
// `GET /readyz` 200, started compiled (plain node, dist/) and through tsx (the TypeScript source),
// median of 5 each, one at a time, on a database already migrated (what a restart or a scale-up
// pays). Recorded in results.json (`runtime.startup`) and the report's floor section.
//
// Also a command, for work on start-up itself (its own embedded Postgres, the bench's server env):
//   npx tsx bench/startup.ts                        this checkout's dist/, compiled, 7 spawns each
//   npx tsx bench/startup.ts --compare <checkout>   and another built checkout's, interleaved
//   npx tsx bench/startup.ts --repetitions 11 --tsx also through tsx
//   npx tsx bench/startup.ts --node-arg=--enable-source-maps   and this build with a node flag
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { generateJwtKeys, type InstanceOptions, REPO_ROOT, startInstance, type Strategy } from '../scripts/instances';
import { startPostgres } from '../scripts/postgres';
import { summarize } from './compare';
import { BENCH_SERVER_ENV } from './variants';

export interface StartupRecord {
  repetitions: number;
  /** ms from spawn to the first /readyz 200, per runtime and strategy. */
  ms: Record<'compiled' | 'tsx', Record<Strategy, number[]>>;
  medianMs: Record<'compiled' | 'tsx', Record<Strategy, number>>;
  /**
   * The server's main thread at ready, medians: ms on a CPU, and ms runnable but waiting for one. On
   * a busy shared machine the wall time grows with the waits (and the CPU time itself reads higher:
   * session 345 ms in the reference run of 2026-12-02 02:20, 254 ms on a quiet machine). Absent in
   * results before 2026-12-02 and where there is no /proc.
   */
  mainThread?: Record<'compiled' | 'tsx', Record<Strategy, { cpuMs: number; queuedMs: number } | null>>;
}

const REPETITIONS = 5;

interface Readiness {
  /** Spawn to the first /readyz 200. */
  ms: number;
  /** The server's main thread at that moment: time on a CPU, and time runnable but waiting for one. */
  mainThread: { cpuMs: number; queuedMs: number } | null;
}

/**
 * Linux's per-thread scheduler counters (/proc/<pid>/schedstat: ns on CPU, ns waiting on a run
 * queue). On a shared machine the wall time moves with other people's load; these say how much of it
 * was the server's own work and how much was waiting for a core. null where there is no /proc.
 */
function mainThreadTimes(pid: number): Readiness['mainThread'] {
  try {
    const [onCpuNs, queuedNs] = readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ').map(Number);
    return { cpuMs: onCpuNs / 1e6, queuedMs: queuedNs / 1e6 };
  } catch {
    return null;
  }
}

async function readiness(opts: InstanceOptions & { runtime: 'compiled' | 'tsx' }): Promise<Readiness> {
  const { strategy, runtime } = opts;
  const spawned = performance.now();
  const inst = await startInstance({ ...opts, startTimeoutMs: 60_000 });
  try {
    if (inst.runtime !== runtime) throw new Error(`asked for a ${runtime} start, got ${inst.runtime}`);
    for (;;) {
      const res = await fetch(`${inst.url}/readyz`).catch(() => null);
      if (res?.status === 200) return { ms: performance.now() - spawned, mainThread: mainThreadTimes(inst.pid) };
      if (performance.now() - spawned > 60_000) throw new Error(`${strategy} (${runtime}) not ready after 60 s`);
      await new Promise((r) => setTimeout(r, 5));
    }
  } finally {
    await inst.stop();
  }
}

/** `databases`: an already-migrated database per strategy; `env`: what each server needs (JWT_KEYS...). */
export async function measureStartup(databases: Record<Strategy, string>, env: Record<Strategy, Record<string, string>>): Promise<StartupRecord> {
  const ms: StartupRecord['ms'] = { compiled: { session: [], jwt: [] }, tsx: { session: [], jwt: [] } };
  const threads: Record<'compiled' | 'tsx', Record<Strategy, NonNullable<Readiness['mainThread']>[]>> = {
    compiled: { session: [], jwt: [] },
    tsx: { session: [], jwt: [] },
  };
  // Interleaved (compiled, tsx, compiled, ...) so a burst of outside load hits both alike.
  for (let i = 0; i < REPETITIONS; i++) {
    for (const strategy of ['session', 'jwt'] as const) {
      for (const runtime of ['compiled', 'tsx'] as const) {
        const r = await readiness({ strategy, runtime, databaseUrl: databases[strategy], env: env[strategy] });
        ms[runtime][strategy].push(Math.round(r.ms));
        if (r.mainThread) threads[runtime][strategy].push(r.mainThread);
      }
    }
  }
  const med = (xs: number[]) => Math.round(summarize(xs).median);
  const thread = (xs: NonNullable<Readiness['mainThread']>[]) =>
    xs.length === REPETITIONS ? { cpuMs: med(xs.map((x) => x.cpuMs)), queuedMs: med(xs.map((x) => x.queuedMs)) } : null;
  return {
    mainThread: {
      compiled: { session: thread(threads.compiled.session), jwt: thread(threads.compiled.jwt) },
      tsx: { session: thread(threads.tsx.session), jwt: thread(threads.tsx.jwt) },
    },
    repetitions: REPETITIONS,
    ms,
    medianMs: {
      compiled: { session: med(ms.compiled.session), jwt: med(ms.compiled.jwt) },
      tsx: { session: med(ms.tsx.session), jwt: med(ms.tsx.jwt) },
    },
  };
}

/** The start-up measurement on a running batch's databases (its `jwt` and `session` groups). */
export async function measureBatchStartup(
  fleet: { jwtKeys: string },
  groups: Map<string, { spec: { variant: { name: string; strategy: Strategy } }; db: { url: string } }>,
  env: (strategy: Strategy) => Record<string, string>,
): Promise<StartupRecord | null> {
  const find = (name: string) => [...groups.values()].find((g) => g.spec.variant.name === name);
  const jwt = find('jwt');
  const session = find('session');
  if (!jwt || !session || !fleet.jwtKeys) return null;
  return measureStartup({ jwt: jwt.db.url, session: session.db.url }, { jwt: env('jwt'), session: env('session') });
}

/**
 * The command (top of file). Another checkout's server is reached as a compiled entry relative to
 * this checkout's dist/ (startInstance resolves `dist/<dir>/<name>.js`), so both run the same way.
 */
async function cli(): Promise<void> {
  const { values } = parseArgs({
    options: {
      compare: { type: 'string' },
      repetitions: { type: 'string', default: '7' },
      tsx: { type: 'boolean', default: false },
      'node-arg': { type: 'string', multiple: true },
    },
  });
  const repetitions = Number(values.repetitions);
  const jwtKeys = generateJwtKeys();
  const env = (strategy: Strategy) => ({ ...BENCH_SERVER_ENV, AUTH_VARIANT: strategy, ...(strategy === 'jwt' ? { JWT_KEYS: jwtKeys } : {}) });
  type Run = { label: string; runtime: 'compiled' | 'tsx'; root: string; nodeArgs?: string[] };
  const runs: Run[] = [{ label: 'this', runtime: 'compiled', root: REPO_ROOT }];
  if (values.compare) runs.push({ label: values.compare, runtime: 'compiled', root: values.compare });
  if (values.tsx) runs.push({ label: 'this (tsx)', runtime: 'tsx', root: REPO_ROOT });
  const nodeArgs = values['node-arg'] ?? [];
  if (nodeArgs.length) runs.push({ label: `this (node ${nodeArgs.join(' ')})`, runtime: 'compiled', root: REPO_ROOT, nodeArgs });
  const start = (run: Run, strategy: Strategy, databaseUrl: string) =>
    readiness({
      strategy,
      runtime: run.runtime,
      databaseUrl,
      env: env(strategy),
      nodeArgs: run.nodeArgs,
      entry: run.runtime === 'tsx' ? undefined : { dir: relative(join(REPO_ROOT, 'dist'), join(run.root, 'dist', 'servers', strategy)), name: 'main' },
    });
  const pg = await startPostgres();
  try {
    const databases = { session: await pg.createDatabase('startup_session'), jwt: await pg.createDatabase('startup_jwt') };
    for (const strategy of ['session', 'jwt'] as const) await start(runs[0], strategy, databases[strategy]); // migrates
    const seen = new Map(runs.map((r) => [r.label, { session: [] as Readiness[], jwt: [] as Readiness[] }]));
    for (let i = 0; i < repetitions; i++) {
      for (const strategy of ['session', 'jwt'] as const) {
        for (const run of runs) seen.get(run.label)?.[strategy].push(await start(run, strategy, databases[strategy]));
      }
    }
    const med = (xs: number[]) => Math.round(summarize(xs).median);
    for (const [label, byStrategy] of seen) {
      for (const strategy of ['session', 'jwt'] as const) {
        const rs = byStrategy[strategy];
        const threads = rs.flatMap((r) => (r.mainThread ? [r.mainThread] : []));
        const onCpu = threads.length ? `; main thread: ${med(threads.map((t) => t.cpuMs))} ms on CPU, ${med(threads.map((t) => t.queuedMs))} ms queued` : '';
        process.stdout.write(
          `${label} ${strategy}: ready in ${med(rs.map((r) => r.ms))} ms (median of ${rs.length}: ${rs.map((r) => Math.round(r.ms)).join(', ')})${onCpu}\n`,
        );
      }
    }
  } finally {
    await pg.stop();
  }
}

if (require.main === module) {
  cli().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
}
