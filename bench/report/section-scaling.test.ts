import { join } from 'node:path';
import { readResults } from '../results';
import type { CellMetrics } from './metrics';
import { type ModelContext, modelContext } from './model';
import { calibratedCost, checkCost, knee, predictions, scalingBudget, scalingCells, scalingHeadline, scalingSection, throttling } from './section-scaling';

// Results from before CPU budgets (the committed reference run with its budget records removed):
// their scaling must be labelled unbudgeted, never read as the mini-cluster.
describe('scaling section on results without budgets', () => {
  const results = readResults(join(__dirname, '..', '..', 'results', 'reference'));
  for (const c of results.cells) {
    delete c.budget;
    for (const r of c.rounds) delete r.budget;
  }
  const ctx = modelContext(results);

  it('says the run was unbudgeted and why, and gives no README scaling line', () => {
    const cells = scalingCells(ctx);
    expect(cells.length).toBeGreaterThan(0);
    expect(scalingBudget(cells)).toEqual({ mode: 'none', reason: 'these results predate CPU budgets' });
    const first = scalingSection(ctx)?.blocks[0];
    expect(first?.kind === 'paragraph' && first.text).toMatch(/^\*\*UNBUDGETED/);
    expect(scalingHeadline(ctx)).toBeNull();
  });
});

// The knee from hand-made cells: what the rule says, on numbers a reader can check.
describe('knee', () => {
  const budget = (throttled: number) => ({ postgres: { periods: 10, throttled, throttledSeconds: 0 }, servers: [] });
  const cell = (variant: string, n: number, rps: number, pgThrottled = 0, pgCores = 0.1) =>
    ({
      cell: {
        scenario: 'scaling',
        workload: 'me',
        variant,
        instances: n,
        valid: true,
        rounds: [{ budget: budget(pgThrottled) }],
        budget: { mode: 'cgroup-v1', mount: '/x', periodUs: 100_000, postgresCores: 0.3, instanceCores: 0.15 },
      },
      rps: { median: rps },
      utilisation: { postgres: pgCores },
    }) as unknown as CellMetrics;
  const ctxOf = (cells: CellMetrics[]) =>
    ({
      find: (_s: string, _w: string, v: string, n?: number) => cells.find((m) => m.cell.variant === v && m.cell.instances === n),
    }) as unknown as ModelContext;

  it('is the first N whose efficiency drops below 0.8', () => {
    const rows = [cell('jwt', 1, 100), cell('jwt', 2, 190), cell('jwt', 4, 300)];
    expect(knee(ctxOf(rows), rows)).toEqual({ instances: 4, reason: 'efficiency 0.75×' });
  });

  it('is where Postgres used up its budget and was throttled, even while efficiency still looks fine', () => {
    const rows = [cell('session', 1, 100), cell('session', 2, 195, 6, 0.29)];
    expect(knee(ctxOf(rows), rows)).toEqual({ instances: 2, reason: "Postgres' budget saturated (97% of it used, throttled in 60% of its periods)" });
    expect(throttling(rows[1]).postgres).toBe(0.6);
  });

  it('ignores throttled periods while Postgres is far from its budget (a background burst in a quiet round)', () => {
    const rows = [cell('jwt', 1, 100, 5, 0.1), cell('jwt', 2, 200, 5, 0.1)];
    expect(knee(ctxOf(rows), rows)).toBeNull();
  });

  it('is absent while every N adds its share', () => {
    const rows = [cell('jwt', 1, 100), cell('jwt', 2, 200), cell('jwt', 6, 590)];
    expect(knee(ctxOf(rows), rows)).toBeNull();
  });
});

// Both predictions from hand-made cells: the unbudgeted costs (workloads cell) and the app side
// calibrated on the budgeted x1 cell, which is the input and never a prediction of itself.
describe('model predictions beside the mini-cluster', () => {
  const b = {
    mode: 'cgroup-v1',
    mount: '/x',
    periodUs: 100_000,
    postgresCores: 0.2,
    instanceCores: 0.15,
    prime: { requestsPerInstance: 1, maxSeconds: 1, beforeEachRunSeconds: 0 },
  } as const;
  const m = (scenario: string, n: number, rps: number, serverCpuUs: number, postgresCpuUs: number) =>
    ({
      cell: { scenario, workload: 'me', variant: 'session', instances: n, valid: true, rounds: [], budget: b },
      rps: { median: rps },
      serverCpuUs,
      postgresCpuUs,
      db: { xacts: 1 },
      utilisation: { postgres: 0.1, machine: 1 },
    }) as unknown as CellMetrics;
  // Unbudgeted: 200 µs server, 100 µs Postgres. Budgeted x1: 300 µs server (a CPU-second bought less there).
  const workloads = m('workloads', 1, 4000, 200, 100);
  const x1 = m('scaling', 1, 500, 300, 400);
  const x2 = m('scaling', 2, 1000, 300, 150);
  const x6 = m('scaling', 6, 1800, 300, 110);
  const ctx = {
    results: { variants: [{ name: 'session', perInstanceState: false }] },
    find: (s: string, _w: string, _v: string, n?: number) =>
      [workloads, x1, x2, x6].find((c) => c.cell.scenario === s && (n === undefined || c.cell.instances === n)),
  } as unknown as ModelContext;

  it('predicts N = 1 only from the unbudgeted costs', () => {
    expect(calibratedCost(ctx, x1)).toBeNull();
    const p = predictions(ctx, x1, b);
    // 0.15 core / 200 µs = 750 req/s; measured 500: -33 %.
    expect(p.unbudgeted).toMatchObject({ rps: 750, limitedBy: 'app' });
    expect(p.unbudgetedError).toBeCloseTo(-1 / 3);
    expect(p.calibrated).toBeNull();
  });

  it('calibrates the app side at x1 and keeps the unbudgeted Postgres cost (x1 Postgres is background-heavy)', () => {
    expect(calibratedCost(ctx, x2)).toEqual({ serverCpuUs: 300, postgresCpuUs: 100, dbRoundTrips: 1 });
    // x2: 2 x 0.15 core / 300 µs = 1000 req/s (measured 1000: 0 %).
    expect(predictions(ctx, x2, b)).toMatchObject({ calibrated: { rps: 1000, limitedBy: 'app' }, calibratedError: 0 });
    // x6: app 3000 req/s, Postgres 0.2 core / 100 µs = 2000 req/s: Postgres-bound; measured 1800: -10 %.
    const p6 = predictions(ctx, x6, b);
    expect(p6.calibrated).toMatchObject({ rps: 2000, limitedBy: 'postgres' });
    expect(p6.calibratedError).toBeCloseTo(-0.1);
  });

  it('prefers the costs the same instances showed in their last priming step, seconds before the budgets', () => {
    // The workloads cell said 200 µs; priming, on these instances a moment before the budgets, 150 µs
    // server and 120 µs Postgres: 0.15 core / 150 µs = 1000 req/s at N = 1 (measured 500: -50 %).
    const primed = {
      ...b,
      primed: [
        {
          fleetKey: 'scaling/session',
          variant: 'session',
          responses: [1],
          seconds: 1,
          complete: true,
          cost: { responses: 900, serverCpuUs: 150, postgresCpuUs: 120 },
        },
      ],
    };
    const y1 = { ...x1, cell: { ...x1.cell, budget: primed } } as unknown as CellMetrics;
    const y6 = { ...x6, cell: { ...x6.cell, budget: primed } } as unknown as CellMetrics;
    expect(checkCost(ctx, y1)).toEqual({ cost: { serverCpuUs: 150, postgresCpuUs: 120 }, source: 'priming' });
    expect(predictions(ctx, y1, b)).toMatchObject({ unbudgeted: { rps: 1000, limitedBy: 'app' }, unbudgetedError: -0.5, source: 'priming' });
    // x6: app 6000 req/s, Postgres 0.2 core / 120 µs = 1667 req/s; the calibrated model keeps priming's Postgres side too.
    expect(predictions(ctx, y6, b).unbudgeted).toMatchObject({ limitedBy: 'postgres' });
    expect(calibratedCost(ctx, y6)).toEqual({ serverCpuUs: 300, postgresCpuUs: 120 });
    // A step that answered nothing (cost null), or an external Postgres (postgresCpuUs null, taken from the cells).
    const none = { ...b, primed: [{ ...primed.primed[0], cost: null }] };
    expect(checkCost(ctx, { ...x1, cell: { ...x1.cell, budget: none } } as unknown as CellMetrics)?.source).toBe('cells');
    const external = { ...b, primed: [{ ...primed.primed[0], cost: { responses: 900, serverCpuUs: 150, postgresCpuUs: null } }] };
    expect(checkCost(ctx, { ...x1, cell: { ...x1.cell, budget: external } } as unknown as CellMetrics)?.cost).toEqual({ serverCpuUs: 150, postgresCpuUs: 100 });
  });
});
