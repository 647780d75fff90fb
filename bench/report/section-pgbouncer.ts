// The PgBouncer leg (scenarios/pgbouncer.ts): per variant, GET /auth/me straight to Postgres and
// through PgBouncer in transaction mode; what the pooler costs in throughput, latency and CPU per
// request (PgBouncer's own included), and how many Postgres connections each path held.
import { poolingMode } from '../scenarios/pgbouncer';
import { int, num, ratio, spread } from './format';
import type { CellMetrics } from './metrics';
import type { Block, ModelContext, Section } from './model';
import { busyMark } from './section-headline';

const MODE_LABEL = { direct: 'direct, named statements', unnamed: 'direct, PG_PREPARED_STATEMENTS=0', pooled: 'PgBouncer (transaction mode)' };

/** PgBouncer's CPU µs per request of the pooled cell: its CPU over the group / every request the cell sent (warm-up included). */
function pgbouncerUs(ctx: ModelContext, m: CellMetrics): number | null {
  const group = ctx.results.pooling?.groups.find((g) => g.groupId === `pgbouncer/${m.cell.variant}`);
  const sent = [m.cell.warmup, ...m.cell.rounds].reduce((s, r) => s + (r?.sent ?? 0), 0);
  return group && sent > 0 ? (group.pgbouncerCpuSeconds / sent) * 1e6 : null;
}

export function pgbouncerSection(ctx: ModelContext): Section | null {
  const pooling = ctx.results.pooling;
  if (!pooling) return null;
  if (pooling.skipped) return { id: 'pgbouncer', title: 'Through PgBouncer', blocks: [{ kind: 'paragraph', text: `Not measured: ${pooling.skipped}.` }] };
  const cells = [...ctx.metrics.values()]
    .filter((m) => m.cell.scenario === 'pgbouncer')
    .sort((a, b) => ctx.variantNames.indexOf(a.cell.variant) - ctx.variantNames.indexOf(b.cell.variant));
  if (cells.length === 0) return null;
  const direct = (variant: string) => cells.find((m) => m.cell.variant === variant && poolingMode(m.cell.id) === 'direct');
  const rows = cells.map((m) => {
    const mode = poolingMode(m.cell.id) ?? 'direct';
    const base = direct(m.cell.variant);
    const bouncer = mode === 'pooled' ? pgbouncerUs(ctx, m) : 0;
    const total = m.serverCpuUs === null || m.postgresCpuUs === null || bouncer === null ? null : m.serverCpuUs + m.postgresCpuUs + bouncer;
    const connections = pooling.groups.find((g) => g.groupId === `pgbouncer/${m.cell.variant}`)?.postgresConnections[m.cell.id];
    const figure = spread(m.rps.median, m.rps.min, m.rps.max);
    return [
      m.cell.variant,
      MODE_LABEL[mode],
      (m.cell.valid ? figure : `INVALID (${figure})`) + busyMark(m),
      base && base !== m ? ratio(m.rps.median / base.rps.median) : '1.00×',
      int(m.latencyUs.p50),
      int(m.latencyUs.p99),
      num(m.serverCpuUs),
      m.postgresCpuUs === null ? 'not measured' : num(m.postgresCpuUs),
      mode === 'pooled' ? num(bouncer) : '–',
      num(total),
      connections === undefined ? '–' : String(connections),
    ];
  });
  const blocks: Block[] = [
    {
      kind: 'paragraph',
      text: `GET /auth/me, ${cells[0].cell.connections} connections, one instance per path (its pool: PG_POOL_MAX ${ctx.results.variants[0]?.env.PG_POOL_MAX ?? '?'}), PgBouncer ${pooling.version ?? '?'} with \`pool_mode = ${pooling.settings.pool_mode ?? '?'}\` and \`default_pool_size = ${pooling.settings.default_pool_size ?? '?'}\`. The LISTEN of the memory-answering variants goes straight to Postgres (LISTEN_DATABASE_URL), and every pooled cell was checked to answer from memory. With one instance a pooler cannot save connections; it pays off when N instances × PG_POOL_MAX exceed what Postgres should hold (it then holds default_pool_size server connections per database, however many instances connect). What it costs per request is measured here.`,
    },
    {
      kind: 'table',
      id: 'pgbouncer',
      columns: [
        { label: 'variant' },
        { label: 'path to Postgres' },
        { label: 'correct req/s', align: 'right' },
        { label: '× direct', align: 'right' },
        { label: 'p50 µs', align: 'right' },
        { label: 'p99 µs', align: 'right' },
        { label: 'server CPU µs/req', align: 'right' },
        { label: 'Postgres CPU µs/req', align: 'right' },
        { label: 'PgBouncer CPU µs/req', align: 'right' },
        { label: 'total CPU µs/req', align: 'right' },
        { label: 'Postgres connections after', align: 'right' },
      ],
      rows,
    },
  ];
  return { id: 'pgbouncer', title: 'Through PgBouncer', blocks };
}
