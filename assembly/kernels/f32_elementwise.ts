// Element-wise arithmetic and reductions over flat f32 arrays: the small kernels of training
// (bias add and bias gradient, gradient reduction across worker slots, regularizers, checks).
//
// Conventions:
// - Every loop runs 4 lanes at a time and takes the last n % 4 elements through the same
//   vector code (f32x4_util.ts), so an element's result never depends on its position.
// - Scalar results (sums, penalties) accumulate in f64: each f32x4 is widened to two f64x2
//   and added in a fixed order that depends only on n, so the same array gives the same bits.
// - Outputs documented as "may alias" may be the same buffer as that input (each chunk is read
//   before it is written); partial overlaps are rejected by the wrappers.
import { load_partial, store_partial, promote_hi } from './f32x4_util';

/** out = a + b over n floats. */
export function f32_add(a: usize, b: usize, out: usize, n: i32): void {
  for (let i = 0; i < n; i += 4) {
    const o = <usize>i << 2, k = n - i;
    store_partial(out + o, f32x4.add(load_partial(a + o, k), load_partial(b + o, k)), k);
  }
}

/** out = a * b over n floats. */
export function f32_mul(a: usize, b: usize, out: usize, n: i32): void {
  for (let i = 0; i < n; i += 4) {
    const o = <usize>i << 2, k = n - i;
    store_partial(out + o, f32x4.mul(load_partial(a + o, k), load_partial(b + o, k)), k);
  }
}

/** y += alpha * x (a product, then a sum: no fused multiply-add, as everywhere in the engine). */
export function f32_axpy(alpha: f32, x: usize, y: usize, n: i32): void {
  const va = f32x4.splat(alpha);
  for (let i = 0; i < n; i += 4) {
    const o = <usize>i << 2, k = n - i;
    store_partial(y + o, f32x4.add(load_partial(y + o, k), f32x4.mul(va, load_partial(x + o, k))), k);
  }
}

/** out = alpha * x. */
export function f32_scale(x: usize, out: usize, n: i32, alpha: f32): void {
  const va = f32x4.splat(alpha);
  for (let i = 0; i < n; i += 4) {
    const o = <usize>i << 2, k = n - i;
    store_partial(out + o, f32x4.mul(va, load_partial(x + o, k)), k);
  }
}

/** x[i] = value. */
export function f32_fill(x: usize, n: i32, value: f32): void {
  const v = f32x4.splat(value);
  for (let i = 0; i < n; i += 4) store_partial(x + (<usize>i << 2), v, n - i);
}

/** x[r, j] += bias[j] for a row-major rows x cols matrix. */
export function f32_add_bias_rows(x: usize, bias: usize, rows: i32, cols: i32): void {
  const rowB = <usize>cols << 2;
  for (let r = 0; r < rows; r++) {
    const xr = x + <usize>r * rowB;
    for (let j = 0; j < cols; j += 4) {
      const o = <usize>j << 2, k = cols - j;
      store_partial(xr + o, f32x4.add(load_partial(xr + o, k), load_partial(bias + o, k)), k);
    }
  }
}

/**
 * out[j] = (accumulate ? out[j] : 0) + sum_r x[r, j]: the bias gradient.
 * Vectorized across columns: a block of 16 columns keeps 4 accumulators in registers while the
 * rows stream by, and every column's sum runs over r = 0, 1, ... in order, in f32, so a
 * column's result depends only on that column (not on cols or on which block it fell in).
 */
export function f32_col_sum(x: usize, rows: i32, cols: i32, out: usize, accumulate: i32): void {
  const rowB = <usize>cols << 2;
  let j = 0;
  for (; j + 16 <= cols; j += 16) {
    let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
    let p = x + (<usize>j << 2);
    for (let r = 0; r < rows; r++) {
      s0 = f32x4.add(s0, v128.load(p)); s1 = f32x4.add(s1, v128.load(p, 16));
      s2 = f32x4.add(s2, v128.load(p, 32)); s3 = f32x4.add(s3, v128.load(p, 48));
      p += rowB;
    }
    const q = out + (<usize>j << 2);
    if (accumulate) {
      s0 = f32x4.add(v128.load(q), s0); s1 = f32x4.add(v128.load(q, 16), s1);
      s2 = f32x4.add(v128.load(q, 32), s2); s3 = f32x4.add(v128.load(q, 48), s3);
    }
    v128.store(q, s0); v128.store(q, s1, 16); v128.store(q, s2, 32); v128.store(q, s3, 48);
  }
  for (; j < cols; j += 4) {
    const k = cols - j;
    let s = f32x4.splat(0);
    let p = x + (<usize>j << 2);
    for (let r = 0; r < rows; r++) { s = f32x4.add(s, load_partial(p, k)); p += rowB; }
    const q = out + (<usize>j << 2);
    if (accumulate) s = f32x4.add(load_partial(q, k), s);
    store_partial(q, s, k);
  }
}

// Sum of x (squares = false) or of x^2 (squares = true) in f64. Two f64x2 accumulators take
// lanes {0, 1} and {2, 3} of each chunk; squares are formed after widening, so they are exact.
// The tail's padding lanes are 0 and add nothing.
// @ts-ignore: decorator
@inline function sum_f64(x: usize, n: i32, squares: bool): f64 {
  let lo = f64x2.splat(0), hi = f64x2.splat(0);
  for (let i = 0; i < n; i += 4) {
    const v = load_partial(x + (<usize>i << 2), n - i);
    let a = f64x2.promote_low_f32x4(v), b = promote_hi(v);
    if (squares) { a = f64x2.mul(a, a); b = f64x2.mul(b, b); }
    lo = f64x2.add(lo, a); hi = f64x2.add(hi, b);
  }
  return (f64x2.extract_lane(lo, 0) + f64x2.extract_lane(lo, 1)) + (f64x2.extract_lane(hi, 0) + f64x2.extract_lane(hi, 1));
}

/** sum x[i], accumulated in f64. */
export function f32_sum(x: usize, n: i32): f64 {
  return sum_f64(x, n, false);
}

/** sum x[i]^2, accumulated in f64 (the squares are exact in f64). */
export function f32_sum_squares(x: usize, n: i32): f64 {
  return sum_f64(x, n, true);
}

/**
 * out[r] (an i32) = the first index of the largest value of row r of a rows x cols matrix.
 * NaN: a row holding a NaN gives the index of its first NaN (numpy's argmax: NaN is the
 * maximum). -0 and +0 compare equal, so the first of them wins. cols = 0 gives -1.
 * Each lane keeps the best value of the columns j = lane (mod 4) with its first index (strict >);
 * the lanes are then merged preferring the smaller index on ties, then the tail is scanned.
 */
export function f32_row_argmax(x: usize, rows: i32, cols: i32, out: usize): void {
  const rowB = <usize>cols << 2;
  const cv = cols & ~3;
  for (let r = 0; r < rows; r++) {
    const xr = x + <usize>r * rowB;
    const dst = out + (<usize>r << 2);
    if (cols == 0) { store<i32>(dst, -1); continue; }
    let best: f32, bi: i32, j: i32;
    let nan = false;
    if (cv > 0) {
      let bv = v128.load(xr);
      let iv = i32x4(0, 1, 2, 3);
      let nanv = f32x4.ne(bv, bv);
      let jv = i32x4(4, 5, 6, 7);
      const four = i32x4.splat(4);
      for (j = 4; j < cv; j += 4) {
        const v = v128.load(xr + (<usize>j << 2));
        const gt = f32x4.gt(v, bv);
        bv = v128.bitselect(v, bv, gt);
        iv = v128.bitselect(jv, iv, gt);
        nanv = v128.or(nanv, f32x4.ne(v, v));
        jv = i32x4.add(jv, four);
      }
      nan = v128.any_true(nanv);
      best = f32x4.extract_lane(bv, 0); bi = i32x4.extract_lane(iv, 0);
      let v = f32x4.extract_lane(bv, 1), vi = i32x4.extract_lane(iv, 1);
      if (v > best || (v == best && vi < bi)) { best = v; bi = vi; }
      v = f32x4.extract_lane(bv, 2); vi = i32x4.extract_lane(iv, 2);
      if (v > best || (v == best && vi < bi)) { best = v; bi = vi; }
      v = f32x4.extract_lane(bv, 3); vi = i32x4.extract_lane(iv, 3);
      if (v > best || (v == best && vi < bi)) { best = v; bi = vi; }
      j = cv;
    } else {
      best = load<f32>(xr); bi = 0; nan = best != best; j = 1;
    }
    for (; j < cols; j++) {
      const v = load<f32>(xr + (<usize>j << 2));
      if (v != v) nan = true;
      if (v > best) { best = v; bi = j; }
    }
    if (nan) {
      for (j = 0; j < cols; j++) {
        const v = load<f32>(xr + (<usize>j << 2));
        if (v != v) { bi = j; break; }
      }
    }
    store<i32>(dst, bi);
  }
}

/**
 * dst[i] = src[0*stride + i] + src[1*stride + i] + ... + src[(count-1)*stride + i], added in
 * that order (left to right, in f32), so the reduction of per-worker gradient slots gives the
 * same bits whatever the threads' timing. count = 0 writes zeros. dst may be one of the slots:
 * each chunk of 4 is read from every slot before it is written.
 */
export function f32_reduce_slots(src: usize, slotStrideFloats: i32, count: i32, dst: usize, n: i32): void {
  const strideB = <usize>slotStrideFloats << 2;
  // full vectors with k = 4 (plain loads and stores), then the tail: the same split as the
  // optimizer kernels, for the same reason (V8 compiles the branchy partial accesses of a
  // single loop several times slower)
  const nv = n & ~3;
  let i = 0;
  for (; i < nv; i += 4) reduceStep(<usize>i << 2, 4, src, strideB, count, dst);
  if (i < n) reduceStep(<usize>i << 2, n - i, src, strideB, count, dst);
}

// @ts-ignore: decorator
@inline function reduceStep(o: usize, k: i32, src: usize, strideB: usize, count: i32, dst: usize): void {
  let acc = f32x4.splat(0);
  if (count > 0) {
    let p = src + o;
    acc = load_partial(p, k);
    for (let s = 1; s < count; s++) { p += strideB; acc = f32x4.add(acc, load_partial(p, k)); }
  }
  store_partial(dst + o, acc, k);
}

/** The index of the first NaN or +-Infinity among n floats, or -1 when all are finite. */
export function f32_find_nonfinite(x: usize, n: i32): i32 {
  const inf = f32x4.splat(Infinity);
  for (let i = 0; i < n; i += 4) {
    const k = n - i;
    const v = load_partial(x + (<usize>i << 2), k);
    // |v| < inf is false exactly for NaN and +-Infinity (padding lanes are 0, finite)
    if (v128.any_true(v128.not(f32x4.lt(f32x4.abs(v), inf)))) {
      for (let l = 0; l < min(k, 4); l++) {
        const s = load<f32>(x + (<usize>(i + l) << 2));
        if (!(Mathf.abs(s) < Infinity)) return i + l;
      }
    }
  }
  return -1;
}

/**
 * The L1/L2 penalty l1 * sum|w| + l2 * sum w^2 (the sums in f64) and, when g != 0, its
 * gradient added to g: g += l1 * sign(w) + 2 * l2 * w, with sign(0) = 0 (so the L1 term leaves
 * exact zeros alone, as tf.sign does). A NaN weight gives a NaN penalty and gradient.
 */
export function f32_l1l2(w: usize, g: usize, n: i32, l1: f64, l2: f64): f64 {
  let a0 = f64x2.splat(0), a1 = f64x2.splat(0), s0 = f64x2.splat(0), s1 = f64x2.splat(0);
  const vl1 = f32x4.splat(<f32>l1), vl2 = f32x4.splat(<f32>(2 * l2));
  const one = f32x4.splat(1), zero = f32x4.splat(0);
  for (let i = 0; i < n; i += 4) {
    const o = <usize>i << 2, k = n - i;
    const v = load_partial(w + o, k);
    const lo = f64x2.promote_low_f32x4(v), hi = promote_hi(v);
    a0 = f64x2.add(a0, f64x2.abs(lo)); a1 = f64x2.add(a1, f64x2.abs(hi));
    s0 = f64x2.add(s0, f64x2.mul(lo, lo)); s1 = f64x2.add(s1, f64x2.mul(hi, hi));
    if (g) {
      // sign(w) = (w > 0) - (w < 0), as floats
      const sign = f32x4.sub(v128.and(one, f32x4.gt(v, zero)), v128.and(one, f32x4.lt(v, zero)));
      const d = f32x4.add(f32x4.mul(vl1, sign), f32x4.mul(vl2, v));
      store_partial(g + o, f32x4.add(load_partial(g + o, k), d), k);
    }
  }
  const sumAbs = (f64x2.extract_lane(a0, 0) + f64x2.extract_lane(a0, 1)) + (f64x2.extract_lane(a1, 0) + f64x2.extract_lane(a1, 1));
  const sumSq = (f64x2.extract_lane(s0, 0) + f64x2.extract_lane(s0, 1)) + (f64x2.extract_lane(s1, 0) + f64x2.extract_lane(s1, 1));
  return l1 * sumAbs + l2 * sumSq;
}
