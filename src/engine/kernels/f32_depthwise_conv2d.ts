/**
 * Wrappers of assembly/kernels/f32_depthwise_conv2d.ts: NHWC depthwise 2-D convolution (forward,
 * input gradient, filter and bias gradient). The geometry is f32_conv2d's, with oc = c * dm.
 * @internal
 */
import type { Engine } from '../engine';
import { checkDisjoint, checkRegion } from '../check';
import { checkGeometry, geometryArgs, type ConvGeometry } from './f32_conv2d';

function sizes(g: ConvGeometry): { x: number; y: number; wt: number } {
  return { x: g.n * g.h * g.w * g.c, y: g.n * g.oh * g.ow * g.oc, wt: g.kh * g.kw * g.oc };
}

/** y = act(depthwiseConv2d(x, wt) + bias) with depth multiplier dm (g.oc = g.c * dm); bias 0 for none. */
export function f32_depthwise_conv2d_forward(
  e: Engine,
  g: ConvGeometry,
  dm: number,
  x: number,
  wt: number,
  bias: number,
  y: number,
  act: number,
  actAlpha: number,
): void {
  const K = 'f32_depthwise_conv2d_forward';
  checkGeometry(K, g, dm);
  const s = sizes(g);
  checkRegion(e, K, 'x', x, s.x);
  checkRegion(e, K, 'wt', wt, s.wt);
  if (bias) checkRegion(e, K, 'bias', bias, g.oc);
  checkRegion(e, K, 'y', y, s.y);
  checkDisjoint(K, 'y', y, s.y, 'x', x, s.x);
  checkDisjoint(K, 'y', y, s.y, 'wt', wt, s.wt);
  if (!Number.isInteger(act) || act < 0 || act > 5) throw new RangeError(`${K}: act must be an activation kind 0-5, got ${act}`);
  e.k.f32_depthwise_conv2d_forward(x, wt, bias, y, ...geometryArgs(g, dm), act, actAlpha);
}

/** dx = the gradient w.r.t. the input given dy, the gradient w.r.t. the pre-activation output (dx overwritten). */
export function f32_depthwise_conv2d_backward_input(e: Engine, g: ConvGeometry, dm: number, dy: number, wt: number, dx: number): void {
  const K = 'f32_depthwise_conv2d_backward_input';
  checkGeometry(K, g, dm);
  const s = sizes(g);
  checkRegion(e, K, 'dy', dy, s.y);
  checkRegion(e, K, 'wt', wt, s.wt);
  checkRegion(e, K, 'dx', dx, s.x);
  checkDisjoint(K, 'dx', dx, s.x, 'dy', dy, s.y);
  checkDisjoint(K, 'dx', dx, s.x, 'wt', wt, s.wt);
  e.k.f32_depthwise_conv2d_backward_input(dy, wt, dx, ...geometryArgs(g, dm));
}

/** dwt = the filter gradient, and dbias (when not 0) = the bias gradient, both overwritten. */
export function f32_depthwise_conv2d_backward_filter(e: Engine, g: ConvGeometry, dm: number, x: number, dy: number, dwt: number, dbias: number): void {
  const K = 'f32_depthwise_conv2d_backward_filter';
  checkGeometry(K, g, dm);
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
  e.k.f32_depthwise_conv2d_backward_filter(x, dy, dwt, dbias, ...geometryArgs(g, dm));
}
