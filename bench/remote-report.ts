// report.md of a remote run (bench/remote.ts): pure, results in, Markdown out. Columns a remote run
// cannot measure say so in every row ("not measured (remote)"): a blank or a zero would read as a figure.
import { summarize } from './compare';
import { markdownTable } from './report/markdown';
import type { Block } from './report/model';
import { int, num, pct, spread } from './report/format';
import { NOT_MEASURED, type RemoteCellRecord, type RemoteResults } from './remote-results';
import { revocationVerdict, summarizeRevocation } from './revocation-window';
import { VARIANTS } from './variants';

type Table = Extract<Block, { kind: 'table' }>;

const table = (labels: string[], rows: string[][], right: number[] = []): Table => ({
  kind: 'table',
  columns: labels.map((label, i) => ({ label, align: right.includes(i) ? 'right' : 'left' })),
  rows,
});

function cellRow(c: RemoteCellRecord): string[] {
  const rounds = c.rounds.filter((r) => r.seconds > 0);
  const rps = summarize(rounds.map((r) => r.ok / r.seconds));
  const median = (pick: (r: RemoteCellRecord['rounds'][number]) => number) => summarize(rounds.map(pick)).median;
  const loadgen = rounds.length ? median((r) => r.loadgenCpuSeconds / r.seconds) : Number.NaN;
  const figure = rounds.length ? spread(rps.median, rps.min, rps.max) : '–';
  return [
    `\`${c.workload}\``,
    c.target,
    c.valid ? figure : `INVALID (${figure})`,
    int(median((r) => r.latencyUs.p50)),
    int(median((r) => r.latencyUs.p90)),
    int(median((r) => r.latencyUs.p99)),
    pct(loadgen),
    NOT_MEASURED,
    NOT_MEASURED,
    NOT_MEASURED,
  ];
}

export function renderRemoteReport(results: RemoteResults): string {
  const lg = results.loadGenerator;
  const parts: string[] = [
    '# Sessions vs JWT: remote benchmark report',
    `${results.startedAt.slice(0, 16).replace('T', ' ')} UTC · profile ${results.profile.name} · load generator ${lg.host}: ${lg.cores} × ${lg.cpuModel}, Node ${lg.node} · servers not started by the bench`,
  ];
  if (!results.valid) parts.push('**This run has invalid cells** (see Problems).');

  parts.push('## Targets');
  parts.push(
    markdownTable(
      table(
        ['target', 'variant', 'URLs', 'instances seen (X-Instance-Id)'],
        results.targets.map((t) => [t.label, t.variant, t.urls.join(', '), `${t.instances.length}: ${t.instances.join(', ')}`]),
      ),
    ),
  );

  if (results.cells.length > 0) {
    parts.push('## Workloads');
    parts.push(
      "Median correct responses per second over the measured rounds (min–max), latency in µs (median over rounds), and the load generator's own CPU (busy cores; near 100% of one core means the load generator, not the servers, may be the limit). The servers' and Postgres' CPU and the database work per request need access to their processes and database: a local run (`npm run bench`) measures them.",
    );
    parts.push(
      markdownTable(
        table(
          ['workload', 'target', 'req/s', 'p50', 'p90', 'p99', 'load generator CPU', 'server CPU µs', 'Postgres CPU µs', 'DB transactions'],
          results.cells.map(cellRow),
          [2, 3, 4, 5, 6],
        ),
      ),
    );
  }

  if (results.revocation.length > 0) {
    parts.push('## Revocation windows');
    parts.push(
      'Per repetition a user logs in, the revoking request is sent at t0, and every instance (told apart by X-Instance-Id) is probed with the old credential until its first 401. "everywhere": until the slowest instance refused it; ms since t0, median / max over repetitions. Each window includes the network round trip from the load generator.',
    );
    const rows = results.revocation.map((c) => {
      const s = summarizeRevocation(c.repetitions);
      const promise = VARIANTS.find((v) => v.name === c.variant)?.revocation;
      const verdict = promise ? revocationVerdict(promise, s) : null;
      const ms = (x: { n: number; median: number; max: number }) => (x.n ? `${num(x.median)} / ${num(x.max)}` : '–');
      return [
        c.target,
        c.event,
        String(c.instanceIds.length),
        String(s.repetitions),
        ms(s.everywhere),
        ms(s.ack),
        String(s.acceptedAfterAck),
        `${s.notRevoked} of ${s.pairs}`,
        c.valid ? (verdict ? `${verdict.pass ? 'meets' : 'misses'} "${promise}": ${verdict.reason}` : '–') : 'INVALID',
      ];
    });
    parts.push(
      markdownTable(
        table(
          ['target', 'event', 'instances', 'reps', 'everywhere ms', 'revoking response ms', 'accepted after ack', 'still accepted at the bound', 'promise'],
          rows,
          [2, 3, 4, 5, 6],
        ),
      ),
    );
  }

  parts.push('## Not measured (remote)');
  parts.push(results.notMeasured.map((n) => `- ${n}`).join('\n'));
  if (results.notes.length > 0) parts.push(`## Notes\n\n${results.notes.map((n) => `- ${n}`).join('\n')}`);
  const problems = [...results.cells, ...results.revocation].filter((c) => !c.valid);
  if (problems.length > 0) parts.push(`## Problems\n\n${problems.map((c) => `- ${c.id}: ${c.problems.slice(0, 5).join('; ')}`).join('\n')}`);
  return `${parts.join('\n\n')}\n`;
}
