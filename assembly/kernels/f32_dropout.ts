// Inverted dropout, with masks from the counter-based generator of rng.ts.
//
// Dropout: element (r, j) of a rows x cols batch is kept iff
//   uniform(rng_u32(seed, step, rowOffset + r, j)) >= rate,
// so the mask depends only on (seed, step, example index, column): never on which worker runs
// which rows. Kept elements are scaled by 1 / (1 - rate) (rounded once to f32; a product, so
// the expected value of each output equals its input), dropped ones become 0. The mask is
// applied as a product with 0 or 1, so a NaN or Infinity in x still shows up (as NaN) where it
// is dropped, as in TensorFlow and PyTorch: a diverging activation is never hidden by the mask.
// The backward pass regenerates the mask from the same counters instead of storing it.
//
// rate = 1 drops everything (the scale is taken as 0, not Infinity).
import { load_partial, store_partial } from './f32x4_util';
import { rng_u32_v, rng_uniform_v } from './rng';

// out = in * scale * keep(r, j) over the batch; forward and backward differ only in names.
// @ts-ignore: decorator
@inline function dropout(src: usize, dst: usize, rows: i32, cols: i32, rate: f64, seed: u32, step: u32, rowOffset: u32): void {
  const scale = f32x4.splat(rate < 1 ? <f32>(1.0 / (1.0 - rate)) : 0);
  const thr = f32x4.splat(<f32>rate), one = f32x4.splat(1), four = i32x4.splat(4);
  const rowB = <usize>cols << 2;
  for (let r = 0; r < rows; r++) {
    const a = i32x4.splat(rowOffset + <u32>r);
    const sr = src + <usize>r * rowB, dr = dst + <usize>r * rowB;
    let jv = i32x4(0, 1, 2, 3);
    // full vectors with k = 4 (the partial loads and stores fold to plain ones), then the tail
    const jEnd = cols & ~3;
    let j = 0;
    for (; j < jEnd; j += 4) {
      const o = <usize>j << 2, k = 4;
      const keep = v128.and(one, f32x4.ge(rng_uniform_v(rng_u32_v(seed, step, a, jv)), thr));
      store_partial(dr + o, f32x4.mul(f32x4.mul(load_partial(sr + o, k), scale), keep), k);
      jv = i32x4.add(jv, four);
    }
    if (j < cols) {
      const o = <usize>j << 2, k = cols - j;
      const keep = v128.and(one, f32x4.ge(rng_uniform_v(rng_u32_v(seed, step, a, jv)), thr));
      store_partial(dr + o, f32x4.mul(f32x4.mul(load_partial(sr + o, k), scale), keep), k);
      jv = i32x4.add(jv, four);
    }
  }
}

/** y = inverted dropout of x (rows x cols); row r is example rowOffset + r. y may be x. */
export function f32_dropout_forward(x: usize, y: usize, rows: i32, cols: i32, rate: f64, seed: u32, step: u32, rowOffset: u32): void {
  dropout(x, y, rows, cols, rate, seed, step, rowOffset);
}

/** dx = dy through the same mask and scale as f32_dropout_forward with the same arguments. dx may be dy. */
export function f32_dropout_backward(dy: usize, dx: usize, rows: i32, cols: i32, rate: f64, seed: u32, step: u32, rowOffset: u32): void {
  dropout(dy, dx, rows, cols, rate, seed, step, rowOffset);
}

// Spatial dropout (Keras SpatialDropout2D, channels last): a rows x (pixels x channels) batch
// where channel j of example r is kept or dropped as a whole, iff
//   uniform(rng_u32(seed, step, rowOffset + r, j)) >= rate,
// the same test as dropout's column j, so the mask is again a function of (seed, step, example,
// channel) only. Kept channels are scaled by 1 / (1 - rate); NaN and Infinity propagate as in
// dropout (a product with 0 or 1).
// @ts-ignore: decorator
@inline function spatial_dropout(src: usize, dst: usize, rows: i32, pixels: i32, channels: i32, rate: f64, seed: u32, step: u32, rowOffset: u32): void {
  const scale = f32x4.splat(rate < 1 ? <f32>(1.0 / (1.0 - rate)) : 0);
  const thr = f32x4.splat(<f32>rate), one = f32x4.splat(1);
  const pixB = <usize>channels << 2, rowB = <usize>pixels * pixB;
  for (let r = 0; r < rows; r++) {
    const a = i32x4.splat(rowOffset + <u32>r);
    const sr = src + <usize>r * rowB, dr = dst + <usize>r * rowB;
    for (let j = 0; j < channels; j += 4) {
      const o = <usize>j << 2, k = channels - j;
      const keep = v128.and(one, f32x4.ge(rng_uniform_v(rng_u32_v(seed, step, a, i32x4.add(i32x4.splat(j), i32x4(0, 1, 2, 3)))), thr));
      for (let p = 0; p < pixels; p++) {
        const q = <usize>p * pixB + o;
        store_partial(dr + q, f32x4.mul(f32x4.mul(load_partial(sr + q, k), scale), keep), k);
      }
    }
  }
}

/** y = spatial dropout of x (rows x pixels x channels): whole channels of an example dropped. y may be x. */
export function f32_spatial_dropout_forward(x: usize, y: usize, rows: i32, pixels: i32, channels: i32, rate: f64, seed: u32, step: u32, rowOffset: u32): void {
  spatial_dropout(x, y, rows, pixels, channels, rate, seed, step, rowOffset);
}

/** dx = dy through the channel mask and scale of f32_spatial_dropout_forward with the same arguments. dx may be dy. */
export function f32_spatial_dropout_backward(dy: usize, dx: usize, rows: i32, pixels: i32, channels: i32, rate: f64, seed: u32, step: u32, rowOffset: u32): void {
  spatial_dropout(dy, dx, rows, pixels, channels, rate, seed, step, rowOffset);
}
