// Arrays of random numbers from the counter-based generator of rng.ts (weight initialization,
// noise): element i is a pure function of (seed, stream, offset + i), so a buffer filled in
// pieces (offset = the piece's start) equals the buffer filled at once.
import { store_partial } from './f32x4_util';
import { rng_u32_v, rng_uniform_v, rng_normal_v } from './rng';

// Element i of a fill uses the 64-bit counter offset + i, split into (a, b) = (high, low) words.
// Within a chunk of 4 the low word may wrap: a lane whose low word is below the chunk's first
// low word carried into the high word.
// @ts-ignore: decorator
@inline function counters_hi(hi: u32, lo0: u32, lo: v128): v128 {
  // lt_u gives -1 (all ones) in carrying lanes: hi - (-1) = hi + 1
  return i32x4.sub(i32x4.splat(hi), i32x4.lt_u(lo, i32x4.splat(lo0)));
}

/** out[i] = uniform [0, 1) number of counter offset + i (24-bit, exactly k / 2^24). */
export function f32_random_uniform(out: usize, n: i32, seed: u32, stream: u32, offset: f64): void {
  const base = <u64>offset;
  for (let i = 0; i < n; i += 4) {
    const c = base + <u64>i;
    const lo0 = <u32>c;
    const lo = i32x4.add(i32x4.splat(lo0), i32x4(0, 1, 2, 3));
    const h = rng_u32_v(seed, stream, counters_hi(<u32>(c >> 32), lo0, lo), lo);
    store_partial(out + (<usize>i << 2), rng_uniform_v(h), n - i);
  }
}

/** out[i] = mean + std * z, z the standard normal of counter offset + i (Box-Muller, |z| <= 5.77). */
export function f32_random_normal(out: usize, n: i32, seed: u32, stream: u32, offset: f64, mean: f64, std: f64): void {
  const base = <u64>offset;
  const vm = f32x4.splat(<f32>mean), vs = f32x4.splat(<f32>std);
  for (let i = 0; i < n; i += 4) {
    const c = base + <u64>i;
    const lo0 = <u32>c;
    const lo = i32x4.add(i32x4.splat(lo0), i32x4(0, 1, 2, 3));
    const h = rng_u32_v(seed, stream, counters_hi(<u32>(c >> 32), lo0, lo), lo);
    store_partial(out + (<usize>i << 2), f32x4.add(vm, f32x4.mul(vs, rng_normal_v(h))), n - i);
  }
}
