// Number formatting shared by every view.
export function int(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '–';
  return Math.round(x).toLocaleString('en-US');
}

/** Significant digits that suit the size: 12,345 / 123 / 12.3 / 1.23 / 0.123. */
export function num(x: number | null | undefined, digits = 3): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '–';
  const a = Math.abs(x);
  if (a >= 1000) return int(x);
  if (a === 0) return '0';
  const decimals = Math.max(0, digits - 1 - Math.floor(Math.log10(a)));
  return x.toFixed(Math.min(decimals, 4));
}

export function ratio(x: number | null | undefined): string {
  return x === null || x === undefined || !Number.isFinite(x) ? '–' : `${x.toFixed(2)}×`;
}

export function pct(x: number | null | undefined, decimals = 0): string {
  return x === null || x === undefined || !Number.isFinite(x) ? '–' : `${(x * 100).toFixed(decimals)}%`;
}

/** "12,345 (11,900–12,700)": median with min–max. */
export function spread(median: number, min: number, max: number, f: (x: number) => string = int): string {
  return `${f(median)} (${f(min)}–${f(max)})`;
}

/**
 * A ratio shown against a target it is judged by: two decimals, more when two decimals would
 * print the target itself (0.4496 against 0.45 reads "0.4496×", not "0.45× FAIL").
 */
export function ratioAgainst(x: number, target: number): string {
  if (!Number.isFinite(x)) return '–';
  for (let d = 2; d < 5; d++) if (x.toFixed(d) !== target.toFixed(d)) return `${x.toFixed(d)}×`;
  return `${x.toFixed(5)}×`;
}

/** "1.84× (95% CI 1.52–2.23)"; without an interval (fewer than 2 rounds): "1.84× (no interval)". */
export function ratioCi(r: { ratio: number; low: number; high: number }): string {
  if (!Number.isFinite(r.low) || !Number.isFinite(r.high)) return `${ratio(r.ratio)} (no interval: too few rounds)`;
  return `${ratio(r.ratio)} (95% CI ${r.low.toFixed(2)}–${r.high.toFixed(2)})`;
}

/** A duration that may be negative: "3.26 ms before" reads better than "-3.26 ms". */
export function msAfter(x: number, before = 'earlier'): string {
  if (!Number.isFinite(x)) return '–';
  return x < 0 ? `${num(-x)} ms ${before}` : `${num(x)} ms`;
}
