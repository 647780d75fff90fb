// Chart specifications (vega-lite, data inline) and their rendering to static SVG at report time:
// the HTML report needs no script and no network to show them.
import type { CellMetrics } from './metrics';

type Spec = Record<string, unknown>;

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v5.json';
const PALETTE = ['#4c78a8', '#f58518', '#54a24b', '#e45756', '#72b7b2', '#b279a2', '#ff9da6', '#9d755d'];
const CONFIG = {
  font: 'Helvetica, Arial, sans-serif',
  view: { stroke: '#ddd' },
  axis: { labelFontSize: 11, titleFontSize: 11 },
  header: { labelFontSize: 12 },
};

/**
 * Width of the plotting area a chart may fill: the HTML page's content column (1240 px less padding
 * and axis labels). Facets share it; the SVG scales down on narrow screens (max-width: 100%).
 */
export const PAGE_WIDTH = 1060;
const facetWidth = (facets: number, gap = 70) => Math.max(80, Math.floor(PAGE_WIDTH / Math.max(1, facets)) - gap);

const variantOrder = (cells: CellMetrics[]) => [...new Set(cells.map((m) => m.cell.variant))];

function variantColor(cells: CellMetrics[]): Spec {
  const domain = variantOrder(cells);
  return { field: 'variant', type: 'nominal', scale: { domain, range: PALETTE.slice(0, domain.length) }, legend: { orient: 'top', title: null } };
}

const workloadOrder = (cells: CellMetrics[]) => [...new Set(cells.map((m) => m.cell.workload))];

export function throughputChart(cells: CellMetrics[]): Spec {
  const values = cells
    .filter((m) => m.cell.valid)
    .map((m) => ({ workload: m.cell.workload, variant: m.cell.variant, median: m.rps.median, min: m.rps.min, max: m.rps.max }));
  return {
    $schema: SCHEMA,
    config: CONFIG,
    data: { values },
    facet: { column: { field: 'workload', type: 'nominal', sort: workloadOrder(cells), title: null } },
    spec: {
      width: facetWidth(workloadOrder(cells).length),
      height: 190,
      layer: [
        {
          mark: 'bar',
          encoding: {
            x: { field: 'variant', type: 'nominal', sort: variantOrder(cells), axis: null },
            y: { field: 'median', type: 'quantitative', title: 'correct req/s' },
            color: variantColor(cells),
            tooltip: [{ field: 'variant' }, { field: 'median', format: ',.0f' }],
          },
        },
        {
          mark: { type: 'rule', color: '#333' },
          encoding: { x: { field: 'variant', type: 'nominal', sort: variantOrder(cells) }, y: { field: 'min', type: 'quantitative' }, y2: { field: 'max' } },
        },
      ],
    },
    resolve: { scale: { x: 'independent', y: 'independent' } },
  };
}

export function latencyChart(cells: CellMetrics[]): Spec {
  // Milliseconds: loopback latencies under load are 5-1000 ms; µs labels read "1,000,000".
  const values = cells
    .filter((m) => m.cell.valid)
    .flatMap((m) =>
      (['p50', 'p90', 'p99', 'p999'] as const).map((p) => ({
        workload: m.cell.workload,
        variant: m.cell.variant,
        percentile: p === 'p999' ? 'p99.9' : p,
        ms: Math.max(0.001, m.latencyUs[p] / 1000),
      })),
    );
  return {
    $schema: SCHEMA,
    config: CONFIG,
    data: { values },
    // Wrapped: six panels of log-scale axes do not fit one row.
    facet: { field: 'workload', type: 'nominal', sort: workloadOrder(cells), title: null },
    columns: 3,
    spec: {
      width: facetWidth(3, 90),
      height: 170,
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'percentile', type: 'ordinal', sort: ['p50', 'p90', 'p99', 'p99.9'], title: null, axis: { labelAngle: 0 } },
        y: { field: 'ms', type: 'quantitative', scale: { type: 'log' }, title: 'ms (log scale)', axis: { format: '~g', tickCount: 5 } },
        color: variantColor(cells),
        tooltip: [{ field: 'variant' }, { field: 'percentile' }, { field: 'ms', format: ',.2f' }],
      },
    },
    resolve: { scale: { y: 'independent' } },
  };
}

/**
 * Horizontal bars, one row of panels per workload: variant names read left of their bar instead of
 * slanting into each other under narrow columns, and each workload keeps its own scale (a login
 * costs 300 times a public request).
 */
export function costChart(cells: CellMetrics[]): Spec {
  const values = cells
    .filter((m) => m.cell.valid)
    .flatMap((m) => [
      { workload: m.cell.workload, variant: m.cell.variant, part: 'server', us: m.serverCpuUs ?? 0 },
      { workload: m.cell.workload, variant: m.cell.variant, part: 'Postgres', us: m.postgresCpuUs ?? 0 },
    ]);
  return {
    $schema: SCHEMA,
    config: CONFIG,
    data: { values },
    facet: { row: { field: 'workload', type: 'nominal', sort: workloadOrder(cells), title: null, header: { labelAngle: 0, labelAlign: 'left' } } },
    spec: {
      width: PAGE_WIDTH - 260,
      height: { step: 16 },
      mark: 'bar',
      encoding: {
        y: { field: 'variant', type: 'nominal', sort: variantOrder(cells), title: null },
        x: { field: 'us', type: 'quantitative', title: 'CPU µs per request (server + Postgres)', stack: 'zero' },
        color: {
          field: 'part',
          type: 'nominal',
          scale: { domain: ['server', 'Postgres'], range: ['#4c78a8', '#e45756'] },
          legend: { orient: 'top', title: null },
        },
        tooltip: [{ field: 'variant' }, { field: 'part' }, { field: 'us', format: ',.0f' }],
      },
    },
    resolve: { scale: { x: 'independent', y: 'independent' } },
  };
}

export function scalingChart(cells: CellMetrics[]): Spec {
  const values = cells
    .filter((m) => m.cell.valid)
    .map((m) => ({ variant: m.cell.variant, instances: m.cell.instances, median: m.rps.median, min: m.rps.min, max: m.rps.max }));
  return {
    $schema: SCHEMA,
    config: CONFIG,
    data: { values },
    width: Math.floor(PAGE_WIDTH / 2),
    height: 240,
    layer: [
      {
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: 'instances', type: 'ordinal', title: 'instances' },
          y: { field: 'median', type: 'quantitative', title: 'correct req/s' },
          color: variantColor(cells),
        },
      },
      {
        mark: 'rule',
        encoding: { x: { field: 'instances', type: 'ordinal' }, y: { field: 'min', type: 'quantitative' }, y2: { field: 'max' }, color: variantColor(cells) },
      },
    ],
  };
}

export function utilisationChart(cells: CellMetrics[], cores: number): Spec {
  const order = cells.map((m) => `${m.cell.variant} x${m.cell.instances}`);
  const values = cells.flatMap((m) => {
    const label = `${m.cell.variant} x${m.cell.instances}`;
    return [
      { cell: label, part: 'servers', cores: m.utilisation.server },
      { cell: label, part: 'Postgres', cores: m.utilisation.postgres ?? 0 },
      { cell: label, part: 'load generator', cores: m.utilisation.loadgen },
      { cell: label, part: 'other', cores: m.utilisation.other },
    ];
  });
  return {
    $schema: SCHEMA,
    config: CONFIG,
    width: Math.min(PAGE_WIDTH, Math.max(300, 60 * order.length)),
    height: 200,
    layer: [
      {
        data: { values },
        mark: 'bar',
        encoding: {
          x: { field: 'cell', type: 'nominal', sort: order, axis: { labelAngle: order.length > 8 ? -30 : 0, title: null } },
          y: { field: 'cores', type: 'quantitative', title: 'busy cores', stack: 'zero' },
          color: {
            field: 'part',
            type: 'nominal',
            scale: { domain: ['servers', 'Postgres', 'load generator', 'other'], range: ['#4c78a8', '#e45756', '#f58518', '#bab0ac'] },
            legend: { orient: 'top', title: null },
          },
        },
      },
      { data: { values: [{ cores }] }, mark: { type: 'rule', strokeDash: [4, 3], color: '#333' }, encoding: { y: { field: 'cores', type: 'quantitative' } } },
    ],
  };
}

export function scalingFailureChart(cells: CellMetrics[]): Spec {
  const values = cells.map((m) => ({ instances: m.cell.instances, share: m.outcomeShare ?? 0, expected: (m.cell.instances - 1) / m.cell.instances }));
  return {
    $schema: SCHEMA,
    config: CONFIG,
    data: { values },
    width: 360,
    height: 180,
    layer: [
      {
        mark: { type: 'bar', color: '#e45756' },
        encoding: {
          x: { field: 'instances', type: 'ordinal', axis: { labelAngle: 0 } },
          y: { field: 'share', type: 'quantitative', axis: { format: '%' }, title: 'requests failing (401)', scale: { domain: [0, 1] } },
        },
      },
      {
        mark: { type: 'tick', color: '#333', thickness: 2 },
        encoding: { x: { field: 'instances', type: 'ordinal' }, y: { field: 'expected', type: 'quantitative' } },
      },
    ],
  };
}

export interface RevocationChartItem {
  variant: string;
  event: string;
  promise: string | null;
  reps: { everywhereMs: number | null; remainingSeconds: number | null }[];
}

/**
 * One point per repetition: the time until every instance refused the old credential, or (never
 * refused) the validity it had left until exp, on one log axis: milliseconds next to minutes is the
 * finding. Dashed rules mark the notify targets.
 */
export function revocationChart(items: RevocationChartItem[], target: { median: number; max: number }): Spec {
  const variants = [...new Set(items.map((i) => i.variant))];
  const events = [...new Set(items.map((i) => i.event))];
  const values = items.flatMap((item) =>
    item.reps.flatMap((r) => {
      if (r.everywhereMs !== null) return [{ variant: item.variant, event: item.event, ms: Math.max(0.01, r.everywhereMs), kind: 'refused on every instance' }];
      if (r.remainingSeconds !== null)
        return [{ variant: item.variant, event: item.event, ms: r.remainingSeconds * 1000, kind: 'never refused: validity left until exp' }];
      return [];
    }),
  );
  return {
    $schema: SCHEMA,
    config: CONFIG,
    width: PAGE_WIDTH - 160,
    height: Math.max(120, 64 * variants.length),
    layer: [
      {
        data: { values },
        mark: { type: 'point', filled: true, size: 45, opacity: 0.75 },
        encoding: {
          x: { field: 'ms', type: 'quantitative', scale: { type: 'log', nice: false }, title: 'ms after the revoking request was sent (log scale)' },
          y: { field: 'variant', type: 'nominal', sort: variants, title: null },
          yOffset: { field: 'event', type: 'nominal', sort: events },
          color: { field: 'event', type: 'nominal', sort: events, scale: { range: PALETTE }, legend: { orient: 'bottom', title: null } },
          shape: {
            field: 'kind',
            type: 'nominal',
            scale: { domain: ['refused on every instance', 'never refused: validity left until exp'], range: ['circle', 'triangle-right'] },
            legend: { orient: 'bottom', title: null, labelLimit: 400 },
          },
          tooltip: [{ field: 'variant' }, { field: 'event' }, { field: 'kind' }, { field: 'ms', format: ',.2f' }],
        },
      },
      {
        data: { values: [{ ms: target.median }, { ms: target.max }] },
        mark: { type: 'rule', strokeDash: [4, 3], color: '#666' },
        encoding: { x: { field: 'ms', type: 'quantitative' } },
      },
      {
        data: {
          values: [
            { ms: target.median, label: `${target.median} ms: target for the median`, y: -14 },
            { ms: target.max, label: `${target.max} ms: target for the max`, y: -2 },
          ],
        },
        // Above the plot, one line each (staggered): inside it they ran into the points.
        mark: { type: 'text', align: 'left', baseline: 'bottom', dx: 3, fontSize: 10, color: '#444' },
        encoding: { x: { field: 'ms', type: 'quantitative' }, y: { field: 'y', type: 'quantitative', scale: null }, text: { field: 'label' } },
      },
    ],
  };
}

export interface OutageChartRow {
  variant: string;
  bins: { t: number; okMemory: number; okDatabase: number; ok: number; unavailable: number; other: number }[];
}

const OUTAGE_OUTCOMES = ['200 from memory', '200 from the database', '200', '503', 'other / no response'];

/**
 * One row per variant, one cell per bin, coloured by what most responses in it were: the moment
 * each variant starts refusing, whether it keeps answering (plain jwt), and how it comes back.
 */
export function outageChart(rows: OutageChartRow[], binMs: number, marks: { label: string; ms: number }[], originMs: number): Spec {
  const variants = rows.map((r) => r.variant);
  const values = rows.flatMap((r) =>
    r.bins.flatMap((b) => {
      const counts: [string, number][] = [
        [OUTAGE_OUTCOMES[0], b.okMemory],
        [OUTAGE_OUTCOMES[1], b.okDatabase],
        [OUTAGE_OUTCOMES[2], b.ok],
        [OUTAGE_OUTCOMES[3], b.unavailable],
        [OUTAGE_OUTCOMES[4], b.other],
      ];
      const total = counts.reduce((s, [, n]) => s + n, 0);
      if (total === 0) return [];
      const [outcome, n] = counts.reduce((best, c) => (c[1] > best[1] ? c : best));
      return [{ variant: r.variant, from: (b.t - originMs) / 1000, to: (b.t + binMs - originMs) / 1000, outcome, responses: total, share: n / total }];
    }),
  );
  return {
    $schema: SCHEMA,
    config: CONFIG,
    width: PAGE_WIDTH - 160,
    height: Math.max(100, 34 * variants.length),
    layer: [
      {
        data: { values },
        mark: 'rect',
        encoding: {
          x: { field: 'from', type: 'quantitative', title: 's after Postgres was told to stop (bins of 100 ms; colour: most responses in the bin)' },
          x2: { field: 'to' },
          y: { field: 'variant', type: 'nominal', sort: variants, title: null },
          color: {
            field: 'outcome',
            type: 'nominal',
            scale: { domain: OUTAGE_OUTCOMES, range: ['#54a24b', '#4c78a8', '#72b7b2', '#e45756', '#333333'] },
            // Below: the labels of the marks take the space above the plot.
            legend: { orient: 'bottom', title: null, labelLimit: 300 },
          },
          tooltip: [{ field: 'variant' }, { field: 'from' }, { field: 'outcome' }, { field: 'responses' }, { field: 'share', format: '.0%' }],
        },
      },
      {
        data: { values: marks.map((m) => ({ s: (m.ms - originMs) / 1000, label: m.label })) },
        mark: { type: 'rule', strokeDash: [4, 3], color: '#333' },
        encoding: { x: { field: 's', type: 'quantitative' } },
      },
      {
        // Above the plot, horizontal, one line per mark: the marks lie fractions of a second apart,
        // and rotated labels inside the plot ran into each other and into the bins.
        data: { values: marks.map((m, i) => ({ s: (m.ms - originMs) / 1000, label: m.label, y: -4 - 12 * (marks.length - 1 - i) })) },
        mark: { type: 'text', align: 'left', baseline: 'bottom', dx: 3, fontSize: 10, color: '#222' },
        encoding: { x: { field: 's', type: 'quantitative' }, y: { field: 'y', type: 'quantitative', scale: null }, text: { field: 'label' } },
      },
    ],
  };
}

// The two calls used, typed here: vega and vega-lite are ESM-only and this package is CommonJS.
interface VegaModules {
  vega: {
    View: new (runtime: unknown, opts: { renderer: 'none' }) => { toSVG(): Promise<string>; finalize(): void };
    parse(spec: unknown): unknown;
  };
  vl: { compile(spec: unknown): { spec: unknown } };
}
let modules: Promise<VegaModules> | null = null;

/** Renders a vega-lite spec to an SVG string (vega and vega-lite are ESM-only: imported lazily). */
export async function renderSvg(spec: Spec): Promise<string> {
  modules ??= Promise.all([import('vega'), import('vega-lite')]).then(([vega, vl]) => ({ vega, vl }) as unknown as VegaModules);
  const { vega, vl } = await modules;
  const compiled = vl.compile(spec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
