/**
 * Convolution kernels, one thread, on the Keras "simple MNIST convnet" shapes (batch 128) and the
 * 3x3 'same' layers of the Fashion-MNIST bench net bn4-flip (batch 32, one worker's share of 64):
 * f32_conv2d forward, input gradient and filter gradient as the layers run them (direct for thin
 * filters, Winograd F(2x2, 3x3) for 3x3 stride-1 filters over >= 8 channels, else im2col + the
 * packed gemm) and with im2col + gemm forced, against a direct convolution (bench_conv2d_direct,
 * forward only) and against f32_gemm alone on the product im2col produces (rows x taps x filters),
 * all in the same run. Rates are the direct convolution's arithmetic (2 x rows x taps x filters)
 * over the time, so Winograd, which does 2.25x fewer products, can beat the gemm's rate. The
 * measurements behind the choices in assembly/kernels/f32_conv2d.ts.
 */
import { engine } from '../../src/engine/engine';
import {
  conv2dColFloats,
  conv2dColRows,
  conv2dWinograd,
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
  { name: '14x14x32 -> 32 3x3 same (n 32)', g: { n: 32, h: 14, w: 14, c: 32, oc: 32, kh: 3, kw: 3, sh: 1, sw: 1, dh: 1, dw: 1, pt: 1, pl: 1, oh: 14, ow: 14 } },
  { name: '14x14x32 -> 48 3x3 same (n 32)', g: { n: 32, h: 14, w: 14, c: 32, oc: 48, kh: 3, kw: 3, sh: 1, sw: 1, dh: 1, dw: 1, pt: 1, pl: 1, oh: 14, ow: 14 } },
  { name: '7x7x48 -> 64 3x3 same (n 32)', g: { n: 32, h: 7, w: 7, c: 48, oc: 64, kh: 3, kw: 3, sh: 1, sw: 1, dh: 1, dw: 1, pt: 1, pl: 1, oh: 7, ow: 7 } },
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
    // the bench kernel knows 'valid' padding only
    const direct = g.pt === 0 && g.pl === 0 ? rate(() => e.k.bench_conv2d_direct(x, wt, bias, y, g.n, g.h, g.w, g.c, g.oc, g.kh, g.kw, g.oh, g.ow)) : NaN;
    const bIn = rate(() => f32_conv2d_backward_input(e, g, dy, wt, dx, work));
    const bInIm2col = rate(() => f32_conv2d_backward_input(e, g, dy, wt, dx, { ...work, direct: false }));
    const bFil = rate(() => f32_conv2d_backward_filter(e, g, x, dy, dwt, db, work));
    const bFilIm2col = rate(() => f32_conv2d_backward_filter(e, g, x, dy, dwt, db, { ...work, direct: false }));
    const gemm = rate(() => f32_gemm(e, { m: M, n: g.oc, k: K, a: colAll, b: wt, c: y, ws: e.gemmWorkspace }));
    const path = conv2dWinograd(g) ? 'Winograd' : g.kh * g.kw * g.c <= 32 && g.oc % 8 === 0 ? 'direct' : 'im2col + gemm';
    raw.push({
      forward: fwd,
      im2col,
      direct,
      backwardInput: bIn,
      backwardInputIm2col: bInIm2col,
      backwardFilter: bFil,
      backwardFilterIm2col: bFilIm2col,
      gemm,
    });
    rows.push([
      name,
      path,
      colRows,
      `${fmt(fwd, 1)} / ${fmt(im2col, 1)}`,
      Number.isNaN(direct) ? '-' : fmt(direct, 1),
      `${fmt(bIn, 1)} / ${fmt(bInIm2col, 1)}`,
      `${fmt(bFil, 1)} / ${fmt(bFilIm2col, 1)}`,
      fmt(gemm, 1),
    ]);
    for (const p of [x, wt, bias, y, dy, dx, dwt, db, colAll, work.col]) e.free(p);
  }
  const markdown = table(
    'Convolution kernels, one thread, batch 128 unless stated (GFLOP/s of the direct arithmetic, 2 x rows x taps x filters / time; each pass as the layers run it / with im2col + gemm forced; forward with bias and relu fused)',
    [
      'shape',
      'path',
      'col rows per chunk',
      'forward',
      'direct forward (bench kernel)',
      'input gradient',
      'filter gradient',
      'gemm alone on the im2col product',
    ],
    rows,
  );
  return { markdown, rows: raw };
}
