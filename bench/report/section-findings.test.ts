import { throughputPhrase } from './section-findings';

const r = (ratio: number, low: number, high: number, verdict: 'higher' | 'lower' | 'same' | 'inconclusive') => ({
  ratio,
  low,
  high,
  paired: true,
  df: 5,
  verdict,
});

describe('throughputPhrase', () => {
  it('states a difference only when the interval excludes 1', () => {
    expect(throughputPhrase(r(2.14, 1.14, 3.99, 'higher'), 'jwt', 'session')).toBe(
      '`jwt` served 2.14× (95% CI 1.14–3.99) the `/auth/me` throughput of `session`',
    );
    expect(throughputPhrase(r(2.57, 0.9, 7.3, 'inconclusive'), 'jwt', 'session')).toContain('this run cannot tell');
    expect(throughputPhrase(r(2.57, 0.9, 7.3, 'inconclusive'), 'jwt', 'session')).toContain('inconclusive');
    expect(throughputPhrase(r(1.01, 0.98, 1.03, 'same'), 'jwt-push', 'jwt')).toContain('the same `/auth/me` throughput within 5%');
  });
});
