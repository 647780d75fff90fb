// `npm run bench`: plans the runs of a profile, starts Postgres and the server instances, measures
// every cell in interleaved rounds, writes results/<date>-<profile>/ (raw JSON + report.md/.json/.html),
// updates results/latest/ and prints where they are and the headline table.
//   tsx bench/run.ts [--profile smoke|default|full] [--only me,cart-read,scaling,revocation,outage] [--variants session,jwt] [--out results]
import { join, relative, resolve } from 'node:path';
import { startPostgres } from '../scripts/postgres';
import { loadConfig } from '../servers/core/config';
import { hashPassword } from '../servers/core/users/password';
import { measureComplexity } from './complexity';
import { cpuAvailable } from './cost';
import { DbWindows } from './db-windows';
import { captureEnvironment } from './environment';
import { describeSecrets, Fleet, serverEnv } from './fleet';
import { type Ctx, cellCredentials, credentialNeeds, newRecord, PER_RUN_OVERHEAD_SECONDS, runGroup } from './measure';
import { getProfile } from './profiles';
import { Progress } from './progress';
import { buildReport } from './report/build';
import { type CellRecord, type OutageResults, RESULTS_SCHEMA, type RevocationCellRecord, type RunResults, updateLatest, writeResults } from './results';
import { runOutage } from './outage';
import { PoolingLeg } from './pgbouncer-leg';
import { runRevocation } from './revoke';
import { mergeBatches, SCENARIOS, type Selection } from './scenarios';
import { REVOCATION_SERVER_ENV } from './scenarios/revocation';
import { remoteMain } from './remote';
import { takeTargets } from './remote-targets';
import { BENCH_SERVER_ENV, VARIANTS } from './variants';
import { WORKLOADS, type WorkloadName } from './workloads';

const ROOT = join(__dirname, '..');

interface Args {
  profile: string;
  only: string[] | null;
  variants: string[] | null;
  out: string;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { profile: 'default', only: null, variants: null, out: join(ROOT, 'results') };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split('=', 2);
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    if (flag === '--profile') args.profile = value();
    else if (flag === '--only')
      args.only = value()
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    else if (flag === '--variants')
      args.variants = value()
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    else if (flag === '--out') args.out = resolve(value());
    else if (flag === '--help' || flag === '-h') {
      process.stdout.write(
        'usage: tsx bench/run.ts [--profile smoke|default|full] [--only <workload|scaling|revocation|outage>,...] [--variants <name>,...] [--out <dir>]\n',
      );
      process.exit(0);
    } else throw new Error(`unknown argument ${argv[i]} (try --help)`);
  }
  return args;
}

function select(args: Args): Selection {
  const names = WORKLOADS.map((w) => w.name as string);
  for (const o of args.only ?? []) {
    if (!names.includes(o) && !SCENARIO_FLAGS.includes(o))
      throw new Error(`--only: unknown "${o}" (workloads: ${names.join(', ')}; or ${SCENARIO_FLAGS.join(', ')})`);
  }
  for (const v of args.variants ?? []) {
    if (!VARIANTS.some((x) => x.name === v)) throw new Error(`--variants: unknown "${v}" (one of ${VARIANTS.map((x) => x.name).join(', ')})`);
  }
  return {
    workloads: WORKLOADS.map((w) => w.name).filter((w) => !args.only || args.only.includes(w)),
    scaling: !args.only || args.only.includes('scaling'),
    revocation: !args.only || args.only.includes('revocation'),
    outage: !args.only || args.only.includes('outage'),
    pgbouncer: !args.only || args.only.includes('pgbouncer'),
    variants: VARIANTS.filter((v) => !args.variants || args.variants.includes(v.name)),
  };
}

/** Scenarios `--only` can name besides workloads. */
const SCENARIO_FLAGS = ['scaling', 'revocation', 'outage', 'pgbouncer'];

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
  const profile = getProfile(args.profile);
  const selection = select(args);
  if (targets.length > 0) return remoteMain({ targets, profile, selection, outDir: args.out, args: argv });
  const batches = mergeBatches(SCENARIOS.flatMap((scenario) => scenario.plan(profile, selection)));
  const groups = batches.flatMap((b) => b.groups);
  const revocationCells = batches.flatMap((b) => b.revocation?.cells ?? []);
  const outages = batches.filter((b) => b.outage).length;
  if (groups.length === 0 && revocationCells.length === 0 && outages === 0) throw new Error('nothing to run for this selection');
  const totalRuns = groups.reduce((s, g) => s + g.cells.length * (1 + g.rounds), 0) + revocationCells.length + outages;
  const estimate =
    groups.reduce((s, g) => s + g.cells.length * (g.warmupSeconds + g.rounds * g.roundSeconds + (1 + g.rounds) * PER_RUN_OVERHEAD_SECONDS), 0) +
    batches.reduce((s, b) => s + (b.revocation?.estimateSeconds ?? 0) + (b.outage?.estimateSeconds ?? 0), 0);
  const progress = new Progress(totalRuns, estimate);
  const started = new Date();
  const notes: string[] = [];
  process.stderr.write(`bench: profile ${profile.name}, ${groups.length} group(s), ${totalRuns} runs, ~${Math.round(estimate)} s of load plus start-up\n`);

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
  const fleet = new Fleet(pg, 'bench', (l) => progress.note(l));
  const pooling = new PoolingLeg();
  const windows = new DbWindows(profile.settleDbStats, progress);
  let environment: Awaited<ReturnType<typeof captureEnvironment>>;
  let scrypt: number[] = [];
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
        for (const group of batch.groups) await pooling.around(group, running, () => runGroup(ctx, group));
        const nextUser = new Map<string, number>();
        if (batch.revocation) {
          revocationRecords.push(...(await runRevocation({ fleet, groups: running, progress, nextUser }, batch.revocation.cells)));
        }
        // Last in its batch: it stops Postgres, which every connection of this batch notices.
        if (batch.outage && !pg.embedded) notes.push('The outage scenario needs the embedded Postgres (it stops and restarts it): skipped with DATABASE_URL.');
        else if (batch.outage) outage = await runOutage({ pg, groups: running, progress, nextUser }, batch.outage);
      } finally {
        await stop();
        cleanup.splice(cleanup.indexOf(stop), 1);
      }
      await windows.end([...running.values()].map((g) => g.db));
      for (const g of running.values()) await g.db.close();
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
      (s) => cells.some((c) => c.scenario === s.name) || (s.name === 'revocation' && revocationRecords.length > 0) || (s.name === 'outage' && outage),
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
    ...pooling.results(selection.pgbouncer === true),
    complexity: measureComplexity([...new Set(VARIANTS.map((v) => v.strategy))]),
    cookies: fleet.observedCookies,
    notes,
    valid: cells.every((c) => c.valid) && revocationRecords.every((c) => c.valid),
  };
  const dir = join(args.out, `${stamp(started)}-${profile.name}`);
  writeResults(dir, results);
  const report = await buildReport(dir);
  const latest = updateLatest(args.out, dir);
  const show = (p: string) => relative(process.cwd(), p) || '.';
  process.stdout.write(`\n${report.headline}\n\n${report.revocation ? `${report.revocation}\n\n` : ''}${report.targets}\n\n`);
  process.stdout.write(`results: ${show(dir)}/ (results.json, report.md, report.html, report.json); latest copy: ${show(latest)}/\n`);
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
    process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
