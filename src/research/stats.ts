// Means and 95% confidence intervals (Student's t, two-sided) for an experiment's summary.

/** t quantiles at 0.975 for 1-30 degrees of freedom; past 30 the normal 1.96 is close enough. */
const T_975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042];

export function tQuantile975(df: number): number {
  return df >= 1 && df <= 30 ? T_975[df - 1]! : 1.96;
}

export interface Interval {
  n: number;
  mean: number | null;
  sd: number | null;
  ci_low: number | null;
  ci_high: number | null;
}

/** Mean and 95% CI of the values that are defined (nulls are left out and not counted). */
export function meanInterval(values: readonly (number | null)[]): Interval {
  const xs = values.filter((v): v is number => v !== null && Number.isFinite(v));
  const n = xs.length;
  if (n === 0) return { n, mean: null, sd: null, ci_low: null, ci_high: null };
  const mean = xs.reduce((s, x) => s + x, 0) / n;
  if (n === 1) return { n, mean, sd: null, ci_low: null, ci_high: null };
  const sd = Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1));
  const half = (tQuantile975(n - 1) * sd) / Math.sqrt(n);
  return { n, mean, sd, ci_low: mean - half, ci_high: mean + half };
}
