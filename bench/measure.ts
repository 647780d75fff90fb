// Measures the cells of a group: credentials per connection, a warm-up, then interleaved rounds
// (A B, B A, A B ...: roundOrder()), each one autocannon run with CPU sampled around it. Validates
// every run: an unexpected status or a connection error invalidates the cell, loudly.
import type autocannon from 'autocannon';
import type { Instance } from '../scripts/instances';
import type { PostgresHandle } from '../scripts/postgres';
import { GroupBudget } from './budget';
import { CpuMeter } from './cost';
import { codecFor, type Credential, credentialBytes, probe } from './credentials';
import type { DbWindows } from './db-windows';
import { fire } from './fire';
import { benchUser, type Fleet, type InstanceGroup } from './fleet';
import type { Profile } from './profiles';
import type { Progress } from './progress';
import type { CellRecord, RunRecord } from './results';
import type { CellPlan, GroupPlan } from './scenarios';
import { type PrimePlan, type PrimeRecord, primeInstances, rewarm } from './prime';
import { roundOrder } from './rounds';
import { getWorkload } from './workloads';

export const PER_RUN_OVERHEAD_SECONDS = 0.4;

export interface Ctx {
  profile: Profile;
  pg: PostgresHandle;
  fleet: Fleet;
  groups: Map<string, InstanceGroup>;
  skus: string[];
  progress: Progress;
  windows: DbWindows;
  records: Map<string, CellRecord>;
}

function credentialPlan(cell: CellPlan, c: number): { instanceIndex: number } {
  // Connection c is served by instance c mod N and holds a credential issued by floor(c/N) mod N.
  return { instanceIndex: Math.floor(c / cell.instances) % cell.instances };
}

export function credentialNeeds(ctx: Ctx, cell: CellPlan) {
  const workload = getWorkload(cell.workload);
  if (!workload.needsCredential) return [];
  const g = ctx.groups.get(cell.fleetKey) as InstanceGroup;
  return Array.from({ length: cell.connections }, (_, c) => ({
    g,
    instanceIndex: credentialPlan(cell, c).instanceIndex,
    user: benchUser(workload.userPool, c),
  }));
}

export async function cellCredentials(ctx: Ctx, cell: CellPlan): Promise<(Credential | null)[]> {
  const workload = getWorkload(cell.workload);
  const g = ctx.groups.get(cell.fleetKey) as InstanceGroup;
  return Promise.all(
    Array.from({ length: cell.connections }, (_, c) =>
      workload.needsCredential ? ctx.fleet.credential(g, credentialPlan(cell, c).instanceIndex, benchUser(workload.userPool, c)) : Promise.resolve(null),
    ),
  );
}

function requestLine(r: autocannon.Request): string {
  return `${r.method ?? 'GET'} ${r.path ?? '/'}`;
}

async function diagnose(inst: Instance, req: autocannon.Request): Promise<{ request: string; status: number; body: string }> {
  try {
    const res = await fetch(`${inst.url}${req.path ?? '/'}`, {
      method: req.method ?? 'GET',
      headers: req.headers as Record<string, string>,
      body: typeof req.body === 'string' ? req.body : undefined,
    });
    // A replayed login returns a (short-lived, per-run) access token: never into the results.
    const body = (await res.text()).replace(/"accessToken":"[^"]*"/g, '"accessToken":"<redacted>"');
    return { request: requestLine(req), status: res.status, body: body.slice(0, 300) };
  } catch (err) {
    return { request: requestLine(req), status: 0, body: String(err) };
  }
}

/** Tries per instance: a session whose touch fell due is answered once from Postgres, then from memory again. */
const MEMORY_CHECK_TRIES = 3;

/**
 * For a variant that answers from memory while its LISTEN connection is live: after each run, every
 * instance of the cell must answer one of the cell's credentials from memory (`credential.revocation`).
 * 'database' means the run measured the fallback path, not the variant. Returns the problem or null.
 */
async function memoryCheck(instances: Instance[], credentials: (Credential | null)[]): Promise<string | null> {
  for (let i = 0; i < instances.length; i++) {
    // Connection c is served by instance c mod N: connection i is one of instance i's.
    const credential = credentials[i];
    if (!credential) continue;
    let seen = 'no answer';
    for (let t = 0; t < MEMORY_CHECK_TRIES; t++) {
      const r = await probe(instances[i].url, credential);
      let source: unknown;
      try {
        source = (JSON.parse(r.body) as { credential?: { revocation?: unknown } }).credential?.revocation;
      } catch {
        source = undefined;
      }
      if (r.status === 200 && source === 'memory') {
        seen = 'memory';
        break;
      }
      seen = r.status === 200 ? `'${String(source)}'` : `status ${r.status}`;
    }
    if (seen !== 'memory')
      return `${instances[i].instanceId} answered from ${seen}, not from memory (${MEMORY_CHECK_TRIES} tries): the run measured the fallback path`;
  }
  return null;
}

/** The request sequence connection c of a cell sends, round and round. */
function cellRequests(ctx: Ctx, cell: CellPlan, credentials: (Credential | null)[]): (c: number) => autocannon.Request[] {
  const workload = getWorkload(cell.workload);
  const codec = codecFor(cell.variant.strategy);
  return (c) => workload.requests({ index: c, user: benchUser(workload.userPool, c), credential: credentials[c], codec, skus: ctx.skus });
}

async function runOnce(
  ctx: Ctx,
  group: GroupPlan,
  cell: CellPlan,
  round: number,
  credentials: (Credential | null)[],
  budget: GroupBudget | null,
): Promise<void> {
  const record = ctx.records.get(cell.id) as CellRecord;
  const g = ctx.groups.get(cell.fleetKey) as InstanceGroup;
  const instances = g.instances.slice(0, cell.instances);
  const workload = getWorkload(cell.workload);
  const seconds = round === 0 ? group.warmupSeconds : group.roundSeconds;
  const requestsFor = cellRequests(ctx, cell, credentials);
  ctx.progress.step(round === 0 ? `${cell.label} warm-up` : `${cell.label} round ${round}/${group.rounds}`, seconds);
  const meter = new CpuMeter(
    instances.map((i) => i.pid),
    ctx.pg.dataDir,
  );
  let startedAt = new Date().toISOString();
  const fireFor = (s: number) =>
    fire(
      { urls: instances.map((i) => i.url), connections: cell.connections, seconds: s, requestsFor, expected: workload.expected, outcome: cell.outcome },
      () => ({ cpu: meter.sample(), budget: budget?.sample(instances) }),
    );
  let r = await fireFor(seconds);
  // A shared machine can stall every process for longer than a short round (seen: 0.3-1 s at load
  // average 12 on 2 cores), which leaves a round without a single response: the machine's pause, not
  // the server's answer. Such a round is run once more, twice as long, and recorded in `stalls`; a
  // round that stays silent, or any wrong status or error, still invalidates the cell.
  const silent = (x: typeof r) => x.unexpected === 0 && x.errors === 0 && (x.responses === 0 || x.perUrl.some((n) => n === 0));
  if (round > 0 && silent(r)) {
    record.stalls ??= [];
    record.stalls.push(`round ${round}: ${r.responses} responses (${r.perUrl.join('/')}) in ${r.wallSeconds.toFixed(2)} s; run again for ${2 * seconds} s`);
    startedAt = new Date().toISOString();
    r = await fireFor(2 * seconds);
  }
  const notFromMemory = cell.variant.answersFromMemory ? await memoryCheck(instances, credentials) : null;
  g.db.touch();
  ctx.progress.spent(seconds + PER_RUN_OVERHEAD_SECONDS);
  const run: RunRecord = {
    round,
    startedAt,
    seconds: r.wallSeconds,
    sent: r.sent,
    responses: r.responses,
    ok: r.ok,
    outcome: r.outcome,
    unexpected: r.unexpected,
    statuses: r.statuses,
    errors: r.errors,
    timeouts: r.timeouts,
    perInstance: r.perUrl,
    latencyUs: r.latencyUs,
    cpu: CpuMeter.usage(r.before.cpu, r.after.cpu),
    ...(r.before.budget && r.after.budget ? { budget: GroupBudget.use(r.before.budget, r.after.budget) } : {}),
    ...(cell.variant.answersFromMemory ? { fromMemory: notFromMemory === null } : {}),
  };
  if (round === 0) record.warmup = run;
  else record.rounds.push(run);

  const problems: string[] = [];
  const what = round === 0 ? 'warm-up' : `round ${round}`;
  if (r.unexpected > 0) {
    const got = Object.entries(r.statuses)
      .filter(([s]) => !workload.expected.includes(Number(s)) && !cell.outcome.includes(Number(s)))
      .map(([s, n]) => `${n} x ${s}`)
      .join(', ');
    problems.push(`${what}: unexpected statuses ${got} (expected ${workload.expected.join('/')})`);
  }
  if (r.errors > 0) problems.push(`${what}: ${r.errors} connection errors (${r.timeouts} timeouts)`);
  if (notFromMemory) problems.push(`${what}: ${notFromMemory}`);
  // A warm-up may be too short to complete a request on a busy machine; a measured round may not.
  if (round > 0 && r.responses === 0) problems.push(`${what}: no response at all`);
  if (round > 0 && r.perUrl.some((n) => n === 0)) problems.push(`${what}: an instance got no request (${r.perUrl.join('/')})`);
  if (problems.length > 0) {
    record.valid = false;
    record.problems.push(...problems);
    if (record.diagnostics.length === 0) {
      record.diagnostics.push(await diagnose(instances[0], requestsFor(0)[0]));
      g.db.touch();
    }
    ctx.progress.alarm(`INVALID ${cell.label} ${what}: ${problems.join('; ')}\n   first request again: ${JSON.stringify(record.diagnostics[0])}`);
  }
}

/** Every instance group of a budgeted group, primed unbudgeted through its largest cell (bench/prime.ts). */
async function primeGroup(ctx: Ctx, group: GroupPlan, plan: PrimePlan, creds: Map<string, (Credential | null)[]>): Promise<PrimeRecord[]> {
  const out: PrimeRecord[] = [];
  for (const key of new Set(group.cells.map((c) => c.fleetKey))) {
    const cell = group.cells.filter((c) => c.fleetKey === key).reduce((a, c) => (c.instances > a.instances ? c : a));
    ctx.progress.note(
      `priming ${cell.instances} ${cell.variant.name} instance(s) unbudgeted: ${plan.requestsPerInstance} requests each, at most ${plan.maxSeconds} s`,
    );
    const r = await primeInstances(
      ctx.groups.get(key) as InstanceGroup,
      cell,
      cellRequests(ctx, cell, creds.get(cell.id) ?? []),
      getWorkload(cell.workload).expected,
      plan,
      ctx.pg.dataDir,
    );
    if (!r.complete)
      ctx.progress.note(
        `priming ${key} stopped after ${r.seconds.toFixed(1)} s with ${r.responses.join('/')} responses: the budgeted rounds may include JIT warm-up`,
      );
    out.push(r);
  }
  return out;
}

export async function runGroup(ctx: Ctx, group: GroupPlan): Promise<void> {
  const creds = new Map<string, (Credential | null)[]>();
  for (const cell of group.cells) creds.set(cell.id, await cellCredentials(ctx, cell));
  for (const cell of group.cells) {
    if (cell.dbAccounting) await ctx.windows.begin((ctx.groups.get(cell.fleetKey) as InstanceGroup).db, ctx.records.get(cell.id) as CellRecord);
  }
  // The budgeted mini-cluster (scaling): from here to the group's end, and not a moment longer.
  let budget: GroupBudget | null = null;
  if (group.budget) {
    const fleetGroups = [...new Set(group.cells.map((c) => c.fleetKey))].map((k) => ctx.groups.get(k) as InstanceGroup);
    const primedGroups = await primeGroup(ctx, group, group.budget.prime, creds);
    // Seeding and priming left dirty buffers: written out now, the checkpointer does not spend Postgres' budget mid-run.
    await fleetGroups[0].db.query('CHECKPOINT');
    const instances = fleetGroups.flatMap((g) => g.instances);
    const applied = GroupBudget.apply(group.budget, ctx.pg.dataDir, instances);
    if (applied instanceof GroupBudget) budget = applied;
    else if (applied.record.mode === 'none') ctx.progress.note(`no CPU budget, this group runs UNBUDGETED: ${applied.record.reason}`);
    const record = applied.record.mode === 'none' ? applied.record : { ...applied.record, primed: primedGroups };
    for (const cell of group.cells) (ctx.records.get(cell.id) as CellRecord).budget = record;
  }
  // Budgeted rounds start from instances re-warmed unbudgeted (PrimePlan.beforeEachRunSeconds says
  // why); the budgeted warm-up, discarded anyway, only settles the quotas.
  const run = async (cell: CellPlan, round: number) => {
    const credentials = creds.get(cell.id) ?? [];
    if (round > 0 && budget && group.budget && group.budget.prime.beforeEachRunSeconds > 0) {
      const g = ctx.groups.get(cell.fleetKey) as InstanceGroup;
      budget.suspend();
      try {
        await rewarm(
          g.instances.slice(0, cell.instances),
          cell,
          cellRequests(ctx, cell, credentials),
          getWorkload(cell.workload).expected,
          group.budget.prime.beforeEachRunSeconds,
        );
      } finally {
        budget.resume();
      }
    }
    await runOnce(ctx, group, cell, round, credentials, budget);
  };
  try {
    for (const cell of group.cells) await run(cell, 0);
    for (let round = 1; round <= group.rounds; round++) {
      for (const cell of roundOrder(group.cells, round)) await run(cell, round);
    }
  } finally {
    budget?.release();
  }
}

export function newRecord(cell: CellPlan, credentials: (Credential | null)[]): CellRecord {
  const workload = getWorkload(cell.workload);
  const bytes = credentials
    .filter((c): c is Credential => c !== null)
    .map(credentialBytes)
    .sort((a, b) => a - b);
  return {
    id: cell.id,
    scenario: cell.scenario,
    workload: cell.workload,
    variant: cell.variant.name,
    strategy: cell.variant.strategy,
    instances: cell.instances,
    connections: cell.connections,
    expected: workload.expected,
    outcome: cell.outcome,
    warmup: null,
    rounds: [],
    db: null,
    credentialBytes: bytes.length ? bytes[Math.floor(bytes.length / 2)] : null,
    credentialHeader: credentials.find((c) => c !== null)?.header ?? null,
    valid: true,
    problems: [],
    diagnostics: [],
  };
}
