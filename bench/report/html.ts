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

// Tables fit the page: cells wrap (no nowrap on long texts), so the verdict column, always last, is
// on screen at 1280 px. Under 700 px (a phone) every row becomes a card of "label: value" lines
// (data-label on each cell) instead of a table scrolled sideways. Charts scale down to the page
// width, and on a phone keep their size (scaled to 390 px their labels would be 4 px) and scroll.
const CSS = `
body{font:15px/1.5 -apple-system,BlinkMacSystemFont,"Segoe UI",Helvetica,Arial,sans-serif;color:#222;max-width:1240px;margin:2em auto;padding:0 1.2em}
h1{margin-bottom:.1em}h2{margin-top:2em;border-bottom:1px solid #ddd;padding-bottom:.2em}
.subtitle{color:#555;margin-top:0}
.invalid{background:#fde8e8;border:1px solid #e45756;padding:.6em 1em;border-radius:4px}
#findings ul li{margin-bottom:.4em}
table{border-collapse:collapse;margin:.8em 0 1.2em;font-size:13px;width:100%}
th,td{border:1px solid #ddd;padding:4px 6px;vertical-align:top;overflow-wrap:break-word}th{background:#f5f5f5;text-align:left}
td.r,th.r{text-align:right}td.n{white-space:nowrap}
caption{caption-side:top;text-align:left;color:#555;padding-bottom:.3em}
code{background:#f3f3f3;padding:0 3px;border-radius:3px;font-size:90%;white-space:nowrap}
figure{margin:1em 0 1.6em}figure svg{max-width:100%;height:auto}figcaption{color:#555;font-size:13px;margin-bottom:.3em}
pre{background:#f7f7f7;padding:.8em;overflow-x:auto;font-size:12px}
nav ol{columns:2;font-size:14px}
@media (max-width:700px){
body{margin:1em auto;padding:0 .6em;font-size:14px}nav ol{columns:1}
figure{overflow-x:auto}figure svg{max-width:none}
table,thead,tbody,tr,td,caption{display:block;width:auto}thead{display:none}
tr{border:1px solid #ccc;border-radius:4px;margin:0 0 .7em;padding:.2em .4em}
td,td.r{border:0;border-bottom:1px solid #eee;text-align:left;white-space:normal;padding:3px 2px}td:last-child{border-bottom:0}
td,td.r{display:grid;grid-template-columns:38% 1fr;column-gap:.6em}td::before{content:attr(data-label);color:#666;font-size:12px}td:empty{display:none}
}`;

async function block(b: Block, svgs: Map<string, string>): Promise<string> {
  switch (b.kind) {
    case 'paragraph':
      return `<p>${inline(b.text)}</p>`;
    case 'list':
      return `<ul>${b.items.map((i) => `<li>${inline(i)}</li>`).join('')}</ul>`;
    case 'table': {
      // Short right-aligned figures stay on one line; long texts in a figure column wrap.
      const cls = (i: number, v?: string) => {
        if (b.columns[i]?.align !== 'right') return '';
        return v !== undefined && v.length <= 24 ? ' class="r n"' : ' class="r"';
      };
      const label = (i: number) => ` data-label="${escapeHtml(b.columns[i]?.label.replace(/[`*]/g, '') ?? '')}"`;
      const head = `<tr>${b.columns.map((c, i) => `<th${cls(i)}>${inline(c.label)}</th>`).join('')}</tr>`;
      // One <span> per cell: on a phone the cell is a two-column grid (its label, its content).
      const rows = b.rows
        .map((r) => `<tr>${r.map((v, i) => (v === '' ? `<td${label(i)}></td>` : `<td${cls(i, v)}${label(i)}><span>${inline(v)}</span></td>`)).join('')}</tr>`)
        .join('\n');
      return `<table${b.id ? ` id="t-${b.id}"` : ''}>${b.caption ? `<caption>${inline(b.caption)}</caption>` : ''}<thead>${head}</thead><tbody>${rows}</tbody></table>`;
    }
    case 'chart': {
      const svg = svgs.get(b.id) ?? (await chartSvg(b));
      return `<figure id="c-${b.id}" role="img" aria-label="${escapeHtml(b.alt)}"><figcaption>${inline(b.title)}</figcaption>${svg}</figure>`;
    }
    case 'code':
      return `<details><summary>${inline(b.summary)}</summary><pre>${escapeHtml(b.text)}</pre></details>`;
  }
}

/** A chart as SVG, or a visible note when it cannot be rendered (the report is still written). */
export async function chartSvg(b: Extract<Block, { kind: 'chart' }>): Promise<string> {
  try {
    return await renderSvg(b.spec);
  } catch (err) {
    return `<p class="invalid">chart could not be rendered: ${escapeHtml(String(err))}</p>`;
  }
}

/** `svgs`: charts already rendered (build.ts renders each once, for the HTML and the .svg files). */
export async function renderHtml(model: ReportModel, svgs: Map<string, string> = new Map()): Promise<string> {
  const body: string[] = [];
  for (const [i, s] of model.sections.entries()) {
    body.push(`<h2 id="${s.id}">${inline(s.title)}</h2>`);
    for (const b of s.blocks) body.push(await block(b, svgs));
    // The contents after the first section: the answer fills the first screen, not the index.
    if (i === 0) body.push('<!--nav-->');
  }
  const nav = `<nav><ol>${model.sections.map((s) => `<li><a href="#${s.id}">${inline(s.title)}</a></li>`).join('')}</ol></nav>`;
  const banner = model.valid ? '' : '<p class="invalid"><strong>This run has invalid cells</strong>: see "Validity and notes".</p>';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(model.title)}</title><style>${CSS}</style></head>
<body><h1>${escapeHtml(model.title)}</h1><p class="subtitle">${inline(model.subtitle)}</p>${banner}
${body.join('\n').replace('<!--nav-->', `<h2 id="contents">Contents</h2>${nav}`)}
</body></html>
`;
}
