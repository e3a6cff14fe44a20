// Element-wise activations and their derivatives.
//
// Kinds (must match ACTIVATION in src/engine/kernels.ts):
//   0 linear, 1 relu, 2 leakyRelu (alpha), 3 elu (alpha), 4 sigmoid, 5 tanh.
//
// Every derivative is computed from the activation's OUTPUT y, never its input, so the
// forward pass can fuse the activation into the matrix product and keep only y:
//   relu'      = y > 0 ? 1 : 0          (the gradient at exactly 0 is taken as 0, as in TF/PyTorch)
//   leakyRelu' = y > 0 ? 1 : alpha      (alpha >= 0, so y > 0 iff x > 0)
//   elu'       = y > 0 ? 1 : y + alpha  (for x <= 0, y = alpha*(e^x - 1), so alpha*e^x = y + alpha)
//   sigmoid'   = y * (1 - y)
//   tanh'      = 1 - y^2
import { exp_v, expm1_v, sigmoid_v, tanh_v } from './f32_math';

export const ACT_LINEAR = 0;
export const ACT_RELU = 1;
export const ACT_LEAKY_RELU = 2;
export const ACT_ELU = 3;
export const ACT_SIGMOID = 4;
export const ACT_TANH = 5;

// @ts-ignore: decorator
@inline export function act_v(kind: i32, x: v128, alpha: f32): v128 {
  switch (kind) {
    case ACT_RELU: return f32x4.max(x, f32x4.splat(0));
    case ACT_LEAKY_RELU: return v128.bitselect(x, f32x4.mul(x, f32x4.splat(alpha)), f32x4.gt(x, f32x4.splat(0)));
    case ACT_ELU: return v128.bitselect(x, f32x4.mul(expm1_v(x), f32x4.splat(alpha)), f32x4.gt(x, f32x4.splat(0)));
    case ACT_SIGMOID: return sigmoid_v(x);
    case ACT_TANH: return tanh_v(x);
    default: return x;
  }
}

// derivative factor from the output y
// @ts-ignore: decorator
@inline export function act_grad_v(kind: i32, y: v128, alpha: f32): v128 {
  const one = f32x4.splat(1.0);
  switch (kind) {
    case ACT_RELU: return v128.and(one, f32x4.gt(y, f32x4.splat(0)));
    case ACT_LEAKY_RELU: return v128.bitselect(one, f32x4.splat(alpha), f32x4.gt(y, f32x4.splat(0)));
    case ACT_ELU: return v128.bitselect(one, f32x4.add(y, f32x4.splat(alpha)), f32x4.gt(y, f32x4.splat(0)));
    case ACT_SIGMOID: return f32x4.mul(y, f32x4.sub(one, y));
    case ACT_TANH: return f32x4.sub(one, f32x4.mul(y, y));
    default: return one;
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
