/**
 * Wrappers of assembly/kernels/f32_elementwise.ts: element-wise arithmetic, bias add and bias
 * gradient, f64-accumulated sums, row argmax, the reduction of per-worker gradient slots, the
 * non-finite scan and the L1/L2 regularizer.
 *
 * Pointers are byte offsets into the engine's memory, lengths are element counts.
 * @internal
 */
import type { Engine } from '../engine';
import { checkDim, checkDisjoint, checkLd, checkRegion } from '../check';

/**
 * An output that may be the very same buffer as an input, but must not partially overlap it
 * (a shifted overlap would read values the kernel already wrote).
 */
export function checkSameOrDisjoint(kernel: string, outName: string, out: number, outFloats: number, inName: string, inp: number, inFloats: number): void {
  if (out === inp) return;
  checkDisjoint(kernel, outName, out, outFloats, inName, inp, inFloats);
}

/** out = a + b over n floats; out may be a or b. */
export function f32_add(e: Engine, a: number, b: number, out: number, n: number): void {
  const K = 'f32_add';
  checkDim(K, 'n', n);
  checkRegion(e, K, 'a', a, n);
  checkRegion(e, K, 'b', b, n);
  checkRegion(e, K, 'out', out, n);
  checkSameOrDisjoint(K, 'out', out, n, 'a', a, n);
  checkSameOrDisjoint(K, 'out', out, n, 'b', b, n);
  e.k.f32_add(a, b, out, n);
}

/** out = a * b over n floats; out may be a or b. */
export function f32_mul(e: Engine, a: number, b: number, out: number, n: number): void {
  const K = 'f32_mul';
  checkDim(K, 'n', n);
  checkRegion(e, K, 'a', a, n);
  checkRegion(e, K, 'b', b, n);
  checkRegion(e, K, 'out', out, n);
  checkSameOrDisjoint(K, 'out', out, n, 'a', a, n);
  checkSameOrDisjoint(K, 'out', out, n, 'b', b, n);
  e.k.f32_mul(a, b, out, n);
}

/** y += alpha * x over n floats (x and y must not overlap unless they are the same buffer). */
export function f32_axpy(e: Engine, alpha: number, x: number, y: number, n: number): void {
  const K = 'f32_axpy';
  checkDim(K, 'n', n);
  checkRegion(e, K, 'x', x, n);
  checkRegion(e, K, 'y', y, n);
  checkSameOrDisjoint(K, 'y', y, n, 'x', x, n);
  e.k.f32_axpy(alpha, x, y, n);
}

/** out = alpha * x over n floats; out may be x. */
export function f32_scale(e: Engine, x: number, out: number, n: number, alpha: number): void {
  const K = 'f32_scale';
  checkDim(K, 'n', n);
  checkRegion(e, K, 'x', x, n);
  checkRegion(e, K, 'out', out, n);
  checkSameOrDisjoint(K, 'out', out, n, 'x', x, n);
  e.k.f32_scale(x, out, n, alpha);
}

/** x[i] = value for n floats. */
export function f32_fill(e: Engine, x: number, n: number, value: number): void {
  checkDim('f32_fill', 'n', n);
  checkRegion(e, 'f32_fill', 'x', x, n);
  e.k.f32_fill(x, n, value);
}

/** x[r, j] += bias[j] over a row-major rows x cols matrix. */
export function f32_add_bias_rows(e: Engine, x: number, bias: number, rows: number, cols: number): void {
  const K = 'f32_add_bias_rows';
  checkDim(K, 'rows', rows);
  checkDim(K, 'cols', cols);
  checkRegion(e, K, 'x', x, rows * cols);
  checkRegion(e, K, 'bias', bias, rows === 0 ? 0 : cols);
  checkDisjoint(K, 'x', x, rows * cols, 'bias', bias, cols);
  e.k.f32_add_bias_rows(x, bias, rows, cols);
}

/**
 * out[j] = (accumulate ? out[j] : 0) + sum_r x[r, j], each column summed over the rows in
 * order (the bias gradient; accumulate for gradient accumulation over micro-batches).
 */
export function f32_col_sum(e: Engine, x: number, rows: number, cols: number, out: number, accumulate: boolean): void {
  const K = 'f32_col_sum';
  checkDim(K, 'rows', rows);
  checkDim(K, 'cols', cols);
  checkRegion(e, K, 'x', x, rows * cols);
  checkRegion(e, K, 'out', out, cols);
  checkDisjoint(K, 'out', out, cols, 'x', x, rows * cols);
  e.k.f32_col_sum(x, rows, cols, out, accumulate ? 1 : 0);
}

/** sum of n floats, accumulated in float64 in an order fixed by n. */
export function f32_sum(e: Engine, x: number, n: number): number {
  checkDim('f32_sum', 'n', n);
  checkRegion(e, 'f32_sum', 'x', x, n);
  return e.k.f32_sum(x, n);
}

/** sum of squares of n floats, accumulated in float64 (each square exact). */
export function f32_sum_squares(e: Engine, x: number, n: number): number {
  checkDim('f32_sum_squares', 'n', n);
  checkRegion(e, 'f32_sum_squares', 'x', x, n);
  return e.k.f32_sum_squares(x, n);
}

/**
 * out[r] (int32) = first index of the maximum of row r; a row with a NaN gives its first NaN's
 * index (as numpy.argmax); cols = 0 gives -1.
 */
export function f32_row_argmax(e: Engine, x: number, rows: number, cols: number, out: number): void {
  const K = 'f32_row_argmax';
  checkDim(K, 'rows', rows);
  checkDim(K, 'cols', cols);
  checkRegion(e, K, 'x', x, rows * cols);
  checkRegion(e, K, 'out', out, rows);
  checkDisjoint(K, 'out', out, rows, 'x', x, rows * cols);
  e.k.f32_row_argmax(x, rows, cols, out);
}

/**
 * dst[i] = sum over s = 0 .. count-1, in that order, of src[s * slotStrideFloats + i]: the
 * deterministic reduction of per-worker gradient slots. dst may be one of the slots exactly
 * (typically slot 0); otherwise it must not overlap them.
 */
export function f32_reduce_slots(e: Engine, src: number, slotStrideFloats: number, count: number, dst: number, n: number): void {
  const K = 'f32_reduce_slots';
  checkDim(K, 'count', count);
  checkDim(K, 'n', n);
  checkLd(K, 'slotStrideFloats', slotStrideFloats, n);
  checkRegion(e, K, 'dst', dst, n);
  if (count > 0) checkRegion(e, K, 'src', src, (count - 1) * slotStrideFloats + n);
  for (let s = 0; s < count; s++) {
    const slot = src + s * slotStrideFloats * 4;
    checkSameOrDisjoint(K, 'dst', dst, n, `slot ${s}`, slot, n);
  }
  e.k.f32_reduce_slots(src, slotStrideFloats, count, dst, n);
}

/** The index of the first NaN or +-Infinity among n floats, or -1. */
export function f32_find_nonfinite(e: Engine, x: number, n: number): number {
  checkDim('f32_find_nonfinite', 'n', n);
  checkRegion(e, 'f32_find_nonfinite', 'x', x, n);
  return e.k.f32_find_nonfinite(x, n);
}

/**
 * Returns the penalty l1 * sum|w| + l2 * sum w^2 (float64) and, when g != 0, adds its gradient
 * l1 * sign(w) + 2 * l2 * w to g (sign(0) = 0).
 */
export function f32_l1l2(e: Engine, w: number, g: number, n: number, l1: number, l2: number): number {
  const K = 'f32_l1l2';
  checkDim(K, 'n', n);
  checkRegion(e, K, 'w', w, n);
  if (g !== 0) {
    checkRegion(e, K, 'g', g, n);
    checkDisjoint(K, 'g', g, n, 'w', w, n);
  }
  if (!Number.isFinite(l1) || l1 < 0) throw new RangeError(`${K}: l1 must be a finite number >= 0, got ${l1}`);
  if (!Number.isFinite(l2) || l2 < 0) throw new RangeError(`${K}: l2 must be a finite number >= 0, got ${l2}`);
  return e.k.f32_l1l2(w, g, n, l1, l2);
}
