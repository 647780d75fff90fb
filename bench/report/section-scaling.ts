// Scaling: the budgeted mini-cluster (1..N instances sharing one Postgres, each process on a CPU
// budget), its efficiency and knee per variant, the capacity model's prediction beside every
// measurement, what the cores needed for a target rate are, and the notify fan-out as instances grow.
import type { BudgetRecord } from '../budget';
import {
  AGREEMENT_BAND,
  agreement,
  appCoresPerPostgresCore,
  calibrateApp,
  connectionCost,
  coresFor,
  maxInstances,
  NO_QUERY_US,
  predictMiniCluster,
  type RequestCost,
  relativeError,
} from '../capacity-model';
import { summarize } from '../compare';
import type { FanoutResults } from '../fanout';
import { everywhereMs } from '../revocation-window';
import { efficiencyChart, scalingChart, scalingFailureChart, utilisationChart } from './charts';
import { int, num, pct, ratio, spread } from './format';
import type { CellMetrics } from './metrics';
import type { Block, ModelContext, Section } from './model';
import { busyMark } from './section-headline';

/** Below this efficiency an added instance no longer adds (most of) its share: the knee. */
export const KNEE_EFFICIENCY = 0.8;
/**
 * Postgres' budget counts as saturated when it used this share of its CPU time (from /proc) and the
 * throttling counter confirms it hit the quota. The counter alone misleads at low load: a 1 s round
 * is 10 periods, and one background burst (autovacuum) in a quiet round throttles a few of them.
 */
export const SATURATED_BUDGET_SHARE = 0.85;
/** Above this share of its one thread the load generator may be what limits a cell. */
const LOADGEN_LIMIT_CORES = 0.85;
/** Target rates of the sizing table (authenticated requests per second). */
const TARGET_RPS = [10_000, 100_000, 1_000_000];

export function scalingCells(ctx: ModelContext): CellMetrics[] {
  return [...ctx.metrics.values()]
    .filter((m) => m.cell.scenario === 'scaling')
    .sort((a, b) => ctx.variantNames.indexOf(a.cell.variant) * 100 + a.cell.instances - (ctx.variantNames.indexOf(b.cell.variant) * 100 + b.cell.instances));
}

/** rps_N / (N * rps_1), on correct responses. */
export function efficiency(ctx: ModelContext, m: CellMetrics): number | null {
  const one = ctx.find('scaling', m.cell.workload, m.cell.variant, 1);
  if (!one?.cell.valid || !m.cell.valid) return null;
  return m.rps.median / (m.cell.instances * one.rps.median);
}

type Budgeted = Extract<BudgetRecord, { postgresCores: number }>;

/** The budgets every scaling cell ran on, or why they ran without (results older than budgets: absent). */
export function scalingBudget(cells: CellMetrics[]): Budgeted | { mode: 'none'; reason: string } {
  const records = cells.map((m) => m.cell.budget);
  if (records.length === 0 || records.some((r) => r === undefined)) return { mode: 'none', reason: 'these results predate CPU budgets' };
  const none = records.find((r) => r?.mode === 'none');
  return none?.mode === 'none' ? none : (records[0] as Budgeted);
}

const median = (xs: number[]) => (xs.length ? summarize(xs).median : null);

/** Medians over the measured rounds: throttled share of CFS periods, Postgres and the mean instance. */
export function throttling(m: CellMetrics): { postgres: number | null; servers: number | null } {
  const rounds = m.cell.rounds.filter((r) => r.budget);
  const share = (t: { periods: number; throttled: number }) => (t.periods > 0 ? t.throttled / t.periods : 0);
  return {
    postgres: median(rounds.map((r) => share(r.budget?.postgres ?? { periods: 0, throttled: 0 }))),
    servers: median(rounds.map((r) => (r.budget?.servers.length ? r.budget.servers.reduce((s, t) => s + share(t), 0) / r.budget.servers.length : 0))),
  };
}

/** The first instance count at which a variant stops scaling, and why; null if it never does in the range. */
export function knee(ctx: ModelContext, rows: CellMetrics[]): { instances: number; reason: string } | null {
  for (const m of rows) {
    if (m.cell.instances === 1) continue;
    const e = efficiency(ctx, m);
    const pg = throttling(m).postgres;
    const b = m.cell.budget;
    const used = b && b.mode !== 'none' && m.utilisation.postgres !== null ? m.utilisation.postgres / b.postgresCores : null;
    if (used !== null && used >= SATURATED_BUDGET_SHARE && pg !== null && pg > 0)
      return { instances: m.cell.instances, reason: `Postgres' budget saturated (${pct(used)} of it used, throttled in ${pct(pg)} of its periods)` };
    if (e !== null && e < KNEE_EFFICIENCY) return { instances: m.cell.instances, reason: `efficiency ${ratio(e)}` };
  }
  return null;
}

const WORKLOADS_SOURCE = 'workloads-scenario cells: one instance, unbudgeted';
const X1_SOURCE = 'scaling x1 cells: one budgeted instance';

/** Per-request costs the model starts from: the variant's single-instance `me` cell of the workloads scenario, else scaling x1. */
export function modelCost(
  ctx: ModelContext,
  variant: string,
  workload: string,
): { cost: RequestCost & { dbRoundTrips: number | null }; source: typeof WORKLOADS_SOURCE | typeof X1_SOURCE } | null {
  const w = ctx.find('workloads', workload, variant);
  const pick = w?.cell.valid && w.serverCpuUs !== null && w.postgresCpuUs !== null ? w : ctx.find('scaling', workload, variant, 1);
  if (!pick?.cell.valid || pick.serverCpuUs === null || pick.postgresCpuUs === null) return null;
  return {
    cost: { serverCpuUs: pick.serverCpuUs, postgresCpuUs: pick.postgresCpuUs, dbRoundTrips: pick.db?.xacts ?? w?.db?.xacts ?? null },
    source: pick === w ? WORKLOADS_SOURCE : X1_SOURCE,
  };
}

/**
 * The costs the mini-cluster check starts from: what a request cost the very same instances,
 * unbudgeted, in the last step of their priming, seconds before the budgeted rounds (bench/prime.ts
 * says why not the workloads cells of minutes earlier). Without them (older runs, a priming that
 * stopped short of its target, an external Postgres for the Postgres side) modelCost's cells: the
 * workloads cells ('cells'), or without them the budgeted x1 cells ('x1').
 */
export function checkCost(ctx: ModelContext, m: CellMetrics): { cost: RequestCost; source: 'priming' | 'cells' | 'x1' } | null {
  const b = m.cell.budget;
  // Only a priming that got every instance to its target: a short one's last second is still JIT warm-up.
  const primed = b && b.mode !== 'none' ? b.primed?.find((p) => p.variant === m.cell.variant && p.complete)?.cost : undefined;
  const base = modelCost(ctx, m.cell.variant, m.cell.workload);
  if (primed) {
    const postgresCpuUs = primed.postgresCpuUs ?? base?.cost.postgresCpuUs;
    if (postgresCpuUs !== undefined) return { cost: { serverCpuUs: primed.serverCpuUs, postgresCpuUs }, source: 'priming' };
  }
  if (!base) return null;
  return { cost: base.cost, source: base.source === X1_SOURCE ? 'x1' : 'cells' };
}

/**
 * The model with its app side calibrated at N = 1 of the mini-cluster (capacity-model.ts
 * calibrateApp): null for N = 1 itself (it is the input, not a prediction) and without a valid x1.
 */
export function calibratedCost(ctx: ModelContext, m: CellMetrics): RequestCost | null {
  if (m.cell.instances === 1) return null;
  const base = checkCost(ctx, m);
  const one = ctx.find('scaling', m.cell.workload, m.cell.variant, 1);
  if (!base || !one?.cell.valid || one.serverCpuUs === null) return null;
  return calibrateApp(base.cost, one.serverCpuUs);
}

/** Both predictions of a budgeted cell and their errors against its measurement. */
export function predictions(ctx: ModelContext, m: CellMetrics, b: Budgeted) {
  const shape = { instances: m.cell.instances, instanceCores: b.instanceCores, postgresCores: b.postgresCores };
  const perInstance = ctx.results.variants.find((v) => v.name === m.cell.variant)?.perInstanceState;
  const base = perInstance ? null : checkCost(ctx, m);
  const cal = perInstance ? null : calibratedCost(ctx, m);
  const unbudgeted = base ? predictMiniCluster(base.cost, shape) : null;
  const calibrated = cal ? predictMiniCluster(cal, shape) : null;
  const err = (p: { rps: number } | null) => (p && m.cell.valid ? relativeError(p.rps, m.rps.median) : null);
  return { unbudgeted, calibrated, unbudgetedError: err(unbudgeted), calibratedError: err(calibrated), source: base?.source ?? null };
}

function saturation(m: CellMetrics, cores: number): string {
  const u = m.utilisation;
  const parts: [string, number][] = [
    ['servers', u.server],
    ['Postgres', u.postgres ?? 0],
    ['load generator', u.loadgen],
    ['other processes', u.other],
  ];
  const top = parts.sort((a, b) => b[1] - a[1])[0];
  return u.machine >= cores * 0.9
    ? `machine saturated (${num(u.machine, 2)} of ${cores} cores busy; most: ${top[0]})`
    : `${num(u.machine, 2)} of ${cores} cores busy`;
}

function budgetUsed(used: number | null, of: number, throttled: number | null): string {
  return `${used === null ? '–' : pct(used / of)} / ${throttled === null ? '–' : pct(throttled)}`;
}

const signedPct = (e: number | null) => (e === null ? '–' : pct(e, 0).replace(/^(\d)/, '+$1'));

function budgetedTable(ctx: ModelContext, cells: CellMetrics[], b: Budgeted): Block {
  return {
    kind: 'table',
    id: 'scaling',
    columns: [
      { label: 'variant' },
      { label: 'N', align: 'right' },
      { label: 'correct req/s', align: 'right' },
      { label: 'efficiency', align: 'right' },
      { label: 'model req/s (limit): unbudgeted costs', align: 'right' },
      { label: 'error', align: 'right' },
      { label: 'model req/s: app calibrated at N=1', align: 'right' },
      { label: 'error', align: 'right' },
      { label: 'Postgres: budget used / throttled', align: 'right' },
      { label: 'instances: budget used / throttled', align: 'right' },
      { label: 'load gen cores', align: 'right' },
      { label: 'machine busy cores', align: 'right' },
      { label: 'failed (401)', align: 'right' },
    ],
    rows: cells.map((m) => {
      const p = predictions(ctx, m, b);
      const t = throttling(m);
      return [
        m.cell.variant,
        String(m.cell.instances),
        m.cell.valid ? spread(m.rps.median, m.rps.min, m.rps.max) + busyMark(m) : 'INVALID',
        ratio(efficiency(ctx, m)),
        p.unbudgeted ? `${int(p.unbudgeted.rps)} (${p.unbudgeted.limitedBy})` : '–',
        signedPct(p.unbudgetedError),
        p.calibrated ? `${int(p.calibrated.rps)} (${p.calibrated.limitedBy})` : m.cell.instances === 1 ? 'input' : '–',
        signedPct(p.calibratedError),
        budgetUsed(m.utilisation.postgres, b.postgresCores, t.postgres),
        budgetUsed(m.utilisation.server, m.cell.instances * b.instanceCores, t.servers),
        num(m.utilisation.loadgen, 2),
        num(m.utilisation.machine, 2),
        m.outcomeShare === null ? '–' : pct(m.outcomeShare, 1),
      ];
    }),
  };
}

function unbudgetedTable(ctx: ModelContext, cells: CellMetrics[], cores: number): Block {
  return {
    kind: 'table',
    id: 'scaling',
    columns: [
      { label: 'variant' },
      { label: 'N', align: 'right' },
      { label: 'correct req/s', align: 'right' },
      { label: 'efficiency', align: 'right' },
      { label: 'server CPU µs/req', align: 'right' },
      { label: 'Postgres CPU µs/req', align: 'right' },
      { label: 'busy cores: servers / Postgres / loadgen / other', align: 'right' },
      { label: 'failed (401)', align: 'right' },
      { label: 'what saturated' },
    ],
    rows: cells.map((m) => [
      m.cell.variant,
      String(m.cell.instances),
      m.cell.valid ? spread(m.rps.median, m.rps.min, m.rps.max) + busyMark(m) : 'INVALID',
      ratio(efficiency(ctx, m)),
      num(m.serverCpuUs),
      m.postgresCpuUs === null ? 'not measured' : num(m.postgresCpuUs),
      [m.utilisation.server, m.utilisation.postgres, m.utilisation.loadgen, m.utilisation.other].map((x) => (x === null ? '–' : num(x, 2))).join(' / '),
      m.outcomeShare === null ? '–' : pct(m.outcomeShare, 1),
      saturation(m, cores),
    ]),
  };
}

/** Above this share of the machine's cores busy, neighbours may have kept a group from its budget. */
const MACHINE_BUSY_SHARE = 0.9;

/** How far the model's predictions held, and what the budgeted instances paid per request against the unbudgeted cells. */
function agreementBlocks(ctx: ModelContext, cells: CellMetrics[], b: Budgeted, cores: number): Block[] {
  const modelled = cells.filter((m) => m.cell.valid && !ctx.results.variants.find((v) => v.name === m.cell.variant)?.perInstanceState);
  const preds = modelled.map((m) => ({ m, p: predictions(ctx, m, b) }));
  const unb = agreement(preds.map((x) => x.p.unbudgetedError));
  const cal = agreement(preds.map((x) => x.p.calibratedError));
  const busy = modelled.filter((m) => m.utilisation.machine >= MACHINE_BUSY_SHARE * cores).length;
  const band = pct(AGREEMENT_BAND, 0);
  const said = (a: ReturnType<typeof agreement>) =>
    a.of === 0 ? 'no cell to check' : `**${a.within} of ${a.of}** cells within ±${band} (median error ${signedPct(a.median)})`;
  // What a budgeted CPU-second bought at N = 1, against the unbudgeted costs the check is fed.
  const x1 = [...new Set(modelled.map((m) => m.cell.variant))].flatMap((v) => {
    const one = ctx.find('scaling', modelled[0].cell.workload, v, 1);
    const base = one ? checkCost(ctx, one) : null;
    // Against x1 itself (no workloads cells in the run) there is nothing to compare.
    if (!one?.cell.valid || one.serverCpuUs === null || !base || base.source === 'x1') return [];
    return [`\`${v}\` ${num(one.serverCpuUs)} µs against ${num(base.cost.serverCpuUs)} (${ratio(one.serverCpuUs / base.cost.serverCpuUs)})`];
  });
  // Where Postgres' budget was the limit, what a request cost it there against unbudgeted.
  const pgSaturated = modelled.flatMap((m) => {
    const base = checkCost(ctx, m);
    const used = m.utilisation.postgres === null ? 0 : m.utilisation.postgres / b.postgresCores;
    if (!base || m.postgresCpuUs === null || base.cost.postgresCpuUs < NO_QUERY_US || used < SATURATED_BUDGET_SHARE) return [];
    return [
      `\`${m.cell.variant}\` x${m.cell.instances} ${num(m.postgresCpuUs)} µs against ${num(base.cost.postgresCpuUs)} (${ratio(m.postgresCpuUs / base.cost.postgresCpuUs)})`,
    ];
  });
  const bySource = (source: 'priming' | 'cells' | 'x1') => [...new Set(preds.filter((x) => x.p.source === source).map((x) => `\`${x.m.cell.variant}\``))];
  const fromPriming = bySource('priming');
  const sources: [string[], string][] = [
    [
      fromPriming,
      "measured on the same instances, unbudgeted, in the last second of their priming, seconds before the budgets (a shared VM's CPU-second buys different work from one minute to the next)",
    ],
    [
      bySource('cells'),
      `the workloads cells (one instance, unbudgeted, minutes earlier${fromPriming.length ? '; their priming stopped short, so its last second was still warming up' : ''})`,
    ],
    [bySource('x1'), 'the budgeted x1 cells (this run has no workloads cells)'],
  ];
  const sourceText = sources
    .filter(([variants]) => variants.length > 0)
    .map(([variants, how]) => `${variants.join(', ')}: ${how}`)
    .join('; ');
  // Each batch primed its own instance groups: collected from every cell's record, once per group.
  const primed = [
    ...new Map(cells.flatMap((m) => (m.cell.budget && m.cell.budget.mode !== 'none' ? (m.cell.budget.primed ?? []) : [])).map((p) => [p.fleetKey, p])).values(),
  ];
  const short = primed.filter((p) => !p.complete);
  const rewarmed = (b.prime.beforeEachRunSeconds ?? 0) > 0;
  const primeText = primed.length
    ? `Before the budgets were applied every instance was primed unbudgeted (\`bench/prime.ts\`): ${b.prime.requestsPerInstance} requests each, at most ${b.prime.maxSeconds} s per variant${
        short.length
          ? `; ${short.map((p) => `${p.fleetKey.replace('scaling/', '')} stopped at ${int(Math.min(...p.responses))}`).join(', ')} (the machine was too busy)${rewarmed ? '' : `: the first budgeted rounds of ${short.length > 1 ? 'these variants' : 'this variant'} still include some JIT warm-up`}`
          : ', and every instance got there'
      }${
        rewarmed
          ? `; and every budgeted round began right after ${b.prime.beforeEachRunSeconds} s of unbudgeted load on its own instances, budgets lifted meanwhile (an instance that idled while the other cells ran pays a one-off re-warm of ~100-200 ms of CPU on its next burst: more than a whole round at ${b.instanceCores} core)`
          : ''
      }. Without priming (results before 2026-12-01) a cold instance spent its ${b.instanceCores} core compiling the request path: the model over-predicted every row 3-10x.`
    : 'These cells were not primed before the budgets: a cold instance spends its budget compiling the request path (JIT), so its first rounds cost several times the warm CPU per request.';
  return [
    {
      kind: 'paragraph',
      text: `**How far the model holds.** From unbudgeted costs alone (${sourceText}): ${said(unb)}. With the app side calibrated at N = 1 (server CPU per request measured in the budgeted x1 cell, Postgres per request still unbudgeted; N = 1 is its input, so only N > 1 is a prediction): ${said(cal)}. ${
        x1.length ? `Server CPU per request at N = 1 under the budget: ${x1.join(', ')}. ` : ''
      }${pgSaturated.length ? `Postgres CPU per request where its budget was ≥ ${pct(SATURATED_BUDGET_SHARE, 0)} used: ${pgSaturated.join(', ')}. ` : ''}${primeText} The model counts CPU only and assumes every group gets its whole budget and that a CPU-second buys the same work everywhere; ${
        busy
          ? `in ${busy} of ${modelled.length} cells the machine had ≥ ${pct(MACHINE_BUSY_SHARE, 0)} of its ${cores} cores busy (neighbours included), where neither is guaranteed`
          : 'the machine was never near saturation here'
      }. Read a prediction as "what these costs allow", the measurement as what this machine did.`,
    },
  ];
}

/** Per variant: where it stops scaling, or how well it still scales at the largest N. */
function kneeLines(ctx: ModelContext, cells: CellMetrics[], shared: string[]): string[] {
  return shared.flatMap((name) => {
    const rows = cells.filter((m) => m.cell.variant === name);
    if (rows.length < 2) return [];
    const last = rows[rows.length - 1];
    const k = knee(ctx, rows);
    const tail = `efficiency ${ratio(efficiency(ctx, last))} at ${last.cell.instances} instances`;
    if (!k) return [`\`${name}\`: no knee up to ${last.cell.instances} instances; ${tail}.`];
    return [`\`${name}\`: knee at **${k.instances} instances**: ${k.reason}${k.instances === last.cell.instances ? '' : `; ${tail}`}.`];
  });
}

/** Proof the load generator was not the limit: its busiest round, and the machine's. */
function loadgenLine(cells: CellMetrics[], cores: number): string {
  const valid = cells.filter((m) => m.cell.valid);
  const worst = valid.reduce<CellMetrics | null>((a, m) => (!a || m.utilisation.loadgen > a.utilisation.loadgen ? m : a), null);
  const machine = Math.max(0, ...valid.map((m) => m.utilisation.machine));
  if (!worst) return '';
  const limited = valid.filter((m) => m.utilisation.loadgen >= LOADGEN_LIMIT_CORES);
  const head = limited.length
    ? `**The load generator may have been the limit** in ${limited.map((m) => `${m.cell.variant} x${m.cell.instances}`).join(', ')} (≥ ${LOADGEN_LIMIT_CORES} of its one thread).`
    : `**The load generator was not the limit:** it used at most ${num(worst.utilisation.loadgen, 2)} cores (${worst.cell.variant} x${worst.cell.instances}) of the one core its single thread can use.`;
  return `${head} The machine had at most ${num(machine, 2)} of ${cores} cores busy in any cell's median round (other processes included).`;
}

function sizingBlocks(ctx: ModelContext, shared: string[], workload: string): Block[] {
  const models = shared
    .map((v) => ({ v, m: modelCost(ctx, v, workload) }))
    .filter((x): x is { v: string; m: NonNullable<ReturnType<typeof modelCost>> } => x.m !== null);
  if (models.length === 0) return [];
  const session = models.find((x) => x.v === 'session');
  const carry = session ? appCoresPerPostgresCore(session.m.cost) : null;
  return [
    {
      kind: 'paragraph',
      text: `**Capacity model** (\`bench/capacity-model.ts\`): a cluster of A app cores and P Postgres cores serves min(A × 10⁶ / server µs, P × 10⁶ / Postgres µs) requests per second, with the per-request CPU measured here (${[...new Set(models.map((x) => x.m.source))].join('; ')}). It counts CPU only: no network, no lock waits, one instance per app core, and assumes a CPU-second buys the same work in the cells it was measured in and in the mini-cluster (on a shared VM it does not when the neighbours' load changes between them: "how far the model holds" above shows by how much). The sizing below is therefore conditional: it holds for this code on this CPU at these per-request costs, with the error the mini-cluster check measured; on other hardware, rerun the bench there. ${carry !== null && Number.isFinite(carry) ? `One Postgres core carries **${num(carry, 2)} app cores** of \`session\` /auth/${workload === 'me' ? 'me' : workload} traffic; ` : ''}a variant without a query on the request path is never Postgres-bound (∞). Cores are at 100 % busy: add your own headroom.`,
    },
    {
      kind: 'table',
      id: 'capacity',
      columns: [
        { label: 'variant' },
        { label: 'server µs/req', align: 'right' },
        { label: 'Postgres µs/req', align: 'right' },
        { label: 'DB round trips/req', align: 'right' },
        { label: 'app cores per Postgres core', align: 'right' },
        ...TARGET_RPS.map((r) => ({ label: `${int(r)} req/s: Postgres / app cores`, align: 'right' as const })),
      ],
      rows: models.map(({ v, m }) => [
        v,
        num(m.cost.serverCpuUs),
        num(m.cost.postgresCpuUs),
        m.cost.dbRoundTrips === null ? '–' : num(m.cost.dbRoundTrips, 2),
        Number.isFinite(appCoresPerPostgresCore(m.cost)) ? num(appCoresPerPostgresCore(m.cost), 2) : '∞',
        ...TARGET_RPS.map((r) => {
          const c = coresFor(m.cost, r);
          return `${num(c.postgres, 2)} / ${num(c.app, 2)}`;
        }),
      ]),
    },
  ];
}

const MB = 1024 * 1024;

function fanoutBlocks(f: FanoutResults): Block[] {
  const rows = f.variants.flatMap((v) =>
    v.steps.map((s) => {
      const every = s.revocation.repetitions.map(everywhereMs).filter((x): x is number => x !== null);
      const w = summarize(every);
      const rss = summarize(s.instanceRssBytes.map((b) => b / MB));
      const perConn = summarize(s.postgres.backendPrivateBytes.map((b) => b / MB));
      const conns = s.postgres.pool + s.postgres.listener;
      return { v: v.variant, s, w, rss, perConn, conns, missing: s.revocation.repetitions.length - every.length };
    }),
  );
  const all = rows.flatMap((r) => r.s.postgres.backendPrivateBytes);
  const perConnection = all.length ? summarize(all).median : 0;
  const idlePerInstance = median(rows.map((r) => r.conns / r.s.instances)) ?? 0;
  const usable = f.maxConnections - f.reservedConnections;
  const full = f.poolMax + 1;
  const nIdle = maxInstances(idlePerInstance, f.maxConnections, f.reservedConnections, 1);
  const nFull = maxInstances(full, f.maxConnections, f.reservedConnections, 1);
  const atFull = connectionCost(nFull, full, perConnection);
  return [
    {
      kind: 'paragraph',
      text: `**Fan-out.** One revocation (a logout) is one NOTIFY that Postgres delivers to every instance's listener. Window: time from the revoking request until every instance refused the old credential, median and max over the repetitions. Idle instances cost little CPU: what an added instance costs is its memory and its connections.`,
    },
    {
      kind: 'table',
      id: 'fanout',
      columns: [
        { label: 'variant' },
        { label: 'N', align: 'right' },
        { label: 'revoked everywhere, median / max ms', align: 'right' },
        { label: 'instance RSS MB, median (sum)', align: 'right' },
        { label: 'Postgres connections: pool + listener', align: 'right' },
        { label: 'backend private MB per connection', align: 'right' },
      ],
      rows: rows.map((r) => [
        r.v,
        String(r.s.instances),
        `${num(r.w.median)} / ${num(r.w.max)}${r.missing ? ` (${r.missing} not revoked within ${r.s.revocation.boundMs} ms)` : ''}${r.s.revocation.valid ? '' : ' INVALID'}`,
        `${num(r.rss.median)} (${int(r.s.instanceRssBytes.reduce((a, b) => a + b, 0) / MB)})`,
        `${r.s.postgres.pool} + ${r.s.postgres.listener} = ${r.conns}`,
        r.perConn.n ? num(r.perConn.median, 2) : 'not measured',
      ]),
    },
    {
      kind: 'paragraph',
      text: `**Where max_connections ends it.** This Postgres allows ${f.maxConnections} connections, ${f.reservedConnections} of them reserved for superusers: ${usable} for the instances (and one for the bench's monitor). Mostly idle, an instance held ${num(idlePerInstance, 2)} connections (its listener and the pool connections it had opened), so about **${Number.isFinite(nIdle) ? int(nIdle) : '∞'} instances** fit; under load every pool fills to PG_POOL_MAX = ${f.poolMax}, ${full} connections with the listener, and **${int(nFull)} instances** fit (${atFull.connections} connections, ${perConnection ? `≈ ${int(atFull.bytes / MB)} MB of backend private memory at the measured ${num(perConnection / MB, 2)} MB per connection` : 'backend memory not measured'}). Computed from the measured connections and memory and the configured max_connections, not run to the refusal; past it Postgres answers "sorry, too many clients already" (SQLSTATE 53300), which is where a pooler (PgBouncer) comes in.`,
    },
  ];
}

export function scalingSection(ctx: ModelContext): Section | null {
  const cells = scalingCells(ctx);
  const f = ctx.results.fanout;
  if (cells.length === 0 && !f) return null;
  const blocks: Block[] = [];
  if (cells.length > 0) blocks.push(...miniClusterBlocks(ctx, cells));
  if (f) blocks.push(...fanoutBlocks(f));
  return { id: 'scaling', title: 'Scaling: a budgeted mini-cluster, a capacity model, fan-out', blocks };
}

function miniClusterBlocks(ctx: ModelContext, cells: CellMetrics[]): Block[] {
  const cores = ctx.results.environment.machine.cores;
  const workload = cells[0].cell.workload;
  const b = scalingBudget(cells);
  const perInstance = ctx.results.variants.filter((v) => v.perInstanceState).map((v) => v.name);
  const shared = [...new Set(cells.map((m) => m.cell.variant))].filter((v) => !perInstance.includes(v));
  const maxN = Math.max(...cells.map((m) => m.cell.instances));
  const effRows = cells.flatMap((m) => {
    const e = efficiency(ctx, m);
    return e === null || perInstance.includes(m.cell.variant) ? [] : [{ variant: m.cell.variant, instances: m.cell.instances, efficiency: e }];
  });
  const blocks: Block[] = [
    b.mode === 'none'
      ? {
          kind: 'paragraph',
          text: `**UNBUDGETED: no CPU budget could be set (${b.reason}).** The instances, Postgres and the load generator share the machine's ${cores} cores, so efficiency below 1 says the machine saturated, not that a design does not scale; the model's predictions need budgets and are left out. Workload \`${workload}\`, ${cells[0].cell.connections} connections spread round robin.`,
        }
      : {
          kind: 'paragraph',
          text: `**A budgeted mini-cluster** (${b.mode}, CFS period ${b.periodUs / 1000} ms): Postgres (all its processes) gets **${b.postgresCores} core**, every server instance **${b.instanceCores} core**, the load generator none; at ${maxN} instances the budgets take ${num(maxN * b.instanceCores + b.postgresCores, 2)} of the machine's ${cores} cores. Workload \`${workload}\`, ${cells[0].cell.connections} connections spread round robin (connection c on instance c mod N). Efficiency is req/s at N over N × req/s at 1; the knee is the first N where it drops below ${KNEE_EFFICIENCY} or where Postgres used ≥ ${pct(SATURATED_BUDGET_SHARE)} of its budget and was throttled. "Budget used" is CPU time over the budget; "throttled" the share of 100 ms periods in which a group hit its quota (instances: mean over the cell's instances). A budget is a ceiling, not a reservation: on a machine busy with other work a group may get less than its budget without being throttled.`,
        },
  ];
  const knees = kneeLines(ctx, cells, shared);
  if (knees.length) blocks.push({ kind: 'list', items: knees });
  blocks.push(b.mode === 'none' ? unbudgetedTable(ctx, cells, cores) : budgetedTable(ctx, cells, b));
  if (b.mode !== 'none') blocks.push(...agreementBlocks(ctx, cells, b, cores));
  const lg = loadgenLine(cells, cores);
  if (lg) blocks.push({ kind: 'paragraph', text: lg });
  if (effRows.length)
    blocks.push({
      kind: 'chart',
      id: 'scaling-efficiency',
      title: `Scaling efficiency by number of instances (dashed: the knee threshold ${KNEE_EFFICIENCY})`,
      alt: 'line chart of efficiency against instances per variant',
      spec: efficiencyChart(effRows, KNEE_EFFICIENCY),
    });
  blocks.push(
    {
      kind: 'chart',
      id: 'scaling',
      title: 'Correct responses per second by number of instances',
      alt: 'line chart of throughput against instances per variant',
      spec: scalingChart(cells),
    },
    {
      kind: 'chart',
      id: 'utilisation',
      title: 'Busy cores by process group',
      alt: 'stacked bars of busy cores per variant and instance count',
      spec: utilisationChart(cells, cores),
    },
  );
  blocks.push(...sizingBlocks(ctx, shared, workload));
  for (const name of perInstance) blocks.push(...perInstanceBlocks(ctx, cells, name, workload));
  return blocks;
}

function perInstanceBlocks(ctx: ModelContext, cells: CellMetrics[], name: string, workload: string): Block[] {
  const rows = cells.filter((m) => m.cell.variant === name);
  if (rows.length === 0) return [];
  const one = rows.find((m) => m.cell.instances === 1);
  const shared = ctx.results.variants.find((v) => v.strategy === ctx.results.variants.find((x) => x.name === name)?.strategy && !v.perInstanceState)?.name;
  const sharedOne = shared ? ctx.find('scaling', workload, shared, 1) : undefined;
  const failures = rows
    .filter((m) => m.cell.instances > 1)
    .map(
      (m) =>
        `${pct(m.outcomeShare, 1)} of requests fail with 401 on ${m.cell.instances} instances (a non-sticky balancer predicts ${pct((m.cell.instances - 1) / m.cell.instances)})`,
    );
  return [
    {
      kind: 'paragraph',
      text: `**\`${name}\` keeps sessions in one process's memory.** ${
        one && sharedOne
          ? `On 1 instance it serves ${num(one.rps.median)} req/s against ${num(sharedOne.rps.median)} for \`${shared}\` (${ratio(one.rps.median / sharedOne.rps.median)}): no database round trip. `
          : ''
      }${failures.length ? `Behind a round-robin balancer, ${failures.join('; ')}: a session issued by one instance is unknown to the others. That is what "requires shared storage" means: the state has to live where every instance can read it (Postgres here), and that read is the cost the \`session\` rows show.` : ''}`,
    },
    {
      kind: 'chart',
      id: `failures-${name}`,
      title: `${name}: share of requests failing with 401`,
      alt: 'bar chart of the share of failed requests by instance count',
      spec: scalingFailureChart(rows),
    },
  ];
}

/**
 * One line for the README headline: how each design scaled on the mini-cluster and what the model
 * says one Postgres core carries. Null without budgeted scaling cells.
 */
export function scalingHeadline(ctx: ModelContext): string | null {
  const cells = scalingCells(ctx);
  const b = scalingBudget(cells);
  if (cells.length === 0 || b.mode === 'none') return null;
  const perInstance = ctx.results.variants.filter((v) => v.perInstanceState).map((v) => v.name);
  const shared = [...new Set(cells.map((m) => m.cell.variant))].filter((v) => !perInstance.includes(v));
  const parts = shared.flatMap((name) => {
    const rows = cells.filter((m) => m.cell.variant === name);
    const last = rows[rows.length - 1];
    if (!last || rows.length < 2) return [];
    const k = knee(ctx, rows);
    return [`\`${name}\` ${k ? `knee at ${k.instances}` : 'no knee'} (${ratio(efficiency(ctx, last))} at ${last.cell.instances})`];
  });
  const session = modelCost(ctx, 'session', cells[0].cell.workload);
  const carry = session ? appCoresPerPostgresCore(session.cost) : null;
  const env = ctx.results.environment.machine;
  return `**Scaling** (budgeted mini-cluster on ${env.cores} × ${env.cpuModel}: Postgres ${b.postgresCores} core, each instance ${b.instanceCores} core; efficiency = req/s(N) / (N × req/s(1))): ${parts.join(', ')}.${carry !== null && Number.isFinite(carry) ? ` Model: one Postgres core carries ${num(carry, 2)} app cores of \`session\` /auth/me traffic.` : ''}`;
}
