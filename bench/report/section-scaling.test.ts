import { join } from 'node:path';
import { readResults } from '../results';
import type { CellMetrics } from './metrics';
import { type ModelContext, modelContext } from './model';
import { knee, scalingBudget, scalingCells, scalingHeadline, scalingSection, throttling } from './section-scaling';

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
