// Vector math shared by the kernels: exp, expm1, tanh and sigmoid on f32x4 lanes.
//
// Every kernel that needs one of these calls the vector form, also for the scalar tail of an
// array (the value is splatted, computed, and lane 0 taken), so an element gets the same bits
// whichever position it has in the array. Relative error against Math (float64) stays below
// 1e-6 over the normal f32 range; the tests in test/kernels/f32_math.test.ts check that.

// exp: Cody-Waite range reduction x = n*ln2 + r with |r| <= ln2/2, then the minimax polynomial
// of Cephes' expf (max relative error about 1.2e-7 on the reduced range), scaled by 2^n built
// from the exponent bits.
const LOG2E: f32 = 1.44269504088896341;
const LN2_HI: f32 = 0.693359375;
const LN2_LO: f32 = -2.12194440e-4;
const EXP_HI: f32 = 88.3762626647949; // above this expf overflows
const EXP_LO: f32 = -87.3365447504; // below this the result is subnormal; we flush it to 0

// @ts-ignore: decorator
@inline export function exp_v(x: v128): v128 {
  const over = f32x4.gt(x, f32x4.splat(EXP_HI));
  const under = f32x4.lt(x, f32x4.splat(EXP_LO));
  // min/max propagate NaN, so NaN stays NaN through the clamp
  let xc = f32x4.min(f32x4.max(x, f32x4.splat(EXP_LO)), f32x4.splat(EXP_HI));
  const n = f32x4.nearest(f32x4.mul(xc, f32x4.splat(LOG2E)));
  let r = f32x4.sub(xc, f32x4.mul(n, f32x4.splat(LN2_HI)));
  r = f32x4.sub(r, f32x4.mul(n, f32x4.splat(LN2_LO)));
  let p = f32x4.splat(1.9875691500e-4);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.3981999507e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(8.3334519073e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(4.1665795894e-2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.6666665459e-1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(5.0000001201e-1));
  const r2 = f32x4.mul(r, r);
  p = f32x4.add(f32x4.add(f32x4.mul(p, r2), r), f32x4.splat(1.0));
  // 2^n: n is in [-126, 127] after the clamp, so the biased exponent is a normal one
  const scale = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(n), i32x4.splat(127)), 23);
  let y = f32x4.mul(p, scale);
  y = v128.bitselect(f32x4.splat(Infinity), y, over);
  y = v128.andnot(y, under); // flush to +0 below EXP_LO
  return y;
}

// expm1 = exp(x) - 1 without the cancellation near 0: a Taylor polynomial of degree 8 for
// |x| < 0.5 (truncation below 1e-8 relative), exp(x) - 1 elsewhere (cancellation at most 2.6x).
// @ts-ignore: decorator
@inline export function expm1_v(x: v128): v128 {
  let p = f32x4.splat(1.0 / 40320.0);
  p = f32x4.add(f32x4.mul(p, x), f32x4.splat(1.0 / 5040.0));
  p = f32x4.add(f32x4.mul(p, x), f32x4.splat(1.0 / 720.0));
  p = f32x4.add(f32x4.mul(p, x), f32x4.splat(1.0 / 120.0));
  p = f32x4.add(f32x4.mul(p, x), f32x4.splat(1.0 / 24.0));
  p = f32x4.add(f32x4.mul(p, x), f32x4.splat(1.0 / 6.0));
  p = f32x4.add(f32x4.mul(p, x), f32x4.splat(0.5));
  p = f32x4.add(f32x4.mul(p, x), f32x4.splat(1.0));
  p = f32x4.mul(p, x);
  const big = f32x4.sub(exp_v(x), f32x4.splat(1.0));
  const small = f32x4.lt(f32x4.abs(x), f32x4.splat(0.5));
  return v128.bitselect(p, big, small);
}

// tanh: Cephes' tanhf odd polynomial for |x| < 0.625, where 1 - 2/(e^2x + 1) would cancel;
// 1 - 2/(e^(2|x|) + 1) with the sign restored elsewhere (it saturates to 1 once e^2x overflows).
// @ts-ignore: decorator
@inline export function tanh_v(x: v128): v128 {
  const ax = f32x4.abs(x);
  const z = f32x4.mul(x, x);
  let p = f32x4.splat(-5.70498872745e-3);
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(2.06390887954e-2));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(-5.37397155531e-2));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(1.33314422036e-1));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(-3.33332819422e-1));
  const small = f32x4.add(f32x4.mul(f32x4.mul(p, z), x), x);
  const e = exp_v(f32x4.add(ax, ax));
  let big = f32x4.sub(f32x4.splat(1.0), f32x4.div(f32x4.splat(2.0), f32x4.add(e, f32x4.splat(1.0))));
  // copy the sign of x onto big
  big = v128.or(big, v128.and(x, i32x4.splat(0x80000000)));
  return v128.bitselect(small, big, f32x4.lt(ax, f32x4.splat(0.625)));
}

// sigmoid = 1 / (1 + e^-x). For x < -87 the result (below 1e-38) is flushed to 0.
// @ts-ignore: decorator
@inline export function sigmoid_v(x: v128): v128 {
  return f32x4.div(f32x4.splat(1.0), f32x4.add(f32x4.splat(1.0), exp_v(f32x4.neg(x))));
}

// Scalar entry points over the same vector code, for tails and for the tests.
export function f32_exp(x: f32): f32 { return f32x4.extract_lane(exp_v(f32x4.splat(x)), 0); }
export function f32_expm1(x: f32): f32 { return f32x4.extract_lane(expm1_v(f32x4.splat(x)), 0); }
export function f32_tanh(x: f32): f32 { return f32x4.extract_lane(tanh_v(f32x4.splat(x)), 0); }
export function f32_sigmoid(x: f32): f32 { return f32x4.extract_lane(sigmoid_v(f32x4.splat(x)), 0); }
