// Element-wise activations and their derivatives.
//
// Kinds (must match ACTIVATION in src/engine/kernels/f32_activation.ts):
//   0 linear, 1 relu, 2 leakyRelu (alpha), 3 elu (alpha), 4 sigmoid, 5 tanh, 6 selu, 7 softplus,
//   8 relu6, 9 hardSigmoid, 10 softsign, 11 gelu, 12 geluNew, 13 swish, 14 mish.
//
// Kinds 0-10 take their derivative from the activation's OUTPUT y, so the forward pass can fuse
// the activation into the matrix product and keep only y:
//   relu'        = y > 0 ? 1 : 0          (the gradient at exactly 0 is taken as 0, as in TF/PyTorch)
//   leakyRelu'   = y > 0 ? 1 : alpha      (alpha >= 0, so y > 0 iff x > 0)
//   elu'         = y > 0 ? 1 : y + alpha  (for x <= 0, y = alpha*(e^x - 1), so alpha*e^x = y + alpha)
//   sigmoid'     = y * (1 - y)
//   tanh'        = 1 - y^2
//   selu'        = y > 0 ? S : y + S*A    (y = S*A*(e^x - 1) below 0, as elu)
//   softplus'    = sigmoid(x) = 1 - e^-y = -expm1(-y)   (y = log(1 + e^x), so e^-y = 1 - sigmoid(x);
//                  expm1 keeps it exact for tiny y, where sigmoid(x) ~ e^x ~ y)
//   relu6'       = 0 < y < 6 ? 1 : 0
//   hardSigmoid' = 0 < y < 1 ? 0.2 : 0
//   softsign'    = 1 / (1 + |x|)^2 = (1 - |y|)^2
// Kinds 11-14 are not monotonic (gelu, swish and mish dip below 0 and come back), so y does not
// determine x and their derivative needs the INPUT: f32_activation_grad_input. It takes any kind
// (for the others it computes y first), so it also serves as the one entry for an Activation
// layer, which has its input at hand anyway.
//
// Definitions follow tfjs-layers (and Keras 2):
//   selu        S*(x > 0 ? x : A*(e^x - 1)), S = 1.0507009873554805, A = 1.6732632423543772
//   softplus    log(1 + e^x), computed as max(x, 0) + log1p(e^-|x|) so it never overflows
//   hardSigmoid clip(0.2 x + 0.5, 0, 1)  (Keras 3 changed the slope to 1/6; tfjs keeps 0.2)
//   softsign    x / (1 + |x|)
//   gelu        x * Phi(x), Phi the standard normal CDF (exact, erf form: Keras' default)
//   geluNew     x * sigmoid(2u), u = sqrt(2/pi) (x + 0.044715 x^3): the tanh approximation
//               (Keras approximate=True, tfjs 'gelu_new'), since 0.5 (1 + tanh u) = sigmoid(2u),
//               which does not cancel for negative x as 1 + tanh u would
//   swish       x * sigmoid(x)  (also called silu)
//   mish        x * tanh(softplus(x)) = x * n / (n + 2) with n = e^x (e^x + 2), an identity that
//               avoids the tanh of a log and stays accurate for negative x
import { exp_v, expm1_v, sigmoid_v, tanh_v } from './f32_math';
import { log1p_v } from './f32_log';

export const ACT_LINEAR = 0;
export const ACT_RELU = 1;
export const ACT_LEAKY_RELU = 2;
export const ACT_ELU = 3;
export const ACT_SIGMOID = 4;
export const ACT_TANH = 5;
export const ACT_SELU = 6;
export const ACT_SOFTPLUS = 7;
export const ACT_RELU6 = 8;
export const ACT_HARD_SIGMOID = 9;
export const ACT_SOFTSIGN = 10;
export const ACT_GELU = 11;
export const ACT_GELU_NEW = 12;
export const ACT_SWISH = 13;
export const ACT_MISH = 14;

const SELU_SCALE: f32 = 1.0507009873554804934193349852946;
const SELU_ALPHA: f32 = 1.6732632423543772848170429916717;
const SQRT_HALF: f32 = 0.70710678118654752440;
const INV_SQRT_2PI: f32 = 0.39894228040143267794;
const SQRT_2_OVER_PI: f32 = 0.79788456080286535588;
const GELU_CUBIC: f32 = 0.044715;

// erfc(a) for a >= 0: the Chebyshev fit of Numerical Recipes' erfcc (W. H. Press et al., 2nd ed.,
// section 6.2), t = 1 / (1 + a/2), erfc = t * exp(-a^2 + P(t)); its relative error is below
// 1.2e-7 for every a >= 0, so the normal CDF keeps its relative accuracy deep in the lower tail
// (where 1 + erf(x) would cancel).
// @ts-ignore: decorator
@inline function erfc_pos_v(a: v128): v128 {
  const t = f32x4.div(f32x4.splat(1.0), f32x4.add(f32x4.splat(1.0), f32x4.mul(f32x4.splat(0.5), a)));
  let p = f32x4.splat(0.17087277);
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(-0.82215223));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(1.48851587));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(-1.13520398));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(0.27886807));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(-0.18628806));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(0.09678418));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(0.37409196));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(1.00002368));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(-1.26551223));
  return f32x4.mul(t, exp_v(f32x4.sub(p, f32x4.mul(a, a))));
}

// The standard normal CDF: Phi(x) = erfc(-x/sqrt2) / 2, taken as erfc(|x|/sqrt2) / 2 below 0 and
// 1 - erfc(x/sqrt2) / 2 above (no cancellation in either).
// @ts-ignore: decorator
@inline function normal_cdf_v(x: v128): v128 {
  const half = f32x4.mul(f32x4.splat(0.5), erfc_pos_v(f32x4.mul(f32x4.abs(x), f32x4.splat(SQRT_HALF))));
  return v128.bitselect(half, f32x4.sub(f32x4.splat(1.0), half), f32x4.lt(x, f32x4.splat(0)));
}

// softplus = max(x, 0) + log1p(e^-|x|)
// @ts-ignore: decorator
@inline function softplus_v(x: v128): v128 {
  return f32x4.add(f32x4.max(x, f32x4.splat(0)), log1p_v(exp_v(f32x4.neg(f32x4.abs(x)))));
}

// 2u of geluNew, on x clamped to +-20 (sigmoid(2u) is 0 or 1 to f32 there, and x^3 cannot
// overflow into an Infinity * 0 in the derivative)
// @ts-ignore: decorator
@inline function gelu_new_2u_v(xc: v128): v128 {
  const inner = f32x4.add(xc, f32x4.mul(f32x4.splat(GELU_CUBIC), f32x4.mul(xc, f32x4.mul(xc, xc))));
  return f32x4.mul(f32x4.splat(2.0 * SQRT_2_OVER_PI), inner);
}

// @ts-ignore: decorator
@inline function clamp20_v(x: v128): v128 {
  return f32x4.min(f32x4.max(x, f32x4.splat(-20.0)), f32x4.splat(20.0));
}

// e^x for mish on x clamped at 20 (above, n/(n + 2) is 1 to f32), so e^2x cannot overflow
// @ts-ignore: decorator
@inline function mish_e_v(x: v128): v128 {
  return exp_v(f32x4.min(x, f32x4.splat(20.0)));
}

// @ts-ignore: decorator
@inline export function act_v(kind: i32, x: v128, alpha: f32): v128 {
  const zero = f32x4.splat(0);
  switch (kind) {
    case ACT_RELU: return f32x4.max(x, zero);
    case ACT_LEAKY_RELU: return v128.bitselect(x, f32x4.mul(x, f32x4.splat(alpha)), f32x4.gt(x, zero));
    case ACT_ELU: return v128.bitselect(x, f32x4.mul(expm1_v(x), f32x4.splat(alpha)), f32x4.gt(x, zero));
    case ACT_SIGMOID: return sigmoid_v(x);
    case ACT_TANH: return tanh_v(x);
    case ACT_SELU: {
      const neg = f32x4.mul(expm1_v(x), f32x4.splat(SELU_SCALE * SELU_ALPHA));
      return v128.bitselect(f32x4.mul(x, f32x4.splat(SELU_SCALE)), neg, f32x4.gt(x, zero));
    }
    case ACT_SOFTPLUS: return softplus_v(x);
    case ACT_RELU6: return f32x4.min(f32x4.max(x, zero), f32x4.splat(6.0));
    case ACT_HARD_SIGMOID:
      return f32x4.min(f32x4.max(f32x4.add(f32x4.mul(x, f32x4.splat(0.2)), f32x4.splat(0.5)), zero), f32x4.splat(1.0));
    case ACT_SOFTSIGN: return f32x4.div(x, f32x4.add(f32x4.splat(1.0), f32x4.abs(x)));
    case ACT_GELU: return f32x4.mul(x, normal_cdf_v(x));
    case ACT_GELU_NEW: return f32x4.mul(x, sigmoid_v(gelu_new_2u_v(clamp20_v(x))));
    case ACT_SWISH: return f32x4.mul(x, sigmoid_v(x));
    case ACT_MISH: {
      const e = mish_e_v(x);
      const n = f32x4.mul(e, f32x4.add(e, f32x4.splat(2.0)));
      return f32x4.mul(x, f32x4.div(n, f32x4.add(n, f32x4.splat(2.0))));
    }
    default: return x;
  }
}

// derivative factor from the output y (kinds 0-10; the others go through act_grad_input_v)
// @ts-ignore: decorator
@inline export function act_grad_v(kind: i32, y: v128, alpha: f32): v128 {
  const one = f32x4.splat(1.0);
  const zero = f32x4.splat(0);
  switch (kind) {
    case ACT_RELU: return v128.and(one, f32x4.gt(y, zero));
    case ACT_LEAKY_RELU: return v128.bitselect(one, f32x4.splat(alpha), f32x4.gt(y, zero));
    case ACT_ELU: return v128.bitselect(one, f32x4.add(y, f32x4.splat(alpha)), f32x4.gt(y, zero));
    case ACT_SIGMOID: return f32x4.mul(y, f32x4.sub(one, y));
    case ACT_TANH: return f32x4.sub(one, f32x4.mul(y, y));
    case ACT_SELU:
      return v128.bitselect(f32x4.splat(SELU_SCALE), f32x4.add(y, f32x4.splat(SELU_SCALE * SELU_ALPHA)), f32x4.gt(y, zero));
    case ACT_SOFTPLUS: return f32x4.neg(expm1_v(f32x4.neg(y)));
    case ACT_RELU6: return v128.and(one, v128.and(f32x4.gt(y, zero), f32x4.lt(y, f32x4.splat(6.0))));
    case ACT_HARD_SIGMOID: return v128.and(f32x4.splat(0.2), v128.and(f32x4.gt(y, zero), f32x4.lt(y, one)));
    case ACT_SOFTSIGN: {
      const d = f32x4.sub(one, f32x4.abs(y));
      return f32x4.mul(d, d);
    }
    default: return one;
  }
}

// derivative factor from the input x, for every kind
// @ts-ignore: decorator
@inline function act_grad_input_v(kind: i32, x: v128, alpha: f32): v128 {
  const one = f32x4.splat(1.0);
  switch (kind) {
    case ACT_GELU: {
      // Phi(x) + x phi(x)
      const pdf = f32x4.mul(f32x4.splat(INV_SQRT_2PI), exp_v(f32x4.mul(f32x4.splat(-0.5), f32x4.mul(x, x))));
      return f32x4.add(normal_cdf_v(x), f32x4.mul(x, pdf));
    }
    case ACT_GELU_NEW: {
      // d/dx x s(2u) = s + x * s (1 - s) * 2u'
      const xc = clamp20_v(x);
      const s = sigmoid_v(gelu_new_2u_v(xc));
      const du2 = f32x4.mul(f32x4.splat(2.0 * SQRT_2_OVER_PI),
                            f32x4.add(one, f32x4.mul(f32x4.splat(3.0 * GELU_CUBIC), f32x4.mul(xc, xc))));
      return f32x4.add(s, f32x4.mul(f32x4.mul(xc, f32x4.mul(s, f32x4.sub(one, s))), du2));
    }
    case ACT_SWISH: {
      // s + x s (1 - s)
      const s = sigmoid_v(x);
      return f32x4.add(s, f32x4.mul(x, f32x4.mul(s, f32x4.sub(one, s))));
    }
    case ACT_MISH: {
      // t + x dt/dx with t = n / (n + 2), dt/dx = 4 e (e + 1) / (n + 2)^2
      const e = mish_e_v(x);
      const n = f32x4.mul(e, f32x4.add(e, f32x4.splat(2.0)));
      const n2 = f32x4.add(n, f32x4.splat(2.0));
      const t = f32x4.div(n, n2);
      const dt = f32x4.div(f32x4.mul(f32x4.splat(4.0), f32x4.mul(e, f32x4.add(e, one))), f32x4.mul(n2, n2));
      return f32x4.add(t, f32x4.mul(x, dt));
    }
    default: return act_grad_v(kind, act_v(kind, x, alpha), alpha);
  }
}

/** y[i] = act(x[i]) for i < n. x and y may be the same buffer. */
export function f32_activation(kind: i32, x: usize, y: usize, n: i32, alpha: f32): void {
  const nv = n & ~3;
  let i = 0;
  for (; i < nv; i += 4) {
    const o = <usize>i << 2;
    v128.store(y + o, act_v(kind, v128.load(x + o), alpha));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, f32x4.extract_lane(act_v(kind, f32x4.splat(load<f32>(x + o)), alpha), 0));
  }
}

/**
 * dx[i] = dy[i] * act'(x[i]), with act' computed from the output y[i] = act(x[i]).
 * dx may alias dy.
 */
export function f32_activation_grad(kind: i32, y: usize, dy: usize, dx: usize, n: i32, alpha: f32): void {
  const nv = n & ~3;
  let i = 0;
  for (; i < nv; i += 4) {
    const o = <usize>i << 2;
    v128.store(dx + o, f32x4.mul(v128.load(dy + o), act_grad_v(kind, v128.load(y + o), alpha)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const g = f32x4.extract_lane(act_grad_v(kind, f32x4.splat(load<f32>(y + o)), alpha), 0);
    store<f32>(dx + o, load<f32>(dy + o) * g);
  }
}

/**
 * dx[i] = dy[i] * act'(x[i]), with act' computed from the INPUT x[i]; any kind (the only way
 * for gelu, geluNew, swish and mish, whose output does not determine their input). dx may
 * alias dy.
 */
export function f32_activation_grad_input(kind: i32, x: usize, dy: usize, dx: usize, n: i32, alpha: f32): void {
  const nv = n & ~3;
  let i = 0;
  for (; i < nv; i += 4) {
    const o = <usize>i << 2;
    v128.store(dx + o, f32x4.mul(v128.load(dy + o), act_grad_input_v(kind, v128.load(x + o), alpha)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const g = f32x4.extract_lane(act_grad_input_v(kind, f32x4.splat(load<f32>(x + o)), alpha), 0);
    store<f32>(dx + o, load<f32>(dy + o) * g);
  }
}

/**
 * Row-wise softmax, numerically stable: y = exp(x - max) / sum(exp(x - max)) per row.
 * x and y are rows x cols, row-major, and may alias.
 */
export function f32_softmax(x: usize, y: usize, rows: i32, cols: i32): void {
  const rowBytes = <usize>cols << 2;
  const cv = cols & ~3;
  for (let r = 0; r < rows; r++) {
    const xr = x + <usize>r * rowBytes, yr = y + <usize>r * rowBytes;
    // max
    let mv = f32x4.splat(-Infinity);
    let j = 0;
    for (; j < cv; j += 4) mv = f32x4.max(mv, v128.load(xr + (<usize>j << 2)));
    let m = max(max(f32x4.extract_lane(mv, 0), f32x4.extract_lane(mv, 1)), max(f32x4.extract_lane(mv, 2), f32x4.extract_lane(mv, 3)));
    for (; j < cols; j++) m = max(m, load<f32>(xr + (<usize>j << 2)));
    // exp and sum
    const ms = f32x4.splat(m);
    let sv = f32x4.splat(0);
    j = 0;
    for (; j < cv; j += 4) {
      const e = exp_v(f32x4.sub(v128.load(xr + (<usize>j << 2)), ms));
      v128.store(yr + (<usize>j << 2), e);
      sv = f32x4.add(sv, e);
    }
    let s = (f32x4.extract_lane(sv, 0) + f32x4.extract_lane(sv, 1)) + (f32x4.extract_lane(sv, 2) + f32x4.extract_lane(sv, 3));
    for (; j < cols; j++) {
      const e = f32x4.extract_lane(exp_v(f32x4.splat(load<f32>(xr + (<usize>j << 2)) - m)), 0);
      store<f32>(yr + (<usize>j << 2), e);
      s += e;
    }
    const inv = f32x4.splat(s);
    j = 0;
    for (; j < cv; j += 4) v128.store(yr + (<usize>j << 2), f32x4.div(v128.load(yr + (<usize>j << 2)), inv));
    for (; j < cols; j++) store<f32>(yr + (<usize>j << 2), load<f32>(yr + (<usize>j << 2)) / s);
  }
}

/**
 * Gradient through a row-wise softmax, from its output y: dx = y * (dy - sum_j(dy_j * y_j)) per row
 * (the Jacobian-vector product; used when softmax is not fused with cross-entropy). dx may alias dy.
 */
export function f32_softmax_grad(y: usize, dy: usize, dx: usize, rows: i32, cols: i32): void {
  const rowBytes = <usize>cols << 2;
  const cv = cols & ~3;
  for (let r = 0; r < rows; r++) {
    const yr = y + <usize>r * rowBytes, dyr = dy + <usize>r * rowBytes, dxr = dx + <usize>r * rowBytes;
    let sv = f32x4.splat(0);
    let j = 0;
    for (; j < cv; j += 4) sv = f32x4.add(sv, f32x4.mul(v128.load(yr + (<usize>j << 2)), v128.load(dyr + (<usize>j << 2))));
    let s = (f32x4.extract_lane(sv, 0) + f32x4.extract_lane(sv, 1)) + (f32x4.extract_lane(sv, 2) + f32x4.extract_lane(sv, 3));
    for (; j < cols; j++) s += load<f32>(yr + (<usize>j << 2)) * load<f32>(dyr + (<usize>j << 2));
    const ss = f32x4.splat(s);
    j = 0;
    for (; j < cv; j += 4) {
      const o = <usize>j << 2;
      v128.store(dxr + o, f32x4.mul(v128.load(yr + o), f32x4.sub(v128.load(dyr + o), ss)));
    }
    for (; j < cols; j++) {
      const o = <usize>j << 2;
      store<f32>(dxr + o, load<f32>(yr + o) * (load<f32>(dyr + o) - s));
    }
  }
}
