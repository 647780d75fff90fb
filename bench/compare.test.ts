import { ratioInterval, ratioVerdict, summarize, tCritical, tTestP } from './compare';

describe('tTestP', () => {
  it('matches Student t critical values (two-sided 5%)', () => {
    expect(tTestP(12.706, 1)).toBeCloseTo(0.05, 3);
    expect(tTestP(2.776, 4)).toBeCloseTo(0.05, 3);
    expect(tTestP(1.96, 1e6)).toBeCloseTo(0.05, 3);
  });
});

describe('summarize', () => {
  it('gives median, quartiles and extremes', () => {
    const s = summarize([5, 1, 3, 2, 4]);
    expect([s.median, s.min, s.max, s.q1, s.q3]).toEqual([3, 1, 5, 2, 4]);
  });
});

describe('tCritical', () => {
  it('matches tables of Student t (two-sided 95%)', () => {
    expect(tCritical(1)).toBeCloseTo(12.706, 2);
    expect(tCritical(2)).toBeCloseTo(4.303, 3);
    expect(tCritical(5)).toBeCloseTo(2.571, 3);
    expect(tCritical(1e6)).toBeCloseTo(1.96, 2);
  });
});

describe('ratioInterval', () => {
  it('pairs rounds: drift shared by both cells leaves a tight interval', () => {
    // The machine drifts by 2x across rounds; B is always half of A.
    const a = [1000, 2000, 1500, 1200];
    const b = a.map((x) => x / 2);
    const r = ratioInterval(a, b, true);
    expect(r.paired).toBe(true);
    expect(r.ratio).toBeCloseTo(2, 10);
    expect(r.low).toBeCloseTo(2, 10);
    expect(r.high).toBeCloseTo(2, 10);
    expect(r.verdict).toBe('higher');
    // Unpaired, the same drift makes the difference harder to see.
    const u = ratioInterval(a, b, false);
    expect(u.high - u.low).toBeGreaterThan(0.5);
  });

  it('is the Welch t interval on log values when unpaired', () => {
    const a = [110, 100, 120];
    const b = [50, 55, 45];
    const la = a.map(Math.log);
    const lb = b.map(Math.log);
    const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
    const v = (xs: number[]) => xs.reduce((s, x) => s + (x - mean(xs)) ** 2, 0) / (xs.length - 1) / xs.length;
    const se = Math.sqrt(v(la) + v(lb));
    const df = (v(la) + v(lb)) ** 2 / (v(la) ** 2 / 2 + v(lb) ** 2 / 2);
    const r = ratioInterval(a, b);
    expect(r.df).toBeCloseTo(df, 10);
    expect(r.ratio).toBeCloseTo(Math.exp(mean(la) - mean(lb)), 10);
    expect(r.low).toBeCloseTo(Math.exp(mean(la) - mean(lb) - tCritical(df) * se), 8);
    expect(r.verdict).toBe('higher');
  });

  it('says inconclusive, not tie, for a large ratio with a wide interval', () => {
    // 2.57x on medians from 3 noisy rounds: the interval holds 1.
    const r = ratioInterval([2570, 900, 4000], [1000, 1100, 950], true);
    expect(r.verdict).toBe('inconclusive');
    expect(r.low).toBeLessThan(1);
    expect(r.high).toBeGreaterThan(2);
  });

  it('says "same" only when the whole interval lies within 5% of 1', () => {
    expect(ratioInterval([1000, 1010, 990, 1005], [1002, 1008, 992, 1001], true).verdict).toBe('same');
    expect(ratioInterval([1000, 1100, 900], [1000, 1000, 1000], true).verdict).toBe('inconclusive');
  });

  it('gives no interval from fewer than 2 rounds', () => {
    const r = ratioInterval([100], [50], true);
    expect(r.ratio).toBeCloseTo(2, 10);
    expect(Number.isNaN(r.low)).toBe(true);
    expect(r.verdict).toBe('inconclusive');
  });
});

describe('ratioVerdict', () => {
  it('reads the interval', () => {
    expect(ratioVerdict(1.1, 1.3)).toBe('higher');
    expect(ratioVerdict(0.5, 0.9)).toBe('lower');
    expect(ratioVerdict(0.97, 1.04)).toBe('same');
    expect(ratioVerdict(1.01, 1.04)).toBe('same');
    expect(ratioVerdict(0.9, 1.2)).toBe('inconclusive');
    expect(ratioVerdict(Number.NaN, Number.NaN)).toBe('inconclusive');
  });
});
