// Optimizer updates, in place over one flat buffer of n parameters with the matching gradient
// and state buffers (the model lays out every parameter, gradient and slot contiguously, so
// one call updates the whole model). The rules are PyTorch's (torch/optim), written out below
// per kernel; g is never modified.
//
// Hyperparameters arrive as f64. Derived constants (1 - beta, lr / bias correction, ...) are
// formed in f64 and rounded once to f32, as PyTorch forms them in Python floats; the
// element-wise arithmetic is f32 (a product then a sum, no fused multiply-add), 4 lanes at a
// time, and the tail runs the same vector code on partial vectors (f32x4_util.ts).
//
// `out` is a byte distance: the new parameters and state go to (buffer + out) instead of the
// buffer itself (0: in place). The worker pool keeps two copies of the parameters and state,
// laid out at one fixed distance, and writes each step into the other copy, so that a worker
// dying mid-update cannot leave a half-updated model behind.
import { load_partial, store_partial } from './f32x4_util';
import { f32_sum_squares } from './f32_elementwise';

// Each kernel's per-vector step is an @inline function called twice: over the full vectors with
// k = 4 (the partial loads and stores then fold to plain ones: V8 compiles branchy partial
// accesses in a hot loop poorly, about 3x slower) and once for the tail with k = n % 4.

// @ts-ignore: decorator
@inline function sgdStep(o: usize, k: i32, p: usize, g: usize, out: usize, vlr: v128, vwd: v128, decay: bool): void {
  const pv = load_partial(p + o, k);
  let d = load_partial(g + o, k);
  if (decay) d = f32x4.add(d, f32x4.mul(vwd, pv));
  store_partial(p + out + o, f32x4.sub(pv, f32x4.mul(vlr, d)), k);
}

/** SGD: d = g + wd * p; p -= lr * d. */
export function f32_sgd(p: usize, g: usize, n: i32, lr: f64, weightDecay: f64, out: usize): void {
  const vlr = f32x4.splat(<f32>lr), vwd = f32x4.splat(<f32>weightDecay);
  const decay = weightDecay != 0;
  const nv = n & ~3;
  let i = 0;
  for (; i < nv; i += 4) sgdStep(<usize>i << 2, 4, p, g, out, vlr, vwd, decay);
  if (i < n) sgdStep(<usize>i << 2, n - i, p, g, out, vlr, vwd, decay);
}

// @ts-ignore: decorator
@inline function momentumStep(o: usize, k: i32, p: usize, g: usize, buf: usize, out: usize, vlr: v128, vwd: v128, vm: v128, vdamp: v128,
                              decay: bool, firstStep: bool, nesterov: bool): void {
  const pv = load_partial(p + o, k);
  let d = load_partial(g + o, k);
  if (decay) d = f32x4.add(d, f32x4.mul(vwd, pv));
  const b = firstStep ? d : f32x4.add(f32x4.mul(vm, load_partial(buf + o, k)), f32x4.mul(vdamp, d));
  store_partial(buf + out + o, b, k);
  const step = nesterov ? f32x4.add(d, f32x4.mul(vm, b)) : b;
  store_partial(p + out + o, f32x4.sub(pv, f32x4.mul(vlr, step)), k);
}

/**
 * SGD with momentum (PyTorch): d = g + wd * p;
 *   buf = firstStep ? d : momentum * buf + (1 - dampening) * d;
 *   step = nesterov ? d + momentum * buf : buf;   p -= lr * step.
 * PyTorch copies d into the buffer on the first step (firstStep), which is why dampening does not
 * apply there. The exponentially weighted average v = beta v + (1 - beta) g, started at v = 0,
 * is the case momentum = dampening = beta with firstStep always false.
 */
export function f32_sgd_momentum(p: usize, g: usize, buf: usize, n: i32, lr: f64, momentum: f64, dampening: f64,
                                 nesterov: i32, weightDecay: f64, firstStep: i32, out: usize): void {
  const vlr = f32x4.splat(<f32>lr), vwd = f32x4.splat(<f32>weightDecay);
  const vm = f32x4.splat(<f32>momentum), vdamp = f32x4.splat(<f32>(1.0 - dampening));
  const decay = weightDecay != 0, first = firstStep != 0, nest = nesterov != 0;
  const nv = n & ~3;
  let i = 0;
  for (; i < nv; i += 4) momentumStep(<usize>i << 2, 4, p, g, buf, out, vlr, vwd, vm, vdamp, decay, first, nest);
  if (i < n) momentumStep(<usize>i << 2, n - i, p, g, buf, out, vlr, vwd, vm, vdamp, decay, first, nest);
}

// @ts-ignore: decorator
@inline function rmspropStep(o: usize, k: i32, p: usize, g: usize, sq: usize, mom: usize, gavg: usize, out: usize, vlr: v128, vwd: v128,
                             va: v128, v1a: v128, veps: v128, vm: v128, decay: bool, centered: bool, useMomentum: bool): void {
  const zero = f32x4.splat(0);
  const pv = load_partial(p + o, k);
  let d = load_partial(g + o, k);
  if (decay) d = f32x4.add(d, f32x4.mul(vwd, pv));
  const s = f32x4.add(f32x4.mul(va, load_partial(sq + o, k)), f32x4.mul(v1a, f32x4.mul(d, d)));
  store_partial(sq + out + o, s, k);
  let avg: v128;
  if (centered) {
    const ga = f32x4.add(f32x4.mul(va, load_partial(gavg + o, k)), f32x4.mul(v1a, d));
    store_partial(gavg + out + o, ga, k);
    avg = f32x4.add(f32x4.sqrt(f32x4.max(f32x4.sub(s, f32x4.mul(ga, ga)), zero)), veps);
  } else {
    avg = f32x4.add(f32x4.sqrt(s), veps);
  }
  if (useMomentum) {
    const mv = f32x4.add(f32x4.mul(vm, load_partial(mom + o, k)), f32x4.div(d, avg));
    store_partial(mom + out + o, mv, k);
    store_partial(p + out + o, f32x4.sub(pv, f32x4.mul(vlr, mv)), k);
  } else {
    store_partial(p + out + o, f32x4.sub(pv, f32x4.mul(vlr, f32x4.div(d, avg))), k);
  }
}

/**
 * RMSprop (PyTorch): d = g + wd * p; sq = alpha * sq + (1 - alpha) * d^2;
 *   centered: gavg = alpha * gavg + (1 - alpha) * d, avg = sqrt(sq - gavg^2) + eps;
 *   otherwise avg = sqrt(sq) + eps;
 *   momentum > 0: mom = momentum * mom + d / avg, p -= lr * mom;  otherwise p -= lr * d / avg.
 * sq - gavg^2 >= 0 in exact arithmetic (a variance) but can round below 0 when the gradient is
 * nearly constant; it is clamped at 0 so that rounding cannot turn into a NaN (PyTorch would
 * take the square root of the negative value). mom and gavg are only read when used.
 */
export function f32_rmsprop(p: usize, g: usize, sq: usize, mom: usize, gavg: usize, n: i32, lr: f64, alpha: f64, eps: f64,
                            weightDecay: f64, momentum: f64, centered: i32, out: usize): void {
  const vlr = f32x4.splat(<f32>lr), vwd = f32x4.splat(<f32>weightDecay);
  const va = f32x4.splat(<f32>alpha), v1a = f32x4.splat(<f32>(1.0 - alpha)), veps = f32x4.splat(<f32>eps);
  const vm = f32x4.splat(<f32>momentum);
  const decay = weightDecay != 0, useMomentum = momentum > 0, c = centered != 0;
  const nv = n & ~3;
  let i = 0;
  for (; i < nv; i += 4) rmspropStep(<usize>i << 2, 4, p, g, sq, mom, gavg, out, vlr, vwd, va, v1a, veps, vm, decay, c, useMomentum);
  if (i < n) rmspropStep(<usize>i << 2, n - i, p, g, sq, mom, gavg, out, vlr, vwd, va, v1a, veps, vm, decay, c, useMomentum);
}

// @ts-ignore: decorator
@inline function adamStep(o: usize, k: i32, p: usize, g: usize, m: usize, v: usize, out: usize, vb1: v128, v1b1: v128, vb2: v128, v1b2: v128,
                          vstep: v128, vinvbc2: v128, veps: v128, vwd: v128, vshrink: v128, coupled: bool, shrink: bool): void {
  let pv = load_partial(p + o, k);
  let d = load_partial(g + o, k);
  if (shrink) pv = f32x4.mul(pv, vshrink);
  if (coupled) d = f32x4.add(d, f32x4.mul(vwd, pv));
  const mv = f32x4.add(f32x4.mul(vb1, load_partial(m + o, k)), f32x4.mul(v1b1, d));
  const vv = f32x4.add(f32x4.mul(vb2, load_partial(v + o, k)), f32x4.mul(v1b2, f32x4.mul(d, d)));
  store_partial(m + out + o, mv, k);
  store_partial(v + out + o, vv, k);
  const denom = f32x4.add(f32x4.mul(f32x4.sqrt(vv), vinvbc2), veps);
  store_partial(p + out + o, f32x4.sub(pv, f32x4.mul(vstep, f32x4.div(mv, denom))), k);
}

/**
 * Adam / AdamW (PyTorch):
 *   decoupled (AdamW): p *= 1 - lr * wd, d = g;   otherwise (Adam's L2): d = g + wd * p;
 *   m = b1 m + (1 - b1) d;   v = b2 v + (1 - b2) d^2;
 *   p -= (lr / bc1) * m / (sqrt(v) / sqrt(bc2) + eps),
 * with the bias corrections bc1 = 1 - b1^t and bc2 = 1 - b2^t computed by the caller in f64.
 * eps is added after the bias correction of sqrt(v), as PyTorch does (not to v itself).
 * sqrt(v) / sqrt(bc2) is computed as sqrt(v) * (1 / sqrt(bc2)): one division per element fewer
 * (divisions and square roots bound this kernel); it differs from PyTorch's by at most an ulp.
 */
export function f32_adam(p: usize, g: usize, m: usize, v: usize, n: i32, lr: f64, beta1: f64, beta2: f64, eps: f64,
                         weightDecay: f64, decoupled: i32, biasCorrection1: f64, biasCorrection2: f64, out: usize): void {
  const vb1 = f32x4.splat(<f32>beta1), v1b1 = f32x4.splat(<f32>(1.0 - beta1));
  const vb2 = f32x4.splat(<f32>beta2), v1b2 = f32x4.splat(<f32>(1.0 - beta2));
  const vstep = f32x4.splat(<f32>(lr / biasCorrection1)), vinvbc2 = f32x4.splat(<f32>(1.0 / Math.sqrt(biasCorrection2)));
  const veps = f32x4.splat(<f32>eps);
  const vwd = f32x4.splat(<f32>weightDecay), vshrink = f32x4.splat(<f32>(1.0 - lr * weightDecay));
  const coupled = weightDecay != 0 && !decoupled, shrink = weightDecay != 0 && decoupled != 0;
  const nv = n & ~3;
  let i = 0;
  for (; i < nv; i += 4) adamStep(<usize>i << 2, 4, p, g, m, v, out, vb1, v1b1, vb2, v1b2, vstep, vinvbc2, veps, vwd, vshrink, coupled, shrink);
  if (i < n) adamStep(<usize>i << 2, n - i, p, g, m, v, out, vb1, v1b1, vb2, v1b2, vstep, vinvbc2, veps, vwd, vshrink, coupled, shrink);
}

// ---- Keras' adaptive rules (keras/src/optimizers): adagrad, adamax, nadam. Unlike the rules
// above, epsilon follows Keras' placement (inside the square root for adagrad, added to the
// infinity norm for adamax), since these optimizers are meant to match Keras.

// @ts-ignore: decorator
@inline function adagradStep(o: usize, k: i32, p: usize, g: usize, acc: usize, out: usize, vlr: v128, veps: v128, vinit: v128,
                             firstStep: bool): void {
  const pv = load_partial(p + o, k);
  const d = load_partial(g + o, k);
  const a = f32x4.add(firstStep ? vinit : load_partial(acc + o, k), f32x4.mul(d, d));
  store_partial(acc + out + o, a, k);
  store_partial(p + out + o, f32x4.sub(pv, f32x4.div(f32x4.mul(vlr, d), f32x4.sqrt(f32x4.add(a, veps)))), k);
}

/**
 * Adagrad (Keras): acc = (firstStep ? initialAccumulator : acc) + g^2;  p -= lr * g / sqrt(acc + eps).
 * The accumulator starts at initialAccumulator (Keras' 0.1) on the first step, so the state
 * buffer itself can start at 0 like every other slot.
 */
export function f32_adagrad(p: usize, g: usize, acc: usize, n: i32, lr: f64, eps: f64, initialAccumulator: f64, firstStep: i32,
                            out: usize): void {
  const vlr = f32x4.splat(<f32>lr), veps = f32x4.splat(<f32>eps), vinit = f32x4.splat(<f32>initialAccumulator);
  const first = firstStep != 0;
  const nv = n & ~3;
  let i = 0;
  for (; i < nv; i += 4) adagradStep(<usize>i << 2, 4, p, g, acc, out, vlr, veps, vinit, first);
  if (i < n) adagradStep(<usize>i << 2, n - i, p, g, acc, out, vlr, veps, vinit, first);
}

// @ts-ignore: decorator
@inline function adamaxStep(o: usize, k: i32, p: usize, g: usize, m: usize, u: usize, out: usize, vb1: v128, v1b1: v128, vb2: v128,
                            vstep: v128, veps: v128): void {
  const pv = load_partial(p + o, k);
  const d = load_partial(g + o, k);
  const mv = f32x4.add(f32x4.mul(vb1, load_partial(m + o, k)), f32x4.mul(v1b1, d));
  // f32x4.max propagates a NaN of the gradient (a plain compare-and-select would drop it)
  const uv = f32x4.max(f32x4.mul(vb2, load_partial(u + o, k)), f32x4.abs(d));
  store_partial(m + out + o, mv, k);
  store_partial(u + out + o, uv, k);
  store_partial(p + out + o, f32x4.sub(pv, f32x4.mul(vstep, f32x4.div(mv, f32x4.add(uv, veps)))), k);
}

/**
 * Adamax (Keras): m = b1 m + (1 - b1) g;  u = max(b2 u, |g|);  p -= lr / (1 - b1^t) * m / (u + eps),
 * with biasCorrection1 = 1 - b1^t from the caller (f64).
 */
export function f32_adamax(p: usize, g: usize, m: usize, u: usize, n: i32, lr: f64, beta1: f64, beta2: f64, eps: f64,
                           biasCorrection1: f64, out: usize): void {
  const vb1 = f32x4.splat(<f32>beta1), v1b1 = f32x4.splat(<f32>(1.0 - beta1)), vb2 = f32x4.splat(<f32>beta2);
  const vstep = f32x4.splat(<f32>(lr / biasCorrection1)), veps = f32x4.splat(<f32>eps);
  const nv = n & ~3;
  let i = 0;
  for (; i < nv; i += 4) adamaxStep(<usize>i << 2, 4, p, g, m, u, out, vb1, v1b1, vb2, vstep, veps);
  if (i < n) adamaxStep(<usize>i << 2, n - i, p, g, m, u, out, vb1, v1b1, vb2, vstep, veps);
}

// @ts-ignore: decorator
@inline function nadamStep(o: usize, k: i32, p: usize, g: usize, m: usize, v: usize, out: usize, vb1: v128, v1b1: v128, vb2: v128,
                           v1b2: v128, vcm: v128, vcg: v128, vinvbc2: v128, vlr: v128, veps: v128): void {
  const pv = load_partial(p + o, k);
  const d = load_partial(g + o, k);
  const mv = f32x4.add(f32x4.mul(vb1, load_partial(m + o, k)), f32x4.mul(v1b1, d));
  const vv = f32x4.add(f32x4.mul(vb2, load_partial(v + o, k)), f32x4.mul(v1b2, f32x4.mul(d, d)));
  store_partial(m + out + o, mv, k);
  store_partial(v + out + o, vv, k);
  const mhat = f32x4.add(f32x4.mul(vcm, mv), f32x4.mul(vcg, d));
  const denom = f32x4.add(f32x4.sqrt(f32x4.mul(vv, vinvbc2)), veps);
  store_partial(p + out + o, f32x4.sub(pv, f32x4.mul(vlr, f32x4.div(mhat, denom))), k);
}

/**
 * Nadam (Keras, Dozat's schedule): m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;
 *   mhat = cm * m + cg * g;  p -= lr * mhat / (sqrt(v / (1 - b2^t)) + eps),
 * where the caller forms, in f64, from mu_t = b1 (1 - 0.5 * 0.96^(0.004 t)) and their running
 * product P_t: cm = mu_{t+1} / (1 - P_{t+1}) and cg = (1 - mu_t) / (1 - P_t).
 */
export function f32_nadam(p: usize, g: usize, m: usize, v: usize, n: i32, lr: f64, beta1: f64, beta2: f64, eps: f64,
                          coefM: f64, coefG: f64, biasCorrection2: f64, out: usize): void {
  const vb1 = f32x4.splat(<f32>beta1), v1b1 = f32x4.splat(<f32>(1.0 - beta1));
  const vb2 = f32x4.splat(<f32>beta2), v1b2 = f32x4.splat(<f32>(1.0 - beta2));
  const vcm = f32x4.splat(<f32>coefM), vcg = f32x4.splat(<f32>coefG), vinvbc2 = f32x4.splat(<f32>(1.0 / biasCorrection2));
  const vlr = f32x4.splat(<f32>lr), veps = f32x4.splat(<f32>eps);
  const nv = n & ~3;
  let i = 0;
  for (; i < nv; i += 4) nadamStep(<usize>i << 2, 4, p, g, m, v, out, vb1, v1b1, vb2, v1b2, vcm, vcg, vinvbc2, vlr, veps);
  if (i < n) nadamStep(<usize>i << 2, n - i, p, g, m, v, out, vb1, v1b1, vb2, v1b2, vcm, vcg, vinvbc2, vlr, veps);
}

/**
 * Clips the gradient by its global norm (PyTorch's clip_grad_norm_): total = sqrt(sum g^2) in
 * f64; coef = maxNorm / (total + 1e-6); when coef < 1, g *= coef. Returns total, the norm
 * before clipping (NaN or Infinity when g holds one; g is then left as it is).
 */
export function f32_clip_by_global_norm(g: usize, n: i32, maxNorm: f64): f64 {
  const total = Math.sqrt(f32_sum_squares(g, n));
  const coef = maxNorm / (total + 1e-6);
  if (coef < 1.0) {
    const vc = f32x4.splat(<f32>coef);
    // full vectors with k = 4 (the partial loads and stores fold to plain ones), then the tail
    const iEnd = n & ~3;
    let i = 0;
    for (; i < iEnd; i += 4) {
      const o = <usize>i << 2, k = 4;
      store_partial(g + o, f32x4.mul(load_partial(g + o, k), vc), k);
    }
    if (i < n) {
      const o = <usize>i << 2, k = n - i;
      store_partial(g + o, f32x4.mul(load_partial(g + o, k), vc), k);
    }
  }
  return total;
}
