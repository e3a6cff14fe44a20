// Partial f32x4 loads and stores, and horizontal sums: the pieces every element-wise kernel
// uses for the last n % 4 elements of an array.
//
// A kernel runs its tail through the SAME vector code as its body: the k < 4 remaining floats
// are loaded into the low lanes of a vector (the other lanes read as 0, and nothing past the
// array is touched), the vector step runs, and only the k valid lanes are stored. So an
// element gets the same bits whichever position it has in the array. The padding lanes may
// compute garbage (0/0 = NaN, say); they are never stored, and wasm float ops do not trap.

/** Loads k floats (1 <= k <= 4) into lanes 0..k-1; the other lanes are 0. Reads only k floats. */
// @ts-ignore: decorator
@inline export function load_partial(p: usize, k: i32): v128 {
  if (k >= 4) return v128.load(p);
  if (k == 1) return v128.load32_zero(p);
  const v = v128.load64_zero(p);
  if (k == 2) return v;
  return f32x4.replace_lane(v, 2, load<f32>(p, 8));
}

/** Stores lanes 0..k-1 of v (1 <= k <= 4) to k floats at p. Writes only k floats. */
// @ts-ignore: decorator
@inline export function store_partial(p: usize, v: v128, k: i32): void {
  if (k >= 4) { v128.store(p, v); return; }
  if (k == 1) { v128.store32_lane(p, v, 0); return; }
  v128.store64_lane(p, v, 0);
  if (k == 3) v128.store32_lane(p, v, 2, 8);
}

/** (l0 + l1) + (l2 + l3): the lane order every f32 row reduction uses (as f32_softmax does). */
// @ts-ignore: decorator
@inline export function hsum(v: v128): f32 {
  return (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1)) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}

/** max(max(l0, l1), max(l2, l3)), propagating NaN (wasm's f32.max does). */
// @ts-ignore: decorator
@inline export function hmax(v: v128): f32 {
  return max(max(f32x4.extract_lane(v, 0), f32x4.extract_lane(v, 1)), max(f32x4.extract_lane(v, 2), f32x4.extract_lane(v, 3)));
}

/** Lanes 2 and 3 of an f32x4 widened to an f64x2 (f64x2.promote_low_f32x4 widens lanes 0 and 1). */
// @ts-ignore: decorator
@inline export function promote_hi(v: v128): v128 {
  return f64x2.promote_low_f32x4(i64x2.shuffle(v, v, 1, 0));
}
