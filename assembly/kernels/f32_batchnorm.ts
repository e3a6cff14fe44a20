// Batch normalization over the rows of a rows x cols batch (row-major; one feature per column),
// Keras' conventions: the batch is normalized with the BIASED batch variance (M2 / count), and
// the moving statistics follow moving = momentum * moving + (1 - momentum) * batch.
//
// Data-parallel training splits the batch in row shards. Each shard computes its column means
// and M2 (sum of squared deviations, two-pass), the shards' moments are merged in shard order
// (Chan et al.), so every worker agrees on the batch statistics; the backward sums are likewise
// computed per shard and added, and f32_bn_backward takes the total count.
//
// Every loop runs over the rows, vectorized across the columns (4 lanes, the last cols % 4
// through partial vectors), accumulating in the output arrays, so each column's sum runs over
// r = 0, 1, ... in order and depends only on that column. Per-column factors such as
// 1 / sqrt(var + eps) are recomputed per row with the same vector code (no scratch memory):
// a few cycles per element, small next to the matrix products around a batch norm layer.
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
  for (let j = 0; j < cols; j += 4) { store_partial(mean + (<usize>j << 2), zero, cols - j); store_partial(m2 + (<usize>j << 2), zero, cols - j); }
  if (rows <= 0) return;
  for (let r = 0; r < rows; r++) {
    const xr = x + <usize>r * rowB;
    for (let j = 0; j < cols; j += 4) {
      const o = <usize>j << 2, k = cols - j;
      store_partial(mean + o, f32x4.add(load_partial(mean + o, k), load_partial(xr + o, k)), k);
    }
  }
  for (let j = 0; j < cols; j += 4) {
    const o = <usize>j << 2, k = cols - j;
    store_partial(mean + o, f32x4.div(load_partial(mean + o, k), vn), k);
  }
  for (let r = 0; r < rows; r++) {
    const xr = x + <usize>r * rowB;
    for (let j = 0; j < cols; j += 4) {
      const o = <usize>j << 2, k = cols - j;
      const d = f32x4.sub(load_partial(xr + o, k), load_partial(mean + o, k));
      store_partial(m2 + o, f32x4.add(load_partial(m2 + o, k), f32x4.mul(d, d)), k);
    }
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
  for (let r = 0; r < rows; r++) {
    const xr = x + <usize>r * rowB, yr = y + <usize>r * rowB;
    for (let j = 0; j < cols; j += 4) {
      const o = <usize>j << 2, k = cols - j;
      const g = gamma ? load_partial(gamma + o, k) : one;
      const b = beta ? load_partial(beta + o, k) : zero;
      const a = f32x4.mul(g, inv_std(load_partial(variance + o, k), veps));
      const v = f32x4.add(f32x4.mul(f32x4.sub(load_partial(xr + o, k), load_partial(mean + o, k)), a), b);
      store_partial(yr + o, v, k);
    }
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
  if (!accumulate) {
    for (let j = 0; j < cols; j += 4) { store_partial(sumDy + (<usize>j << 2), zero, cols - j); store_partial(sumDyXhat + (<usize>j << 2), zero, cols - j); }
  }
  for (let r = 0; r < rows; r++) {
    const dyr = dy + <usize>r * rowB, xr = x + <usize>r * rowB;
    for (let j = 0; j < cols; j += 4) {
      const o = <usize>j << 2, k = cols - j;
      const d = load_partial(dyr + o, k);
      const xhat = f32x4.mul(f32x4.sub(load_partial(xr + o, k), load_partial(mean + o, k)), inv_std(load_partial(variance + o, k), veps));
      store_partial(sumDy + o, f32x4.add(load_partial(sumDy + o, k), d), k);
      store_partial(sumDyXhat + o, f32x4.add(load_partial(sumDyXhat + o, k), f32x4.mul(d, xhat)), k);
    }
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
  for (let r = 0; r < rows; r++) {
    const dyr = dy + <usize>r * rowB, xr = x + <usize>r * rowB, dxr = dx + <usize>r * rowB;
    for (let j = 0; j < cols; j += 4) {
      const o = <usize>j << 2, k = cols - j;
      const inv = inv_std(load_partial(variance + o, k), veps);
      const xhat = f32x4.mul(f32x4.sub(load_partial(xr + o, k), load_partial(mean + o, k)), inv);
      const g = gamma ? load_partial(gamma + o, k) : one;
      const scale = f32x4.div(f32x4.mul(g, inv), vc);
      const t = f32x4.sub(f32x4.sub(f32x4.mul(vc, load_partial(dyr + o, k)), load_partial(sumDy + o, k)), f32x4.mul(xhat, load_partial(sumDyXhat + o, k)));
      store_partial(dxr + o, f32x4.mul(scale, t), k);
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
