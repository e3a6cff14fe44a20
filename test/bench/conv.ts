/**
 * Convolution kernels, one thread, batch 128, on the Keras "simple MNIST convnet" shapes:
 * f32_conv2d forward (its own choice: direct for thin filters, else im2col + the packed gemm; and
 * im2col + gemm forced), input gradient and filter gradient, against a direct convolution
 * (bench_conv2d_direct, forward only) and against f32_gemm alone on the product im2col produces
 * (rows x taps x filters), all in the same run. The measurements behind the choices in
 * assembly/kernels/f32_conv2d.ts.
 */
import { engine } from '../../src/engine/engine';
import {
  conv2dColFloats,
  conv2dColRows,
  f32_conv2d_backward_filter,
  f32_conv2d_backward_input,
  f32_conv2d_forward,
  type ConvGeometry,
} from '../../src/engine/kernels/f32_conv2d';
import { f32_gemm } from '../../src/engine/kernels/f32_gemm';
import { fmt, table, timeMs } from './util';

const SHAPES: { name: string; g: ConvGeometry }[] = [
  { name: '28x28x1 -> 32 3x3', g: { n: 128, h: 28, w: 28, c: 1, oc: 32, kh: 3, kw: 3, sh: 1, sw: 1, dh: 1, dw: 1, pt: 0, pl: 0, oh: 26, ow: 26 } },
  { name: '13x13x32 -> 64 3x3', g: { n: 128, h: 13, w: 13, c: 32, oc: 64, kh: 3, kw: 3, sh: 1, sw: 1, dh: 1, dw: 1, pt: 0, pl: 0, oh: 11, ow: 11 } },
];

function fill(e: ReturnType<typeof engine>, floats: number): number {
  const p = e.allocF32(floats);
  for (let i = 0; i < floats; i++) e.f32[(p >> 2) + i] = Math.random() - 0.5;
  return p;
}

/** GFLOP/s per kernel and shape; returns the markdown table. */
export function benchConv(): { markdown: string; rows: Record<string, number>[] } {
  const e = engine();
  const rows: (string | number)[][] = [];
  const raw: Record<string, number>[] = [];
  for (const { name, g } of SHAPES) {
    const M = g.n * g.oh * g.ow,
      K = g.kh * g.kw * g.c;
    const flops = 2 * M * K * g.oc;
    const x = fill(e, g.n * g.h * g.w * g.c),
      wt = fill(e, K * g.oc),
      bias = fill(e, g.oc),
      y = e.allocF32(M * g.oc),
      dy = fill(e, M * g.oc),
      dx = e.allocF32(g.n * g.h * g.w * g.c),
      dwt = e.allocF32(K * g.oc),
      db = e.allocF32(g.oc),
      colAll = fill(e, M * K);
    const colRows = conv2dColRows(g, M);
    const work = { col: e.allocF32(conv2dColFloats(g, colRows)), colRows, ws: e.gemmWorkspace };
    const reps = 3;
    const rate = (fn: () => void): number => flops / timeMs(fn, reps, 7, 2) / 1e6;
    const fwd = rate(() => f32_conv2d_forward(e, g, x, wt, bias, y, 1, 0, work));
    const im2col = rate(() => f32_conv2d_forward(e, g, x, wt, bias, y, 1, 0, { ...work, direct: false }));
    const direct = rate(() => e.k.bench_conv2d_direct(x, wt, bias, y, g.n, g.h, g.w, g.c, g.oc, g.kh, g.kw, g.oh, g.ow));
    const bIn = rate(() => f32_conv2d_backward_input(e, g, dy, wt, dx, work));
    const bFil = rate(() => f32_conv2d_backward_filter(e, g, x, dy, dwt, db, work));
    const gemm = rate(() => f32_gemm(e, { m: M, n: g.oc, k: K, a: colAll, b: wt, c: y, ws: e.gemmWorkspace }));
    raw.push({ forward: fwd, im2col, direct, backwardInput: bIn, backwardFilter: bFil, gemm });
    rows.push([name, colRows, fmt(fwd, 1), fmt(im2col, 1), fmt(direct, 1), fmt(bIn, 1), fmt(bFil, 1), fmt(gemm, 1)]);
    for (const p of [x, wt, bias, y, dy, dx, dwt, db, colAll, work.col]) e.free(p);
  }
  const markdown = table(
    'Convolution kernels, one thread, batch 128 (GFLOP/s; forward with bias and relu fused, direct for thin filters, else im2col + gemm)',
    [
      'shape',
      'col rows per chunk',
      'forward',
      'forward, im2col + gemm forced',
      'direct forward (bench kernel)',
      'input gradient',
      'filter gradient',
      'gemm alone on the im2col product',
    ],
    rows,
  );
  return { markdown, rows: raw };
}
