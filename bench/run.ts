// `npm run bench`: plans the runs of a profile, starts Postgres and the server instances, measures
// every cell in interleaved rounds, writes results/<date>-<time>-<profile>/ (raw JSON + report.md/.json/.html),
// updates results/latest/ and prints a short summary (the answer at a glance, the targets) and where
// the full report is.
//   tsx bench/run.ts [--profile smoke|default|full] [--only me,cart-read,scaling,revocation,outage,fanout,floor] [--variants session,jwt] [--out results] [--help]
import { join, relative, resolve } from 'node:path';
import { startPostgres } from '../scripts/postgres';
import { loadConfig } from '../servers/core/config';
import { hashPassword } from '../servers/core/users/password';
import { measureComplexity } from './complexity';
import { cpuAvailable } from './cost';
import { DbWindows } from './db-windows';
import { captureEnvironment } from './environment';
import { type FanoutResults, runFanout } from './fanout';
import { describeSecrets, Fleet, serverEnv } from './fleet';
import { type Ctx, cellCredentials, credentialNeeds, newRecord, PER_RUN_OVERHEAD_SECONDS, runGroup } from './measure';
import { getProfile, PROFILE_NAMES, type Profile, type ProfileName } from './profiles';
import { Progress } from './progress';
import { buildReport } from './report/build';
import { type CellRecord, type OutageResults, RESULTS_SCHEMA, type RevocationCellRecord, type RunResults, updateLatest, writeResults } from './results';
import { runOutage } from './outage';
import { primeEstimateSeconds } from './prime';
import { PoolingLeg } from './pgbouncer-leg';
import { runRevocation } from './revoke';
import { withServerMetrics } from './server-metrics';
import { measureBatchStartup } from './startup';
import { type GroupPlan, mergeBatches, SCENARIOS, type Selection } from './scenarios';
import { REVOCATION_SERVER_ENV } from './scenarios/revocation';
import { remoteMain } from './remote';
import { takeTargets } from './remote-targets';
import { BENCH_SERVER_ENV, VARIANTS, type Variant } from './variants';
import { WORKLOADS, type WorkloadName } from './workloads';

const ROOT = join(__dirname, '..');

interface Args {
  profile: string;
  only: string[] | null;
  variants: string[] | null;
  out: string;
  help: boolean;
}

/** A mistake on the command line: printed as one line (no stack trace), exit code 2. */
class UsageError extends Error {}

const list = (v: string) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

function parseArgs(argv: string[]): Args {
  const args: Args = { profile: 'default', only: null, variants: null, out: join(ROOT, 'results'), help: false };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${flag} needs a value (try --help)`);
      return v;
    };
    if (flag === '--profile') args.profile = value();
    else if (flag === '--only') args.only = list(value());
    else if (flag === '--variants') args.variants = list(value());
    else if (flag === '--out') args.out = resolve(value());
    else if (flag === '--help' || flag === '-h') args.help = true;
    else throw new UsageError(`unknown argument "${argv[i]}" (try --help)`);
  }
  return args;
}

function profileOf(name: string): Profile {
  if (!PROFILE_NAMES.includes(name as ProfileName)) throw new UsageError(`--profile: unknown "${name}" (one of ${PROFILE_NAMES.join(', ')})`);
  return getProfile(name);
}

function select(args: Args): Selection {
  const names = WORKLOADS.map((w) => w.name as string);
  for (const o of args.only ?? []) {
    if (!names.includes(o) && !SCENARIO_FLAGS.includes(o))
      throw new UsageError(`--only: unknown "${o}" (workloads: ${names.join(', ')}; or ${SCENARIO_FLAGS.join(', ')})`);
  }
  for (const v of args.variants ?? []) {
    if (!VARIANTS.some((x) => x.name === v)) throw new UsageError(`--variants: unknown "${v}" (one of ${VARIANTS.map((x) => x.name).join(', ')})`);
  }
  return {
    workloads: WORKLOADS.map((w) => w.name).filter((w) => !args.only || args.only.includes(w)),
    scaling: !args.only || args.only.includes('scaling'),
    revocation: !args.only || args.only.includes('revocation'),
    outage: !args.only || args.only.includes('outage'),
    fanout: !args.only || args.only.includes('fanout'),
    pgbouncer: !args.only || args.only.includes('pgbouncer'),
    floor: !args.only || args.only.includes('floor'),
    variants: VARIANTS.filter((v) => !args.variants || args.variants.includes(v.name)),
  };
}

/** Scenarios `--only` can name besides workloads. */
const SCENARIO_FLAGS = ['scaling', 'revocation', 'outage', 'fanout', 'pgbouncer', 'floor'];

/** What a profile and selection will run, and how many seconds of load that is (start-ups excluded). */
function plan(profile: Profile, selection: Selection) {
  const batches = mergeBatches(SCENARIOS.flatMap((scenario) => scenario.plan(profile, selection)));
  const groups = batches.flatMap((b) => b.groups);
  const revocationCells = batches.flatMap((b) => b.revocation?.cells ?? []);
  const outages = batches.filter((b) => b.outage).length;
  const fanoutSteps = batches.reduce((s, b) => s + (b.fanout ? b.fanout.fleetKeys.length * b.fanout.instances.length : 0), 0);
  const totalRuns = groups.reduce((s, g) => s + g.cells.length * (1 + g.rounds), 0) + revocationCells.length + outages + fanoutSteps;
  const estimate =
    groups.reduce(
      (s, g) => s + g.cells.length * (g.warmupSeconds + g.rounds * g.roundSeconds + (1 + g.rounds) * PER_RUN_OVERHEAD_SECONDS) + primeSeconds(g),
      0,
    ) + batches.reduce((s, b) => s + (b.revocation?.estimateSeconds ?? 0) + (b.outage?.estimateSeconds ?? 0) + (b.fanout?.estimateSeconds ?? 0), 0);
  return { batches, groups, revocationCells, outages, fanoutSteps, totalRuns, estimate };
}

/**
 * A budgeted group's unbudgeted priming (bench/prime.ts): one step per instance group, sized by its
 * largest cell, then a re-warm before every measured round of every cell.
 */
function primeSeconds(g: GroupPlan): number {
  const budget = g.budget;
  if (!budget) return 0;
  const largest = new Map<string, number>();
  for (const c of g.cells) largest.set(c.fleetKey, Math.max(largest.get(c.fleetKey) ?? 0, c.instances));
  const rewarm = budget.prime.beforeEachRunSeconds > 0 ? g.cells.length * g.rounds * (budget.prime.beforeEachRunSeconds + PER_RUN_OVERHEAD_SECONDS) : 0;
  return [...largest.values()].reduce((s, n) => s + primeEstimateSeconds(budget.prime, n), 0) + rewarm;
}

function duration(seconds: number): string {
  return seconds < 90 ? `~${Math.round(seconds)} s` : `~${Math.round(seconds / 60)} min`;
}

/** --help: every option, and what each can name, from the registries themselves. */
function help(): string {
  const all = select({ profile: 'default', only: null, variants: null, out: '', help: false });
  const pad = (s: string, n: number) => s.padEnd(n);
  const profiles = PROFILE_NAMES.map((name) => {
    const p = getProfile(name);
    return `  ${pad(name, 9)}${pad(duration(plan(p, all).estimate), 9)}${p.rounds} rounds of ${p.roundSeconds} s; ${p.purpose}`;
  });
  return [
    'usage: npm run bench -- [--profile <name>] [--only <name>,...] [--variants <name>,...] [--out <dir>]',
    '       npm run bench:smoke     (the same as --profile smoke)',
    '',
    'Starts an embedded Postgres (or uses DATABASE_URL) and the servers, measures, and writes',
    '<out>/<date>-<time>-<profile>/ (results.json, report.md, report.html, report.json) and <out>/latest/.',
    '',
    'options:',
    '  --profile <name>       how big a run is (default: default)',
    '  --only <name>,...      only these workloads and/or scenarios (default: all)',
    '  --variants <name>,...  only these server variants (default: all)',
    '  --out <dir>            where result folders go (default: results)',
    '  -h, --help             this text',
    '',
    'profiles (time: the load alone, estimated from the profile; add ~10-30 s of start-ups):',
    ...profiles,
    '',
    'workloads (--only):',
    ...WORKLOADS.map((w) => `  ${pad(w.name, 12)}${w.summary}`),
    `scenarios (--only): ${SCENARIO_FLAGS.join(', ')}`,
    '',
    'variants (--variants):',
    ...VARIANTS.map((v) => `  ${pad(v.name, 19)}${v.description}`),
    '',
  ].join('\n');
}

function stamp(d: Date): string {
  const iso = d.toISOString(); // 2026-11-26T21:05:38.945Z
  return `${iso.slice(0, 10)}-${iso.slice(11, 19).replace(/:/g, '')}`;
}

/** CPU milliseconds of one scrypt hash (process CPU time: the hash runs on libuv's thread pool). */
async function scryptCost(n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = process.cpuUsage();
    await hashPassword('bench-scrypt-probe', Number(BENCH_SERVER_ENV.SCRYPT_LOG_N));
    const d = process.cpuUsage(t);
    out.push(Math.round((d.user + d.system) / 10) / 100);
  }
  return out;
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  // --target KEY=URL[,URL...]: servers the bench did not start (bench/remote.ts, README "Remote targets").
  const { targets, rest } = takeTargets(argv);
  const args = parseArgs(rest);
  if (args.help) {
    process.stdout.write(help());
    return 0;
  }
  const profile = profileOf(args.profile);
  const selection = select(args);
  if (targets.length > 0) return remoteMain({ targets, profile, selection, outDir: args.out, args: argv });
  const { batches, groups, revocationCells, outages, fanoutSteps, totalRuns, estimate } = plan(profile, selection);
  if (groups.length === 0 && revocationCells.length === 0 && outages === 0 && fanoutSteps === 0) throw new UsageError('nothing to run for this selection');
  const progress = new Progress(totalRuns, estimate);
  const started = new Date();
  const notes: string[] = [];
  process.stderr.write(
    `bench: profile ${profile.name}, variants ${[...new Set(selection.variants.map((v) => v.name))].join(', ')}; ${groups.length} group(s), ${totalRuns} runs, ~${Math.round(estimate)} s of load plus start-up\n`,
  );

  progress.note(process.env.DATABASE_URL ? 'using the Postgres at DATABASE_URL (its CPU is not measured)' : 'starting an embedded Postgres (fsync on)');
  const pg = await startPostgres();
  const cleanup: (() => Promise<void>)[] = [];
  const onSignal = (sig: NodeJS.Signals) => {
    process.stderr.write(`\n${sig}: stopping servers and Postgres\n`);
    void Promise.allSettled(cleanup.map((f) => f())).finally(() => pg.stop().finally(() => process.exit(130)));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const records = new Map<string, CellRecord>();
  const revocationRecords: RevocationCellRecord[] = [];
  let outage: OutageResults | undefined;
  let fanout: FanoutResults | undefined;
  const fleet = new Fleet(pg, 'bench', (l) => progress.note(l));
  const pooling = new PoolingLeg();
  const windows = new DbWindows(profile.settleDbStats, progress);
  let environment: Awaited<ReturnType<typeof captureEnvironment>>;
  let scrypt: number[] = [];
  let runtime: RunResults['runtime'];
  try {
    environment = await captureEnvironment(pg.adminUrl, pg.embedded, cpuAvailable());
    if (!environment.cpuAccounting) notes.push('CPU time could not be read from /proc: CPU figures are missing.');
    fleet.pooler = await pooling.start(pg, batches);
    cleanup.push(() => pooling.stop());
    for (const batch of batches) {
      const running = await fleet.start(batch.fleet, batch.users);
      const stop = () => fleet.stop(running.values());
      cleanup.push(stop);
      try {
        const any = [...running.values()][0].instances[0];
        const skus = ((await (await fetch(`${any.url}/products`)).json()) as { products: { sku: string }[] }).products.map((p) => p.sku);
        const ctx: Ctx = { profile, pg, fleet, groups: running, skus, progress, windows, records };
        const needs = batch.groups.flatMap((group) => group.cells.flatMap((cell) => credentialNeeds(ctx, cell)));
        if (needs.length > 0) progress.note('logging the bench users in (one scrypt each)');
        await fleet.issueAll(needs);
        // Fresh statistics for every table now, so the planner does not switch plans (and
        // autovacuum does not analyze) in the middle of a measured window.
        await fleet.analyze(running.values());
        for (const group of batch.groups) {
          for (const cell of group.cells) records.set(cell.id, newRecord(cell, await cellCredentials(ctx, cell)));
        }
        if (scrypt.length === 0) scrypt = await scryptCost(5);
        for (const group of batch.groups) {
          const cells = group.cells.map((c) => ({
            record: records.get(c.id) as CellRecord,
            instances: running.get(c.fleetKey)?.instances.slice(0, c.instances) ?? [],
          }));
          await withServerMetrics(cells, () => pooling.around(group, running, () => runGroup(ctx, group)));
        }
        if (batch.groups.some((g) => g.cells.some((c) => c.scenario === 'floor'))) {
          progress.note('start-up to /readyz 200: compiled vs tsx, 5 of each per server');
          const startup = await measureBatchStartup(fleet, running, (s) =>
            serverEnv(VARIANTS.find((v) => v.name === s) as Variant, fleet.jwtKeys, `startup-${s}`),
          );
          if (startup) runtime = { startup };
        }
        const nextUser = new Map<string, number>();
        if (batch.revocation) {
          revocationRecords.push(...(await runRevocation({ fleet, groups: running, progress, nextUser }, batch.revocation.cells)));
        }
        if (batch.fanout) fanout = await runFanout({ fleet, groups: running, progress, nextUser }, batch.fanout);
        // Last in its batch: it stops Postgres, which every connection of this batch notices.
        if (batch.outage && !pg.embedded) notes.push('The outage scenario needs the embedded Postgres (it stops and restarts it): skipped with DATABASE_URL.');
        else if (batch.outage) outage = await runOutage({ pg, groups: running, progress, nextUser }, batch.outage);
      } finally {
        await stop();
        cleanup.splice(cleanup.indexOf(stop), 1);
      }
      await windows.end([...running.values()].map((g) => g.db));
      for (const db of new Set([...running.values()].map((g) => g.db))) await db.close(); // floor groups share their issuer's
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await fleet.dropDatabases().catch(() => {});
    await pooling.stop();
    await pg.stop();
  }

  const cells = [...records.values()];
  for (const c of cells) {
    if (c.db && !c.db.settled)
      notes.push(
        `${c.id}: database counters read without waiting for Postgres to flush them (profile ${profile.name}): transactions and rows per request are approximate.`,
      );
  }
  const finished = new Date();
  const usedVariants = VARIANTS.filter(
    (v) => cells.some((c) => c.variant === v.name) || revocationRecords.some((c) => c.variant === v.name) || outage?.variants.some((o) => o.variant === v.name),
  );
  const results: RunResults = {
    schema: RESULTS_SCHEMA,
    profile,
    args: argv,
    startedAt: started.toISOString(),
    finishedAt: finished.toISOString(),
    wallSeconds: (finished.getTime() - started.getTime()) / 1000,
    environment,
    load: {
      tool: 'autocannon',
      version: environment.packages.autocannon ?? null,
      pipelining: 1,
      timeoutSeconds: 10,
      inProcess: 'the bench orchestrator process; servers and Postgres are separate processes',
    },
    variants: usedVariants.map((v) => ({
      name: v.name,
      strategy: v.strategy,
      description: v.description,
      env: { ...serverEnv(v, fleet.jwtKeys, '<per instance>'), ...describeSecrets(v.strategy) },
      serverConfig: JSON.parse(
        JSON.stringify(loadConfig(v.strategy, { ...serverEnv(v, fleet.jwtKeys, '<per instance>'), DATABASE_URL: 'postgres://redacted' })),
      ),
      perInstanceState: v.perInstanceState ?? false,
      comparedWith: v.comparedWith ?? null,
      trap: v.trap ?? false,
      revocation: v.revocation,
      answersFromMemory: v.answersFromMemory ?? false,
    })),
    workloads: WORKLOADS.filter((w) => cells.some((c) => c.workload === w.name)).map((w) => ({
      name: w.name as WorkloadName,
      summary: w.summary,
      connections: w.connections(profile),
      requestsPerLoop: w.requestsPerLoop,
      expected: w.expected,
    })),
    scenarios: SCENARIOS.filter(
      (s) =>
        cells.some((c) => c.scenario === s.name) ||
        (s.name === 'revocation' && revocationRecords.length > 0) ||
        (s.name === 'outage' && outage) ||
        (s.name === 'fanout' && fanout),
    ).map((s) => ({
      name: s.name,
      method: s.method,
    })),
    scrypt: { logN: Number(BENCH_SERVER_ENV.SCRYPT_LOG_N), msPerHash: scrypt },
    cells,
    ...(revocationRecords.length > 0
      ? { revocation: { serverEnv: { ...REVOCATION_SERVER_ENV, ADMIN_PASSWORD: '<redacted: random per run>' }, cells: revocationRecords } }
      : {}),
    ...(outage ? { outage } : {}),
    ...(fanout ? { fanout } : {}),
    ...pooling.results(selection.pgbouncer === true),
    complexity: measureComplexity([...new Set(VARIANTS.map((v) => v.strategy))]),
    cookies: fleet.observedCookies,
    ...(runtime ? { runtime } : {}),
    notes,
    valid: cells.every((c) => c.valid) && revocationRecords.every((c) => c.valid) && (fanout?.valid ?? true),
  };
  const dir = join(args.out, `${stamp(started)}-${profile.name}`);
  writeResults(dir, results);
  const report = await buildReport(dir);
  const latest = updateLatest(args.out, dir);
  // Relative to where the user typed the command (npm runs scripts in the package folder), unless
  // that only climbs out of it: then the absolute path reads better.
  const show = (p: string) => {
    const rel = relative(process.env.INIT_CWD ?? process.cwd(), p);
    return rel === '' ? '.' : rel.startsWith('..') ? p : rel;
  };
  process.stdout.write(`\n${report.summary}\n`);
  process.stdout.write(`full report: ${show(join(dir, 'report.html'))} (also report.md, charts as .svg, raw results.json)\n`);
  process.stdout.write(`latest copy: ${show(latest)}/\ncompare with another run: npm run bench:compare -- <folder A> ${show(dir)}\n`);
  process.stdout.write(
    `wall time ${((Date.now() - started.getTime()) / 1000).toFixed(0)} s (measuring ${results.wallSeconds.toFixed(0)} s), profile ${profile.name}, ${environment.machine.cores} cores (${environment.machine.cpuModel})\n`,
  );
  if (!results.valid) {
    const bad = [...cells, ...revocationRecords].filter((c) => !c.valid);
    process.stderr.write(`\n!! ${bad.length} cell(s) INVALID (unexpected statuses or errors): ${bad.map((c) => c.id).join(', ')}\n`);
    return 1;
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof UsageError) {
      process.stderr.write(`bench: ${err.message}\n`);
      process.exit(2);
    }
    // Failures inside a run keep their stack: they are bugs or faults to investigate.
    process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
