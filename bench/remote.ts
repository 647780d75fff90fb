// `npm run bench -- --target session=URL[,URL...] --target jwt=URL[,URL...]`: every scenario that
// needs only HTTP, against servers the bench did not start (docker compose, a cluster). Workloads
// run as locally (same request sequences, warm-up, interleaved rounds, same validation); the
// revocation windows are per instance via X-Instance-Id (remote-revocation.ts). Users are created
// through the API (remote-users.ts). Whatever needs the processes or the database (server and
// Postgres CPU, database work, scaling, outage) is "not measured (remote)", never estimated.
// Results: <out>/<stamp>-<profile>-remote/ (results.json, report.md); results/latest is not touched.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, hostname } from 'node:os';
import { join } from 'node:path';
import type autocannon from 'autocannon';
import { codecFor, type Credential } from './credentials';
import { fire } from './fire';
import type { Profile } from './profiles';
import { type RemoteTarget, discoverTarget } from './remote-discovery';
import { remoteAgent, remoteSend, revocationSource } from './remote-http';
import { renderRemoteReport } from './remote-report';
import { REMOTE_SCHEMA, type RemoteCellRecord, type RemoteResults, type RemoteRun } from './remote-results';
import { runRemoteRevocation } from './remote-revocation';
import type { TargetSpec } from './remote-targets';
import { RemoteSetup, remoteUser } from './remote-users';
import { roundOrder } from './rounds';
import { REVOCATION_EVENTS } from './scenarios/revocation';
import type { Selection } from './scenarios/types';
import { runsWorkload } from './variants';
import { getWorkload } from './workloads';

export interface RemoteRunOptions {
  targets: TargetSpec[];
  profile: Profile;
  selection: Selection;
  outDir: string;
  args: string[];
  log?: (line: string) => void;
  /** An admin of the deployment, for the admin-disable event (env BENCH_ADMIN_USERNAME / BENCH_ADMIN_PASSWORD). */
  admin?: { username: string; password: string } | null;
}

/** Credentials of one target, one per connection of the largest steady workload, logged in once. */
class TargetCredentials {
  private readonly cache = new Map<string, Credential>();
  constructor(
    private readonly target: RemoteTarget,
    private readonly setup: RemoteSetup,
  ) {}

  /** Steady users 0..count-1 (the pool of every workload that needs a credential), each with a 3-line cart. */
  async steady(count: number, skus: string[]): Promise<Credential[]> {
    const creds: Credential[] = new Array(count);
    await this.setup.each(
      Array.from({ length: count }, (_, c) => c),
      async (c) => {
        const key = `steady-${c}`;
        let credential = this.cache.get(key);
        if (!credential) {
          // Connection c logs in through URL c mod N: behind several URLs the credentials come from all of them.
          const url = this.target.urls[c % this.target.urls.length];
          const user = remoteUser('steady', c);
          await this.setup.ensureUser(this.target.key, url, user);
          credential = (await this.setup.login(url, this.target.variant.strategy, user)).credential;
          await this.setup.setCart(url, credential, skus, 3);
          this.cache.set(key, credential);
        }
        creds[c] = credential;
      },
    );
    return creds;
  }
}

/** After a run: does every instance of a memory-answering variant answer from memory? (the local memoryCheck, by instance id) */
async function answersFromMemory(target: RemoteTarget, credential: Credential): Promise<boolean> {
  const seen = new Map<string, boolean>();
  for (const url of target.urls) {
    const agent = remoteAgent(url, 1);
    try {
      const behind = target.instancesBehind(url);
      for (let t = 0; t < behind.length * 6 && !behind.every((id) => seen.get(id)); t++) {
        const r = await remoteSend(agent, url, { method: 'GET', path: '/auth/me', headers: { [credential.header]: credential.value } });
        if (r.instance) seen.set(r.instance, seen.get(r.instance) === true || (r.status === 200 && revocationSource(r.body) === 'memory'));
      }
    } finally {
      agent.destroy();
    }
  }
  return target.instances.every((id) => seen.get(id) === true);
}

async function runWorkloads(o: RemoteRunOptions, targets: RemoteTarget[], setup: RemoteSetup, skus: string[], results: RemoteResults) {
  const log = o.log ?? (() => {});
  const creds = new Map(targets.map((t) => [t, new TargetCredentials(t, setup)]));
  for (const name of o.selection.workloads) {
    const workload = getWorkload(name);
    const cells = targets.filter((t) => runsWorkload(t.variant, name));
    if (cells.length === 0) continue;
    const connections = workload.connections(o.profile);
    const plans: { target: RemoteTarget; record: RemoteCellRecord; requestsFor: (c: number) => autocannon.Request[]; credentials: Credential[] }[] = [];
    for (const target of cells) {
      let credentials: Credential[] = [];
      if (workload.needsCredential) {
        if (workload.userPool !== 'steady') throw new Error(`${name}: remote credentials come from the steady pool, not ${workload.userPool}`);
        log(`${target.label}: ${connections} ${workload.userPool} users (registered once, logged in through the API)`);
        credentials = await (creds.get(target) as TargetCredentials).steady(connections, skus);
      } else {
        await setup.each(
          Array.from({ length: connections }, (_, c) => c),
          (c) => setup.ensureUser(target.key, target.urls[c % target.urls.length], remoteUser(workload.userPool, c)),
        );
      }
      const codec = codecFor(target.variant.strategy);
      plans.push({
        target,
        credentials,
        requestsFor: (c) => workload.requests({ index: c, user: remoteUser(workload.userPool, c), credential: credentials[c] ?? null, codec, skus }),
        record: {
          id: `remote/${name}/${target.key}`,
          workload: name,
          target: target.label,
          variant: target.variant.name,
          connections,
          expected: workload.expected,
          warmup: null,
          rounds: [],
          valid: true,
          problems: [],
        },
      });
    }
    const roundSeconds = Math.max(o.profile.roundSeconds, workload.minRoundSeconds ?? 0);
    for (let round = 0; round <= o.profile.rounds; round++) {
      for (const p of round === 0 ? plans : roundOrder(plans, round)) {
        const seconds = round === 0 ? o.profile.warmupSeconds : roundSeconds;
        log(`${p.target.label} ${name} ${round === 0 ? 'warm-up' : `round ${round}/${o.profile.rounds}`} (${seconds} s)`);
        const r = await fire({ urls: p.target.urls, connections, seconds, requestsFor: p.requestsFor, expected: workload.expected }, () => process.cpuUsage());
        const cpu = process.cpuUsage(r.before);
        const { before: _b, after: _a, wallSeconds, outcome: _o, ...counts } = r;
        const run: RemoteRun = { round, seconds: wallSeconds, ...counts, loadgenCpuSeconds: (cpu.user + cpu.system) / 1e6 };
        if (p.target.variant.answersFromMemory && p.credentials[0]) run.fromMemory = await answersFromMemory(p.target, p.credentials[0]);
        if (round === 0) p.record.warmup = run;
        else p.record.rounds.push(run);
        const what = round === 0 ? 'warm-up' : `round ${round}`;
        const problems: string[] = [];
        if (r.unexpected > 0)
          problems.push(
            `${what}: unexpected statuses ${Object.entries(r.statuses)
              .filter(([s]) => !workload.expected.includes(Number(s)))
              .map(([s, n]) => `${n} x ${s}`)
              .join(', ')}`,
          );
        if (r.errors > 0) problems.push(`${what}: ${r.errors} connection errors (${r.timeouts} timeouts)`);
        if (round > 0 && r.responses === 0) problems.push(`${what}: no response at all`);
        if (run.fromMemory === false) problems.push(`${what}: an instance answered from the database, not from memory: the fallback path was measured`);
        if (problems.length > 0) {
          p.record.valid = false;
          p.record.problems.push(...problems);
          log(`INVALID ${p.target.label} ${name} ${what}: ${problems.join('; ')}`);
        }
      }
    }
    results.cells.push(...plans.map((p) => p.record));
  }
}

async function runRevocations(o: RemoteRunOptions, targets: RemoteTarget[], setup: RemoteSetup, runTag: string, results: RemoteResults) {
  const log = o.log ?? (() => {});
  const r = o.profile.revocation;
  for (const target of targets.filter((t) => t.variant.revocation !== false)) {
    let admin: Credential | null = null;
    if (o.admin) admin = (await setup.login(target.urls[0], target.variant.strategy, o.admin)).credential;
    for (const event of REVOCATION_EVENTS) {
      if (event === 'admin-disable' && !admin) continue;
      const repetitions = target.variant.revocation === 'expiry' ? r.untilExpiryRepetitions : r.repetitions;
      log(`revocation: ${target.label} ${event}, ${repetitions} repetition(s) on ${target.instances.length} instance(s)`);
      const reps = await runRemoteRevocation({
        target,
        event,
        repetitions,
        boundMs: r.boundMs,
        maxProbesPerInstance: r.maxProbesPerInstance,
        setup,
        admin,
        runTag,
      });
      const problems = reps.flatMap((rep) => rep.problems.map((p) => `repetition ${rep.repetition + 1}: ${p}`));
      results.revocation.push({
        id: `remote/revocation/${event}/${target.key}`,
        target: target.label,
        variant: target.variant.name,
        event,
        instanceIds: target.instances,
        boundMs: r.boundMs,
        repetitions: reps,
        valid: problems.length === 0,
        problems,
      });
      if (problems.length > 0) log(`INVALID revocation ${target.label} ${event}: ${problems.slice(0, 3).join('; ')}`);
    }
  }
  if (!o.admin) results.notes.push('admin-disable was not run: set BENCH_ADMIN_USERNAME and BENCH_ADMIN_PASSWORD to an admin of the deployment to include it.');
}

function stamp(d: Date): string {
  const iso = d.toISOString();
  return `${iso.slice(0, 10)}-${iso.slice(11, 19).replace(/:/g, '')}`;
}

export async function runRemote(o: RemoteRunOptions): Promise<{ dir: string; results: RemoteResults; report: string }> {
  const log = o.log ?? (() => {});
  const started = new Date();
  const targets: RemoteTarget[] = [];
  for (const spec of o.targets) {
    const t = await discoverTarget(spec);
    log(`target ${t.label}: ${t.urls.join(', ')} -> ${t.instances.length} instance(s): ${t.instances.join(', ')}`);
    targets.push(t);
  }
  const cpu = cpus();
  const results: RemoteResults = {
    schema: REMOTE_SCHEMA,
    profile: o.profile,
    args: o.args,
    startedAt: started.toISOString(),
    finishedAt: '',
    loadGenerator: { host: hostname(), cores: cpu.length, cpuModel: cpu[0]?.model ?? 'unknown', node: process.version },
    targets: targets.map((t) => ({
      key: t.key,
      label: t.label,
      variant: t.variant.name,
      urls: t.urls,
      instances: t.instances,
      instancesByUrl: Object.fromEntries(t.urls.map((u) => [u, t.instancesBehind(u)])),
    })),
    cells: [],
    revocation: [],
    notMeasured: [
      'server CPU and Postgres CPU per request: the bench reads them from /proc of processes it started',
      'database work per request (transactions, table reads, rows written): the bench reads Postgres statistics of databases it created',
      ...(o.selection.scaling ? ['the scaling scenario: it starts 1..N instances itself'] : []),
      ...(o.selection.outage ? ['the outage scenario: it stops and restarts Postgres'] : []),
      ...(o.selection.floor ? ['the floor scenario: it starts minimal servers beside its own instances of ours'] : []),
      ...(o.selection.pgbouncer ? ['the PgBouncer leg: it starts PgBouncer and instances behind it'] : []),
    ],
    notes: [],
    valid: true,
  };
  const setup = new RemoteSetup();
  try {
    const catalogAgent = remoteAgent(targets[0].urls[0]);
    const skusReply = await remoteSend(catalogAgent, targets[0].urls[0], { method: 'GET', path: '/products' });
    catalogAgent.destroy();
    const skus = (JSON.parse(skusReply.body) as { products: { sku: string }[] }).products.map((p) => p.sku).sort();
    if (o.selection.workloads.length > 0) await runWorkloads(o, targets, setup, skus, results);
    if (o.selection.revocation) await runRevocations(o, targets, setup, stamp(started).replace(/-/g, ''), results);
  } finally {
    setup.close();
  }
  results.finishedAt = new Date().toISOString();
  results.valid = results.cells.every((c) => c.valid) && results.revocation.every((c) => c.valid);
  const dir = join(o.outDir, `${stamp(started)}-${o.profile.name}-remote`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  const report = renderRemoteReport(results);
  writeFileSync(join(dir, 'report.md'), report);
  return { dir, results, report };
}

/** run.ts hands over here when `--target` is given: run, print the report, exit code 1 if any cell is invalid. */
export async function remoteMain(o: Omit<RemoteRunOptions, 'log' | 'admin'>): Promise<number> {
  const admin =
    process.env.BENCH_ADMIN_USERNAME && process.env.BENCH_ADMIN_PASSWORD
      ? { username: process.env.BENCH_ADMIN_USERNAME, password: process.env.BENCH_ADMIN_PASSWORD }
      : null;
  process.stderr.write(`bench: remote mode, profile ${o.profile.name}, ${o.targets.length} target(s); servers and Postgres are not the bench's\n`);
  const { dir, results, report } = await runRemote({ ...o, admin, log: (line) => process.stderr.write(`  ${line}\n`) });
  process.stdout.write(`\n${report}\nresults: ${dir}/ (results.json, report.md)\n`);
  if (!results.valid) {
    process.stderr.write('\n!! INVALID cells: see "Problems" in the report\n');
    return 1;
  }
  return 0;
}
