/**
 * The coordinates samplers search numeric parameters in: the log of the value for log
 * scales, -log(1 - x) for `log: 'oneMinus'`, the value itself otherwise. Discrete parameters
 * (ints, floats with a step) extend their range by half a step on each side so that every
 * value gets the same width, as Optuna's TPE does (`_calculate_parzen_bounds`).
 * @internal
 */
import type { Distribution, FloatDistribution, IntDistribution } from '../distributions';

export interface NumericSpace {
  /** Bounds in search coordinates. */
  low: number;
  high: number;
  /** Grid width in search coordinates (linear discrete parameters), else null. */
  q: number | null;
  /** Value -> search coordinate. */
  toSearch(x: number): number;
  /** Search coordinate -> a valid value (rounded onto the grid, clipped). */
  fromSearch(t: number): number;
}

export function numericSpace(d: FloatDistribution | IntDistribution): NumericSpace {
  if (d.type === 'float') {
    if (d.log) {
      return { low: Math.log(d.low), high: Math.log(d.high), q: null, toSearch: Math.log, fromSearch: (t) => Math.min(d.high, Math.max(d.low, Math.exp(t))) };
    }
    if (d.oneMinusLog) {
      const to = (x: number) => -Math.log(1 - x);
      return { low: to(d.low), high: to(d.high), q: null, toSearch: to, fromSearch: (t) => Math.min(d.high, Math.max(d.low, 1 - Math.exp(-t))) };
    }
    if (d.step !== null) {
      const q = d.step;
      return { low: d.low - 0.5 * q, high: d.high + 0.5 * q, q, toSearch: (x) => x, fromSearch: (t) => d.snap(t) };
    }
    return { low: d.low, high: d.high, q: null, toSearch: (x) => x, fromSearch: (t) => Math.min(d.high, Math.max(d.low, t)) };
  }
  if (d.log) {
    return {
      low: Math.log(d.low - 0.5),
      high: Math.log(d.high + 0.5),
      q: null,
      toSearch: Math.log,
      fromSearch: (t) => Math.min(d.high, Math.max(d.low, Math.round(Math.exp(t)))),
    };
  }
  const q = d.step;
  return { low: d.low - 0.5 * q, high: d.high + 0.5 * q, q, toSearch: (x) => x, fromSearch: (t) => d.snap(t) };
}

/** A value uniform in search coordinates on [lo, hi] (fractions of the range), as a valid value. */
export function uniformValue(d: Distribution, u: number, lo = 0, hi = 1): number | string | boolean | null {
  if (d.type === 'categorical') return d.choices[Math.min(d.choices.length - 1, Math.floor(u * d.choices.length))]!;
  const s = numericSpace(d);
  const t = s.low + (s.high - s.low) * (lo + (hi - lo) * u);
  return s.fromSearch(t);
}

/** A value's position in its range, in [0, 1] of search coordinates (categoricals: index / n). */
export function unitPosition(d: Distribution, value: unknown): number {
  if (d.type === 'categorical') return (d.toInternal(value) + 0.5) / d.choices.length;
  const s = numericSpace(d);
  return (s.toSearch(value as number) - s.low) / (s.high - s.low || 1);
}
