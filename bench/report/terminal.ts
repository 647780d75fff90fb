// The end of `npm run bench` in a terminal: the answer at a glance and the targets as aligned plain
// text within a width (80-120 columns), not the Markdown report. Built from the same model.
import type { Block, ReportModel } from './model';

type Table = Extract<Block, { kind: 'table' }>;

/** Markdown subset of the model (`code`, **bold**) to plain text. */
export const plain = (s: string) => s.replace(/\*\*([^*]+)\*\*/g, '$1').replace(/`([^`]+)`/g, '$1');

function cut(s: string, width: number): string {
  return s.length <= width ? s : `${s.slice(0, Math.max(0, width - 1))}…`;
}

/**
 * A table as aligned text no wider than `width`: the widest column gives way first (its cells are
 * cut with "…"; the full text is in the report), down to 6 characters.
 */
export function textTable(t: Table, width: number, columns?: number[]): string[] {
  const pick = columns ?? t.columns.map((_, i) => i);
  const head = pick.map((i) => plain(t.columns[i].label));
  const rows = t.rows.map((r) => pick.map((i) => plain(r[i] ?? '')));
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const gap = 2;
  const total = () => widths.reduce((a, b) => a + b, 0) + gap * (widths.length - 1);
  while (total() > width) {
    const widest = widths.indexOf(Math.max(...widths));
    if (widths[widest] <= 6) break;
    widths[widest]--;
  }
  const right = pick.map((i) => t.columns[i].align === 'right');
  const line = (cells: string[]) =>
    cells
      .map((s, c) => (right[c] ? cut(s, widths[c]).padStart(widths[c]) : cut(s, widths[c]).padEnd(widths[c])))
      .join(' '.repeat(gap))
      .trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
}

function table(model: ReportModel, id: string): Table | undefined {
  for (const s of model.sections) for (const b of s.blocks) if (b.kind === 'table' && b.id === id) return b;
  return undefined;
}

/** The summary printed at the end of a run: the glance table and the targets, each line ≤ width. */
export function terminalSummary(model: ReportModel, width = 110): string {
  const out: string[] = [cut(plain(`${model.title}: ${model.subtitle}`), width)];
  if (!model.valid) out.push('!! This run has INVALID cells: see "Validity and notes" in the report.');
  const glance = table(model, 'glance');
  if (glance)
    out.push('', cut('At a glance: /auth/me per variant, revocation, Postgres down (95% CI of the throughput ratio)', width), ...textTable(glance, width));
  const targets = table(model, 'targets');
  if (targets) {
    const results = targets.rows.map((r) => plain(r[2] ?? ''));
    const count = (x: string) => results.filter((r) => r === x).length;
    out.push(
      '',
      `Targets: ${count('pass')} pass, ${count('FAIL')} FAIL, ${count('inconclusive')} inconclusive, ${count('n/a')} not judged`,
      // Result first: it is the column that must not be cut.
      ...textTable(targets, width, [2, 0, 1]),
    );
  }
  return `${out.join('\n')}\n`;
}
