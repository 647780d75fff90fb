// Puts the headline table of a results folder into README.md between
//   <!-- bench:headline:start --> and <!-- bench:headline:end -->
// generated from the folder's raw results.json, never edited by hand:
//   tsx bench/report/readme-headline.ts [<results-dir>] [--readme <file>]
// Without a folder it takes results/reference (the committed reference run), else results/latest.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { readResults } from '../results';
import { headlineMarkdown } from './build';
import { buildModel, modelContext } from './model';
import { scalingHeadline } from './section-scaling';

export const START = '<!-- bench:headline:start -->';
export const END = '<!-- bench:headline:end -->';

const ROOT = join(__dirname, '..', '..');

export function insertHeadline(readme: string, headline: string): string {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start < 0 || end < 0 || end < start) {
    throw new Error(`README has no headline markers: add a line "${START}" and, below it, a line "${END}"`);
  }
  return `${readme.slice(0, start + START.length)}\n${headline}\n${readme.slice(end)}`;
}

function main(argv: string[]): void {
  let dir: string | undefined;
  let readmePath = join(ROOT, 'README.md');
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--readme') readmePath = resolve(argv[++i]);
    else dir = resolve(argv[i]);
  }
  dir ??= [join(ROOT, 'results', 'reference'), join(ROOT, 'results', 'latest')].find((d) => existsSync(join(d, 'results.json')));
  if (!dir) throw new Error('no results folder given, and neither results/reference nor results/latest holds a results.json');
  const results = readResults(dir);
  const report = relative(ROOT, join(dir, 'report.md')).split('\\').join('/');
  // The scaling line (budgeted mini-cluster) follows the table when the run has it.
  const headline = [headlineMarkdown(buildModel(results), results, report), scalingHeadline(modelContext(results))].filter(Boolean).join('\n\n');
  const updated = insertHeadline(readFileSync(readmePath, 'utf8'), headline);
  writeFileSync(readmePath, updated);
  process.stdout.write(`${relative(process.cwd(), readmePath)}: headline from ${relative(process.cwd(), dir)}\n`);
}

if (require.main === module) {
  try {
    main(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
}
