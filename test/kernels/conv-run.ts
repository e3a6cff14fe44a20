/**
 * Runs knobs' convolution kernels (regular or depthwise) on one case in guarded buffers, for the
 * kernel tests: forward with bias and an activation, input gradient, filter and bias gradients.
 */
import { engine } from '../../src/engine/engine';
import { conv2dColFloats, conv2dColRows, f32_conv2d_backward_filter, f32_conv2d_backward_input, f32_conv2d_forward } from '../../src/engine/kernels/f32_conv2d';
import {
  f32_depthwise_conv2d_backward_filter,
  f32_depthwise_conv2d_backward_input,
  f32_depthwise_conv2d_forward,
} from '../../src/engine/kernels/f32_depthwise_conv2d';
import { Arena } from './arena';
import { filterSize, geometryOf, type ConvCase } from './conv-reference';

/** The kernels' results for one case. */
export interface KernelResult {
  y: Float32Array;
  dx: Float32Array;
  dw: Float32Array;
  db: Float32Array;
}

/** Runs forward (bias, activation `act`) and the backward kernels on dy; colRows defaults to the layers' choice. */
export function runConvKernels(
  arena: Arena,
  cs: ConvCase,
  x: Float32Array,
  wt: Float32Array,
  bias: Float32Array,
  dy: Float32Array,
  act = 0,
  colRows?: number,
  paths: { direct?: boolean; winograd?: boolean } = {},
): KernelResult {
  const e = engine();
  const g = geometryOf(cs);
  const nx = g.n * g.h * g.w * g.c,
    ny = g.n * g.oh * g.ow * g.oc,
    nw = filterSize(cs);
  const px = arena.f32(x),
    pw = arena.f32(wt),
    pb = arena.f32(bias),
    pdy = arena.f32(dy);
  const y = arena.guarded(ny),
    dx = arena.guarded(nx),
    dW = arena.guarded(nw),
    db = arena.guarded(g.oc);
  if (cs.dm === undefined) {
    const rows = colRows ?? conv2dColRows(g, g.n * g.oh * g.ow);
    const col = arena.guarded(Math.max(1, conv2dColFloats(g, rows)));
    const ws = e.alloc(e.gemmWorkspaceBytes);
    const work = { col: col.ptr, colRows: rows, ws, ...paths };
    try {
      f32_conv2d_forward(e, g, px, pw, pb, y.ptr, act, 0.3, work);
      f32_conv2d_backward_input(e, g, pdy, pw, dx.ptr, work);
      f32_conv2d_backward_filter(e, g, px, pdy, dW.ptr, db.ptr, work);
    } finally {
      e.free(ws);
    }
    col.checkGuards('col');
  } else {
    f32_depthwise_conv2d_forward(e, g, cs.dm, px, pw, pb, y.ptr, act, 0.3);
    f32_depthwise_conv2d_backward_input(e, g, cs.dm, pdy, pw, dx.ptr);
    f32_depthwise_conv2d_backward_filter(e, g, cs.dm, px, pdy, dW.ptr, db.ptr);
  }
  for (const [name, b] of [
    ['y', y],
    ['dx', dx],
    ['dw', dW],
    ['db', db],
  ] as const)
    b.checkGuards(`${JSON.stringify(cs)} ${name}`);
  return { y: y.read(), dx: dx.read(), dw: dW.read(), db: db.read() };
}
