// Renders the report model as Markdown (GitHub flavoured). Charts live in report.html; here they
// are named so the reader knows where to look.
import type { Block, ReportModel } from './model';

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function markdownTable(b: Extract<Block, { kind: 'table' }>): string {
  const head = `| ${b.columns.map((c) => cell(c.label)).join(' | ')} |`;
  const rule = `| ${b.columns.map((c) => (c.align === 'right' ? '---:' : '---')).join(' | ')} |`;
  const rows = b.rows.map((r) => `| ${r.map(cell).join(' | ')} |`);
  return [head, rule, ...rows].join('\n');
}

function block(b: Block): string {
  switch (b.kind) {
    case 'paragraph':
      return b.text;
    case 'list':
      return b.items.map((i) => `- ${i}`).join('\n');
    case 'table':
      return `${b.caption ? `${b.caption}:\n\n` : ''}${markdownTable(b)}`;
    case 'chart':
      return `_Chart in report.html: ${b.title}._`;
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
