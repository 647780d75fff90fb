import { compare, summarize, tTestP, welch } from './compare';

describe('tTestP', () => {
  it('matches Student t critical values (two-sided 5%)', () => {
    expect(tTestP(12.706, 1)).toBeCloseTo(0.05, 3);
    expect(tTestP(2.776, 4)).toBeCloseTo(0.05, 3);
    expect(tTestP(1.96, 1e6)).toBeCloseTo(0.05, 3);
  });
});

describe('welch', () => {
  it('needs two values per sample', () => {
    expect(welch([1], [2, 3])).toBeNull();
  });

  it('finds a clear difference significant', () => {
    const w = welch([10, 11, 12], [20, 21, 22]);
    expect(w?.p).toBeLessThan(0.001);
    expect(w?.df).toBeCloseTo(4, 5);
  });
});

describe('compare', () => {
  it('calls a tie when the difference is within noise', () => {
    expect(compare([100, 101, 99], [100, 102, 98]).verdict).toBe('tie');
  });

  it('calls a tie when significant but under 5%', () => {
    expect(compare([1030, 1031, 1030], [1000, 1001, 1000]).verdict).toBe('tie');
  });

  it('calls the faster one when significant and over 5%', () => {
    const c = compare([200, 210, 190], [100, 102, 98]);
    expect(c.verdict).toBe('higher');
    expect(c.ratio).toBeCloseTo(2, 5);
    expect(c.low).toBeCloseTo(190 / 102, 5);
  });
});

describe('summarize', () => {
  it('gives median, quartiles and extremes', () => {
    const s = summarize([5, 1, 3, 2, 4]);
    expect([s.median, s.min, s.max, s.q1, s.q3]).toEqual([3, 1, 5, 2, 4]);
  });
});
