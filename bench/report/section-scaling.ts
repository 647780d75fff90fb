// Scaling: 1..N instances sharing one Postgres; efficiency, cost per request, what saturated, and
// the share of requests that fail without shared storage.
import { scalingChart, scalingFailureChart, utilisationChart } from './charts';
import { num, pct, ratio, spread } from './format';
import type { CellMetrics } from './metrics';
import type { Block, ModelContext, Section } from './model';
import { busyMark } from './section-headline';

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

export function scalingSection(ctx: ModelContext): Section | null {
  const cells = scalingCells(ctx);
  if (cells.length === 0) return null;
  const cores = ctx.results.environment.machine.cores;
  const workload = cells[0].cell.workload;
  const perInstance = ctx.results.variants.filter((v) => v.perInstanceState).map((v) => v.name);
  const blocks: Block[] = [
    {
      kind: 'paragraph',
      text: `Workload \`${workload}\` on 1..N instances of each variant sharing one Postgres, ${cells[0].cell.connections} connections spread round robin (connection c on instance c mod N). Efficiency is req/s at N instances over N × req/s at 1 instance. Utilisation is in busy cores (this machine has ${cores}); "other" is CPU used by processes outside the bench.`,
    },
    {
      kind: 'table',
      id: 'scaling',
      columns: [
        { label: 'variant' },
        { label: 'instances', align: 'right' },
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
    },
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
  ];
  for (const name of perInstance) {
    const rows = cells.filter((m) => m.cell.variant === name);
    if (rows.length === 0) continue;
    const one = rows.find((m) => m.cell.instances === 1);
    const shared = ctx.results.variants.find((v) => v.strategy === ctx.results.variants.find((x) => x.name === name)?.strategy && !v.perInstanceState)?.name;
    const sharedOne = shared ? ctx.find('scaling', workload, shared, 1) : undefined;
    const failures = rows
      .filter((m) => m.cell.instances > 1)
      .map(
        (m) =>
          `${pct(m.outcomeShare, 1)} of requests fail with 401 on ${m.cell.instances} instances (a non-sticky balancer predicts ${pct((m.cell.instances - 1) / m.cell.instances)})`,
      );
    blocks.push(
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
    );
  }
  return { id: 'scaling', title: 'Scaling: 1 to N instances sharing one Postgres', blocks };
}
