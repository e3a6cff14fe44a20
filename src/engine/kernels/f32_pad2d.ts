/**
 * Wrappers of assembly/kernels/f32_pad2d.ts: zero padding of NHWC batches (rows x height x
 * width x channels) and its gradient (the crop of the padded gradient back to the image).
 * @internal
 */
import type { Engine } from '../engine';
import { checkDim, checkDisjoint, checkRegion } from '../check';

/** The shape of one zero padding: the input images and the cells added on each side. */
export interface Pad2dShape {
  rows: number;
  height: number;
  width: number;
  channels: number;
  top: number;
  bottom: number;
  left: number;
  right: number;
}

function check(e: Engine, K: string, s: Pad2dShape, inName: string, inp: number, outName: string, out: number, padded: 'in' | 'out'): void {
  for (const k of ['rows', 'height', 'width', 'channels', 'top', 'bottom', 'left', 'right'] as const) checkDim(K, k, s[k]);
  const image = s.rows * s.height * s.width * s.channels;
  const pad = s.rows * (s.height + s.top + s.bottom) * (s.width + s.left + s.right) * s.channels;
  const inN = padded === 'in' ? pad : image,
    outN = padded === 'out' ? pad : image;
  checkRegion(e, K, inName, inp, inN);
  checkRegion(e, K, outName, out, outN);
  checkDisjoint(K, outName, out, outN, inName, inp, inN);
}

/** y (rows x (top + height + bottom) x (left + width + right) x channels) = x surrounded by zeros. */
export function f32_pad2d_forward(e: Engine, x: number, y: number, s: Pad2dShape): void {
  check(e, 'f32_pad2d_forward', s, 'x', x, 'y', y, 'out');
  e.k.f32_pad2d_forward(x, y, s.rows, s.height, s.width, s.channels, s.top, s.bottom, s.left, s.right);
}

/** dx (rows x height x width x channels) = the image part of dy, the gradient of {@link f32_pad2d_forward}. */
export function f32_pad2d_backward(e: Engine, dy: number, dx: number, s: Pad2dShape): void {
  check(e, 'f32_pad2d_backward', s, 'dy', dy, 'dx', dx, 'in');
  e.k.f32_pad2d_backward(dy, dx, s.rows, s.height, s.width, s.channels, s.top, s.bottom, s.left, s.right);
}
