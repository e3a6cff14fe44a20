/**
 * Wrapper of assembly/kernels/f32_metrics.ts: the regression metrics of fit and evaluate
 * ('mae', 'mse', 'mape'), as weighted sums over rows.
 * @internal
 */
import type { Engine } from '../engine';
import { checkDim, checkRegion } from '../check';

/** The error each kind sums; must match the kernel's `kind` codes in assembly/kernels/f32_metrics.ts. */
export const REGRESSION_ERROR = { absolute: 0, squared: 1, absolutePercentage: 2 } as const;

/** One of {@link REGRESSION_ERROR}'s codes. */
export type RegressionErrorKind = (typeof REGRESSION_ERROR)[keyof typeof REGRESSION_ERROR];

/**
 * Sum over the rows of w_i * mean_j err(pred_ij, target_ij): pred and target are rows x cols,
 * weights (rows floats) may be 0 for all ones. `epsilon` bounds the percentage error's divisor
 * (|target| below it counts as epsilon; Keras uses 1e-7). With `scale` and `shift` (cols floats
 * each, or both 0), both sides are first mapped v -> v * scale[j] + shift[j] (a target scaling
 * undone, so the errors are in the user's units).
 */
export function f32_regression_error_sum(
  e: Engine,
  kind: RegressionErrorKind,
  pred: number,
  target: number,
  weights: number,
  rows: number,
  cols: number,
  epsilon = 1e-7,
  scale = 0,
  shift = 0,
): number {
  const K = 'f32_regression_error_sum';
  if (kind !== 0 && kind !== 1 && kind !== 2) throw new RangeError(`${K}: kind must be 0, 1 or 2, got ${kind}`);
  checkDim(K, 'rows', rows);
  checkDim(K, 'cols', cols);
  if (rows === 0 || cols === 0) return 0;
  if (!(epsilon > 0)) throw new RangeError(`${K}: epsilon must be > 0, got ${epsilon}`);
  checkRegion(e, K, 'pred', pred, rows * cols);
  checkRegion(e, K, 'target', target, rows * cols);
  if (weights) checkRegion(e, K, 'weights', weights, rows);
  if ((scale === 0) !== (shift === 0)) throw new RangeError(`${K}: give both scale and shift, or neither`);
  if (scale) {
    checkRegion(e, K, 'scale', scale, cols);
    checkRegion(e, K, 'shift', shift, cols);
  }
  return e.k.f32_regression_error_sum(kind, pred, target, weights, rows, cols, epsilon, scale, shift);
}
