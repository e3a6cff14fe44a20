// Natural logarithm on f32x4 lanes: log and log1p, for the losses on probabilities, the
// log1p(exp(-|z|)) term of binary cross-entropy on logits, and Box-Muller in rng.ts.
// (Kept beside f32_math.ts, which holds the exp family, as the log family.)
//
// log: split x = m * 2^e with m in [sqrt(1/2), sqrt(2)) from the float's bits, then
// log(x) = log1p(f) + e*ln2 with f = m - 1 in [-0.29, 0.41], and Cephes' logf minimax polynomial
// for log1p(f) on that range (relative error about 1e-7). ln2 is split into a short high part
// (exact when multiplied by e) and a low part, as in exp. Subnormal inputs are scaled by 2^23
// first, so they get full accuracy. log(0) = -Infinity, log(x < 0) = NaN, log(Infinity) =
// Infinity, log(NaN) = NaN.
//
// log1p(x) = log(u) - ((u - 1) - x) / u with u = 1 + x rounded: the correction term restores
// the part of x that the rounding of 1 + x dropped, which keeps log1p relatively accurate for
// tiny x (u - 1 is exact there).
//
// Like f32_math.ts, kernels call the vector forms for their scalar tails too (splat, compute,
// take lane 0), so a value gets the same bits at any position.

const LN2_HI: f32 = 0.693359375;
const LN2_LO: f32 = -2.12194440e-4;
const SQRT_HALF: f32 = 0.707106781186547524;

// @ts-ignore: decorator
@inline export function log_v(x: v128): v128 {
  // subnormals (and 0): scale by 2^23 into the normal range, and remember to subtract 23 * ln2
  const tiny = f32x4.lt(x, f32x4.splat(1.17549435e-38));
  const bits = v128.bitselect(f32x4.mul(x, f32x4.splat(8388608.0)), x, tiny);
  // e = biased exponent - 126, m = mantissa with exponent of 0.5: xs = m * 2^e, m in [0.5, 1)
  let e = i32x4.sub(i32x4.shr_u(bits, 23), i32x4.splat(126));
  let m = v128.or(v128.and(bits, i32x4.splat(0x007fffff)), i32x4.splat(0x3f000000));
  e = i32x4.sub(e, v128.and(tiny, i32x4.splat(23)));
  // m < sqrt(1/2): use 2m (in [1, sqrt 2)) and e - 1, so that f = m - 1 is centred on 0
  const lo = f32x4.lt(m, f32x4.splat(SQRT_HALF));
  e = i32x4.add(e, lo); // lo lanes are -1
  m = v128.bitselect(f32x4.add(m, m), m, lo);
  const f = f32x4.sub(m, f32x4.splat(1.0));
  const ef = f32x4.convert_i32x4_s(e);
  const z = f32x4.mul(f, f);
  let p = f32x4.splat(7.0376836292e-2);
  p = f32x4.add(f32x4.mul(p, f), f32x4.splat(-1.1514610310e-1));
  p = f32x4.add(f32x4.mul(p, f), f32x4.splat(1.1676998740e-1));
  p = f32x4.add(f32x4.mul(p, f), f32x4.splat(-1.2420140846e-1));
  p = f32x4.add(f32x4.mul(p, f), f32x4.splat(1.4249322787e-1));
  p = f32x4.add(f32x4.mul(p, f), f32x4.splat(-1.6668057665e-1));
  p = f32x4.add(f32x4.mul(p, f), f32x4.splat(2.0000714765e-1));
  p = f32x4.add(f32x4.mul(p, f), f32x4.splat(-2.4999993993e-1));
  p = f32x4.add(f32x4.mul(p, f), f32x4.splat(3.3333331174e-1));
  let y = f32x4.mul(f32x4.mul(p, f), z);
  y = f32x4.add(y, f32x4.mul(ef, f32x4.splat(LN2_LO)));
  y = f32x4.sub(y, f32x4.mul(z, f32x4.splat(0.5)));
  let r = f32x4.add(f32x4.add(f, y), f32x4.mul(ef, f32x4.splat(LN2_HI)));
  // special values: +Infinity and NaN map to themselves, 0 to -Infinity, negatives to NaN
  r = v128.bitselect(x, r, v128.not(f32x4.lt(x, f32x4.splat(Infinity))));
  r = v128.bitselect(f32x4.splat(-Infinity), r, f32x4.eq(x, f32x4.splat(0)));
  return v128.bitselect(f32x4.splat(NaN), r, f32x4.lt(x, f32x4.splat(0)));
}

// @ts-ignore: decorator
@inline export function log1p_v(x: v128): v128 {
  const one = f32x4.splat(1.0);
  const u = f32x4.add(one, x);
  const r = f32x4.sub(log_v(u), f32x4.div(f32x4.sub(f32x4.sub(u, one), x), u));
  // u = Infinity (x huge or +Infinity) or u = 0 (x = -1): log(u) alone is the answer, and the
  // correction would be Infinity - Infinity or 0 / 0
  const edge = v128.or(f32x4.eq(u, f32x4.splat(Infinity)), f32x4.eq(u, f32x4.splat(0)));
  return v128.bitselect(log_v(u), r, edge);
}

// Scalar entry points over the same vector code, for tails and for the tests.
export function f32_log(x: f32): f32 { return f32x4.extract_lane(log_v(f32x4.splat(x)), 0); }
export function f32_log1p(x: f32): f32 { return f32x4.extract_lane(log1p_v(f32x4.splat(x)), 0); }
