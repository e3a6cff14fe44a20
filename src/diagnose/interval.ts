/**
 * Sampling noise of error rates: an error rate measured on n examples is an estimate, and a
 * gap between two of them can be noise. Wilson score intervals for each rate, and Newcombe's
 * hybrid score interval for the difference of two rates measured on independent sets.
 * @module
 */

/** A two-sided interval [lo, hi]. */
export interface Interval {
  lo: number;
  hi: number;
}

/** The normal quantile of a two-sided 95% interval. */
export const Z95 = 1.959963984540054;

/**
 * The Wilson score interval (Wilson 1927) of an error rate `p` measured on `n` examples, at
 * 95% by default. Unlike the normal approximation p ± z·sqrt(p(1-p)/n), it stays inside [0, 1]
 * and does not collapse to a point at p = 0 or 1 (0 errors in 100 examples gives [0, 3.7%]).
 *
 * @example
 * ```ts
 * wilsonInterval(0.1, 100); // { lo: 0.0552, hi: 0.1744 }
 * ```
 */
export function wilsonInterval(p: number, n: number, z = Z95): Interval {
  const z2n = (z * z) / n;
  const center = (p + z2n / 2) / (1 + z2n);
  const half = (z / (1 + z2n)) * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n));
  return { lo: Math.max(0, center - half), hi: Math.min(1, center + half) };
}

/**
 * The interval of a difference `a - b` of two rates measured on independent sets, from their
 * own intervals: Newcombe's hybrid score method (Newcombe 1998, method 10), which combines the
 * distances from each estimate to its Wilson limits. A rate known exactly (human-level error,
 * say) has the interval [p, p].
 *
 * @example
 * ```ts
 * const dev = wilsonInterval(0.08, 500), train = wilsonInterval(0.02, 5000);
 * differenceInterval(0.08, dev, 0.02, train); // { lo: 0.0389, hi: 0.0873 }
 * ```
 */
export function differenceInterval(a: number, ia: Interval, b: number, ib: Interval): Interval {
  const d = a - b;
  return { lo: d - Math.hypot(a - ia.lo, ib.hi - b), hi: d + Math.hypot(ia.hi - a, b - ib.lo) };
}
