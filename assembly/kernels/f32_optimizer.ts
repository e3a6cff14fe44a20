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

/** SGD: d = g + wd * p; p -= lr * d. */
export function f32_sgd(p: usize, g: usize, n: i32, lr: f64, weightDecay: f64, out: usize): void {
  const vlr = f32x4.splat(<f32>lr), vwd = f32x4.splat(<f32>weightDecay);
  const decay = weightDecay != 0;
  for (let i = 0; i < n; i += 4) {
    const o = <usize>i << 2, k = n - i;
    const pv = load_partial(p + o, k);
    let d = load_partial(g + o, k);
    if (decay) d = f32x4.add(d, f32x4.mul(vwd, pv));
    store_partial(p + out + o, f32x4.sub(pv, f32x4.mul(vlr, d)), k);
  }
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
  const decay = weightDecay != 0;
  for (let i = 0; i < n; i += 4) {
    const o = <usize>i << 2, k = n - i;
    const pv = load_partial(p + o, k);
    let d = load_partial(g + o, k);
    if (decay) d = f32x4.add(d, f32x4.mul(vwd, pv));
    const b = firstStep ? d : f32x4.add(f32x4.mul(vm, load_partial(buf + o, k)), f32x4.mul(vdamp, d));
    store_partial(buf + out + o, b, k);
    const step = nesterov ? f32x4.add(d, f32x4.mul(vm, b)) : b;
    store_partial(p + out + o, f32x4.sub(pv, f32x4.mul(vlr, step)), k);
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
  const vm = f32x4.splat(<f32>momentum), zero = f32x4.splat(0);
  const decay = weightDecay != 0, useMomentum = momentum > 0;
  for (let i = 0; i < n; i += 4) {
    const o = <usize>i << 2, k = n - i;
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
}

/**
 * Adam / AdamW (PyTorch):
 *   decoupled (AdamW): p *= 1 - lr * wd, d = g;   otherwise (Adam's L2): d = g + wd * p;
 *   m = b1 m + (1 - b1) d;   v = b2 v + (1 - b2) d^2;
 *   p -= (lr / bc1) * m / (sqrt(v) / sqrt(bc2) + eps),
 * with the bias corrections bc1 = 1 - b1^t and bc2 = 1 - b2^t computed by the caller in f64.
 * eps is added after the bias correction of sqrt(v), as PyTorch does (not to v itself).
 */
export function f32_adam(p: usize, g: usize, m: usize, v: usize, n: i32, lr: f64, beta1: f64, beta2: f64, eps: f64,
                         weightDecay: f64, decoupled: i32, biasCorrection1: f64, biasCorrection2: f64, out: usize): void {
  const vb1 = f32x4.splat(<f32>beta1), v1b1 = f32x4.splat(<f32>(1.0 - beta1));
  const vb2 = f32x4.splat(<f32>beta2), v1b2 = f32x4.splat(<f32>(1.0 - beta2));
  // sqrt(v) / sqrt(bc2) as sqrt(v) * (1 / sqrt(bc2)): one division per element fewer (divisions
  // and square roots bound this kernel); it differs from PyTorch's division by at most an ulp
  const vstep = f32x4.splat(<f32>(lr / biasCorrection1)), vinvbc2 = f32x4.splat(<f32>(1.0 / Math.sqrt(biasCorrection2)));
  const veps = f32x4.splat(<f32>eps);
  const vwd = f32x4.splat(<f32>weightDecay), vshrink = f32x4.splat(<f32>(1.0 - lr * weightDecay));
  const coupled = weightDecay != 0 && !decoupled, shrink = weightDecay != 0 && decoupled;
  for (let i = 0; i < n; i += 4) {
    const o = <usize>i << 2, k = n - i;
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
    for (let i = 0; i < n; i += 4) {
      const o = <usize>i << 2, k = n - i;
      store_partial(g + o, f32x4.mul(load_partial(g + o, k), vc), k);
    }
  }
  return total;
}
