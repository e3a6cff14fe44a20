/**
 * Wrappers of assembly/kernels/f32_dropout.ts: inverted dropout whose mask is a pure function
 * of (seed, step, example index, column), so it does not depend on how a batch is split across
 * workers: pass each shard's first example index as rowOffset. The backward pass regenerates
 * the mask from the same arguments.
 * @internal
 */
import type { Engine } from '../engine';
import { checkDim, checkRegion } from '../check';
import { checkSameOrDisjoint } from './f32_elementwise';
import { checkU32 } from './f32_random';

// The random fills share the generator; they live in f32_random.ts and are re-exported here.
export { f32_random_normal, f32_random_uniform } from './f32_random';

function checkDropout(
  e: Engine,
  K: string,
  inName: string,
  inp: number,
  outName: string,
  out: number,
  rows: number,
  cols: number,
  rate: number,
  seed: number,
  step: number,
  rowOffset: number,
): void {
  checkDim(K, 'rows', rows);
  checkDim(K, 'cols', cols);
  checkRegion(e, K, inName, inp, rows * cols);
  checkRegion(e, K, outName, out, rows * cols);
  checkSameOrDisjoint(K, outName, out, rows * cols, inName, inp, rows * cols);
  if (!(rate >= 0 && rate <= 1)) throw new RangeError(`${K}: rate must be a number in [0, 1], got ${rate}`);
  checkU32(K, 'seed', seed);
  checkU32(K, 'step', step);
  checkU32(K, 'rowOffset', rowOffset);
  if (rowOffset + rows > 2 ** 32) throw new RangeError(`${K}: rowOffset + rows must be at most 2^32, got ${rowOffset + rows}`);
}

/**
 * Inverted dropout of a rows x cols batch: element (r, j) is kept iff
 * uniform(seed, step, rowOffset + r, j) >= rate; y = kept ? x / (1 - rate) : 0 (NaN in x stays
 * NaN even where dropped). y may be x. rate = 1 drops everything.
 */
export function f32_dropout_forward(
  e: Engine,
  x: number,
  y: number,
  rows: number,
  cols: number,
  rate: number,
  seed: number,
  step: number,
  rowOffset: number,
): void {
  checkDropout(e, 'f32_dropout_forward', 'x', x, 'y', y, rows, cols, rate, seed, step, rowOffset);
  e.k.f32_dropout_forward(x, y, rows, cols, rate, seed, step, rowOffset);
}

/** dx = dy through the mask and scale of f32_dropout_forward with the same arguments; dx may be dy. */
export function f32_dropout_backward(
  e: Engine,
  dy: number,
  dx: number,
  rows: number,
  cols: number,
  rate: number,
  seed: number,
  step: number,
  rowOffset: number,
): void {
  checkDropout(e, 'f32_dropout_backward', 'dy', dy, 'dx', dx, rows, cols, rate, seed, step, rowOffset);
  e.k.f32_dropout_backward(dy, dx, rows, cols, rate, seed, step, rowOffset);
}

function checkSpatial(
  e: Engine,
  K: string,
  inName: string,
  inp: number,
  outName: string,
  out: number,
  rows: number,
  pixels: number,
  channels: number,
  rate: number,
  seed: number,
  step: number,
  rowOffset: number,
): void {
  checkDim(K, 'pixels', pixels);
  checkDropout(e, K, inName, inp, outName, out, rows, pixels * channels, rate, seed, step, rowOffset);
  checkDim(K, 'channels', channels);
}

/**
 * Spatial dropout of a rows x pixels x channels batch (Keras SpatialDropout2D, channels last):
 * channel j of example r is kept iff uniform(seed, step, rowOffset + r, j) >= rate, at every
 * pixel; kept channels are scaled by 1 / (1 - rate). y may be x.
 */
export function f32_spatial_dropout_forward(
  e: Engine,
  x: number,
  y: number,
  rows: number,
  pixels: number,
  channels: number,
  rate: number,
  seed: number,
  step: number,
  rowOffset: number,
): void {
  checkSpatial(e, 'f32_spatial_dropout_forward', 'x', x, 'y', y, rows, pixels, channels, rate, seed, step, rowOffset);
  e.k.f32_spatial_dropout_forward(x, y, rows, pixels, channels, rate, seed, step, rowOffset);
}

/** dx = dy through the channel mask and scale of f32_spatial_dropout_forward with the same arguments; dx may be dy. */
export function f32_spatial_dropout_backward(
  e: Engine,
  dy: number,
  dx: number,
  rows: number,
  pixels: number,
  channels: number,
  rate: number,
  seed: number,
  step: number,
  rowOffset: number,
): void {
  checkSpatial(e, 'f32_spatial_dropout_backward', 'dy', dy, 'dx', dx, rows, pixels, channels, rate, seed, step, rowOffset);
  e.k.f32_spatial_dropout_backward(dy, dx, rows, pixels, channels, rate, seed, step, rowOffset);
}
