import { msAfter, ratioAgainst, ratioCi } from './format';

describe('ratioAgainst', () => {
  it('shows enough digits to tell a ratio from its target', () => {
    expect(ratioAgainst(0.4496, 0.45)).toBe('0.4496×');
    expect(ratioAgainst(0.44996, 0.45)).toBe('0.44996×');
    expect(ratioAgainst(0.449, 0.45)).toBe('0.449×');
    expect(ratioAgainst(0.66, 0.45)).toBe('0.66×');
  });
});

describe('ratioCi', () => {
  it('prints the interval, or says there is none', () => {
    expect(ratioCi({ ratio: 1.84, low: 1.523, high: 2.234 })).toBe('1.84× (95% CI 1.52–2.23)');
    expect(ratioCi({ ratio: 2, low: Number.NaN, high: Number.NaN })).toBe('2.00× (no interval: too few rounds)');
  });
});

describe('msAfter', () => {
  it('says "before" instead of printing a negative duration', () => {
    expect(msAfter(-3.26, 'before it')).toBe('3.26 ms before it');
    expect(msAfter(4.02)).toBe('4.02 ms');
  });
});
