// `npm run bench:compare -- <folder A> <folder B> [--out <dir>]`: the ratio B/A of every headline
// figure of two runs, with its 95% interval, printed (fits 100 columns) and written as compare.md +
// compare.json. How a user checks a change, or their machine against the reference run.
// Figures measured per round (throughput, CPU per request) or per repetition (revocation windows)
// get an interval: the runs are independent, so it is the unpaired (Welch) interval of compare.ts.
// Figures measured once per cell (database round trips per request) get the ratio alone.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { type RatioInterval, type RatioVerdict, ratioInterval, summarize } from './compare';
import { RESULTS_FILE, RESULTS_SCHEMA, type RunResults } from './results';
import { everywhereMs } from './revocation-window';

export interface Figure {
  /** Stable key: what/scenario/workload/variant[/instances]. */
  key: string;
  group: string;
  label: string;
  /** Per-round (or per-repetition) values; one value when the figure is measured once. */
  values: number[];
}

const GROUPS = {
  rps: 'throughput (correct responses/s)',
  serverCpu: 'server CPU per response (µs)',
  postgresCpu: 'Postgres CPU per response (µs)',
  xacts: 'database round trips per request',
  revocation: 'revoked on every instance after (ms)',
} as const;

/** The headline figures of one run, each with the values its interval is built from. */
export function headlineFigures(r: RunResults): Figure[] {
  const out: Figure[] = [];
  for (const c of r.cells) {
    if (!c.valid) continue;
    const where = c.scenario === 'scaling' ? `${c.workload}/${c.variant} ×${c.instances}` : `${c.workload}/${c.variant}`;
    const key = (what: string) => `${what}/${c.scenario}/${c.workload}/${c.variant}/${c.instances}`;
    const rounds = c.rounds.filter((x) => x.seconds > 0 && x.responses > 0);
    out.push({ key: key('rps'), group: GROUPS.rps, label: where, values: rounds.map((x) => x.ok / x.seconds) });
    out.push({ key: key('serverCpu'), group: GROUPS.serverCpu, label: where, values: rounds.map((x) => (x.cpu.serverSeconds / x.responses) * 1e6) });
    const pg = rounds.map((x) => x.cpu.postgresSeconds);
    if (pg.every((x): x is number => x !== null && x > 0))
      out.push({ key: key('postgresCpu'), group: GROUPS.postgresCpu, label: where, values: rounds.map((x, i) => (pg[i] / x.responses) * 1e6) });
    if (c.db && c.db.requests > 0 && c.db.xacts > 0) out.push({ key: key('xacts'), group: GROUPS.xacts, label: where, values: [c.db.xacts / c.db.requests] });
  }
  const byVariant = new Map<string, number[]>();
  for (const c of r.revocation?.cells ?? []) {
    if (!c.valid) continue;
    const ws = c.repetitions.map(everywhereMs).filter((x): x is number => x !== null && x > 0);
    if (ws.length) byVariant.set(c.variant, [...(byVariant.get(c.variant) ?? []), ...ws]);
  }
  for (const [variant, ws] of byVariant) out.push({ key: `revocation/${variant}`, group: GROUPS.revocation, label: `${variant} (all events)`, values: ws });
  return out;
}

export interface FigureComparison {
  key: string;
  group: string;
  label: string;
  a: number;
  b: number;
  /** B / A with its interval (NaN bounds: measured once, no interval). */
  ratio: number;
  low: number;
  high: number;
  verdict: RatioVerdict | 'no interval';
}

export interface RunComparison {
  schema: 'sessions-vs-tokens/bench-compare@1';
  a: RunSummary;
  b: RunSummary;
  figures: FigureComparison[];
  onlyInA: string[];
  onlyInB: string[];
  notes: string[];
}

interface RunSummary {
  dir: string;
  startedAt: string;
  profile: string;
  machine: string;
  commit: string | null;
  valid: boolean;
}

const centre = (xs: number[]) => summarize(xs).median;

export function compareRuns(a: RunResults, b: RunResults, dirs: { a: string; b: string }): RunComparison {
  const fa = new Map(headlineFigures(a).map((f) => [f.key, f]));
  const fb = new Map(headlineFigures(b).map((f) => [f.key, f]));
  const figures: FigureComparison[] = [];
  for (const [key, x] of fa) {
    const y = fb.get(key);
    if (!y) continue;
    const once = x.values.length < 2 || y.values.length < 2;
    const r: RatioInterval | null = once ? null : ratioInterval(y.values, x.values, false);
    figures.push({
      key,
      group: x.group,
      label: x.label,
      a: centre(x.values),
      b: centre(y.values),
      ratio: r ? r.ratio : centre(y.values) / centre(x.values),
      low: r ? r.low : Number.NaN,
      high: r ? r.high : Number.NaN,
      verdict: r ? r.verdict : 'no interval',
    });
  }
  // One block per kind of figure, in the order of GROUPS; cells keep the run's order within it.
  const order: string[] = Object.values(GROUPS);
  figures.sort((x, y) => order.indexOf(x.group) - order.indexOf(y.group));
  const summary = (r: RunResults, dir: string): RunSummary => ({
    dir,
    startedAt: r.startedAt,
    profile: r.profile.name,
    machine: `${r.environment.machine.cores} × ${r.environment.machine.cpuModel}`,
    commit: r.environment.git.commit ? r.environment.git.commit.slice(0, 12) : null,
    valid: r.valid,
  });
  const notes: string[] = [];
  if (a.profile.name !== b.profile.name) notes.push(`different profiles (${a.profile.name} vs ${b.profile.name}): rounds of different length`);
  const sa = summary(a, dirs.a);
  const sb = summary(b, dirs.b);
  if (sa.machine !== sb.machine) notes.push('different machines: absolute figures differ by the machine; ratios within each run travel better');
  if (!a.valid || !b.valid) notes.push('a run has invalid cells: its invalid cells are left out');
  return {
    schema: 'sessions-vs-tokens/bench-compare@1',
    a: sa,
    b: sb,
    figures,
    onlyInA: [...fa.keys()].filter((k) => !fb.has(k)),
    onlyInB: [...fb.keys()].filter((k) => !fa.has(k)),
    notes,
  };
}

const VERDICT: Record<FigureComparison['verdict'], string> = {
  higher: 'B higher',
  lower: 'B lower',
  same: 'no difference',
  inconclusive: 'inconclusive',
  'no interval': 'measured once',
};

function fmt(x: number): string {
  if (!Number.isFinite(x)) return '–';
  const a = Math.abs(x);
  if (a >= 1000) return Math.round(x).toLocaleString('en-US');
  if (a === 0) return '0';
  return x.toFixed(Math.min(4, Math.max(0, 2 - Math.floor(Math.log10(a)))));
}

const ci = (f: FigureComparison) => (Number.isFinite(f.low) ? `${f.low.toFixed(2)}–${f.high.toFixed(2)}` : '–');

function rows(c: RunComparison): { group: string; cells: string[] }[] {
  return c.figures.map((f) => ({ group: f.group, cells: [f.label, fmt(f.a), fmt(f.b), `${f.ratio.toFixed(2)}×`, ci(f), VERDICT[f.verdict]] }));
}

const HEAD = ['figure', 'A', 'B', 'B/A', '95% CI', 'verdict'];
/** Widths that keep a line within 100 columns: the label is cut with an ellipsis past 34. */
const LABEL_MAX = 34;

export function renderText(c: RunComparison): string {
  const rs = rows(c).map((r) => ({
    ...r,
    cells: [r.cells[0].length > LABEL_MAX ? `${r.cells[0].slice(0, LABEL_MAX - 1)}…` : r.cells[0], ...r.cells.slice(1)],
  }));
  const widths = HEAD.map((h, i) => Math.max(h.length, ...rs.map((r) => r.cells[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((s, i) => (i === 0 || i === cells.length - 1 ? s.padEnd(widths[i]) : s.padStart(widths[i])))
      .join('  ')
      .trimEnd();
  const out = [
    `A: ${c.a.dir}  (${c.a.startedAt.slice(0, 16).replace('T', ' ')}, ${c.a.profile}, ${c.a.machine}${c.a.commit ? `, ${c.a.commit}` : ''})`,
    `B: ${c.b.dir}  (${c.b.startedAt.slice(0, 16).replace('T', ' ')}, ${c.b.profile}, ${c.b.machine}${c.b.commit ? `, ${c.b.commit}` : ''})`,
    ...c.notes.map((n) => `note: ${n}`),
    '',
    line(HEAD),
  ];
  let group = '';
  for (const r of rs) {
    if (r.group !== group) {
      group = r.group;
      out.push(`-- ${group}`);
    }
    out.push(line(r.cells));
  }
  if (c.onlyInA.length || c.onlyInB.length)
    out.push('', `not in both runs: ${c.onlyInA.length} figure(s) only in A, ${c.onlyInB.length} only in B (see compare.json)`);
  return `${out.map((l) => (l.length > 100 ? `${l.slice(0, 99)}…` : l)).join('\n')}\n`;
}

export function renderMarkdown(c: RunComparison): string {
  const parts = [
    '# Two bench runs compared: B / A',
    `- A: \`${c.a.dir}\`: ${c.a.startedAt}, profile ${c.a.profile}, ${c.a.machine}${c.a.commit ? `, commit ${c.a.commit}` : ''}${c.a.valid ? '' : ' (**invalid cells**)'}`,
    `- B: \`${c.b.dir}\`: ${c.b.startedAt}, profile ${c.b.profile}, ${c.b.machine}${c.b.commit ? `, commit ${c.b.commit}` : ''}${c.b.valid ? '' : ' (**invalid cells**)'}`,
    ...c.notes.map((n) => `- Note: ${n}.`),
    'Medians of each run; B/A is the ratio of geometric means with its 95% interval (Welch t interval on log values over the rounds, or repetitions, of each run). **no difference**: the whole interval lies within 5% of 1; **inconclusive**: the interval holds 1 and reaches further.',
  ];
  let group = '';
  for (const r of rows(c)) {
    if (r.group !== group) {
      group = r.group;
      parts.push(`## ${group}\n\n| ${HEAD.join(' | ')} |\n| --- | ---: | ---: | ---: | ---: | --- |`);
    }
    parts[parts.length - 1] += `\n| ${r.cells.join(' | ')} |`;
  }
  if (c.onlyInA.length || c.onlyInB.length)
    parts.push(`Not in both runs: ${[...c.onlyInA.map((k) => `${k} (A)`), ...c.onlyInB.map((k) => `${k} (B)`)].join(', ')}.`);
  return `${parts.join('\n\n')}\n`;
}

/** A message for the user, not a stack trace. */
export class UsageError extends Error {}

/** Reads a run folder's results, with a message that says what is wrong. */
export function loadRun(dir: string): RunResults {
  if (!existsSync(dir)) throw new UsageError(`${dir}: no such folder`);
  const file = join(dir, RESULTS_FILE);
  if (!existsSync(file)) throw new UsageError(`${dir}: no ${RESULTS_FILE} in this folder (give a folder written by npm run bench, e.g. results/latest)`);
  let raw: { schema?: unknown };
  try {
    raw = JSON.parse(readFileSync(file, 'utf8')) as { schema?: unknown };
  } catch (err) {
    throw new UsageError(`${file}: not valid JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  if (raw.schema !== RESULTS_SCHEMA)
    throw new UsageError(
      `${file}: schema ${JSON.stringify(raw.schema ?? null)}, this version reads ${RESULTS_SCHEMA} (rerun the bench, or use the checkout that wrote it)`,
    );
  return raw as RunResults;
}

const USAGE = 'usage: npm run bench:compare -- <folder A> <folder B> [--out <dir>]   (writes compare.md and compare.json)';

export function main(argv: string[], cwd = process.cwd()): { code: number; stdout: string; stderr: string } {
  const dirs: string[] = [];
  let out = cwd;
  try {
    for (let i = 0; i < argv.length; i++) {
      if (argv[i] === '--help' || argv[i] === '-h') return { code: 0, stdout: `${USAGE}\n`, stderr: '' };
      if (argv[i] === '--out') {
        const v = argv[++i];
        if (!v) throw new UsageError('--out needs a folder');
        out = resolve(cwd, v);
      } else if (argv[i].startsWith('--')) throw new UsageError(`unknown option ${argv[i]}`);
      else dirs.push(argv[i]);
    }
    if (dirs.length !== 2) throw new UsageError(`give two results folders (got ${dirs.length})`);
    const [a, b] = dirs.map((d) => loadRun(resolve(cwd, d)));
    const c = compareRuns(a, b, { a: dirs[0], b: dirs[1] });
    if (c.figures.length === 0) throw new UsageError('the two runs have no headline figure in common (different --only or --variants?)');
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'compare.md'), renderMarkdown(c));
    writeFileSync(join(out, 'compare.json'), `${JSON.stringify(c, null, 2)}\n`);
    const where = relative(cwd, out) || '.';
    return { code: 0, stdout: `${renderText(c)}\nwritten: ${join(where, 'compare.md')}, ${join(where, 'compare.json')}\n`, stderr: '' };
  } catch (err) {
    if (err instanceof UsageError) return { code: 2, stdout: '', stderr: `bench:compare: ${err.message}\n${USAGE}\n` };
    return { code: 1, stdout: '', stderr: `bench:compare failed: ${err instanceof Error ? err.message : String(err)}\n` };
  }
}

if (require.main === module) {
  // npm runs scripts in the package folder; INIT_CWD is where the user typed the command, which is
  // what their relative folders and "the current dir" mean.
  const r = main(process.argv.slice(2), process.env.INIT_CWD ?? process.cwd());
  process.stdout.write(r.stdout);
  process.stderr.write(r.stderr);
  process.exit(r.code);
}
