/**
 * Wrappers of assembly/kernels/f32_optimizer.ts: optimizer updates (PyTorch's rules) in place
 * over one flat buffer of n parameters, its gradient and its state slots, and gradient clipping
 * by global norm. Every buffer holds n floats and none may overlap another.
 * @internal
 */
import type { Engine } from '../engine';
import { checkDim, checkDisjoint, checkRegion } from '../check';

/**
 * Checks n and that the named buffers are in memory and pairwise disjoint; a buffer passed as
 * `undefined` is unused and skipped.
 */
function checkBuffers(e: Engine, K: string, n: number, buffers: [string, number | undefined][]): void {
  checkDim(K, 'n', n);
  const used = buffers.filter((b): b is [string, number] => b[1] !== undefined);
  for (const [name, p] of used) checkRegion(e, K, name, p, n);
  for (let i = 0; i < used.length; i++) {
    for (let j = 0; j < i; j++) checkDisjoint(K, used[i]![0], used[i]![1], n, used[j]![0], used[j]![1], n);
  }
}

/**
 * `out`, the byte distance from each updated buffer to where its new values go (0: in place),
 * must keep every output region inside memory and off the inputs it does not replace.
 */
function checkOut(e: Engine, K: string, n: number, out: number, buffers: [string, number | undefined][]): void {
  if (!Number.isInteger(out) || out % 4 !== 0) throw new RangeError(`${K}: out must be a multiple of 4 bytes, got ${out}`);
  if (out === 0 || n === 0) return;
  const written = buffers.filter((b): b is [string, number] => b[1] !== undefined && b[1] !== 0);
  for (const [name, p] of written) {
    checkRegion(e, K, `${name} + out`, p + out, n);
    for (const [other, q] of written) checkDisjoint(K, `${name} + out`, p + out, n, other, q, n);
  }
}

/** A hyperparameter: finite and within [lo, hi]. */
function checkRange(K: string, name: string, value: number, lo: number, hi = Infinity): void {
  if (!(Number.isFinite(value) && value >= lo && value <= hi)) {
    const range = hi === Infinity ? `>= ${lo}` : `in [${lo}, ${hi}]`;
    throw new RangeError(`${K}: ${name} must be a finite number ${range}, got ${value}`);
  }
}

function checkLr(K: string, lr: number): void {
  if (!Number.isFinite(lr)) throw new RangeError(`${K}: lr must be a finite number, got ${lr}`);
}

/** SGD: d = g + weightDecay * p; p -= lr * d. */
export function f32_sgd(e: Engine, p: number, g: number, n: number, lr: number, weightDecay: number, out = 0): void {
  const K = 'f32_sgd';
  checkBuffers(e, K, n, [
    ['p', p],
    ['g', g],
  ]);
  checkOut(e, K, n, out, [['p', p]]);
  checkLr(K, lr);
  checkRange(K, 'weightDecay', weightDecay, 0);
  e.k.f32_sgd(p, g, n, lr, weightDecay, out);
}

/**
 * SGD with momentum (PyTorch): d = g + weightDecay * p;
 * buf = firstStep ? d : momentum * buf + (1 - dampening) * d;
 * p -= lr * (nesterov ? d + momentum * buf : buf).
 * With momentum = dampening = beta and firstStep = false from a zero buffer, buf is the
 * exponentially weighted average beta * v + (1 - beta) * g.
 */
export function f32_sgd_momentum(
  e: Engine,
  p: number,
  g: number,
  buf: number,
  n: number,
  lr: number,
  momentum: number,
  dampening: number,
  nesterov: boolean,
  weightDecay: number,
  firstStep: boolean,
  out = 0,
): void {
  const K = 'f32_sgd_momentum';
  checkBuffers(e, K, n, [
    ['p', p],
    ['g', g],
    ['buf', buf],
  ]);
  checkOut(e, K, n, out, [
    ['p', p],
    ['buf', buf],
  ]);
  checkLr(K, lr);
  checkRange(K, 'momentum', momentum, 0);
  checkRange(K, 'dampening', dampening, 0, 1);
  checkRange(K, 'weightDecay', weightDecay, 0);
  e.k.f32_sgd_momentum(p, g, buf, n, lr, momentum, dampening, nesterov ? 1 : 0, weightDecay, firstStep ? 1 : 0, out);
}

/**
 * RMSprop (PyTorch): d = g + weightDecay * p; sq = alpha * sq + (1 - alpha) * d^2;
 * avg = sqrt(sq - gavg^2) + eps when centered (gavg = alpha * gavg + (1 - alpha) * d), else
 * sqrt(sq) + eps; with momentum > 0, mom = momentum * mom + d / avg and p -= lr * mom, else
 * p -= lr * d / avg. mom may be 0 when momentum is 0, gavg may be 0 when not centered.
 */
export function f32_rmsprop(
  e: Engine,
  p: number,
  g: number,
  sq: number,
  mom: number,
  gavg: number,
  n: number,
  lr: number,
  alpha: number,
  eps: number,
  weightDecay: number,
  momentum: number,
  centered: boolean,
  out = 0,
): void {
  const K = 'f32_rmsprop';
  checkRange(K, 'momentum', momentum, 0);
  if (momentum > 0 && mom === 0 && n > 0) throw new RangeError(`${K}: mom must point to n floats when momentum > 0, got 0`);
  if (centered && gavg === 0 && n > 0) throw new RangeError(`${K}: gavg must point to n floats when centered, got 0`);
  checkBuffers(e, K, n, [
    ['p', p],
    ['g', g],
    ['sq', sq],
    ['mom', momentum > 0 ? mom : undefined],
    ['gavg', centered ? gavg : undefined],
  ]);
  checkOut(e, K, n, out, [
    ['p', p],
    ['sq', sq],
    ['mom', momentum > 0 ? mom : undefined],
    ['gavg', centered ? gavg : undefined],
  ]);
  checkLr(K, lr);
  checkRange(K, 'alpha', alpha, 0, 1);
  checkRange(K, 'eps', eps, 0);
  checkRange(K, 'weightDecay', weightDecay, 0);
  e.k.f32_rmsprop(p, g, sq, momentum > 0 ? mom : 0, centered ? gavg : 0, n, lr, alpha, eps, weightDecay, momentum, centered ? 1 : 0, out);
}

/**
 * Adam (decoupled = false: L2 added to the gradient) or AdamW (decoupled = true: p *= 1 - lr * wd)
 * with PyTorch's update p -= (lr / bc1) * m / (sqrt(v) / sqrt(bc2) + eps); the bias
 * corrections bc1 = 1 - beta1^t and bc2 = 1 - beta2^t come from the caller (in float64).
 */
export function f32_adam(
  e: Engine,
  p: number,
  g: number,
  m: number,
  v: number,
  n: number,
  lr: number,
  beta1: number,
  beta2: number,
  eps: number,
  weightDecay: number,
  decoupled: boolean,
  biasCorrection1: number,
  biasCorrection2: number,
  out = 0,
): void {
  const K = 'f32_adam';
  checkBuffers(e, K, n, [
    ['p', p],
    ['g', g],
    ['m', m],
    ['v', v],
  ]);
  checkOut(e, K, n, out, [
    ['p', p],
    ['m', m],
    ['v', v],
  ]);
  checkLr(K, lr);
  checkRange(K, 'beta1', beta1, 0, 1);
  checkRange(K, 'beta2', beta2, 0, 1);
  checkRange(K, 'eps', eps, 0);
  checkRange(K, 'weightDecay', weightDecay, 0);
  if (!(biasCorrection1 > 0 && biasCorrection1 <= 1)) throw new RangeError(`${K}: biasCorrection1 must be in (0, 1], got ${biasCorrection1}`);
  if (!(biasCorrection2 > 0 && biasCorrection2 <= 1)) throw new RangeError(`${K}: biasCorrection2 must be in (0, 1], got ${biasCorrection2}`);
  e.k.f32_adam(p, g, m, v, n, lr, beta1, beta2, eps, weightDecay, decoupled ? 1 : 0, biasCorrection1, biasCorrection2, out);
}

/**
 * Adagrad (Keras): acc = (firstStep ? initialAccumulator : acc) + g^2; p -= lr * g / sqrt(acc + eps).
 */
export function f32_adagrad(
  e: Engine,
  p: number,
  g: number,
  acc: number,
  n: number,
  lr: number,
  eps: number,
  initialAccumulator: number,
  firstStep: boolean,
  out = 0,
): void {
  const K = 'f32_adagrad';
  checkBuffers(e, K, n, [
    ['p', p],
    ['g', g],
    ['acc', acc],
  ]);
  checkOut(e, K, n, out, [
    ['p', p],
    ['acc', acc],
  ]);
  checkLr(K, lr);
  checkRange(K, 'eps', eps, 0);
  checkRange(K, 'initialAccumulator', initialAccumulator, 0);
  e.k.f32_adagrad(p, g, acc, n, lr, eps, initialAccumulator, firstStep ? 1 : 0, out);
}

/** Adamax (Keras): m = b1 m + (1 - b1) g; u = max(b2 u, |g|); p -= lr / biasCorrection1 * m / (u + eps). */
export function f32_adamax(
  e: Engine,
  p: number,
  g: number,
  m: number,
  u: number,
  n: number,
  lr: number,
  beta1: number,
  beta2: number,
  eps: number,
  biasCorrection1: number,
  out = 0,
): void {
  const K = 'f32_adamax';
  checkBuffers(e, K, n, [
    ['p', p],
    ['g', g],
    ['m', m],
    ['u', u],
  ]);
  checkOut(e, K, n, out, [
    ['p', p],
    ['m', m],
    ['u', u],
  ]);
  checkLr(K, lr);
  checkRange(K, 'beta1', beta1, 0, 1);
  checkRange(K, 'beta2', beta2, 0, 1);
  checkRange(K, 'eps', eps, 0);
  if (!(biasCorrection1 > 0 && biasCorrection1 <= 1)) throw new RangeError(`${K}: biasCorrection1 must be in (0, 1], got ${biasCorrection1}`);
  e.k.f32_adamax(p, g, m, u, n, lr, beta1, beta2, eps, biasCorrection1, out);
}

/**
 * Nadam (Keras): m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;
 * p -= lr * (coefM * m + coefG * g) / (sqrt(v / biasCorrection2) + eps); see {@link nadamCoefficients}.
 */
export function f32_nadam(
  e: Engine,
  p: number,
  g: number,
  m: number,
  v: number,
  n: number,
  lr: number,
  beta1: number,
  beta2: number,
  eps: number,
  coefM: number,
  coefG: number,
  biasCorrection2: number,
  out = 0,
): void {
  const K = 'f32_nadam';
  checkBuffers(e, K, n, [
    ['p', p],
    ['g', g],
    ['m', m],
    ['v', v],
  ]);
  checkOut(e, K, n, out, [
    ['p', p],
    ['m', m],
    ['v', v],
  ]);
  checkLr(K, lr);
  checkRange(K, 'beta1', beta1, 0, 1);
  checkRange(K, 'beta2', beta2, 0, 1);
  checkRange(K, 'eps', eps, 0);
  if (!Number.isFinite(coefM) || !Number.isFinite(coefG)) throw new RangeError(`${K}: coefM and coefG must be finite, got ${coefM}, ${coefG}`);
  if (!(biasCorrection2 > 0 && biasCorrection2 <= 1)) throw new RangeError(`${K}: biasCorrection2 must be in (0, 1], got ${biasCorrection2}`);
  e.k.f32_nadam(p, g, m, v, n, lr, beta1, beta2, eps, coefM, coefG, biasCorrection2, out);
}

/**
 * Nadam's momentum schedule at step t (1-based), Keras' form: mu_i = beta1 (1 - 0.5 * 0.96^i),
 * P_t = mu_1 ... mu_t; returns coefM = mu_{t+1} / (1 - P_{t+1}) and coefG = (1 - mu_t) / (1 - P_t),
 * in float64, with P_t as `product` and P_{t-1} as `before`. `product` may carry P_{t-1} from the
 * previous step (else it is recomputed).
 */
export function nadamCoefficients(beta1: number, t: number, product?: number): { coefM: number; coefG: number; product: number; before: number } {
  const mu = (i: number): number => beta1 * (1 - 0.5 * Math.pow(0.96, i));
  let prev = product;
  if (prev === undefined) {
    prev = 1;
    for (let i = 1; i < t; i++) prev *= mu(i);
  }
  const pt = prev * mu(t),
    pt1 = pt * mu(t + 1);
  return { coefM: mu(t + 1) / (1 - pt1), coefG: (1 - mu(t)) / (1 - pt), product: pt, before: prev };
}

/**
 * Clips g by its global norm as PyTorch's clip_grad_norm_: total = sqrt(sum g^2) (float64),
 * coef = maxNorm / (total + 1e-6), and g *= coef when coef < 1. Returns total, the norm before
 * clipping (NaN or Infinity when g holds one, in which case g is left unchanged).
 */
export function f32_clip_by_global_norm(e: Engine, g: number, n: number, maxNorm: number): number {
  const K = 'f32_clip_by_global_norm';
  checkBuffers(e, K, n, [['g', g]]);
  if (!(maxNorm > 0)) throw new RangeError(`${K}: maxNorm must be a positive number, got ${maxNorm}`);
  return e.k.f32_clip_by_global_norm(g, n, maxNorm);
}
