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

export function pValue(p: number | null): string {
  if (p === null) return 'n/a';
  return p < 0.001 ? 'p<0.001' : `p=${p.toFixed(3)}`;
}

/** "12,345 (11,900–12,700)": median with min–max. */
export function spread(median: number, min: number, max: number, f: (x: number) => string = int): string {
  return `${f(median)} (${f(min)}–${f(max)})`;
}
