// Batch normalization over the rows of a rows x cols batch (row-major; one feature per column),
// Keras' conventions: the batch is normalized with the BIASED batch variance (M2 / count), and
// the moving statistics follow moving = momentum * moving + (1 - momentum) * batch.
//
// Data-parallel training splits the batch in row shards. Each shard computes its column means
// and M2 (sum of squared deviations, two-pass), the shards' moments are merged in shard order
// (Chan et al.), so every worker agrees on the batch statistics; the backward sums are likewise
// computed per shard and added, and f32_bn_backward takes the total count.
//
// The loops run over groups of 16 columns (then 4, the last cols % 4 through partial vectors),
// and within a group over the rows, so each column's sums accumulate in registers over
// r = 0, 1, ... in order and depend only on that column, and the per-column factors such as
// 1 / sqrt(var + eps) are computed once per group, by the same vector code for every column
// (no scratch memory: the shared memory's workers would race for it). A conv net's batch has
// rows = N * H * W and few columns (its channels), so each group is one pass down the batch.
import { load_partial, store_partial } from './f32x4_util';

// @ts-ignore: decorator
@inline function inv_std(variance: v128, eps: v128): v128 {
  return f32x4.div(f32x4.splat(1), f32x4.sqrt(f32x4.add(variance, eps)));
}

/**
 * Column means and M2 = sum over rows of (x - mean)^2 (two passes: no cancellation).
 * rows = 0 gives mean 0 and M2 0 (an empty shard, which f32_bn_merge then ignores).
 */
export function f32_bn_moments(x: usize, rows: i32, cols: i32, mean: usize, m2: usize): void {
  const rowB = <usize>cols << 2;
  const zero = f32x4.splat(0), vn = f32x4.splat(<f32>rows);
  if (rows <= 0) {
    for (let j = 0; j < cols; j += 4) { store_partial(mean + (<usize>j << 2), zero, cols - j); store_partial(m2 + (<usize>j << 2), zero, cols - j); }
    return;
  }
  let j = 0;
  for (; j + 16 <= cols; j += 16) {
    const o = <usize>j << 2;
    let s0 = zero, s1 = zero, s2 = zero, s3 = zero;
    for (let r = 0, p = x + o; r < rows; r++, p += rowB) {
      s0 = f32x4.add(s0, v128.load(p)); s1 = f32x4.add(s1, v128.load(p, 16));
      s2 = f32x4.add(s2, v128.load(p, 32)); s3 = f32x4.add(s3, v128.load(p, 48));
    }
    const m0 = f32x4.div(s0, vn), m1 = f32x4.div(s1, vn), m2v = f32x4.div(s2, vn), m3 = f32x4.div(s3, vn);
    let q0 = zero, q1 = zero, q2 = zero, q3 = zero;
    for (let r = 0, p = x + o; r < rows; r++, p += rowB) {
      const d0 = f32x4.sub(v128.load(p), m0), d1 = f32x4.sub(v128.load(p, 16), m1);
      const d2 = f32x4.sub(v128.load(p, 32), m2v), d3 = f32x4.sub(v128.load(p, 48), m3);
      q0 = f32x4.add(q0, f32x4.mul(d0, d0)); q1 = f32x4.add(q1, f32x4.mul(d1, d1));
      q2 = f32x4.add(q2, f32x4.mul(d2, d2)); q3 = f32x4.add(q3, f32x4.mul(d3, d3));
    }
    v128.store(mean + o, m0); v128.store(mean + o, m1, 16); v128.store(mean + o, m2v, 32); v128.store(mean + o, m3, 48);
    v128.store(m2 + o, q0); v128.store(m2 + o, q1, 16); v128.store(m2 + o, q2, 32); v128.store(m2 + o, q3, 48);
  }
  for (; j < cols; j += 4) {
    const o = <usize>j << 2, k = cols - j;
    let s = zero;
    for (let r = 0, p = x + o; r < rows; r++, p += rowB) s = f32x4.add(s, load_partial(p, k));
    const m = f32x4.div(s, vn);
    let q = zero;
    for (let r = 0, p = x + o; r < rows; r++, p += rowB) {
      const d = f32x4.sub(load_partial(p, k), m);
      q = f32x4.add(q, f32x4.mul(d, d));
    }
    store_partial(mean + o, m, k);
    store_partial(m2 + o, q, k);
  }
}

/**
 * Merges shard B's moments (meanB, m2B over nB rows) into A's (meanA, m2A over nA rows), in
 * place (Chan, Golub and LeVeque): with n = nA + nB and delta = meanB - meanA,
 *   meanA += delta * nB / n,   m2A += m2B + delta^2 * nA * nB / n.
 * nB = 0 leaves A as it is; nA = 0 copies B. Merging shards in a fixed order gives every worker
 * the same batch moments.
 */
export function f32_bn_merge(meanA: usize, m2A: usize, nA: f64, meanB: usize, m2B: usize, nB: f64, cols: i32): void {
  if (nB <= 0) return;
  const copy = nA <= 0;
  const n = nA + nB;
  const fB = f32x4.splat(<f32>(nB / n)), fAB = f32x4.splat(<f32>(nA * nB / n));
  for (let j = 0; j < cols; j += 4) {
    const o = <usize>j << 2, k = cols - j;
    const mb = load_partial(meanB + o, k), qb = load_partial(m2B + o, k);
    if (copy) {
      store_partial(meanA + o, mb, k);
      store_partial(m2A + o, qb, k);
      continue;
    }
    const ma = load_partial(meanA + o, k);
    const delta = f32x4.sub(mb, ma);
    store_partial(meanA + o, f32x4.add(ma, f32x4.mul(delta, fB)), k);
    const q = f32x4.add(f32x4.add(load_partial(m2A + o, k), qb), f32x4.mul(f32x4.mul(delta, delta), fAB));
    store_partial(m2A + o, q, k);
  }
}

/**
 * y = gamma * (x - mean) / sqrt(variance + eps) + beta, per column, computed as
 * (x - mean) * (gamma * invstd) + beta: subtracting the mean first keeps full precision when
 * |mean| >> std (TensorFlow's x * a + (beta - mean * a) would cancel there). gamma = 0 means
 * 1 and beta = 0 means 0 (Keras' scale = false / center = false). y may be x.
 */
export function f32_bn_normalize(x: usize, y: usize, rows: i32, cols: i32, mean: usize, variance: usize, gamma: usize, beta: usize, eps: f32): void {
  const rowB = <usize>cols << 2;
  const veps = f32x4.splat(eps), one = f32x4.splat(1), zero = f32x4.splat(0);
  let j = 0;
  for (; j + 16 <= cols; j += 16) {
    const o = <usize>j << 2;
    const m0 = v128.load(mean + o), m1 = v128.load(mean + o, 16), m2 = v128.load(mean + o, 32), m3 = v128.load(mean + o, 48);
    const a0 = f32x4.mul(gamma ? v128.load(gamma + o) : one, inv_std(v128.load(variance + o), veps));
    const a1 = f32x4.mul(gamma ? v128.load(gamma + o, 16) : one, inv_std(v128.load(variance + o, 16), veps));
    const a2 = f32x4.mul(gamma ? v128.load(gamma + o, 32) : one, inv_std(v128.load(variance + o, 32), veps));
    const a3 = f32x4.mul(gamma ? v128.load(gamma + o, 48) : one, inv_std(v128.load(variance + o, 48), veps));
    const b0 = beta ? v128.load(beta + o) : zero, b1 = beta ? v128.load(beta + o, 16) : zero;
    const b2 = beta ? v128.load(beta + o, 32) : zero, b3 = beta ? v128.load(beta + o, 48) : zero;
    for (let r = 0, p = x + o, q = y + o; r < rows; r++, p += rowB, q += rowB) {
      const v0 = f32x4.add(f32x4.mul(f32x4.sub(v128.load(p), m0), a0), b0);
      const v1 = f32x4.add(f32x4.mul(f32x4.sub(v128.load(p, 16), m1), a1), b1);
      const v2 = f32x4.add(f32x4.mul(f32x4.sub(v128.load(p, 32), m2), a2), b2);
      const v3 = f32x4.add(f32x4.mul(f32x4.sub(v128.load(p, 48), m3), a3), b3);
      v128.store(q, v0); v128.store(q, v1, 16); v128.store(q, v2, 32); v128.store(q, v3, 48);
    }
  }
  for (; j < cols; j += 4) {
    const o = <usize>j << 2, k = cols - j;
    const m = load_partial(mean + o, k);
    const a = f32x4.mul(gamma ? load_partial(gamma + o, k) : one, inv_std(load_partial(variance + o, k), veps));
    const b = beta ? load_partial(beta + o, k) : zero;
    for (let r = 0, p = x + o, q = y + o; r < rows; r++, p += rowB, q += rowB)
      store_partial(q, f32x4.add(f32x4.mul(f32x4.sub(load_partial(p, k), m), a), b), k);
  }
}

/**
 * Per column: sumDy = sum dy and sumDyXhat = sum dy * xhat with xhat = (x - mean) / sqrt(var + eps)
 * (also the gradients of beta and gamma). accumulate = 0 starts from 0, otherwise adds to the
 * sums already there (a second shard, or gradient accumulation).
 */
export function f32_bn_backward_sums(dy: usize, x: usize, rows: i32, cols: i32, mean: usize, variance: usize, eps: f32,
                                     sumDy: usize, sumDyXhat: usize, accumulate: i32): void {
  const rowB = <usize>cols << 2;
  const veps = f32x4.splat(eps), zero = f32x4.splat(0);
  let j = 0;
  for (; j + 16 <= cols; j += 16) {
    const o = <usize>j << 2;
    const m0 = v128.load(mean + o), m1 = v128.load(mean + o, 16), m2 = v128.load(mean + o, 32), m3 = v128.load(mean + o, 48);
    const i0 = inv_std(v128.load(variance + o), veps), i1 = inv_std(v128.load(variance + o, 16), veps);
    const i2 = inv_std(v128.load(variance + o, 32), veps), i3 = inv_std(v128.load(variance + o, 48), veps);
    let s0 = accumulate ? v128.load(sumDy + o) : zero, s1 = accumulate ? v128.load(sumDy + o, 16) : zero;
    let s2 = accumulate ? v128.load(sumDy + o, 32) : zero, s3 = accumulate ? v128.load(sumDy + o, 48) : zero;
    let t0 = accumulate ? v128.load(sumDyXhat + o) : zero, t1 = accumulate ? v128.load(sumDyXhat + o, 16) : zero;
    let t2 = accumulate ? v128.load(sumDyXhat + o, 32) : zero, t3 = accumulate ? v128.load(sumDyXhat + o, 48) : zero;
    for (let r = 0, p = x + o, g = dy + o; r < rows; r++, p += rowB, g += rowB) {
      const d0 = v128.load(g), d1 = v128.load(g, 16), d2 = v128.load(g, 32), d3 = v128.load(g, 48);
      s0 = f32x4.add(s0, d0); s1 = f32x4.add(s1, d1); s2 = f32x4.add(s2, d2); s3 = f32x4.add(s3, d3);
      t0 = f32x4.add(t0, f32x4.mul(d0, f32x4.mul(f32x4.sub(v128.load(p), m0), i0)));
      t1 = f32x4.add(t1, f32x4.mul(d1, f32x4.mul(f32x4.sub(v128.load(p, 16), m1), i1)));
      t2 = f32x4.add(t2, f32x4.mul(d2, f32x4.mul(f32x4.sub(v128.load(p, 32), m2), i2)));
      t3 = f32x4.add(t3, f32x4.mul(d3, f32x4.mul(f32x4.sub(v128.load(p, 48), m3), i3)));
    }
    v128.store(sumDy + o, s0); v128.store(sumDy + o, s1, 16); v128.store(sumDy + o, s2, 32); v128.store(sumDy + o, s3, 48);
    v128.store(sumDyXhat + o, t0); v128.store(sumDyXhat + o, t1, 16); v128.store(sumDyXhat + o, t2, 32); v128.store(sumDyXhat + o, t3, 48);
  }
  for (; j < cols; j += 4) {
    const o = <usize>j << 2, k = cols - j;
    const m = load_partial(mean + o, k), inv = inv_std(load_partial(variance + o, k), veps);
    let s = accumulate ? load_partial(sumDy + o, k) : zero, t = accumulate ? load_partial(sumDyXhat + o, k) : zero;
    for (let r = 0, p = x + o, g = dy + o; r < rows; r++, p += rowB, g += rowB) {
      const d = load_partial(g, k);
      s = f32x4.add(s, d);
      t = f32x4.add(t, f32x4.mul(d, f32x4.mul(f32x4.sub(load_partial(p, k), m), inv)));
    }
    store_partial(sumDy + o, s, k);
    store_partial(sumDyXhat + o, t, k);
  }
}

/**
 * The input gradient of training-mode batch norm:
 *   dx = gamma * invstd / count * (count * dy - sumDy - xhat * sumDyXhat),
 * where count is the batch size over all shards and sumDy, sumDyXhat are the batch totals.
 * gamma = 0 means 1. dx may be dy.
 */
export function f32_bn_backward(dy: usize, x: usize, dx: usize, rows: i32, cols: i32, mean: usize, variance: usize, eps: f32,
                                gamma: usize, sumDy: usize, sumDyXhat: usize, count: f32): void {
  const rowB = <usize>cols << 2;
  const veps = f32x4.splat(eps), vc = f32x4.splat(count), one = f32x4.splat(1);
  let j = 0;
  for (; j + 16 <= cols; j += 16) {
    const o = <usize>j << 2;
    const i0 = inv_std(v128.load(variance + o), veps), i1 = inv_std(v128.load(variance + o, 16), veps);
    const i2 = inv_std(v128.load(variance + o, 32), veps), i3 = inv_std(v128.load(variance + o, 48), veps);
    const m0 = v128.load(mean + o), m1 = v128.load(mean + o, 16), m2 = v128.load(mean + o, 32), m3 = v128.load(mean + o, 48);
    const c0 = f32x4.div(f32x4.mul(gamma ? v128.load(gamma + o) : one, i0), vc);
    const c1 = f32x4.div(f32x4.mul(gamma ? v128.load(gamma + o, 16) : one, i1), vc);
    const c2 = f32x4.div(f32x4.mul(gamma ? v128.load(gamma + o, 32) : one, i2), vc);
    const c3 = f32x4.div(f32x4.mul(gamma ? v128.load(gamma + o, 48) : one, i3), vc);
    const d0 = v128.load(sumDy + o), d1 = v128.load(sumDy + o, 16), d2 = v128.load(sumDy + o, 32), d3 = v128.load(sumDy + o, 48);
    const x0 = v128.load(sumDyXhat + o), x1 = v128.load(sumDyXhat + o, 16), x2 = v128.load(sumDyXhat + o, 32), x3 = v128.load(sumDyXhat + o, 48);
    for (let r = 0, p = x + o, g = dy + o, q = dx + o; r < rows; r++, p += rowB, g += rowB, q += rowB) {
      const h0 = f32x4.mul(f32x4.sub(v128.load(p), m0), i0), h1 = f32x4.mul(f32x4.sub(v128.load(p, 16), m1), i1);
      const h2 = f32x4.mul(f32x4.sub(v128.load(p, 32), m2), i2), h3 = f32x4.mul(f32x4.sub(v128.load(p, 48), m3), i3);
      const e0 = f32x4.mul(c0, f32x4.sub(f32x4.sub(f32x4.mul(vc, v128.load(g)), d0), f32x4.mul(h0, x0)));
      const e1 = f32x4.mul(c1, f32x4.sub(f32x4.sub(f32x4.mul(vc, v128.load(g, 16)), d1), f32x4.mul(h1, x1)));
      const e2 = f32x4.mul(c2, f32x4.sub(f32x4.sub(f32x4.mul(vc, v128.load(g, 32)), d2), f32x4.mul(h2, x2)));
      const e3 = f32x4.mul(c3, f32x4.sub(f32x4.sub(f32x4.mul(vc, v128.load(g, 48)), d3), f32x4.mul(h3, x3)));
      v128.store(q, e0); v128.store(q, e1, 16); v128.store(q, e2, 32); v128.store(q, e3, 48);
    }
  }
  for (; j < cols; j += 4) {
    const o = <usize>j << 2, k = cols - j;
    const inv = inv_std(load_partial(variance + o, k), veps);
    const m = load_partial(mean + o, k);
    const scale = f32x4.div(f32x4.mul(gamma ? load_partial(gamma + o, k) : one, inv), vc);
    const sd = load_partial(sumDy + o, k), sx = load_partial(sumDyXhat + o, k);
    for (let r = 0, p = x + o, g = dy + o, q = dx + o; r < rows; r++, p += rowB, g += rowB, q += rowB) {
      const xhat = f32x4.mul(f32x4.sub(load_partial(p, k), m), inv);
      store_partial(q, f32x4.mul(scale, f32x4.sub(f32x4.sub(f32x4.mul(vc, load_partial(g, k)), sd), f32x4.mul(xhat, sx))), k);
    }
  }
}

/** movingMean = momentum * movingMean + (1 - momentum) * mean, and the same for the variance. */
export function f32_bn_update_moving(movingMean: usize, movingVar: usize, mean: usize, variance: usize, cols: i32, momentum: f64): void {
  const vm = f32x4.splat(<f32>momentum), v1m = f32x4.splat(<f32>(1.0 - momentum));
  for (let j = 0; j < cols; j += 4) {
    const o = <usize>j << 2, k = cols - j;
    store_partial(movingMean + o, f32x4.add(f32x4.mul(vm, load_partial(movingMean + o, k)), f32x4.mul(v1m, load_partial(mean + o, k))), k);
    store_partial(movingVar + o, f32x4.add(f32x4.mul(vm, load_partial(movingVar + o, k)), f32x4.mul(v1m, load_partial(variance + o, k))), k);
  }
}
