// Losses fused with their gradient, over a batch of rows x cols predictions (row-major).
//
// Every kernel returns sum_i w_i * L_i in f64, where w_i = weights[i] (or 1 when weights = 0)
// and L_i is the loss of row i, and, when grad != 0, writes
//   grad[i, j] = scale * w_i * dL_i / d input[i, j].
// The caller passes scale = 1 / (sum of the weights of the whole batch), so a batch split in row
// shards over workers gives per-shard gradients that simply add up to the batch gradient, and
// the returned sums add up to the weighted loss total. Per-row losses are computed in f32 (row
// reductions in the engine's lane order, see f32x4_util.ts) and summed over rows in f64.
// scale * w_i (and the 1/cols of the mean losses) is formed in f64 and rounded once to f32.
//
// cols = 0 gives L_i = 0 and writes nothing. NaN in a row's inputs makes that row's loss (so the
// total) and its gradient NaN; other rows are unaffected.
import { exp_v, expm1_v, sigmoid_v, tanh_v } from './f32_math';
import { log_v, log1p_v } from './f32_log';
import { hmax, hsum, load_partial, store_partial } from './f32x4_util';

// @ts-ignore: decorator
@inline function weight(weights: usize, r: i32): f64 {
  return weights ? <f64>load<f32>(weights + (<usize>r << 2)) : 1.0;
}

// The row maximum and sum of exp(z - max), in exactly the order of f32_softmax
// (f32_activation.ts), so the probabilities written here equal f32_softmax's bit for bit.
// @ts-ignore: decorator
@inline function row_max(zr: usize, cols: i32): f32 {
  const cv = cols & ~3;
  let mv = f32x4.splat(-Infinity);
  let j = 0;
  for (; j < cv; j += 4) mv = f32x4.max(mv, v128.load(zr + (<usize>j << 2)));
  let m = hmax(mv);
  for (; j < cols; j++) m = max(m, load<f32>(zr + (<usize>j << 2)));
  return m;
}

// @ts-ignore: decorator
@inline function row_sum_exp(zr: usize, cols: i32, m: f32): f32 {
  const cv = cols & ~3;
  const ms = f32x4.splat(m);
  let sv = f32x4.splat(0);
  let j = 0;
  for (; j < cv; j += 4) sv = f32x4.add(sv, exp_v(f32x4.sub(v128.load(zr + (<usize>j << 2)), ms)));
  let s = hsum(sv);
  for (; j < cols; j++) s += f32x4.extract_lane(exp_v(f32x4.splat(load<f32>(zr + (<usize>j << 2)) - m)), 0);
  return s;
}

/**
 * Softmax cross-entropy on logits z with f32 labels y (one-hot or soft, rows x cols):
 *   L_i = lse(z_i) * sum_j y_ij - sum_j y_ij z_ij,   grad_ij = scale * w_i * (p_ij * sum_j y_ij - y_ij)
 * with p = softmax(z). L_i is computed as log(s) * sum_j y_ij + sum_j y_ij (m - z_ij), where m is
 * the row maximum and s = sum_j exp(z_ij - m) >= 1: both parts are >= 0 for labels >= 0, so
 * nothing cancels, and no exp overflows. probs (when != 0) receives p.
 */
export function f32_softmax_cross_entropy(logits: usize, labels: usize, weights: usize, rows: i32, cols: i32,
                                          probs: usize, grad: usize, scale: f64): f64 {
  if (cols <= 0) return 0;
  const rowB = <usize>cols << 2;
  const cv = cols & ~3;
  let total: f64 = 0;
  for (let r = 0; r < rows; r++) {
    const zr = logits + <usize>r * rowB, yr = labels + <usize>r * rowB;
    const m = row_max(zr, cols);
    const s = row_sum_exp(zr, cols, m);
    const ms = f32x4.splat(m);
    let syv = f32x4.splat(0), tv = f32x4.splat(0);
    let j = 0;
    for (; j < cv; j += 4) {
      const o = <usize>j << 2;
      const y = v128.load(yr + o);
      syv = f32x4.add(syv, y);
      tv = f32x4.add(tv, f32x4.mul(y, f32x4.sub(ms, v128.load(zr + o))));
    }
    let sy = hsum(syv), t = hsum(tv);
    for (; j < cols; j++) {
      const o = <usize>j << 2;
      const y = load<f32>(yr + o);
      sy += y;
      t += y * (m - load<f32>(zr + o));
    }
    const w = weight(weights, r);
    total += w * (<f64>Mathf.log(s) * <f64>sy + <f64>t);
    if (probs | grad) {
      const c = f32x4.splat(<f32>(scale * w)), vs = f32x4.splat(s), vsy = f32x4.splat(sy);
      for (j = 0; j < cols; j += 4) {
        const o = <usize>j << 2, k = cols - j;
        const p = f32x4.div(exp_v(f32x4.sub(load_partial(zr + o, k), ms)), vs);
        if (probs) store_partial(probs + <usize>r * rowB + o, p, k);
        if (grad) {
          const g = f32x4.mul(c, f32x4.sub(f32x4.mul(p, vsy), load_partial(yr + o, k)));
          store_partial(grad + <usize>r * rowB + o, g, k);
        }
      }
    }
  }
  return total;
}

/**
 * Softmax cross-entropy with integer class labels (one i32 per row): the one-hot case of
 * f32_softmax_cross_entropy, with the same bits:
 *   L_i = log(s) + (m - z_i,label),   grad_ij = scale * w_i * (p_ij - [j == label]).
 * The wrapper does not scan the labels (the caller validated them). A label outside
 * [0, cols) is read as an all-zero label row: L_i = 0 and a zero gradient, and nothing is read
 * or written out of bounds.
 */
export function f32_softmax_cross_entropy_sparse(logits: usize, labels: usize, weights: usize, rows: i32, cols: i32,
                                                 probs: usize, grad: usize, scale: f64): f64 {
  if (cols <= 0) return 0;
  const rowB = <usize>cols << 2;
  let total: f64 = 0;
  for (let r = 0; r < rows; r++) {
    const zr = logits + <usize>r * rowB;
    const label = load<i32>(labels + (<usize>r << 2));
    const valid = <u32>label < <u32>cols;
    const m = row_max(zr, cols);
    const s = row_sum_exp(zr, cols, m);
    const w = weight(weights, r);
    if (valid) total += w * (<f64>Mathf.log(s) * 1.0 + <f64>(m - load<f32>(zr + (<usize>label << 2))));
    if (probs | grad) {
      const ms = f32x4.splat(m);
      const c = f32x4.splat(<f32>(scale * w)), vs = f32x4.splat(s), vsy = f32x4.splat(<f32>(valid ? 1 : 0));
      const lv = i32x4.splat(label), one = f32x4.splat(1);
      let jv = i32x4(0, 1, 2, 3);
      for (let j = 0; j < cols; j += 4) {
        const o = <usize>j << 2, k = cols - j;
        const p = f32x4.div(exp_v(f32x4.sub(load_partial(zr + o, k), ms)), vs);
        if (probs) store_partial(probs + <usize>r * rowB + o, p, k);
        if (grad) {
          const y = v128.and(one, i32x4.eq(jv, lv));
          const g = f32x4.mul(c, f32x4.sub(f32x4.mul(p, vsy), y));
          store_partial(grad + <usize>r * rowB + o, g, k);
        }
        jv = i32x4.add(jv, i32x4.splat(4));
      }
    }
  }
  return total;
}

// max(z, 0) - z*y + log1p(exp(-|z|)): binary cross-entropy of sigmoid(z) against y, without
// overflow for any z and without log(0) (TensorFlow's sigmoid_cross_entropy_with_logits).
// @ts-ignore: decorator
@inline function bce_logits_v(z: v128, y: v128): v128 {
  const a = f32x4.sub(f32x4.max(z, f32x4.splat(0)), f32x4.mul(z, y));
  return f32x4.add(a, log1p_v(exp_v(f32x4.neg(f32x4.abs(z)))));
}

/**
 * Sigmoid binary cross-entropy on logits z with f32 labels y in [0, 1] (rows x cols):
 *   L_i = mean_j [max(z, 0) - z y + log1p(exp(-|z|))],   grad = scale * w_i * (sigmoid(z) - y) / cols
 * (Keras averages binary cross-entropy over the last axis). probs receives sigmoid(z).
 */
export function f32_sigmoid_binary_cross_entropy(logits: usize, labels: usize, weights: usize, rows: i32, cols: i32,
                                                 probs: usize, grad: usize, scale: f64): f64 {
  if (cols <= 0) return 0;
  const rowB = <usize>cols << 2;
  const cv = cols & ~3;
  let total: f64 = 0;
  for (let r = 0; r < rows; r++) {
    const zr = logits + <usize>r * rowB, yr = labels + <usize>r * rowB;
    let acc = f32x4.splat(0);
    let j = 0;
    for (; j < cv; j += 4) {
      const o = <usize>j << 2;
      acc = f32x4.add(acc, bce_logits_v(v128.load(zr + o), v128.load(yr + o)));
    }
    let sum = hsum(acc);
    for (; j < cols; j++) {
      const o = <usize>j << 2;
      sum += f32x4.extract_lane(bce_logits_v(f32x4.splat(load<f32>(zr + o)), f32x4.splat(load<f32>(yr + o))), 0);
    }
    const w = weight(weights, r);
    total += w * (<f64>sum / <f64>cols);
    if (probs | grad) {
      const c = f32x4.splat(<f32>(scale * w / <f64>cols));
      for (j = 0; j < cols; j += 4) {
        const o = <usize>j << 2, k = cols - j;
        const p = sigmoid_v(load_partial(zr + o, k));
        if (probs) store_partial(probs + <usize>r * rowB + o, p, k);
        if (grad) store_partial(grad + <usize>r * rowB + o, f32x4.mul(c, f32x4.sub(p, load_partial(yr + o, k))), k);
      }
    }
  }
  return total;
}

/**
 * Mean squared error of predictions p against targets t (rows x cols):
 *   L_i = mean_j (p - t)^2,   grad = scale * w_i * 2 (p - t) / cols.
 */
export function f32_mean_squared_error(pred: usize, target: usize, weights: usize, rows: i32, cols: i32,
                                       grad: usize, scale: f64): f64 {
  if (cols <= 0) return 0;
  const rowB = <usize>cols << 2;
  const cv = cols & ~3;
  let total: f64 = 0;
  for (let r = 0; r < rows; r++) {
    const pr = pred + <usize>r * rowB, tr = target + <usize>r * rowB;
    let acc = f32x4.splat(0);
    let j = 0;
    for (; j < cv; j += 4) {
      const o = <usize>j << 2;
      const d = f32x4.sub(v128.load(pr + o), v128.load(tr + o));
      acc = f32x4.add(acc, f32x4.mul(d, d));
    }
    let sum = hsum(acc);
    for (; j < cols; j++) {
      const o = <usize>j << 2;
      const d = load<f32>(pr + o) - load<f32>(tr + o);
      sum += d * d;
    }
    const w = weight(weights, r);
    total += w * (<f64>sum / <f64>cols);
    if (grad) {
      const c = f32x4.splat(<f32>(scale * w * 2.0 / <f64>cols));
      for (j = 0; j < cols; j += 4) {
        const o = <usize>j << 2, k = cols - j;
        const d = f32x4.sub(load_partial(pr + o, k), load_partial(tr + o, k));
        store_partial(grad + <usize>r * rowB + o, f32x4.mul(c, d), k);
      }
    }
  }
  return total;
}

// Where p lies outside [eps, 1 - eps], the clip is active and the gradient is 0 (the clip's
// derivative), as tf.clip_by_value's gradient. NaN is not "outside", so it propagates.
// @ts-ignore: decorator
@inline function clipped_v(p: v128, lo: v128, hi: v128): v128 {
  return v128.or(f32x4.lt(p, lo), f32x4.gt(p, hi));
}

/**
 * Categorical cross-entropy on probabilities (Keras from_logits = false), labels f32 rows x cols:
 *   L_i = -sum_j y_ij log(clip(p_ij, eps, 1 - eps)),   grad_ij = -scale * w_i * y_ij / p_ij,
 * and 0 where the clip is active. (Keras also rescales each row of p to sum 1 first; here p
 * comes from a softmax and is used as is.)
 */
export function f32_cross_entropy_probs(probs: usize, labels: usize, weights: usize, rows: i32, cols: i32,
                                        grad: usize, scale: f64, epsilon: f64): f64 {
  if (cols <= 0) return 0;
  const rowB = <usize>cols << 2;
  const cv = cols & ~3;
  const lo = f32x4.splat(<f32>epsilon), hi = f32x4.splat(<f32>(1.0 - epsilon));
  let total: f64 = 0;
  for (let r = 0; r < rows; r++) {
    const pr = probs + <usize>r * rowB, yr = labels + <usize>r * rowB;
    let acc = f32x4.splat(0);
    let j = 0;
    for (; j < cv; j += 4) {
      const o = <usize>j << 2;
      const pc = f32x4.min(f32x4.max(v128.load(pr + o), lo), hi);
      acc = f32x4.add(acc, f32x4.mul(v128.load(yr + o), log_v(pc)));
    }
    let sum = hsum(acc);
    for (; j < cols; j++) {
      const o = <usize>j << 2;
      const pc = f32x4.min(f32x4.max(f32x4.splat(load<f32>(pr + o)), lo), hi);
      sum += load<f32>(yr + o) * f32x4.extract_lane(log_v(pc), 0);
    }
    const w = weight(weights, r);
    total += w * -<f64>sum;
    if (grad) {
      const c = f32x4.splat(<f32>(-scale * w));
      for (j = 0; j < cols; j += 4) {
        const o = <usize>j << 2, k = cols - j;
        const p = load_partial(pr + o, k);
        const g = f32x4.mul(c, f32x4.div(load_partial(yr + o, k), p));
        store_partial(grad + <usize>r * rowB + o, v128.andnot(g, clipped_v(p, lo, hi)), k);
      }
    }
  }
  return total;
}

// y log(p) + (1 - y) log(1 - p) for p already clipped
// @ts-ignore: decorator
@inline function bce_probs_v(pc: v128, y: v128): v128 {
  const one = f32x4.splat(1);
  return f32x4.add(f32x4.mul(y, log_v(pc)), f32x4.mul(f32x4.sub(one, y), log_v(f32x4.sub(one, pc))));
}

/**
 * Binary cross-entropy on probabilities (Keras from_logits = false), labels f32 in [0, 1]:
 *   L_i = mean_j -[y log p + (1 - y) log(1 - p)] with p clipped to [eps, 1 - eps],
 *   grad = scale * w_i * ((1 - y) / (1 - p) - y / p) / cols, and 0 where the clip is active.
 */
export function f32_binary_cross_entropy_probs(probs: usize, labels: usize, weights: usize, rows: i32, cols: i32,
                                               grad: usize, scale: f64, epsilon: f64): f64 {
  if (cols <= 0) return 0;
  const rowB = <usize>cols << 2;
  const cv = cols & ~3;
  const lo = f32x4.splat(<f32>epsilon), hi = f32x4.splat(<f32>(1.0 - epsilon));
  const one = f32x4.splat(1);
  let total: f64 = 0;
  for (let r = 0; r < rows; r++) {
    const pr = probs + <usize>r * rowB, yr = labels + <usize>r * rowB;
    let acc = f32x4.splat(0);
    let j = 0;
    for (; j < cv; j += 4) {
      const o = <usize>j << 2;
      acc = f32x4.add(acc, bce_probs_v(f32x4.min(f32x4.max(v128.load(pr + o), lo), hi), v128.load(yr + o)));
    }
    let sum = hsum(acc);
    for (; j < cols; j++) {
      const o = <usize>j << 2;
      const pc = f32x4.min(f32x4.max(f32x4.splat(load<f32>(pr + o)), lo), hi);
      sum += f32x4.extract_lane(bce_probs_v(pc, f32x4.splat(load<f32>(yr + o))), 0);
    }
    const w = weight(weights, r);
    total += w * (-<f64>sum / <f64>cols);
    if (grad) {
      const c = f32x4.splat(<f32>(scale * w / <f64>cols));
      for (j = 0; j < cols; j += 4) {
        const o = <usize>j << 2, k = cols - j;
        const p = load_partial(pr + o, k), y = load_partial(yr + o, k);
        const d = f32x4.sub(f32x4.div(f32x4.sub(one, y), f32x4.sub(one, p)), f32x4.div(y, p));
        store_partial(grad + <usize>r * rowB + o, v128.andnot(f32x4.mul(c, d), clipped_v(p, lo, hi)), k);
      }
    }
  }
  return total;
}

// ---- regression losses on the difference d = p - t, each averaged over the columns (Keras)

const LOSS_MAE = 0;
const LOSS_HUBER = 1;
const LOSS_LOG_COSH = 2;
const LN2: f32 = 0.693147180559945309;

// log(cosh d) on a = |d|: below 1, log1p(2 sinh(a/2)^2) (cosh a - 1 = 2 sinh^2(a/2), and
// sinh h = (expm1(h) - expm1(-h)) / 2 adds two numbers of one sign, so nothing cancels for small
// d, where log cosh d ~ d^2/2); from 1 up, a - ln2 + log1p(e^-2a), which never overflows.
// @ts-ignore: decorator
@inline function log_cosh_v(d: v128): v128 {
  const a = f32x4.abs(d);
  const h = f32x4.mul(a, f32x4.splat(0.5));
  const s = f32x4.mul(f32x4.sub(expm1_v(h), expm1_v(f32x4.neg(h))), f32x4.splat(0.5));
  const small = log1p_v(f32x4.mul(f32x4.splat(2.0), f32x4.mul(s, s)));
  const big = f32x4.add(f32x4.sub(a, f32x4.splat(LN2)), log1p_v(exp_v(f32x4.mul(a, f32x4.splat(-2.0)))));
  return v128.bitselect(small, big, f32x4.lt(a, f32x4.splat(1.0)));
}

// the per-element loss of d
// @ts-ignore: decorator
@inline function reg_loss_v(kind: i32, d: v128, delta: f32): v128 {
  const a = f32x4.abs(d);
  if (kind == LOSS_MAE) return a;
  if (kind == LOSS_HUBER) {
    const vd = f32x4.splat(delta);
    const quad = f32x4.mul(f32x4.splat(0.5), f32x4.mul(d, d));
    const lin = f32x4.mul(vd, f32x4.sub(a, f32x4.mul(f32x4.splat(0.5), vd)));
    return v128.bitselect(quad, lin, f32x4.le(a, vd));
  }
  return log_cosh_v(d);
}

// its derivative in d: sign(d) (0 at 0, as tf.sign), clip(d, -delta, delta), tanh(d); d * 0
// carries a NaN of d into the sign
// @ts-ignore: decorator
@inline function reg_grad_v(kind: i32, d: v128, delta: f32): v128 {
  if (kind == LOSS_MAE) {
    const s = v128.or(v128.and(d, i32x4.splat(0x80000000)), f32x4.splat(1.0));
    return f32x4.add(v128.and(s, f32x4.ne(d, f32x4.splat(0))), f32x4.mul(d, f32x4.splat(0)));
  }
  if (kind == LOSS_HUBER) return f32x4.min(f32x4.max(d, f32x4.splat(-delta)), f32x4.splat(delta));
  return tanh_v(d);
}

// L_i = mean_j loss(p - t),   grad = scale * w_i * loss'(p - t) / cols
// @ts-ignore: decorator
@inline function regression_loss(kind: i32, pred: usize, target: usize, weights: usize, rows: i32, cols: i32,
                                 grad: usize, scale: f64, delta: f32): f64 {
  if (cols <= 0) return 0;
  const rowB = <usize>cols << 2;
  let total: f64 = 0;
  for (let r = 0; r < rows; r++) {
    const pr = pred + <usize>r * rowB, tr = target + <usize>r * rowB;
    // padding lanes of the partial loads hold d = 0, whose loss is 0 for all three
    let acc = f32x4.splat(0);
    for (let j = 0; j < cols; j += 4) {
      const o = <usize>j << 2, k = cols - j;
      acc = f32x4.add(acc, reg_loss_v(kind, f32x4.sub(load_partial(pr + o, k), load_partial(tr + o, k)), delta));
    }
    const w = weight(weights, r);
    total += w * (<f64>hsum(acc) / <f64>cols);
    if (grad) {
      const c = f32x4.splat(<f32>(scale * w / <f64>cols));
      for (let j = 0; j < cols; j += 4) {
        const o = <usize>j << 2, k = cols - j;
        const d = f32x4.sub(load_partial(pr + o, k), load_partial(tr + o, k));
        store_partial(grad + <usize>r * rowB + o, f32x4.mul(c, reg_grad_v(kind, d, delta)), k);
      }
    }
  }
  return total;
}

/** Mean absolute error: L_i = mean_j |p - t|,   grad = scale * w_i * sign(p - t) / cols (0 where p = t). */
export function f32_mean_absolute_error(pred: usize, target: usize, weights: usize, rows: i32, cols: i32,
                                        grad: usize, scale: f64): f64 {
  return regression_loss(LOSS_MAE, pred, target, weights, rows, cols, grad, scale, 0);
}

/**
 * Huber loss (Keras): with d = p - t, L_i = mean_j (|d| <= delta ? d^2 / 2 : delta (|d| - delta / 2)),
 * grad = scale * w_i * clip(d, -delta, delta) / cols.
 */
export function f32_huber(pred: usize, target: usize, weights: usize, rows: i32, cols: i32,
                          grad: usize, scale: f64, delta: f64): f64 {
  return regression_loss(LOSS_HUBER, pred, target, weights, rows, cols, grad, scale, <f32>delta);
}

/** Log-cosh loss (Keras): L_i = mean_j log(cosh(p - t)),   grad = scale * w_i * tanh(p - t) / cols. */
export function f32_log_cosh(pred: usize, target: usize, weights: usize, rows: i32, cols: i32,
                             grad: usize, scale: f64): f64 {
  return regression_loss(LOSS_LOG_COSH, pred, target, weights, rows, cols, grad, scale, 0);
}

/**
 * The weighting step of a user's loss function, which gave per-example losses L_i (rows floats)
 * and their gradients G (rows x cols, dL_i / d pred): returns sum_i w_i L_i (f64) and, when grad
 * != 0, scales each row of G in place to scale * w_i * G_i, as the built-in losses write theirs.
 */
export function f32_custom_loss_reduce(losses: usize, weights: usize, rows: i32, cols: i32, grad: usize, scale: f64): f64 {
  const rowB = <usize>cols << 2;
  let total: f64 = 0;
  for (let r = 0; r < rows; r++) {
    const w = weight(weights, r);
    total += w * <f64>load<f32>(losses + (<usize>r << 2));
    if (grad) {
      const c = f32x4.splat(<f32>(scale * w));
      for (let j = 0; j < cols; j += 4) {
        const o = <usize>r * rowB + (<usize>j << 2), k = cols - j;
        store_partial(grad + o, f32x4.mul(c, load_partial(grad + o, k)), k);
      }
    }
  }
  return total;
}
