/**
 * Wrappers of assembly/kernels/f32_conv2d.ts: NHWC 2-D convolution (forward, input gradient,
 * filter and bias gradient) by im2col and the packed gemm (Winograd's F(2x2, 3x3) for 3x3 stride-1
 * filters, direct kernels for thin ones), plus the geometry every convolution
 * shares (output size and Keras' padding rule), which f32_depthwise_conv2d.ts reuses.
 * @internal
 */
import type { Engine } from '../engine';
import { ShapeError } from '../../errors';
import { checkDim, checkDisjoint, checkRegion } from '../check';

/** Keras' padding modes. */
export type ConvPadding = 'valid' | 'same';

/**
 * The geometry of one convolution over a batch: the input (n x h x w x c), the output channels
 * (oc; for a depthwise convolution, c x depthMultiplier), the filter size, strides, dilations,
 * the padding before the first row and column, and the output size.
 */
export interface ConvGeometry {
  n: number;
  h: number;
  w: number;
  c: number;
  oc: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  dh: number;
  dw: number;
  /** Padding rows above and columns left of the input (the rest of 'same' padding goes below/right). */
  pt: number;
  pl: number;
  oh: number;
  ow: number;
}

/**
 * Output length and padding before the input along one axis, by Keras' (TensorFlow's) rule:
 * 'valid' keeps only windows inside the input; 'same' gives ceil(size / stride) outputs and pads
 * max((out - 1) * stride + (k - 1) * dilation + 1 - size, 0) in total, the odd one at the end.
 * The output length is <= 0 when a 'valid' window is larger than the input.
 */
export function convAxis(size: number, k: number, stride: number, dilation: number, padding: ConvPadding): { out: number; before: number } {
  const span = (k - 1) * dilation + 1;
  if (padding === 'valid') return { out: Math.floor((size - span) / stride) + 1, before: 0 };
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + span - size, 0);
  return { out, before: Math.floor(total / 2) };
}

/**
 * Rows of the im2col buffer per chunk: about COL_CHUNK_FLOATS floats (so the chunk stays in the
 * L2 cache between im2col and the gemm's packing) but at least 64 rows (each gemm call packs the
 * whole filter, so a chunk of a few rows would repack it for little work: with 3x3x256 taps,
 * 48K floats are only 20 rows), a multiple of 4 (the gemm's row tile), at most the rows needed
 * (n * oh * ow rounded up to 4).
 */
export function conv2dColRows(g: Pick<ConvGeometry, 'kh' | 'kw' | 'c'>, maxRows: number): number {
  const k = g.kh * g.kw * g.c;
  const chunk = Math.max(64, Math.floor(COL_CHUNK_FLOATS / k / 4) * 4);
  return Math.max(4, Math.min(chunk, Math.ceil(maxRows / 4) * 4));
}

/** Floats of the im2col chunk buffer. */
export const COL_CHUNK_FLOATS = 48 * 1024;

/**
 * Whether a convolution can run by Winograd's F(2x2, 3x3) (assembly/kernels/f32_conv2d_winograd.ts):
 * a 3x3 filter, stride 1, no dilation, input and output channels multiples of 4, at least 8 each.
 * The kernel's winogradApplies makes the same test.
 */
export function conv2dWinograd(g: Pick<ConvGeometry, 'c' | 'oc' | 'kh' | 'kw' | 'sh' | 'sw' | 'dh' | 'dw'>): boolean {
  return g.kh === 3 && g.kw === 3 && g.sh === 1 && g.sw === 1 && g.dh === 1 && g.dw === 1 && g.c % 4 === 0 && g.oc % 4 === 0 && g.c >= 8 && g.oc >= 8;
}

/**
 * Floats the col buffer needs for colRows rows, 0 when the convolution needs none (1x1, stride 1,
 * no padding). A Winograd convolution needs room for its transformed filter (16 x c x oc), a chunk
 * of transformed tiles (max(4, colRows / 4) tiles x 16 x (c + oc)), a padded input tile, a row of
 * zeros and 48 floats (the layout winogradTiles describes in assembly/kernels/f32_conv2d_winograd.ts).
 */
export function conv2dColFloats(g: Omit<ConvGeometry, 'n'>, colRows: number): number {
  const pointwise = g.kh === 1 && g.kw === 1 && g.sh === 1 && g.sw === 1 && g.pt === 0 && g.pl === 0 && g.oh === g.h && g.ow === g.w;
  if (pointwise) return 0;
  const im2col = colRows * g.kh * g.kw * g.c;
  if (!conv2dWinograd(g)) return im2col;
  const tiles = Math.max(4, (colRows >> 2) & ~3);
  return Math.max(im2col, 16 * g.c * g.oc + tiles * 16 * (g.c + g.oc) + 17 * Math.max(g.c, g.oc) + 48);
}

/** Checks a geometry's numbers: dimensions, positive filter, strides and dilations, consistent output size. @internal */
export function checkGeometry(K: string, g: ConvGeometry, ocPerC = 0): void {
  for (const name of ['n', 'h', 'w', 'c', 'oc', 'oh', 'ow', 'pt', 'pl'] as const) checkDim(K, name, g[name]);
  for (const name of ['kh', 'kw', 'sh', 'sw', 'dh', 'dw'] as const) {
    if (!Number.isInteger(g[name]) || g[name] < 1) throw new RangeError(`${K}: ${name} must be a positive integer, got ${g[name]}`);
  }
  if (ocPerC > 0 && g.oc !== g.c * ocPerC) throw new ShapeError(`${K}: oc must be c * depthMultiplier = ${g.c * ocPerC}, got ${g.oc}`);
  // every output pixel's window must start inside the padded input
  const lastY = (g.oh - 1) * g.sh - g.pt,
    lastX = (g.ow - 1) * g.sw - g.pl;
  if (g.oh > 0 && lastY >= g.h) throw new ShapeError(`${K}: oh ${g.oh} is too large for h ${g.h}, sh ${g.sh}, pt ${g.pt}`);
  if (g.ow > 0 && lastX >= g.w) throw new ShapeError(`${K}: ow ${g.ow} is too large for w ${g.w}, sw ${g.sw}, pl ${g.pl}`);
}

function geoArgs(g: ConvGeometry, oc: number): Geo {
  return [g.n, g.h, g.w, g.c, oc, g.kh, g.kw, g.sh, g.sw, g.dh, g.dw, g.pt, g.pl, g.oh, g.ow];
}

function sizes(g: ConvGeometry): { x: number; y: number; wt: number; k: number } {
  const k = g.kh * g.kw * g.c;
  return { x: g.n * g.h * g.w * g.c, y: g.n * g.oh * g.ow * g.oc, wt: k * g.oc, k };
}

function checkCol(e: Engine, K: string, g: ConvGeometry, col: number, colRows: number, ws: number): void {
  if (!Number.isInteger(colRows) || colRows < 1) throw new RangeError(`${K}: colRows must be a positive integer, got ${colRows}`);
  checkRegion(e, K, 'col', col, conv2dColFloats(g, colRows));
  checkRegion(e, K, 'ws', ws, e.gemmWorkspaceBytes / 4);
}

/** Buffers of a conv2d call (byte offsets): the im2col chunk buffer and a gemm workspace. */
export interface Conv2dWork {
  /** conv2dColFloats(g, colRows) floats (any valid offset when that is 0). */
  col: number;
  colRows: number;
  /** A gemm workspace (engine.gemmWorkspaceBytes), not used by another thread at the same time. */
  ws: number;
  /**
   * Let thin filters (kh * kw * c <= 32 taps, filters a multiple of 8) skip im2col and run the
   * direct kernels: the forward gives the same bits, the filter gradient agrees within float
   * rounding (it sums in another order). Default true; false forces im2col + gemm (and no Winograd).
   */
  direct?: boolean;
  /**
   * Let 3x3 stride-1 filters ({@link conv2dWinograd}) run by Winograd's F(2x2, 3x3): 2.25x fewer
   * products, results within float rounding of im2col + gemm. Default true (unless `direct` is false).
   */
  winograd?: boolean;
}

/** Bits of the kernels' `fast` argument (FAST_DIRECT and FAST_WINOGRAD in the kernel file). */
const FAST_DIRECT = 1,
  FAST_WINOGRAD = 2;

/** The kernels' `fast` mask for a call's options. */
function fastMask(work: Conv2dWork): number {
  if (work.direct === false) return 0;
  return work.winograd === false ? FAST_DIRECT : FAST_DIRECT | FAST_WINOGRAD;
}

/** y = act(conv2d(x, wt) + bias); bias 0 for none; act an ACTIVATION code. */
export function f32_conv2d_forward(
  e: Engine,
  g: ConvGeometry,
  x: number,
  wt: number,
  bias: number,
  y: number,
  act: number,
  actAlpha: number,
  work: Conv2dWork,
): void {
  const K = 'f32_conv2d_forward';
  checkGeometry(K, g);
  const s = sizes(g);
  checkRegion(e, K, 'x', x, s.x);
  checkRegion(e, K, 'wt', wt, s.wt);
  if (bias) checkRegion(e, K, 'bias', bias, g.oc);
  checkRegion(e, K, 'y', y, s.y);
  checkDisjoint(K, 'y', y, s.y, 'x', x, s.x);
  checkDisjoint(K, 'y', y, s.y, 'wt', wt, s.wt);
  checkCol(e, K, g, work.col, work.colRows, work.ws);
  if (!Number.isInteger(act) || act < 0 || act > 5) throw new RangeError(`${K}: act must be an activation kind 0-5, got ${act}`);
  e.k.f32_conv2d_forward(x, wt, bias, y, ...geoArgs(g, g.oc), act, actAlpha, work.col, work.colRows, work.ws, fastMask(work));
}

/** dx = the gradient w.r.t. the input given dy, the gradient w.r.t. the pre-activation output (dx overwritten). */
export function f32_conv2d_backward_input(e: Engine, g: ConvGeometry, dy: number, wt: number, dx: number, work: Conv2dWork): void {
  const K = 'f32_conv2d_backward_input';
  checkGeometry(K, g);
  const s = sizes(g);
  checkRegion(e, K, 'dy', dy, s.y);
  checkRegion(e, K, 'wt', wt, s.wt);
  checkRegion(e, K, 'dx', dx, s.x);
  checkDisjoint(K, 'dx', dx, s.x, 'dy', dy, s.y);
  checkDisjoint(K, 'dx', dx, s.x, 'wt', wt, s.wt);
  checkCol(e, K, g, work.col, work.colRows, work.ws);
  e.k.f32_conv2d_backward_input(dy, wt, dx, ...geoArgs(g, g.oc), work.col, work.colRows, work.ws, fastMask(work));
}

/** dwt = the filter gradient, and dbias (when not 0) = the bias gradient, both overwritten. */
export function f32_conv2d_backward_filter(e: Engine, g: ConvGeometry, x: number, dy: number, dwt: number, dbias: number, work: Conv2dWork): void {
  const K = 'f32_conv2d_backward_filter';
  checkGeometry(K, g);
  const s = sizes(g);
  checkRegion(e, K, 'x', x, s.x);
  checkRegion(e, K, 'dy', dy, s.y);
  checkRegion(e, K, 'dwt', dwt, s.wt);
  if (dbias) {
    checkRegion(e, K, 'dbias', dbias, g.oc);
    checkDisjoint(K, 'dbias', dbias, g.oc, 'dwt', dwt, s.wt);
    checkDisjoint(K, 'dbias', dbias, g.oc, 'dy', dy, s.y);
  }
  checkDisjoint(K, 'dwt', dwt, s.wt, 'x', x, s.x);
  checkDisjoint(K, 'dwt', dwt, s.wt, 'dy', dy, s.y);
  checkCol(e, K, g, work.col, work.colRows, work.ws);
  e.k.f32_conv2d_backward_filter(x, dy, dwt, dbias, ...geoArgs(g, g.oc), work.col, work.colRows, work.ws, fastMask(work));
}

/** The geometry arguments as the kernels take them. @internal */
export type Geo = [number, number, number, number, number, number, number, number, number, number, number, number, number, number, number];

/** The geometry arguments of a kernel call, with `oc` replaced (the depthwise kernels take the depth multiplier). @internal */
export function geometryArgs(g: ConvGeometry, oc: number): Geo {
  return geoArgs(g, oc);
}
