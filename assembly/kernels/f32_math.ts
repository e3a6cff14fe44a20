// Vector math shared by the kernels: exp, expm1, tanh and sigmoid on f32x4 lanes.
//
// Every kernel that needs one of these calls the vector form, also for the scalar tail of an
// array (the value is splatted, computed, and lane 0 taken), so an element gets the same bits
// whichever position it has in the array. Relative error against Math (float64) stays below
// 1e-6 over the normal f32 range; the tests in test/kernels/f32_math.test.ts check that.

// exp: Cody-Waite range reduction x = n*ln2 + r with |r| <= ln2/2, then the minimax polynomial
// of Cephes' expf (max relative error about 1.2e-7 on the reduced range), scaled by 2^n built
// from the exponent bits.
//
// The finite results need n in [-126, 128], one more than the normal exponents: for n = 128
// (x in [127.5 ln2, ln(FLT_MAX) = 88.72284], results up to FLT_MAX) the scale is 2^127 times a
// second factor 2, 1 for every other n. The second product is exact or overflows, so the result
// is still p * 2^n rounded once, and anything above ln(FLT_MAX) overflows to +Infinity in it.
const LOG2E: f32 = 1.44269504088896341;
const LN2_HI: f32 = 0.693359375;
const LN2_LO: f32 = -2.12194440e-4;
const EXP_LO: f32 = -87.3365447504; // ln(FLT_MIN): below this the result is subnormal; we flush it to 0
// nearest(89 log2 e) = 128: the clamp keeps n <= 128 (and Infinity finite for the reduction)
const CLAMP_HI: f32 = 89.0;
// lanes below EXP_LO are replaced by -88, where n = -127 makes the scale bits 0: they come out +0
// without ever computing a subnormal (slow on some CPUs, and softmax lanes often land here)
const FLUSHED: f32 = -88.0;

// @ts-ignore: decorator
@inline export function exp_v(x: v128): v128 {
  // min propagates NaN (and x < EXP_LO is false for it), so NaN stays NaN
  const xc = f32x4.min(v128.bitselect(f32x4.splat(FLUSHED), x, f32x4.lt(x, f32x4.splat(EXP_LO))), f32x4.splat(CLAMP_HI));
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
  // 2^n from the biased exponent n + 127, in [0, 255] after the clamps (0 for the flushed lanes:
  // scale +0); 255 would be Infinity, so it is capped at 254 (2^127) and the rest, 2^0 or 2^1,
  // goes into the second factor
  const bits = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(n), i32x4.splat(127)), 23);
  const scale = i32x4.min_u(bits, i32x4.splat(0x7F000000));
  const extra = i32x4.add(i32x4.sub(bits, scale), i32x4.splat(0x3F800000));
  return f32x4.mul(f32x4.mul(p, scale), extra);
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
// 1 - 2/(e^(2|x|) + 1) elsewhere (it saturates to 1 once e^2x overflows). Both are computed on |x|
// and the sign of x is put back last, so tanh is odd to the bit, tanh(-0) = -0 included.
// @ts-ignore: decorator
@inline export function tanh_v(x: v128): v128 {
  const ax = f32x4.abs(x);
  const z = f32x4.mul(x, x);
  let p = f32x4.splat(-5.70498872745e-3);
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(2.06390887954e-2));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(-5.37397155531e-2));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(1.33314422036e-1));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(-3.33332819422e-1));
  const small = f32x4.add(f32x4.mul(f32x4.mul(p, z), ax), ax);
  const e = exp_v(f32x4.add(ax, ax));
  const big = f32x4.sub(f32x4.splat(1.0), f32x4.div(f32x4.splat(2.0), f32x4.add(e, f32x4.splat(1.0))));
  const t = v128.bitselect(small, big, f32x4.lt(ax, f32x4.splat(0.625)));
  // copy the sign of x onto |tanh x|
  return v128.or(t, v128.and(x, i32x4.splat(0x80000000)));
}

// sigmoid = 1 / (1 + e^-x). Below x = -87.34 the result is subnormal (from the division), and 0
// once e^-x overflows, below x = -ln(FLT_MAX) = -88.72.
// @ts-ignore: decorator
@inline export function sigmoid_v(x: v128): v128 {
  return f32x4.div(f32x4.splat(1.0), f32x4.add(f32x4.splat(1.0), exp_v(f32x4.neg(x))));
}

// Scalar entry points over the same vector code, for tails and for the tests.
export function f32_exp(x: f32): f32 { return f32x4.extract_lane(exp_v(f32x4.splat(x)), 0); }
export function f32_expm1(x: f32): f32 { return f32x4.extract_lane(expm1_v(f32x4.splat(x)), 0); }
export function f32_tanh(x: f32): f32 { return f32x4.extract_lane(tanh_v(f32x4.splat(x)), 0); }
export function f32_sigmoid(x: f32): f32 { return f32x4.extract_lane(sigmoid_v(f32x4.splat(x)), 0); }
