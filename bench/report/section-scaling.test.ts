import { join } from 'node:path';
import { readResults } from '../results';
import { modelContext } from './model';
import { scalingBudget, scalingCells, scalingHeadline, scalingSection } from './section-scaling';

// The committed reference run predates CPU budgets: its scaling must be labelled unbudgeted, never
// read as the mini-cluster.
describe('scaling section on results without budgets', () => {
  const ctx = modelContext(readResults(join(__dirname, '..', '..', 'results', 'reference')));

  it('says the run was unbudgeted and why, and gives no README scaling line', () => {
    const cells = scalingCells(ctx);
    expect(cells.length).toBeGreaterThan(0);
    expect(scalingBudget(cells)).toEqual({ mode: 'none', reason: 'these results predate CPU budgets' });
    const first = scalingSection(ctx)?.blocks[0];
    expect(first?.kind === 'paragraph' && first.text).toMatch(/^\*\*UNBUDGETED/);
    expect(scalingHeadline(ctx)).toBeNull();
  });
});
