// Renders the report model as Markdown (GitHub flavoured). Charts are linked as SVG files written
// next to report.md (build.ts), so GitHub shows them where the text is read.
import type { Block, ReportModel } from './model';

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function markdownTable(b: Extract<Block, { kind: 'table' }>): string {
  const head = `| ${b.columns.map((c) => cell(c.label)).join(' | ')} |`;
  const rule = `| ${b.columns.map((c) => (c.align === 'right' ? '---:' : '---')).join(' | ')} |`;
  const rows = b.rows.map((r) => `| ${r.map(cell).join(' | ')} |`);
  return [head, rule, ...rows].join('\n');
}

/** The file name of a chart next to report.md. */
export const chartFile = (id: string) => `chart-${id}.svg`;

function block(b: Block): string {
  switch (b.kind) {
    case 'paragraph':
      return b.text;
    case 'list':
      return b.items.map((i) => `- ${i}`).join('\n');
    case 'table':
      return `${b.caption ? `${b.caption}:\n\n` : ''}${markdownTable(b)}`;
    case 'chart':
      return `**${b.title}**\n\n![${b.alt.replace(/[[\]]/g, '')}](${chartFile(b.id)})`;
    case 'code':
      return `<details><summary>${b.summary}</summary>\n\n\`\`\`${b.language}\n${b.text}\n\`\`\`\n\n</details>`;
  }
}

export function renderMarkdown(model: ReportModel): string {
  const parts = [`# ${model.title}`, model.subtitle];
  for (const s of model.sections) {
    parts.push(`## ${s.title}`);
    for (const b of s.blocks) parts.push(block(b));
  }
  return `${parts.join('\n\n')}\n`;
}
