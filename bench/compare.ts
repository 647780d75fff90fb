// Pure statistics: summaries of per-round values and the comparison rule of BENCH.md: every ratio
// comes with a 95% confidence interval, and the verdict reads the interval, not a p-value alone (a
// non-significant test with 3 rounds has little power: "tie" read as "no difference" misled). No I/O.

export interface Summary {
  n: number;
  median: number;
  min: number;
  max: number;
  q1: number;
  q3: number;
  mean: number;
  sd: number;
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export function summarize(values: number[]): Summary {
  const v = values.filter((x) => Number.isFinite(x));
  const sorted = [...v].sort((a, b) => a - b);
  const n = sorted.length;
  const mean = n ? sorted.reduce((a, b) => a + b, 0) / n : Number.NaN;
  const sd = n > 1 ? Math.sqrt(sorted.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : 0;
  return {
    n,
    median: quantile(sorted, 0.5),
    min: sorted[0] ?? Number.NaN,
    max: sorted[n - 1] ?? Number.NaN,
    q1: quantile(sorted, 0.25),
    q3: quantile(sorted, 0.75),
    mean,
    sd,
  };
}

// Log-gamma (Lanczos, g = 7) and the regularized incomplete beta function (continued fraction,
// Numerical Recipes 6.4): enough for Student's t distribution.
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012,
  9.9843695780195716e-6, 1.5056327351493116e-7,
];

function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let a = LANCZOS[0];
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += LANCZOS[i] / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

function betaContinuedFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-12) break;
  }
  return h;
}

export function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  return x < (a + 1) / (a + b + 2) ? (front * betaContinuedFraction(a, b, x)) / a : 1 - (front * betaContinuedFraction(b, a, 1 - x)) / b;
}

/** Two-sided p-value of Student's t with df degrees of freedom. */
export function tTestP(t: number, df: number): number {
  if (!Number.isFinite(t)) return 0;
  return incompleteBeta(df / (df + t * t), df / 2, 0.5);
}

/** Quantile of Student's t (two-sided level): the t with tTestP(t, df) = 1 - level, by bisection. */
export function tCritical(df: number, level = 0.95): number {
  if (!(df > 0)) return Number.POSITIVE_INFINITY;
  const alpha = 1 - level;
  let lo = 0;
  let hi = 1;
  while (tTestP(hi, df) > alpha) hi *= 2;
  for (let i = 0; i < 100; i++) {
    const mid = (lo + hi) / 2;
    if (tTestP(mid, df) > alpha) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

export const CONFIDENCE = 0.95;
/** Within this factor of 1 (both ends of the interval) a ratio is "no difference": 5%, as before. */
export const EQUIVALENCE = 1.05;

export type RatioVerdict = 'higher' | 'lower' | 'same' | 'inconclusive';

export interface RatioInterval {
  /** Point estimate: the ratio of geometric means (paired: the geometric mean of per-round ratios). */
  ratio: number;
  /** 95% confidence interval of the ratio (NaN when fewer than 2 rounds per side). */
  low: number;
  high: number;
  paired: boolean;
  df: number;
  verdict: RatioVerdict;
}

/**
 * Why a t-interval on the log ratio, not a bootstrap over rounds: a run has 3-10 rounds per cell,
 * and a bootstrap over 3 values has only 10 distinct resamples, so its percentile interval is too
 * narrow exactly when rounds are few (it cannot see beyond the observed min-max). Throughput is a
 * positive, multiplicative quantity whose round-to-round noise is roughly log-normal, so the t
 * interval on log values is the standard interval for a ratio (ratio of geometric means), honest
 * about few rounds through the t quantile (12.7 at df 1, 4.3 at df 2, 2.6 at df 5).
 * Paired: the cells of one group run their rounds interleaved (A B, B A, ...: rounds.ts), so round
 * i of A and round i of B saw the same machine drift; the per-round log ratios remove that drift (df = n - 1).
 * Unpaired: Welch's interval on the two log samples (Welch-Satterthwaite df).
 */
export function ratioInterval(a: number[], b: number[], paired = false): RatioInterval {
  const la = a.filter((x) => Number.isFinite(x) && x > 0).map(Math.log);
  const lb = b.filter((x) => Number.isFinite(x) && x > 0).map(Math.log);
  const canPair = paired && la.length === a.length && lb.length === b.length && la.length === lb.length;
  let d: number;
  let se: number;
  let df: number;
  if (canPair) {
    const s = summarize(la.map((x, i) => x - lb[i]));
    d = s.mean;
    se = s.sd / Math.sqrt(s.n);
    df = s.n - 1;
  } else {
    const sa = summarize(la);
    const sb = summarize(lb);
    d = sa.mean - sb.mean;
    const va = sa.n > 1 ? (sa.sd * sa.sd) / sa.n : Number.NaN;
    const vb = sb.n > 1 ? (sb.sd * sb.sd) / sb.n : Number.NaN;
    se = Math.sqrt(va + vb);
    df = va + vb > 0 ? (va + vb) ** 2 / ((va * va) / (sa.n - 1) + (vb * vb) / (sb.n - 1)) : sa.n + sb.n - 2;
  }
  const ratio = Math.exp(d);
  if (!Number.isFinite(se) || !(df >= 1)) return { ratio, low: Number.NaN, high: Number.NaN, paired: canPair, df, verdict: 'inconclusive' };
  const half = tCritical(df, CONFIDENCE) * se;
  const low = Math.exp(d - half);
  const high = Math.exp(d + half);
  return { ratio, low, high, paired: canPair, df, verdict: ratioVerdict(low, high) };
}

/**
 * - same: the whole interval lies within 5% of 1 ("no difference", a claim that needs a tight interval);
 * - higher / lower: the interval excludes 1;
 * - inconclusive: the interval holds 1 and reaches beyond 5%: this run cannot tell.
 */
export function ratioVerdict(low: number, high: number): RatioVerdict {
  if (!Number.isFinite(low) || !Number.isFinite(high)) return 'inconclusive';
  if (low >= 1 / EQUIVALENCE && high <= EQUIVALENCE) return 'same';
  if (low > 1) return 'higher';
  if (high < 1) return 'lower';
  return 'inconclusive';
}
