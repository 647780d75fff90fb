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
      width: 90,
      height: 170,
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
  const values = cells
    .filter((m) => m.cell.valid)
    .flatMap((m) =>
      (['p50', 'p90', 'p99', 'p999'] as const).map((p) => ({
        workload: m.cell.workload,
        variant: m.cell.variant,
        percentile: p === 'p999' ? 'p99.9' : p,
        us: Math.max(1, m.latencyUs[p]),
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
      width: 150,
      height: 150,
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'percentile', type: 'ordinal', sort: ['p50', 'p90', 'p99', 'p99.9'], title: null },
        y: { field: 'us', type: 'quantitative', scale: { type: 'log' }, title: 'µs' },
        color: variantColor(cells),
      },
    },
    resolve: { scale: { y: 'independent' } },
  };
}

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
    facet: { column: { field: 'workload', type: 'nominal', sort: workloadOrder(cells), title: null } },
    spec: {
      width: 90,
      height: 170,
      mark: 'bar',
      encoding: {
        x: { field: 'variant', type: 'nominal', sort: variantOrder(cells), axis: { labelAngle: -45, title: null } },
        y: { field: 'us', type: 'quantitative', title: 'CPU µs per request', stack: 'zero' },
        color: {
          field: 'part',
          type: 'nominal',
          scale: { domain: ['server', 'Postgres'], range: ['#4c78a8', '#e45756'] },
          legend: { orient: 'top', title: null },
        },
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
    width: 360,
    height: 220,
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
    width: Math.max(240, 34 * order.length),
    height: 200,
    layer: [
      {
        data: { values },
        mark: 'bar',
        encoding: {
          x: { field: 'cell', type: 'nominal', sort: order, axis: { labelAngle: -45, title: null } },
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
    width: 240,
    height: 160,
    layer: [
      {
        mark: { type: 'bar', color: '#e45756' },
        encoding: {
          x: { field: 'instances', type: 'ordinal' },
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
