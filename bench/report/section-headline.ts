// The headline: every variant against every other on each workload, each against its own server's
// public baseline, and the targets this project set itself, measured within this run.
import { type RatioInterval, ratioInterval } from '../compare';
import { int, num, ratio, ratioAgainst, ratioCi } from './format';
import { BUSY_MACHINE_CORES, type CellMetrics } from './metrics';
import type { ModelContext, Section } from './model';
import { busyMachineWarning } from './section-about';
import { revocationTargets } from './section-revocation';

/** Workloads whose ratio to the public baseline means something (pure request cost, one request each). */
export const RATIO_TO_PUBLIC = new Set(['me', 'cart-read', 'cart-write']);

/** † marks a cell measured while other processes took CPU (section-about.ts). */
export function busyMark(m: CellMetrics): string {
  return m.utilisation.other > BUSY_MACHINE_CORES ? '†' : '';
}

function rpsText(ctx: ModelContext, m: CellMetrics | undefined): string {
  if (!m) return '';
  if (!m.cell.valid) return '**INVALID**';
  const w = m.cell.workload;
  if (w === 'journey') return `${num(m.rps.median / m.requestsPerLoop)} journeys/s${busyMark(m)}`;
  if (w === 'login') return `${int(m.rps.median)} logins/s${busyMark(m)}`;
  const base = RATIO_TO_PUBLIC.has(w)
    ? (ctx.find('workloads', 'public', m.cell.variant) ?? ctx.find('workloads', 'public', referenceOf(ctx, m.cell.variant)))
    : undefined;
  const vsPublic = base?.cell.valid ? ` (${ratio(m.rps.median / base.rps.median)} public)` : '';
  return `${int(m.rps.median)}/s${busyMark(m)}${vsPublic}`;
}

/** The variant a variant is compared with: its declared partner, else the first variant of the run. */
export function referenceOf(ctx: ModelContext, variant: string): string {
  return ctx.results.variants.find((v) => v.name === variant)?.comparedWith ?? ctx.variantNames[0];
}

/**
 * Throughput of a against b with its 95% interval. Cells of one workload run their rounds
 * interleaved (measure.ts), so round i of each saw the same machine: paired. Across workloads
 * (me against public) the rounds ran at different times: unpaired.
 */
export function throughputRatio(a: CellMetrics, b: CellMetrics): RatioInterval {
  const paired = a.cell.scenario === b.cell.scenario && a.cell.workload === b.cell.workload && a.cell.rounds.length === b.cell.rounds.length;
  return ratioInterval(a.rpsRounds, b.rpsRounds, paired);
}

/** "faster" / "slower" / "no difference" / "inconclusive", from the interval. */
export function verdictWord(r: RatioInterval, higher = 'faster', lower = 'slower'): string {
  return { higher, lower, same: 'no difference', inconclusive: 'inconclusive' }[r.verdict];
}

export function verdictText(a: CellMetrics, b: CellMetrics): string {
  const name = `${a.cell.variant} vs ${b.cell.variant}`;
  if (!a.cell.valid || !b.cell.valid) return `${name}: invalid`;
  const r = throughputRatio(a, b);
  const word = verdictWord(r);
  return `${name}: ${r.verdict === 'higher' || r.verdict === 'lower' ? `**${word}**` : word}, ${ratioCi(r)}`;
}

function headlineRows(ctx: ModelContext, variants: string[]): string[][] {
  return ctx.results.workloads
    .filter((w) => ctx.results.cells.some((c) => c.scenario === 'workloads' && c.workload === w.name))
    .map((w) => {
      const cells = variants.map((v) => ctx.find('workloads', w.name, v));
      const verdicts = cells
        .filter((m): m is CellMetrics => m !== undefined)
        .map((m) => {
          const ref = referenceOf(ctx, m.cell.variant);
          const other = ref === m.cell.variant ? undefined : ctx.find('workloads', w.name, ref);
          return other ? verdictText(m, other) : null;
        })
        .filter((x): x is string => x !== null);
      return [`\`${w.name}\``, ...cells.map((m) => rpsText(ctx, m)), verdicts.join('; ') || '–'];
    });
}

export interface TargetRow {
  target: string;
  measured: string;
  /** null: not judged (not measured, smoke, or the interval straddles the target: see `inconclusive`). */
  pass: boolean | null;
  /** The 95% interval holds the target: this run cannot tell pass from fail. */
  inconclusive?: boolean;
}

/** A throughput target judged on the interval: pass when all of it clears the target, fail when none does. */
function judgeRatio(ctx: ModelContext, target: string, r: RatioInterval, min: number): TargetRow {
  const interval = Number.isFinite(r.low) ? ` (95% CI ${ratioAgainst(r.low, min)}–${ratioAgainst(r.high, min)})` : ' (no interval: too few rounds)';
  const measured = `${ratioAgainst(r.ratio, min)}${interval}${smokeNote(ctx)}`;
  if (ctx.results.profile.name === 'smoke') return { target, measured, pass: null };
  if (Number.isFinite(r.low) && r.low >= min) return { target, measured, pass: true };
  if (Number.isFinite(r.high) ? r.high < min : r.ratio < min) return { target, measured, pass: false };
  return { target, measured, pass: null, inconclusive: true };
}

export function targetResult(t: TargetRow): string {
  if (t.inconclusive) return 'inconclusive';
  return t.pass === null ? 'n/a' : t.pass ? 'pass' : '**FAIL**';
}

/** Smoke rounds last a fraction of a second on a cold server: their throughput passes and fails nothing. */
const smokeNote = (ctx: ModelContext) => (ctx.results.profile.name === 'smoke' ? ' (smoke: not judged)' : '');

function ratioTarget(ctx: ModelContext, variant: string, min: number): TargetRow {
  const me = ctx.find('workloads', 'me', variant);
  const pub = ctx.find('workloads', 'public', variant);
  const target = `\`${variant}\` me ≥ ${min}× \`${variant}\` public (throughput)`;
  if (!me || !pub) return { target, measured: 'not measured in this run', pass: null };
  if (!me.cell.valid || !pub.cell.valid) return { target, measured: 'invalid cell', pass: false };
  return judgeRatio(ctx, target, throughputRatio(me, pub), min);
}

/** A variant's `me` throughput against another variant's, interleaved in the same group. */
function versusTarget(ctx: ModelContext, variant: string, reference: string, min: number): TargetRow {
  const a = ctx.find('workloads', 'me', variant);
  const b = ctx.find('workloads', 'me', reference);
  const target = `\`${variant}\` me ≥ ${min}× \`${reference}\` me (throughput)`;
  if (!a || !b) return { target, measured: 'not measured in this run', pass: null };
  if (!a.cell.valid || !b.cell.valid) return { target, measured: 'invalid cell', pass: false };
  return judgeRatio(ctx, target, throughputRatio(a, b), min);
}

function dbTarget(ctx: ModelContext, variant: string, what: 'xacts' | 'rowsWritten', expect: number, tolerance: number, label: string): TargetRow {
  const me = ctx.find('workloads', 'me', variant);
  const target = `\`${variant}\` me: ${label}`;
  if (!me?.db) return { target, measured: 'not measured in this run', pass: null };
  if (!me.cell.valid) return { target, measured: 'invalid cell', pass: false };
  const x = me.db[what];
  // Unsettled counters (smoke) cannot pass or fail a target that asks for exactly 0 or 1.
  if (!me.db.settled) return { target, measured: `${num(x, 4)} per request (approximate: counters not settled)`, pass: null };
  return { target, measured: `${num(x, 4)} per request`, pass: Math.abs(x - expect) <= tolerance };
}

export function targetRows(ctx: ModelContext): TargetRow[] {
  return [
    ratioTarget(ctx, 'jwt', 0.45),
    ratioTarget(ctx, 'session', 0.22),
    dbTarget(ctx, 'session', 'xacts', 1, 0.05, 'exactly 1 database round trip (transactions per request ≈ 1)'),
    // The idle expiry is touched at most once a minute per session: over a short window that is
    // one write per session, not per request. ≤ 0.05 tells "touch" from "write on every request".
    dbTarget(ctx, 'session', 'rowsWritten', 0, 0.05, '≈ 0 rows written per request (≤ 0.05: at most one expiry touch per session a minute)'),
    // Postgres' autovacuum workers visit every database now and then (a few transactions a
    // minute, counted in pg_stat_database): 0.005 leaves room for them, not for one per request.
    dbTarget(ctx, 'jwt', 'xacts', 0, 0.005, '0 database round trips (≤ 0.005: autovacuum visits)'),
    dbTarget(ctx, 'jwt', 'rowsWritten', 0, 0.001, '0 rows written'),
    // Immediate revocation at stateless speed: the in-process variants against plain jwt.
    versusTarget(ctx, 'session-cached', 'jwt', 0.8),
    versusTarget(ctx, 'jwt-push', 'jwt', 0.8),
    ...revocationTargets(ctx),
  ];
}

export function headlineVariants(ctx: ModelContext): string[] {
  return ctx.variantNames.filter((v) => ctx.results.cells.some((c) => c.scenario === 'workloads' && c.variant === v));
}

export function headlineSection(ctx: ModelContext): Section | null {
  const variants = headlineVariants(ctx);
  if (variants.length === 0) return null;
  const targets = targetRows(ctx);
  const failed = targets.filter((t) => t.pass === false);
  const env = ctx.results.environment;
  return {
    id: 'headline',
    title: 'Headline',
    blocks: [
      {
        kind: 'paragraph',
        text: `Median throughput per workload (correct responses per second), each variant against its own server's \`public\` baseline and against the other variant. Measured ${ctx.results.startedAt.slice(0, 10)} on ${env.machine.cores} × ${env.machine.cpuModel}, profile ${ctx.results.profile.name}: compare ratios, not absolute numbers, across machines.`,
      },
      {
        kind: 'table',
        id: 'headline',
        columns: [
          { label: 'workload' },
          ...variants.map((v) => ({ label: v, align: 'right' as const })),
          { label: 'comparison: ratio of throughput, 95% confidence interval' },
        ],
        rows: headlineRows(ctx, variants),
      },
      {
        kind: 'table',
        id: 'targets',
        caption: 'Targets (ratios and counts measured within this run)',
        columns: [{ label: 'target' }, { label: 'measured', align: 'right' }, { label: 'result' }],
        rows: targets.map((t) => [t.target, t.measured, targetResult(t)]),
      },
      ...(busyMachineWarning(ctx) ? [{ kind: 'paragraph' as const, text: busyMachineWarning(ctx) as string }] : []),
      ...(failed.length > 0
        ? [
            {
              kind: 'paragraph' as const,
              text: `**${failed.length} target(s) missed in this run** (profile ${ctx.results.profile.name}): ${failed.map((t) => t.target).join('; ')}.`,
            },
          ]
        : []),
    ],
  };
}
