// Regenerates every view of a results folder from its raw results.json:
//   tsx bench/report/build.ts <results-dir> [<results-dir> ...]
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readResults, type RunResults } from '../results';
import { chartSvg, renderHtml } from './html';
import { chartFile, markdownTable, renderMarkdown } from './markdown';
import { buildModel, headlineTable, modelContext, type ReportModel } from './model';
import { busyMachineWarning } from './section-about';
import { terminalSummary } from './terminal';

/** The headline table as Markdown, with the line that says what it was measured on. */
export function headlineMarkdown(model: ReportModel, results: RunResults, reportPath?: string): string {
  const table = headlineTable(model);
  const env = results.environment;
  const caption = `Median correct responses per second; measured ${results.startedAt.slice(0, 10)}, profile \`${results.profile.name}\`, ${env.machine.cores} × ${env.machine.cpuModel}, Node ${env.node}, PostgreSQL ${env.postgres.version.split(' ')[1] ?? ''} (fsync ${env.postgres.settings.fsync ?? '?'})${reportPath ? `; full report: ${reportPath}` : ''}.${results.valid ? '' : ' **This run has invalid cells.**'}`;
  const busy = busyMachineWarning(modelContext(results));
  const text = `${caption}${busy ? `\n\n${busy}` : ''}`;
  return table ? `${markdownTable(table)}\n\n${text}` : `(no headline: this run has no workload cells)\n\n${text}`;
}

/** Writes every view of a run; returns the files and the summary for a terminal (`npm run bench`). */
export async function buildReport(dir: string): Promise<{ summary: string; files: string[] }> {
  const results = readResults(dir);
  const model = buildModel(results);
  const files = [join(dir, 'report.json'), join(dir, 'report.md'), join(dir, 'report.html')];
  // Each chart once: inlined in the HTML (self-contained), and as an .svg file report.md links.
  const svgs = new Map<string, string>();
  for (const s of model.sections) {
    for (const b of s.blocks) {
      if (b.kind !== 'chart') continue;
      const svg = await chartSvg(b);
      svgs.set(b.id, svg);
      if (svg.startsWith('<svg')) {
        const file = join(dir, chartFile(b.id));
        // A standalone .svg needs its namespace (inline SVG in HTML does not; vega writes it today).
        writeFileSync(file, `${svg.includes('xmlns=') ? svg : svg.replace('<svg ', '<svg xmlns="http://www.w3.org/2000/svg" ')}\n`);
        files.push(file);
      }
    }
  }
  writeFileSync(files[0], `${JSON.stringify(model, null, 2)}\n`);
  writeFileSync(files[1], renderMarkdown(model));
  writeFileSync(files[2], await renderHtml(model, svgs));
  return { summary: terminalSummary(model, Math.min(120, Math.max(80, process.stdout.columns ?? 110))), files };
}

if (require.main === module) {
  const dirs = process.argv.slice(2);
  if (dirs.length === 0) {
    process.stderr.write('usage: tsx bench/report/build.ts <results-dir> [...]  (a folder holding results.json)\n');
    process.exit(2);
  }
  (async () => {
    for (const dir of dirs) {
      const { files } = await buildReport(dir);
      process.stdout.write(`${files.join('\n')}\n`);
    }
  })().catch((err: unknown) => {
    process.stderr.write(`report failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
