// Per-workload figures: throughput and latency, cost per request, the login row and the
// string-secret trap.
import { summarize } from '../compare';
import { costChart, latencyChart, throughputChart } from './charts';
import { num, ratio, ratioCi, spread } from './format';
import type { CellMetrics } from './metrics';
import type { Block, ModelContext, Section } from './model';
import { busyMark, RATIO_TO_PUBLIC, referenceOf, throughputRatio } from './section-headline';

export function workloadCells(ctx: ModelContext): CellMetrics[] {
  const order = (m: CellMetrics) => ctx.results.workloads.findIndex((w) => w.name === m.cell.workload) * 100 + ctx.variantNames.indexOf(m.cell.variant);
  return [...ctx.metrics.values()].filter((m) => m.cell.scenario === 'workloads').sort((a, b) => order(a) - order(b));
}

function vsPublic(ctx: ModelContext, m: CellMetrics): string {
  if (m.cell.workload === 'public') return '1.00×';
  if (!RATIO_TO_PUBLIC.has(m.cell.workload)) return '–';
  const base = ctx.find('workloads', 'public', m.cell.variant) ?? ctx.find('workloads', 'public', referenceOf(ctx, m.cell.variant));
  return base ? ratio(m.rps.median / base.rps.median) : '–';
}

const valid = (m: CellMetrics, text: string) => (m.cell.valid ? text : `INVALID (${text})`);

export function workloadsSection(ctx: ModelContext): Section | null {
  const cells = workloadCells(ctx);
  if (cells.length === 0) return null;
  const blocks: Block[] = [
    {
      kind: 'list',
      items: ctx.results.workloads.map((w) => `\`${w.name}\`: ${w.summary}; ${w.connections} connections.`),
    },
    {
      kind: 'table',
      id: 'throughput',
      caption: 'Throughput and latency (median over rounds; min–max in brackets; latency in ms, measured in µs)',
      columns: [
        { label: 'workload' },
        { label: 'variant' },
        { label: 'req/s', align: 'right' },
        { label: '× public', align: 'right' },
        { label: 'p50', align: 'right' },
        { label: 'p90', align: 'right' },
        { label: 'p99', align: 'right' },
        { label: 'p99.9', align: 'right' },
      ],
      rows: cells.map((m) => [
        `\`${m.cell.workload}\``,
        m.cell.variant,
        valid(m, spread(m.rps.median, m.rps.min, m.rps.max)) + busyMark(m),
        vsPublic(ctx, m),
        num(m.latencyUs.p50 / 1000),
        num(m.latencyUs.p90 / 1000),
        num(m.latencyUs.p99 / 1000),
        num(m.latencyUs.p999 / 1000),
      ]),
    },
    {
      kind: 'chart',
      id: 'throughput',
      title: 'Throughput per workload (median, min–max)',
      alt: 'bar chart of requests per second per variant, one panel per workload',
      spec: throughputChart(cells),
    },
    {
      kind: 'chart',
      id: 'latency',
      title: 'Latency percentiles per workload (ms, log scale)',
      alt: 'latency percentiles p50 to p99.9 per variant, one panel per workload',
      spec: latencyChart(cells),
    },
    {
      kind: 'table',
      id: 'cost',
      caption:
        'Cost per request: CPU (µs) of the serving instance and of Postgres; database work (transactions, table reads, rows written) per request (rows read per table: see "Database work per request, by table"); bytes of credential header per request',
      columns: [
        { label: 'workload' },
        { label: 'variant' },
        { label: 'server CPU µs', align: 'right' },
        { label: 'Postgres CPU µs', align: 'right' },
        { label: 'DB transactions', align: 'right' },
        { label: 'table reads', align: 'right' },
        { label: 'rows written', align: 'right' },
        { label: 'credential bytes', align: 'right' },
      ],
      rows: cells.map((m) => [
        `\`${m.cell.workload}\``,
        m.cell.variant,
        num(m.serverCpuUs),
        m.postgresCpuUs === null ? 'not measured' : num(m.postgresCpuUs),
        m.db ? num(m.db.xacts) + (m.db.settled ? '' : '~') : '–',
        m.db ? num(m.db.reads) : '–',
        m.db ? num(m.db.rowsWritten) : '–',
        m.cell.credentialBytes === null ? '–' : String(m.cell.credentialBytes),
      ]),
    },
    {
      kind: 'chart',
      id: 'cost',
      title: 'CPU per request (µs): server and Postgres',
      alt: 'stacked bars of server and Postgres CPU microseconds per request',
      spec: costChart(cells),
    },
  ];
  if (cells.some((m) => m.db && !m.db.settled))
    blocks.push({ kind: 'paragraph', text: '~ : database counters read before Postgres flushed them (this profile does not wait): approximate.' });
  return { id: 'workloads', title: 'Per workload', blocks };
}

export function loginSection(ctx: ModelContext): Section | null {
  const cells = workloadCells(ctx).filter((m) => m.cell.workload === 'login');
  if (cells.length === 0) return null;
  const scrypt = summarize(ctx.results.scrypt.msPerHash);
  const rows = cells.map((m) => [
    m.cell.variant,
    valid(m, spread(m.rps.median, m.rps.min, m.rps.max, num)),
    num(m.latencyUs.p50 / 1000),
    num(m.latencyUs.p99 / 1000),
    num(m.serverCpuUs === null ? null : m.serverCpuUs / 1000),
    m.postgresCpuUs === null ? 'not measured' : num(m.postgresCpuUs / 1000),
    m.db ? num(m.db.xacts) : '–',
    m.db ? num(m.db.rowsWritten) : '–',
  ]);
  // Measured at another moment than the login cells: on a busy machine the ratio can pass 100%.
  const share = cells
    .filter((m) => m.serverCpuUs)
    .map((m) => {
      const x = scrypt.median / ((m.serverCpuUs as number) / 1000);
      return `${m.cell.variant} ${x >= 0.95 ? '~100%' : `${Math.round(x * 100)}%`}`;
    })
    .join(', ');
  return {
    id: 'login',
    title: 'Login cost (password hashing)',
    blocks: [
      {
        kind: 'paragraph',
        text: `A login verifies a scrypt hash (N=2^${ctx.results.scrypt.logN}, r=8, p=1): ${num(scrypt.median)} ms of CPU per hash, measured in the bench process (${num(scrypt.min)}–${num(scrypt.max)} ms over ${scrypt.n} hashes). Share of a login's server CPU time the hash alone accounts for: ${share || 'n/a'}. Login throughput is bounded by password hashing, not by the way the credential is kept.`,
      },
      {
        kind: 'table',
        id: 'login',
        columns: [
          { label: 'variant' },
          { label: 'logins/s', align: 'right' },
          { label: 'p50 ms', align: 'right' },
          { label: 'p99 ms', align: 'right' },
          { label: 'server CPU ms/login', align: 'right' },
          { label: 'Postgres CPU ms/login', align: 'right' },
          { label: 'DB transactions/login', align: 'right' },
          { label: 'rows written/login', align: 'right' },
        ],
        rows,
      },
    ],
  };
}

export function trapSection(ctx: ModelContext): Section | null {
  // Results older than the `trap` field: the trap was the only variant with a comparedWith.
  const traps = ctx.results.variants.filter((v) => (v.trap ?? v.comparedWith !== null) && v.comparedWith);
  const blocks: Block[] = [];
  for (const v of traps) {
    const trap = ctx.find('workloads', 'me', v.name);
    const base = ctx.find('workloads', 'me', v.comparedWith as string);
    if (!trap || !base) continue;
    const c = throughputRatio(trap, base);
    blocks.push(
      {
        kind: 'paragraph',
        text: `\`${v.name}\`: ${v.description}. On \`me\` it reaches **${ratioCi(c)}** the throughput of \`${base.cell.variant}\`, and costs ${num(trap.serverCpuUs)} µs of server CPU per request against ${num(base.serverCpuUs)} µs. A comparison that falls into this trap measures jsonwebtoken's key parsing, not JWT.`,
      },
      {
        kind: 'table',
        columns: [
          { label: 'variant' },
          { label: 'req/s', align: 'right' },
          { label: 'p50 ms', align: 'right' },
          { label: 'p99 ms', align: 'right' },
          { label: 'server CPU µs/request', align: 'right' },
        ],
        rows: [base, trap].map((m) => [
          m.cell.variant,
          valid(m, spread(m.rps.median, m.rps.min, m.rps.max)),
          num(m.latencyUs.p50 / 1000),
          num(m.latencyUs.p99 / 1000),
          num(m.serverCpuUs),
        ]),
      },
    );
  }
  return blocks.length ? { id: 'trap', title: 'The jsonwebtoken string-secret trap', blocks } : null;
}
