// Counter-based random numbers: every value is a pure function of (seed, stream, a, b), with
// no generator state. A kernel asks for "the number of example a, column b" and gets the same
// bits whichever thread computes it, in whatever order, with whatever batch split: that is what
// makes dropout masks and augmentations independent of the worker count.
//
//   rng_u32(seed, stream, a, b) -> u32       the hash (scalar); rng_u32_v: four lanes of a, b
//   rng_uniform_v(h)            -> [0, 1)    24 bits of a hash, exactly k / 2^24
//   rng_normal_v(h)             -> N(0, 1)   Box-Muller from one hash
//
// How to use it:
// - seed: the user's seed (mixed with a layer or pipeline id by the caller);
// - stream: what the numbers are for (dropout passes the training step; the augmentation
//   kernels tag theirs with a letter in the top byte, see f32_augment.ts), so that two uses of
//   one seed do not draw the same numbers;
// - (a, b): the counter, e.g. (example index, column), or (hi, lo) words of a 64-bit counter.
//
// The hash chains lowbias32 (Chris Wellons' hash-prospector: two multiply-xorshift rounds, a
// bijection of u32 with very low avalanche bias) over the four words:
//   h = mix(seed + 0x9e3779b9); h = mix(h ^ stream); h = mix(h ^ a); h = mix(h ^ b ^ 0x632be5ab)
// Each step is a bijection of the running state, so for fixed (seed, stream, a) distinct b give
// distinct outputs. It is not a cryptographic generator; for training noise it passes the
// uniformity (chi-square) and moment checks in test/kernels/f32_dropout.test.ts.
//
// The vector forms do the same integer arithmetic lane by lane (i32x4.mul wraps like u32 *),
// and the float helpers exist only as vector code: scalar callers splat and take lane 0, so a
// value has the same bits whichever form computed it.
import { log_v } from './f32_log';

// @ts-ignore: decorator
@inline function mix(x: u32): u32 {
  x ^= x >>> 16; x *= 0x7feb352d;
  x ^= x >>> 15; x *= 0x846ca68b;
  x ^= x >>> 16;
  return x;
}

// @ts-ignore: decorator
@inline function mix_v(x: v128): v128 {
  x = v128.xor(x, i32x4.shr_u(x, 16)); x = i32x4.mul(x, i32x4.splat(0x7feb352d));
  x = v128.xor(x, i32x4.shr_u(x, 15)); x = i32x4.mul(x, i32x4.splat(<i32>0x846ca68b));
  return v128.xor(x, i32x4.shr_u(x, 16));
}

/** The hash of (seed, stream, a, b): a uniformly distributed u32. */
// @ts-ignore: decorator
@inline export function rng_u32(seed: u32, stream: u32, a: u32, b: u32): u32 {
  let h = mix(seed + 0x9e3779b9);
  h = mix(h ^ stream);
  h = mix(h ^ a);
  return mix(h ^ b ^ 0x632be5ab);
}

/** rng_u32 of four counters at once: lane l hashes (seed, stream, a[l], b[l]). */
// @ts-ignore: decorator
@inline export function rng_u32_v(seed: u32, stream: u32, a: v128, b: v128): v128 {
  // the first two steps do not depend on the counter
  const h = mix(mix(seed + 0x9e3779b9) ^ stream);
  const ha = mix_v(v128.xor(i32x4.splat(h), a));
  return mix_v(v128.xor(v128.xor(ha, b), i32x4.splat(0x632be5ab)));
}

/** A second, independent-looking u32 from a hash (one more lowbias32 round), for two-draw samplers. */
// @ts-ignore: decorator
@inline export function rng_next_v(h: v128): v128 {
  return mix_v(v128.xor(h, i32x4.splat(<i32>0x85ebca6b)));
}

/** Uniform in [0, 1): the top 24 bits of h times 2^-24, exact in f32 (so never 1.0). */
// @ts-ignore: decorator
@inline export function rng_uniform_v(h: v128): v128 {
  return f32x4.mul(f32x4.convert_i32x4_u(i32x4.shr_u(h, 8)), f32x4.splat(5.9604644775390625e-8));
}

// cos(2 pi u) for u in [0, 1]: q = round(4u) picks the quadrant, f = u - q/4 in [-1/8, 1/8] is
// exact, and Cephes' sinf / cosf polynomials on a = 2 pi f in [-pi/4, pi/4] (error below 1e-7)
// give cos(a + q pi/2) = cos a, -sin a, -cos a, sin a for q = 0, 1, 2, 3 (mod 4).
// @ts-ignore: decorator
@inline export function cos_turn_v(u: v128): v128 {
  const q = f32x4.nearest(f32x4.mul(u, f32x4.splat(4)));
  const a = f32x4.mul(f32x4.sub(u, f32x4.mul(q, f32x4.splat(0.25))), f32x4.splat(6.283185307179586));
  const z = f32x4.mul(a, a);
  let s = f32x4.splat(-1.9515295891e-4);
  s = f32x4.add(f32x4.mul(s, z), f32x4.splat(8.3321608736e-3));
  s = f32x4.add(f32x4.mul(s, z), f32x4.splat(-1.6666654611e-1));
  s = f32x4.add(f32x4.mul(f32x4.mul(s, z), a), a);
  let c = f32x4.splat(2.443315711809948e-5);
  c = f32x4.add(f32x4.mul(c, z), f32x4.splat(-1.388731625493765e-3));
  c = f32x4.add(f32x4.mul(c, z), f32x4.splat(4.166664568298827e-2));
  c = f32x4.add(f32x4.sub(f32x4.mul(f32x4.mul(c, z), z), f32x4.mul(z, f32x4.splat(0.5))), f32x4.splat(1));
  const qi = i32x4.trunc_sat_f32x4_s(q);
  const odd = i32x4.eq(v128.and(qi, i32x4.splat(1)), i32x4.splat(1));
  const neg = i32x4.eq(v128.and(i32x4.add(qi, i32x4.splat(1)), i32x4.splat(2)), i32x4.splat(2));
  const r = v128.bitselect(s, c, odd);
  return v128.xor(r, v128.and(neg, i32x4.splat(0x80000000)));
}

/**
 * A standard normal from one hash h (Box-Muller, cosine branch): u1 in (0, 1] from h,
 * u2 in [0, 1) from rng_next_v(h); z = sqrt(-2 ln u1) cos(2 pi u2). With 24-bit uniforms
 * |z| <= sqrt(2 * 24 ln 2) = 5.77: the tails beyond (probability 8e-9) are cut.
 */
// @ts-ignore: decorator
@inline export function rng_normal_v(h: v128): v128 {
  const u1 = f32x4.mul(f32x4.convert_i32x4_u(i32x4.add(i32x4.shr_u(h, 8), i32x4.splat(1))), f32x4.splat(5.9604644775390625e-8));
  const u2 = rng_uniform_v(rng_next_v(h));
  const radius = f32x4.sqrt(f32x4.mul(f32x4.splat(-2), log_v(u1)));
  return f32x4.mul(radius, cos_turn_v(u2));
}

/** Scalar forms over the vector code (lane 0), for per-example parameters. */
// @ts-ignore: decorator
@inline export function rng_uniform(seed: u32, stream: u32, a: u32, b: u32): f32 {
  return f32x4.extract_lane(rng_uniform_v(i32x4.splat(rng_u32(seed, stream, a, b))), 0);
}

// @ts-ignore: decorator
@inline export function rng_normal(seed: u32, stream: u32, a: u32, b: u32): f32 {
  return f32x4.extract_lane(rng_normal_v(i32x4.splat(rng_u32(seed, stream, a, b))), 0);
}
