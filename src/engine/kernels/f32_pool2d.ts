/**
 * Wrappers of assembly/kernels/f32_pool2d.ts: max and average pooling of NHWC batches
 * (rows x height x width x channels, channels last), forward and backward, and global pooling
 * (one window over the whole image).
 *
 * Output size and padding follow TensorFlow: 'valid' gives floor((in - pool) / stride) + 1 and
 * no padding; 'same' gives ceil(in / stride), padded by max((out - 1) * stride + pool - in, 0)
 * cells, the smaller half before (top, left) and the larger after. Padding cells are ignored:
 * max pooling never picks them and average pooling divides by the cells inside the image.
 * @internal
 */
import type { Engine } from '../engine';
import { checkDim, checkDisjoint, checkRegion } from '../check';

/** The shape of one pooling: input image, window, strides and padding. */
export interface Pool2dShape {
  rows: number;
  height: number;
  width: number;
  channels: number;
  poolHeight: number;
  poolWidth: number;
  strideHeight: number;
  strideWidth: number;
  padding: 'valid' | 'same';
}

/** Output size along one axis and the padding before it (TensorFlow's rule). */
export function poolAxis(size: number, pool: number, stride: number, padding: 'valid' | 'same'): { out: number; padBefore: number } {
  if (padding === 'valid') return { out: size >= pool ? Math.floor((size - pool) / stride) + 1 : 0, padBefore: 0 };
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + pool - size, 0);
  return { out, padBefore: Math.floor(total / 2) };
}

/** The full geometry of a pooling, checked: output size and padding before. */
export interface Pool2dGeometry extends Pool2dShape {
  outHeight: number;
  outWidth: number;
  padTop: number;
  padLeft: number;
}

/** Checks a pooling shape and computes its output size and padding. */
export function pool2dGeometry(K: string, s: Pool2dShape): Pool2dGeometry {
  checkDim(K, 'rows', s.rows);
  for (const k of ['height', 'width', 'channels', 'poolHeight', 'poolWidth', 'strideHeight', 'strideWidth'] as const) {
    if (!Number.isInteger(s[k]) || s[k] < 1) throw new RangeError(`${K}: ${k} must be a positive integer, got ${s[k]}`);
  }
  if (s.padding !== 'valid' && s.padding !== 'same') throw new RangeError(`${K}: padding must be 'valid' or 'same', got ${String(s.padding)}`);
  const v = poolAxis(s.height, s.poolHeight, s.strideHeight, s.padding);
  const hz = poolAxis(s.width, s.poolWidth, s.strideWidth, s.padding);
  if (v.out < 1 || hz.out < 1) {
    throw new RangeError(
      `${K}: a ${s.poolHeight} x ${s.poolWidth} pool does not fit a ${s.height} x ${s.width} image with padding 'valid' (the output would be empty)`,
    );
  }
  return { ...s, outHeight: v.out, outWidth: hz.out, padTop: v.padBefore, padLeft: hz.padBefore };
}

function sizes(g: Pool2dGeometry): { inN: number; outN: number } {
  return { inN: g.rows * g.height * g.width * g.channels, outN: g.rows * g.outHeight * g.outWidth * g.channels };
}

/**
 * y = the maximum of each window of x; `argmax` (int32, as many as y, or 0 in inference)
 * receives each winner's offset within its example, for {@link f32_maxpool2d_backward}.
 */
export function f32_maxpool2d_forward(e: Engine, x: number, y: number, argmax: number, shape: Pool2dShape): Pool2dGeometry {
  const K = 'f32_maxpool2d_forward';
  const g = pool2dGeometry(K, shape);
  const { inN, outN } = sizes(g);
  checkRegion(e, K, 'x', x, inN);
  checkRegion(e, K, 'y', y, outN);
  checkDisjoint(K, 'y', y, outN, 'x', x, inN);
  if (argmax !== 0) {
    checkRegion(e, K, 'argmax', argmax, outN);
    checkDisjoint(K, 'argmax', argmax, outN, 'x', x, inN);
    checkDisjoint(K, 'argmax', argmax, outN, 'y', y, outN);
  }
  e.k.f32_maxpool2d_forward(
    x,
    y,
    argmax,
    g.rows,
    g.height,
    g.width,
    g.channels,
    g.outHeight,
    g.outWidth,
    g.poolHeight,
    g.poolWidth,
    g.strideHeight,
    g.strideWidth,
    g.padTop,
    g.padLeft,
  );
  return g;
}

/**
 * dx = the gradient of max pooling: dy added at each window's argmax (from the forward pass
 * with the same shape), 0 elsewhere. Overlapping windows add up.
 */
export function f32_maxpool2d_backward(e: Engine, dy: number, argmax: number, dx: number, shape: Pool2dShape): void {
  const K = 'f32_maxpool2d_backward';
  const g = pool2dGeometry(K, shape);
  const { inN, outN } = sizes(g);
  checkRegion(e, K, 'dy', dy, outN);
  checkRegion(e, K, 'argmax', argmax, outN);
  checkRegion(e, K, 'dx', dx, inN);
  checkDisjoint(K, 'dx', dx, inN, 'dy', dy, outN);
  checkDisjoint(K, 'dx', dx, inN, 'argmax', argmax, outN);
  e.k.f32_maxpool2d_backward(dy, argmax, dx, g.rows, g.height, g.width, g.channels, g.outHeight, g.outWidth);
}

/** y = the mean of each window of x over its cells inside the image. */
export function f32_avgpool2d_forward(e: Engine, x: number, y: number, shape: Pool2dShape): Pool2dGeometry {
  const K = 'f32_avgpool2d_forward';
  const g = pool2dGeometry(K, shape);
  const { inN, outN } = sizes(g);
  checkRegion(e, K, 'x', x, inN);
  checkRegion(e, K, 'y', y, outN);
  checkDisjoint(K, 'y', y, outN, 'x', x, inN);
  e.k.f32_avgpool2d_forward(
    x,
    y,
    g.rows,
    g.height,
    g.width,
    g.channels,
    g.outHeight,
    g.outWidth,
    g.poolHeight,
    g.poolWidth,
    g.strideHeight,
    g.strideWidth,
    g.padTop,
    g.padLeft,
  );
  return g;
}

/** dx = the gradient of average pooling: each window's cells get dy / (its cell count). */
export function f32_avgpool2d_backward(e: Engine, dy: number, dx: number, shape: Pool2dShape): void {
  const K = 'f32_avgpool2d_backward';
  const g = pool2dGeometry(K, shape);
  const { inN, outN } = sizes(g);
  checkRegion(e, K, 'dy', dy, outN);
  checkRegion(e, K, 'dx', dx, inN);
  checkDisjoint(K, 'dx', dx, inN, 'dy', dy, outN);
  e.k.f32_avgpool2d_backward(
    dy,
    dx,
    g.rows,
    g.height,
    g.width,
    g.channels,
    g.outHeight,
    g.outWidth,
    g.poolHeight,
    g.poolWidth,
    g.strideHeight,
    g.strideWidth,
    g.padTop,
    g.padLeft,
  );
}

/** The pooling shape of a global pooling: one window over the whole image. */
function globalShape(rows: number, height: number, width: number, channels: number): Pool2dShape {
  return { rows, height, width, channels, poolHeight: height, poolWidth: width, strideHeight: 1, strideWidth: 1, padding: 'valid' };
}

/** y (rows x channels) = the mean over each image's pixels, per channel. */
export function f32_global_avgpool2d_forward(e: Engine, x: number, y: number, rows: number, height: number, width: number, channels: number): void {
  f32_avgpool2d_forward(e, x, y, globalShape(rows, height, width, channels));
}

/** dx = dy / (height x width) at every pixel: the gradient of global average pooling. */
export function f32_global_avgpool2d_backward(e: Engine, dy: number, dx: number, rows: number, height: number, width: number, channels: number): void {
  f32_avgpool2d_backward(e, dy, dx, globalShape(rows, height, width, channels));
}

/** y (rows x channels) = the maximum over each image's pixels, per channel; argmax as in {@link f32_maxpool2d_forward}. */
export function f32_global_maxpool2d_forward(
  e: Engine,
  x: number,
  y: number,
  argmax: number,
  rows: number,
  height: number,
  width: number,
  channels: number,
): void {
  f32_maxpool2d_forward(e, x, y, argmax, globalShape(rows, height, width, channels));
}

/** dx = dy at each image's per-channel argmax, 0 elsewhere: the gradient of global max pooling. */
export function f32_global_maxpool2d_backward(
  e: Engine,
  dy: number,
  argmax: number,
  dx: number,
  rows: number,
  height: number,
  width: number,
  channels: number,
): void {
  f32_maxpool2d_backward(e, dy, argmax, dx, globalShape(rows, height, width, channels));
}
