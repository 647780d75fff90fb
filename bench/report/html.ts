// Renders the report model as one self-contained HTML page: inline CSS, charts as static SVG
// rendered now (vega-lite), no script, nothing fetched from the network.
import { renderSvg } from './charts';
import type { Block, ReportModel } from './model';

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** The Markdown subset the model uses: `code` and **bold**. */
export function inline(s: string): string {
  return escapeHtml(s)
    .replace(/`([^`]+)`/g, '<code>$1</code>')
    .replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>');
}

const CSS = `
body{font:15px/1.5 -apple-system,BlinkMacSystemFont,"Segoe UI",Helvetica,Arial,sans-serif;color:#222;max-width:1180px;margin:2em auto;padding:0 1.2em}
h1{margin-bottom:.1em}h2{margin-top:2em;border-bottom:1px solid #ddd;padding-bottom:.2em}
.subtitle{color:#555;margin-top:0}
.invalid{background:#fde8e8;border:1px solid #e45756;padding:.6em 1em;border-radius:4px}
table{border-collapse:collapse;margin:.8em 0 1.2em;font-size:13px;display:block;overflow-x:auto}
th,td{border:1px solid #ddd;padding:4px 8px;vertical-align:top}th{background:#f5f5f5;text-align:left}
td.r,th.r{text-align:right;white-space:nowrap}
caption{caption-side:top;text-align:left;color:#555;padding-bottom:.3em}
code{background:#f3f3f3;padding:0 3px;border-radius:3px;font-size:90%}
figure{margin:1em 0 1.6em;overflow-x:auto}figcaption{color:#555;font-size:13px;margin-bottom:.3em}
pre{background:#f7f7f7;padding:.8em;overflow-x:auto;font-size:12px}
nav ol{columns:2;font-size:14px}`;

async function block(b: Block): Promise<string> {
  switch (b.kind) {
    case 'paragraph':
      return `<p>${inline(b.text)}</p>`;
    case 'list':
      return `<ul>${b.items.map((i) => `<li>${inline(i)}</li>`).join('')}</ul>`;
    case 'table': {
      const cls = (i: number) => (b.columns[i]?.align === 'right' ? ' class="r"' : '');
      const head = `<tr>${b.columns.map((c, i) => `<th${cls(i)}>${inline(c.label)}</th>`).join('')}</tr>`;
      const rows = b.rows.map((r) => `<tr>${r.map((v, i) => `<td${cls(i)}>${inline(v)}</td>`).join('')}</tr>`).join('\n');
      return `<table${b.id ? ` id="t-${b.id}"` : ''}>${b.caption ? `<caption>${inline(b.caption)}</caption>` : ''}<thead>${head}</thead><tbody>${rows}</tbody></table>`;
    }
    case 'chart': {
      let svg: string;
      try {
        svg = await renderSvg(b.spec);
      } catch (err) {
        svg = `<p class="invalid">chart could not be rendered: ${escapeHtml(String(err))}</p>`;
      }
      return `<figure id="c-${b.id}" role="img" aria-label="${escapeHtml(b.alt)}"><figcaption>${inline(b.title)}</figcaption>${svg}</figure>`;
    }
    case 'code':
      return `<details><summary>${inline(b.summary)}</summary><pre>${escapeHtml(b.text)}</pre></details>`;
  }
}

export async function renderHtml(model: ReportModel): Promise<string> {
  const body: string[] = [];
  for (const s of model.sections) {
    body.push(`<h2 id="${s.id}">${inline(s.title)}</h2>`);
    for (const b of s.blocks) body.push(await block(b));
  }
  const nav = `<nav><ol>${model.sections.map((s) => `<li><a href="#${s.id}">${inline(s.title)}</a></li>`).join('')}</ol></nav>`;
  const banner = model.valid ? '' : '<p class="invalid"><strong>This run has invalid cells</strong>: see "Validity and notes".</p>';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(model.title)}</title><style>${CSS}</style></head>
<body><h1>${escapeHtml(model.title)}</h1><p class="subtitle">${inline(model.subtitle)}</p>${banner}${nav}
${body.join('\n')}
</body></html>
`;
}
