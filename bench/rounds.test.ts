import { roundOrder } from './rounds';

describe('roundOrder', () => {
  const cells = ['A', 'B', 'C', 'D'];
  const rounds = [1, 2, 3, 4].map((r) => roundOrder(cells, r));

  it('runs every cell once per round, as planned in odd rounds and reversed in even ones', () => {
    expect(rounds).toEqual([cells, ['D', 'C', 'B', 'A'], cells, ['D', 'C', 'B', 'A']]);
    expect(cells).toEqual(['A', 'B', 'C', 'D']); // the plan itself is not reordered
  });

  it('gives every cell the same mean position over a pair of rounds', () => {
    const meanPosition = (c: string) => rounds.reduce((sum, order) => sum + order.indexOf(c), 0) / rounds.length;
    expect(new Set(cells.map(meanPosition))).toEqual(new Set([1.5]));
  });

  it('does not keep any cell always behind the same neighbour', () => {
    const before = (c: string) => new Set(rounds.map((order) => order[order.indexOf(c) - 1]).filter((x) => x !== undefined));
    for (const c of ['B', 'C']) expect(before(c).size).toBe(2);
  });
});
