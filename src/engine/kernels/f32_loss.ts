/**
 * Wrappers of assembly/kernels/f32_loss.ts: losses fused with their gradient.
 *
 * Every loss returns the weighted sum over rows of w_i * L_i (float64), with w_i from `weights`
 * (a pointer to `rows` floats, or 0 for all ones). When `grad` is not 0 it receives
 * scale * w_i * dL_i/d(input); pass scale = 1 / (sum of the weights of the whole batch), so that
 * the gradients of row shards add up to the batch gradient. When `probs` is not 0 it receives
 * the activation's output (softmax or sigmoid). `grad` may be the input buffer itself (the
 * gradient overwrites it); every other pair of buffers must be disjoint.
 * @internal
 */
import type { Engine } from '../engine';
import { checkDim, checkDisjoint, checkRegion } from '../check';
import { checkSameOrDisjoint } from './f32_elementwise';

interface LossRegions {
  input: number;
  inputName: string;
  labels: number;
  /** Floats (or int32s) of labels. */
  labelCount: number;
  weights: number;
  rows: number;
  cols: number;
  probs: number;
  grad: number;
  scale: number;
}

function checkLoss(e: Engine, K: string, a: LossRegions): void {
  checkDim(K, 'rows', a.rows);
  checkDim(K, 'cols', a.cols);
  const n = a.rows * a.cols;
  checkRegion(e, K, a.inputName, a.input, n);
  checkRegion(e, K, 'labels', a.labels, a.labelCount);
  if (a.weights !== 0) checkRegion(e, K, 'weights', a.weights, a.rows);
  if (!Number.isFinite(a.scale)) throw new RangeError(`${K}: scale must be a finite number, got ${a.scale}`);
  const outs: [string, number][] = [];
  if (a.probs !== 0) outs.push(['probs', a.probs]);
  if (a.grad !== 0) outs.push(['grad', a.grad]);
  for (const [name, ptr] of outs) {
    checkRegion(e, K, name, ptr, n);
    if (name === 'grad') checkSameOrDisjoint(K, name, ptr, n, a.inputName, a.input, n);
    else checkDisjoint(K, name, ptr, n, a.inputName, a.input, n);
    checkDisjoint(K, name, ptr, n, 'labels', a.labels, a.labelCount);
    if (a.weights !== 0) checkDisjoint(K, name, ptr, n, 'weights', a.weights, a.rows);
  }
  if (a.probs !== 0 && a.grad !== 0) checkDisjoint(K, 'grad', a.grad, n, 'probs', a.probs, n);
}

function checkEpsilon(K: string, epsilon: number): void {
  if (!(epsilon >= 0 && epsilon < 0.5)) throw new RangeError(`${K}: epsilon must be in [0, 0.5), got ${epsilon}`);
}

/**
 * Softmax cross-entropy on logits with f32 labels (one-hot or soft), both rows x cols:
 * L_i = logsumexp(z_i) * sum_j y_ij - sum_j y_ij z_ij; grad = scale * w_i * (p * sum_j y_ij - y).
 */
export function f32_softmax_cross_entropy(
  e: Engine,
  logits: number,
  labels: number,
  weights: number,
  rows: number,
  cols: number,
  probs: number,
  grad: number,
  scale: number,
): number {
  const K = 'f32_softmax_cross_entropy';
  checkLoss(e, K, { input: logits, inputName: 'logits', labels, labelCount: rows * cols, weights, rows, cols, probs, grad, scale });
  return e.k.f32_softmax_cross_entropy(logits, labels, weights, rows, cols, probs, grad, scale);
}

/**
 * Softmax cross-entropy on logits with int32 class labels (one per row). The labels are not
 * scanned here (the caller validated them); an out-of-range label counts as a row without a
 * label (loss 0, gradient 0), and the kernel never indexes with it.
 */
export function f32_softmax_cross_entropy_sparse(
  e: Engine,
  logits: number,
  labels: number,
  weights: number,
  rows: number,
  cols: number,
  probs: number,
  grad: number,
  scale: number,
): number {
  const K = 'f32_softmax_cross_entropy_sparse';
  checkLoss(e, K, { input: logits, inputName: 'logits', labels, labelCount: rows, weights, rows, cols, probs, grad, scale });
  return e.k.f32_softmax_cross_entropy_sparse(logits, labels, weights, rows, cols, probs, grad, scale);
}

/**
 * Sigmoid binary cross-entropy on logits, averaged over the columns (as Keras):
 * L_i = mean_j [max(z, 0) - z y + log1p(exp(-|z|))]; grad = scale * w_i * (sigmoid(z) - y) / cols.
 */
export function f32_sigmoid_binary_cross_entropy(
  e: Engine,
  logits: number,
  labels: number,
  weights: number,
  rows: number,
  cols: number,
  probs: number,
  grad: number,
  scale: number,
): number {
  const K = 'f32_sigmoid_binary_cross_entropy';
  checkLoss(e, K, { input: logits, inputName: 'logits', labels, labelCount: rows * cols, weights, rows, cols, probs, grad, scale });
  return e.k.f32_sigmoid_binary_cross_entropy(logits, labels, weights, rows, cols, probs, grad, scale);
}

/** Mean squared error: L_i = mean_j (p - t)^2; grad = scale * w_i * 2 (p - t) / cols. */
export function f32_mean_squared_error(
  e: Engine,
  pred: number,
  target: number,
  weights: number,
  rows: number,
  cols: number,
  grad: number,
  scale: number,
): number {
  const K = 'f32_mean_squared_error';
  checkLoss(e, K, { input: pred, inputName: 'pred', labels: target, labelCount: rows * cols, weights, rows, cols, probs: 0, grad, scale });
  return e.k.f32_mean_squared_error(pred, target, weights, rows, cols, grad, scale);
}

/**
 * Categorical cross-entropy on probabilities (Keras from_logits = false): p clipped to
 * [epsilon, 1 - epsilon]; L_i = -sum_j y log(p); grad = -scale * w_i * y / p, 0 where clipped.
 */
export function f32_cross_entropy_probs(
  e: Engine,
  probs: number,
  labels: number,
  weights: number,
  rows: number,
  cols: number,
  grad: number,
  scale: number,
  epsilon: number,
): number {
  const K = 'f32_cross_entropy_probs';
  checkLoss(e, K, { input: probs, inputName: 'probs', labels, labelCount: rows * cols, weights, rows, cols, probs: 0, grad, scale });
  checkEpsilon(K, epsilon);
  return e.k.f32_cross_entropy_probs(probs, labels, weights, rows, cols, grad, scale, epsilon);
}

/**
 * Binary cross-entropy on probabilities (Keras from_logits = false), averaged over the columns:
 * L_i = mean_j -[y log p + (1 - y) log(1 - p)] with p clipped to [epsilon, 1 - epsilon];
 * grad = scale * w_i * ((1 - y) / (1 - p) - y / p) / cols, 0 where clipped.
 */
export function f32_binary_cross_entropy_probs(
  e: Engine,
  probs: number,
  labels: number,
  weights: number,
  rows: number,
  cols: number,
  grad: number,
  scale: number,
  epsilon: number,
): number {
  const K = 'f32_binary_cross_entropy_probs';
  checkLoss(e, K, { input: probs, inputName: 'probs', labels, labelCount: rows * cols, weights, rows, cols, probs: 0, grad, scale });
  checkEpsilon(K, epsilon);
  return e.k.f32_binary_cross_entropy_probs(probs, labels, weights, rows, cols, grad, scale, epsilon);
}

/** Mean absolute error: L_i = mean_j |p - t|; grad = scale * w_i * sign(p - t) / cols (0 where p = t). */
export function f32_mean_absolute_error(
  e: Engine,
  pred: number,
  target: number,
  weights: number,
  rows: number,
  cols: number,
  grad: number,
  scale: number,
): number {
  const K = 'f32_mean_absolute_error';
  checkLoss(e, K, { input: pred, inputName: 'pred', labels: target, labelCount: rows * cols, weights, rows, cols, probs: 0, grad, scale });
  return e.k.f32_mean_absolute_error(pred, target, weights, rows, cols, grad, scale);
}

/**
 * Huber loss (Keras), d = p - t: L_i = mean_j (|d| <= delta ? d^2 / 2 : delta (|d| - delta / 2));
 * grad = scale * w_i * clip(d, -delta, delta) / cols.
 */
export function f32_huber(
  e: Engine,
  pred: number,
  target: number,
  weights: number,
  rows: number,
  cols: number,
  grad: number,
  scale: number,
  delta: number,
): number {
  const K = 'f32_huber';
  checkLoss(e, K, { input: pred, inputName: 'pred', labels: target, labelCount: rows * cols, weights, rows, cols, probs: 0, grad, scale });
  if (!(delta > 0 && Number.isFinite(delta))) throw new RangeError(`${K}: delta must be a finite number > 0, got ${delta}`);
  return e.k.f32_huber(pred, target, weights, rows, cols, grad, scale, delta);
}

/** Log-cosh loss (Keras): L_i = mean_j log(cosh(p - t)); grad = scale * w_i * tanh(p - t) / cols. */
export function f32_log_cosh(e: Engine, pred: number, target: number, weights: number, rows: number, cols: number, grad: number, scale: number): number {
  const K = 'f32_log_cosh';
  checkLoss(e, K, { input: pred, inputName: 'pred', labels: target, labelCount: rows * cols, weights, rows, cols, probs: 0, grad, scale });
  return e.k.f32_log_cosh(pred, target, weights, rows, cols, grad, scale);
}

/**
 * Weights a user loss function's results as the built-in losses weight theirs: returns
 * sum_i w_i L_i over the `rows` per-example losses and, when `grad` is not 0, scales each row of
 * the rows x cols gradient there, in place, by scale * w_i.
 */
export function f32_custom_loss_reduce(e: Engine, losses: number, weights: number, rows: number, cols: number, grad: number, scale: number): number {
  const K = 'f32_custom_loss_reduce';
  checkDim(K, 'rows', rows);
  checkDim(K, 'cols', cols);
  checkRegion(e, K, 'losses', losses, rows);
  if (weights !== 0) checkRegion(e, K, 'weights', weights, rows);
  if (!Number.isFinite(scale)) throw new RangeError(`${K}: scale must be a finite number, got ${scale}`);
  if (grad !== 0) {
    checkRegion(e, K, 'grad', grad, rows * cols);
    checkDisjoint(K, 'grad', grad, rows * cols, 'losses', losses, rows);
    if (weights !== 0) checkDisjoint(K, 'grad', grad, rows * cols, 'weights', weights, rows);
  }
  return e.k.f32_custom_loss_reduce(losses, weights, rows, cols, grad, scale);
}
