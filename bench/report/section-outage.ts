// Postgres goes away under load (BENCH.md question 4): what each variant answered while it was down,
// whether an in-process variant kept trusting its memory, and how fast each came back.
import { outageChart } from './charts';
import { int, num } from './format';
import type { Block, ModelContext, Section } from './model';

const ms = (x: number | null, never = 'never') => (x === null ? never : `${num(x)} ms`);

export function outageSection(ctx: ModelContext): Section | null {
  const o = ctx.results.outage;
  if (!o || o.variants.length === 0) return null;
  const memoryVariants = new Set(ctx.results.variants.filter((v) => v.answersFromMemory).map((v) => v.name));
  const blocks: Block[] = [
    {
      kind: 'paragraph',
      text: `${o.connections} probe loops per variant sent GET /auth/me to one instance of each, all variants at once. Postgres was told to stop ${num(o.stopCalledMs / 1000)} s in (fast shutdown: every connection terminated; fully stopped ${num((o.stoppedMs - o.stopCalledMs) / 1000)} s later), was down until ${num((o.startCalledMs - o.stopCalledMs) / 1000)} s after the stop began, accepted connections again ${num((o.startedMs - o.startCalledMs) / 1000)} s after its start was called, and the probes ran ${num((o.endMs - o.startedMs) / 1000)} s more. "While down" counts requests sent between the full stop and the restart.`,
    },
    {
      kind: 'table',
      id: 'outage',
      caption: 'Postgres down under load: responses while it was down, and recovery after its restart (ms after it accepted connections again)',
      columns: [
        { label: 'variant' },
        { label: 'while down: 200 / 503 / other', align: 'right' },
        { label: '200 from memory while down', align: 'right' },
        { label: 'first refusal after the stop began', align: 'right' },
        { label: 'slowest response while down', align: 'right' },
        { label: 'first 200 after the restart', align: 'right' },
        { label: 'every response 200 from', align: 'right' },
        { label: 'from memory again after', align: 'right' },
      ],
      rows: o.variants.map((v) => {
        const s = v.summary;
        const notWithin = `not within ${num((o.endMs - o.startedMs) / 1000)} s`;
        const other = Object.values(s.down.other).reduce((a, b) => a + b, 0);
        return [
          `\`${v.variant}\``,
          `${int(s.down.ok)} / ${int(s.down.unavailable)} / ${int(other)}`,
          memoryVariants.has(v.variant) ? int(s.memoryWhileDown) : '–',
          ms(s.firstRefusalMs),
          ms(s.maxLatencyDownMs),
          ms(s.firstOkAfterStartMs, notWithin),
          ms(s.allOkAfterStartMs, notWithin),
          memoryVariants.has(v.variant) ? ms(s.firstMemoryAfterStartMs, notWithin) : '–',
        ];
      }),
    },
    {
      kind: 'chart',
      id: 'outage',
      title: 'What each variant answered while Postgres stopped and came back',
      alt: 'timeline per variant of the dominant response in each 100 ms bin, with the moments Postgres was told to stop, stopped, was told to start and accepted connections',
      spec: outageChart(
        o.variants.map((v) => ({ variant: v.variant, bins: v.bins })),
        o.binMs,
        [
          { label: 'stop called', ms: o.stopCalledMs },
          { label: 'stopped', ms: o.stoppedMs },
          { label: 'start called', ms: o.startCalledMs },
          { label: 'accepting', ms: o.startedMs },
        ],
        o.stopCalledMs,
      ),
    },
  ];
  const unexpected = o.variants.filter((v) => Object.keys(v.summary.unexpected).length > 0);
  const leaks = o.variants.filter((v) => memoryVariants.has(v.variant) && v.summary.memoryWhileDown > 0);
  const stateless = o.variants.filter((v) => v.summary.down.responses > 0 && v.summary.down.ok === v.summary.down.responses);
  blocks.push({
    kind: 'list',
    items: [
      `${stateless.length ? `${stateless.map((v) => `\`${v.variant}\``).join(', ')} kept authenticating while Postgres was down (no database on its request path: a measured property, not a bug; its revocation window is the same one).` : 'No variant kept authenticating while Postgres was down.'} Every other variant refused with 503 (SECURITY.md: never "allowed from memory" while its database is unreachable).`,
      leaks.length
        ? `**Answered from memory while Postgres was down**: ${leaks.map((v) => `\`${v.variant}\` ${v.summary.memoryWhileDown}×`).join(', ')}: a revocation in that time could not have reached it.`
        : `No in-process variant answered from memory while Postgres was down: they fail closed, and answer from memory again only after their LISTEN connection is back and resynchronised (its reconnect backs off up to 5 s).`,
      unexpected.length
        ? `**Statuses other than 200 and 503**: ${unexpected
            .map(
              (v) =>
                `\`${v.variant}\` ${Object.entries(v.summary.unexpected)
                  .map(([st, n]) => `${n} × ${st === '0' ? 'no response' : st}`)
                  .join(', ')}`,
            )
            .join('; ')}.`
        : 'No status other than 200 and 503, and no connection error.',
    ],
  });
  return { id: 'outage', title: 'Postgres goes away under load', blocks };
}
