import { join } from 'node:path';
import { readResults } from '../results';
import { buildModel } from './model';
import { terminalSummary, textTable } from './terminal';

describe('textTable', () => {
  it('aligns columns and cuts the widest first to fit the width', () => {
    const lines = textTable(
      {
        kind: 'table',
        columns: [{ label: 'name' }, { label: 'value', align: 'right' }],
        rows: [
          ['`short`', '1'],
          ['a **very** long description that does not fit', '12,345'],
        ],
      },
      30,
    );
    expect(lines[2]).toBe('short                        1');
    expect(lines.every((l) => l.length <= 30)).toBe(true);
    expect(lines[3]).toMatch(/^a very long .*…\s+12,345$/);
  });
});

describe('terminalSummary', () => {
  // The committed reference run: a real results.json, whatever its figures are.
  const model = buildModel(readResults(join(__dirname, '..', '..', 'results', 'reference')));

  it.each([80, 110, 120])('fits %i columns and shows the answer and the targets', (width) => {
    const text = terminalSummary(model, width);
    const lines = text.trimEnd().split('\n');
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(width);
    expect(text).toMatch(/^Targets: \d+ pass, \d+ FAIL/m);
    expect(text).toContain('jwt');
    expect(text).not.toMatch(/\*\*|`/);
    expect(lines.length).toBeLessThan(40);
  });
});
