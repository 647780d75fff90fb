// Pure statistics: summaries of per-round values and the comparison rule of BENCH.md. A difference
// is called only when a Welch t-test finds it significant AND it exceeds 5%, as autocannon-compare
// does; otherwise it is a tie. No I/O here.

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

export interface Welch {
  t: number;
  df: number;
  p: number;
}

/** Welch's unequal-variance t-test on two samples; null when either has fewer than 2 values. */
export function welch(a: number[], b: number[]): Welch | null {
  const sa = summarize(a);
  const sb = summarize(b);
  if (sa.n < 2 || sb.n < 2) return null;
  const va = (sa.sd * sa.sd) / sa.n;
  const vb = (sb.sd * sb.sd) / sb.n;
  if (va + vb === 0) return { t: sa.mean === sb.mean ? 0 : Number.POSITIVE_INFINITY, df: sa.n + sb.n - 2, p: sa.mean === sb.mean ? 1 : 0 };
  const t = (sa.mean - sb.mean) / Math.sqrt(va + vb);
  const df = (va + vb) ** 2 / ((va * va) / (sa.n - 1) + (vb * vb) / (sb.n - 1));
  return { t, df, p: tTestP(t, df) };
}

export const SIGNIFICANCE = 0.05;
export const MIN_DIFFERENCE = 0.05;

export interface Comparison {
  /** median(a) / median(b). */
  ratio: number;
  /** The same ratio at the edges of the spread: min(a)/max(b) .. max(a)/min(b). */
  low: number;
  high: number;
  p: number | null;
  /** 'higher' / 'lower': a is significantly (p < 0.05) and by more than 5% above / below b. */
  verdict: 'higher' | 'lower' | 'tie';
}

export function compare(a: number[], b: number[]): Comparison {
  const sa = summarize(a);
  const sb = summarize(b);
  const w = welch(a, b);
  const ratio = sa.median / sb.median;
  const differs = w !== null && w.p < SIGNIFICANCE && Math.abs(sa.mean / sb.mean - 1) > MIN_DIFFERENCE;
  return {
    ratio,
    low: sa.min / sb.max,
    high: sa.max / sb.min,
    p: w?.p ?? null,
    verdict: differs ? (sa.mean > sb.mean ? 'higher' : 'lower') : 'tie',
  };
}
