// Revocation (BENCH.md question 3): per variant and event, how long the old credential kept working on
// every instance after the revoking request was sent, and whether any instance accepted it after the
// revocation was acknowledged. Plain jwt: still valid at the end of the bound, until exp.
import type { RevocationCellRecord } from '../results';
import {
  everywhereMs,
  NOTIFY_TARGET_MS,
  type RevocationPromiseKind,
  type RevocationSummary,
  revocationVerdict,
  summarizeRevocation,
} from '../revocation-window';
import type { RevocationEvent } from '../scenarios/types';
import { revocationChart } from './charts';
import { int, msAfter, num } from './format';
import type { Block, ModelContext, Section } from './model';
import type { TargetRow } from './section-headline';

const EVENT_LABEL: Record<RevocationEvent, string> = {
  logout: 'logout',
  'logout-all': 'logout-all',
  'password-change': 'password change',
  'admin-disable': 'admin disable',
};

const PROMISE_LABEL: Record<RevocationPromiseKind, string> = {
  'next-request': 'at the next request',
  notify: 'within the notify latency',
  expiry: 'at exp',
};

export interface RevocationCellView {
  record: RevocationCellRecord;
  promise: RevocationPromiseKind | null;
  summary: RevocationSummary;
}

const ms = (x: number) => (Number.isFinite(x) ? `${num(x)} ms` : '–');

export function promiseOf(ctx: ModelContext, variant: string): RevocationPromiseKind | null {
  const p = ctx.results.variants.find((v) => v.name === variant)?.revocation;
  return p ? p : null;
}

export function revocationCells(ctx: ModelContext): RevocationCellView[] {
  const cells = ctx.results.revocation?.cells ?? [];
  return cells.map((record) => ({ record, promise: promiseOf(ctx, record.variant), summary: summarizeRevocation(record.repetitions) }));
}

/** Every repetition of a variant, all events pooled. */
export function variantRevocation(ctx: ModelContext, variant: string): { cells: RevocationCellView[]; summary: RevocationSummary } | null {
  const cells = revocationCells(ctx).filter((c) => c.record.variant === variant);
  if (cells.length === 0) return null;
  return { cells, summary: summarizeRevocation(cells.flatMap((c) => c.record.repetitions)) };
}

export function accessLifetimeSeconds(ctx: ModelContext): number | null {
  const ttl = Number(ctx.results.revocation?.serverEnv.ACCESS_TOKEN_TTL_SECONDS);
  return Number.isFinite(ttl) && ttl > 0 ? ttl : null;
}

/** "valid until exp: 298 s left of a 300 s lifetime, 3/3 repetitions still accepted after the 1 s bound". */
function untilExpiryText(ctx: ModelContext, s: RevocationSummary, boundMs: number): string {
  const ttl = accessLifetimeSeconds(ctx);
  const left = s.remainingSeconds.n ? `${int(s.remainingSeconds.median)} s left${ttl ? ` of a ${ttl} s lifetime` : ''}` : 'exp unknown';
  return `still accepted on every instance after the ${num(boundMs / 1000)} s bound in ${s.stillValidAfterBound}/${s.repetitions} repetitions; valid until exp (${left})`;
}

function windowText(s: RevocationSummary): string {
  if (s.everywhere.n === 0) return 'never refused everywhere within the bound';
  const missing = s.repetitions - s.everywhere.n;
  return `${ms(s.everywhere.median)} / ${ms(s.everywhere.max)}${missing > 0 ? ` (${missing} of ${s.repetitions} repetitions not refused everywhere within the bound)` : ''}`;
}

export function revocationTargets(ctx: ModelContext): TargetRow[] {
  const rows: TargetRow[] = [];
  for (const v of ctx.results.variants) {
    const promise = v.revocation;
    if (!promise) continue;
    const got = variantRevocation(ctx, v.name);
    const target =
      promise === 'notify'
        ? `\`${v.name}\`: revoked on every instance within ${NOTIFY_TARGET_MS.median} ms (median) and ${NOTIFY_TARGET_MS.max} ms (max) of the revoking request being sent, all events`
        : promise === 'next-request'
          ? `\`${v.name}\`: revoked at the next request (no probe sent after the revoking response accepted), every event`
          : `\`${v.name}\`: the window is the remaining access-token lifetime (valid on every instance until exp)`;
    if (!got) {
      rows.push({ target, measured: 'not measured in this run', pass: null });
      continue;
    }
    const s = got.summary;
    // The target holds only if it holds for every event: a pooled median can pass while one event
    // (password change: its own hashing sits in the window) misses, and its row says "missed".
    const pooled = revocationVerdict(promise, s);
    const missed = got.cells.filter((c) => !revocationVerdict(promise, c.summary).pass);
    const bound = got.cells[0].record.boundMs;
    const measured =
      promise === 'expiry'
        ? untilExpiryText(ctx, s, bound)
        : promise === 'notify'
          ? `${windowText(s)} (median / max over ${s.repetitions} repetitions; per event, median: ${got.cells.map((c) => `${EVENT_LABEL[c.record.event]} ${ms(c.summary.everywhere.median)}`).join(', ')}); ${s.acceptedAfterAck} probe(s) accepted after the ack`
          : `${s.acceptedAfterAck} of the probes sent after the ack accepted; revoked everywhere ${ms(s.everywhere.median)} median after the request was sent (the request itself: ${ms(s.ack.median)})`;
    const missedText = missed.length
      ? `; **missed** for ${missed.map((c) => `${EVENT_LABEL[c.record.event]} (${revocationVerdict(promise, c.summary).reason})`).join(', ')}`
      : pooled.pass
        ? ''
        : `; **missed** over all events: ${pooled.reason}`;
    const invalid = got.cells.some((c) => !c.record.valid);
    rows.push({
      target,
      measured: `${measured}${missedText}${invalid ? ' (**invalid cells**)' : ''}`,
      pass: !invalid && pooled.pass && missed.length === 0,
    });
  }
  return rows;
}

export function revocationSection(ctx: ModelContext): Section | null {
  const cells = revocationCells(ctx);
  if (cells.length === 0) return null;
  const first = cells[0].record;
  const ttl = accessLifetimeSeconds(ctx);
  const env = ctx.results.revocation?.serverEnv ?? {};
  const all = summarizeRevocation(cells.flatMap((c) => c.record.repetitions));
  const blocks: Block[] = [
    {
      kind: 'paragraph',
      text: `${first.instances} instances of each variant share one Postgres. Per repetition a fresh user logs in on instance A (rotating), and **t0 is the moment the revoking request is sent** to A (its response arrived ${ms(all.ack.median)} later, median). From t0 the OLD credential is probed on every instance at once (GET /auth/me, one request in flight per instance; median probe interval ${ms(all.probeIntervalMs.median)}, the resolution of a window) until its first 401, for at most ${num(first.boundMs / 1000)} s or ${int(first.maxProbesPerInstance)} probes per instance. "Revoked everywhere" is, per repetition, the slowest instance's first 401 after t0; "After the response" subtracts the arrival of the revoking response: what propagation adds to the revoking request itself. "N ms before it" means every instance already refused the old credential N ms before the revoking response reached the client: the server commits the revocation and notifies before it answers, and its response still has to be written and travel back, while a probe on another instance can already get its 401. "Accepted after ack" counts probes sent after the revoking response arrived that still got 200: a credential honoured after the server said it was revoked. Servers: ${Object.entries(
        env,
      )
        .map(([k, v]) => `${k}=${v}`)
        .join(
          ', ',
        )} (the access-token lifetime is the product default${ttl ? `, ${ttl} s` : ''}; password hashing at 2^10 keeps most of a password change's own hashing, ~40 ms at the servers' usual 2^14, out of its window: the login section measures hashing).`,
    },
    {
      kind: 'table',
      id: 'revocation',
      caption: 'Revocation windows: ms after the revoking request was sent (median / max over repetitions)',
      columns: [
        { label: 'variant' },
        { label: 'event' },
        { label: 'promised' },
        { label: 'reps', align: 'right' },
        { label: 'revoking response', align: 'right' },
        { label: 'revoked everywhere: median / max', align: 'right' },
        { label: 'after the response: median / max', align: 'right' },
        { label: 'revoking instance / others (median)', align: 'right' },
        { label: 'accepted after ack', align: 'right' },
        { label: 'result' },
      ],
      rows: cells.map((c) => {
        const s = c.summary;
        const verdict = c.promise ? revocationVerdict(c.promise, s) : null;
        const expiry = c.promise === 'expiry';
        return [
          `\`${c.record.variant}\``,
          EVENT_LABEL[c.record.event],
          c.promise ? PROMISE_LABEL[c.promise] : '–',
          String(s.repetitions),
          ms(s.ack.median),
          expiry ? untilExpiryText(ctx, s, c.record.boundMs) : windowText(s),
          expiry || s.afterAck.n === 0 ? '–' : `${msAfter(s.afterAck.median, 'before it')} / ${msAfter(s.afterAck.max, 'before it')}`,
          expiry ? '–' : `${ms(s.revoking.median)} / ${ms(s.others.median)}`,
          `${s.acceptedAfterAck}`,
          !c.record.valid ? '**INVALID**' : verdict ? (verdict.pass ? 'as promised' : `**missed**: ${verdict.reason}`) : '–',
        ];
      }),
    },
    {
      kind: 'chart',
      id: 'revocation',
      title: 'How long the old credential kept working on every instance (ms after the revoking request was sent, log scale)',
      alt: 'per variant and event, one point per repetition: the time until every instance refused the old credential, or the validity left until exp',
      spec: revocationChart(
        cells.map((c) => ({
          variant: c.record.variant,
          event: EVENT_LABEL[c.record.event],
          promise: c.promise,
          reps: c.record.repetitions.map((r) => ({ everywhereMs: everywhereMs(r), remainingSeconds: r.remainingSeconds })),
        })),
        NOTIFY_TARGET_MS,
      ),
    },
  ];
  const invalid = cells.filter((c) => !c.record.valid);
  if (invalid.length > 0) {
    blocks.push({
      kind: 'list',
      items: invalid.map(
        (c) =>
          `**\`${c.record.id}\` is invalid**: ${c.record.problems.slice(0, 3).join('; ')}${c.record.problems.length > 3 ? ` (+${c.record.problems.length - 3} more)` : ''}`,
      ),
    });
  }
  return { id: 'revocation', title: 'Revocation: how long a revoked credential keeps working', blocks };
}

/** Every repetition, for the appendix. */
export function revocationRounds(ctx: ModelContext): Block | null {
  const cells = ctx.results.revocation?.cells ?? [];
  if (cells.length === 0) return null;
  return {
    kind: 'table',
    caption:
      'Every revocation repetition: ms after t0; per instance: first 401 (– = none within the bound), probes, accepted after ack; A = the revoking instance',
    columns: [
      { label: 'cell' },
      { label: 'rep', align: 'right' },
      { label: 'A', align: 'right' },
      { label: 'revoke status', align: 'right' },
      { label: 'ack', align: 'right' },
      { label: 'first 401 per instance', align: 'right' },
      { label: 'probes', align: 'right' },
      { label: 'accepted after ack', align: 'right' },
      { label: 'before t0 answered from' },
      { label: 'after the bound' },
    ],
    rows: cells.flatMap((c) =>
      c.repetitions.map((r) => [
        `\`${c.id}\``,
        String(r.repetition + 1),
        String(r.revokingInstance + 1),
        String(r.revokeStatus),
        num(r.ackMs),
        r.instances.map((i) => (i.windowMs === null ? '–' : num(i.windowMs))).join(' / '),
        r.instances.map((i) => String(i.probes)).join(' / '),
        r.instances.map((i) => String(i.acceptedAfterAck)).join(' / '),
        r.sourceBefore.map((s) => s ?? '–').join(' / '),
        r.final
          ? `${r.final.statuses.join(' / ')}${r.expiresAt ? `; exp ${r.expiresAt.slice(11, 19)} UTC (${int(r.remainingSeconds)} s left)` : ''}`
          : r.problems.length
            ? r.problems.join('; ')
            : '',
      ]),
    ),
  };
}
