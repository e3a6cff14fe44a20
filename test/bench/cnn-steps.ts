/**
 * The one-thread training step of the Keras simple MNIST convnet, kernel by kernel, batch 128:
 * each kernel the layers call in a step, timed alone on random inputs of the step's shapes (ms per
 * call, median), with its share of the step. Shows where the step's time goes, the profile behind
 * the kernel work of issue 12's speed target.
 */
import { engine } from '../../src/engine/engine';
import { conv2dColFloats, conv2dColRows, f32_conv2d_backward_filter, f32_conv2d_forward, f32_conv2d_backward_input } from '../../src/engine/kernels/f32_conv2d';
import type { ConvGeometry } from '../../src/engine/kernels/f32_conv2d';
import { f32_maxpool2d_backward, f32_maxpool2d_forward, type Pool2dShape } from '../../src/engine/kernels/f32_pool2d';
import { f32_activation_grad } from '../../src/engine/kernels/f32_activation';
import { fmt, median, table } from './util';

const N = 128;
const C1: ConvGeometry = { n: N, h: 28, w: 28, c: 1, oc: 32, kh: 3, kw: 3, sh: 1, sw: 1, dh: 1, dw: 1, pt: 0, pl: 0, oh: 26, ow: 26 };
const C2: ConvGeometry = { n: N, h: 13, w: 13, c: 32, oc: 64, kh: 3, kw: 3, sh: 1, sw: 1, dh: 1, dw: 1, pt: 0, pl: 0, oh: 11, ow: 11 };

/** Times each kernel of a training step; returns the markdown table. */
export function benchCnnSteps(): string {
  const e = engine();
  const fill = (n: number): number => {
    const p = e.allocF32(n);
    const v = e.f32.subarray(p >> 2, (p >> 2) + n);
    for (let i = 0; i < n; i++) v[i] = Math.random() - 0.5;
    return p;
  };
  const size = (g: ConvGeometry): { x: number; y: number; w: number } => ({
    x: g.n * g.h * g.w * g.c,
    y: g.n * g.oh * g.ow * g.oc,
    w: g.kh * g.kw * g.c * g.oc,
  });
  const s1 = size(C1),
    s2 = size(C2);
  const x1 = fill(s1.x),
    w1 = fill(s1.w),
    b1 = fill(32),
    y1 = fill(s1.y),
    dy1 = fill(s1.y),
    dw1 = e.allocF32(s1.w),
    db1 = e.allocF32(32);
  const p1 = fill(N * 13 * 13 * 32),
    a1 = e.allocF32(N * 13 * 13 * 32),
    dp1 = fill(N * 13 * 13 * 32);
  const w2 = fill(s2.w),
    b2 = fill(64),
    y2 = fill(s2.y),
    dy2 = fill(s2.y),
    dw2 = e.allocF32(s2.w),
    db2 = e.allocF32(64),
    dx2 = e.allocF32(s2.x);
  const p2 = e.allocF32(N * 5 * 5 * 64),
    a2 = e.allocF32(N * 5 * 5 * 64),
    dp2 = fill(N * 5 * 5 * 64);
  const work = (g: ConvGeometry): { col: number; colRows: number; ws: number } => {
    const colRows = conv2dColRows(g, g.n * g.oh * g.ow);
    return { col: e.allocF32(Math.max(1, conv2dColFloats(g, colRows))), colRows, ws: e.gemmWorkspace };
  };
  const k1 = work(C1),
    k2 = work(C2);
  const pool = (h: number, w: number, c: number): Pool2dShape => ({
    rows: N,
    height: h,
    width: w,
    channels: c,
    poolHeight: 2,
    poolWidth: 2,
    strideHeight: 2,
    strideWidth: 2,
    padding: 'valid',
  });
  const steps: [string, () => void][] = [
    ['conv 1 forward (direct, bias + relu)', () => f32_conv2d_forward(e, C1, x1, w1, b1, y1, 1, 0, k1)],
    ['maxpool 1 forward (26x26x32)', () => f32_maxpool2d_forward(e, y1, p1, a1, pool(26, 26, 32))],
    ['conv 2 forward (Winograd, bias + relu)', () => f32_conv2d_forward(e, C2, p1, w2, b2, y2, 1, 0, k2)],
    ['maxpool 2 forward (11x11x64)', () => f32_maxpool2d_forward(e, y2, p2, a2, pool(11, 11, 64))],
    ['maxpool 2 backward', () => f32_maxpool2d_backward(e, dp2, a2, dy2, pool(11, 11, 64))],
    ['conv 2 relu gradient', () => f32_activation_grad(e, 1, y2, dy2, dy2, s2.y, 0)],
    ['conv 2 filter + bias gradient (Winograd)', () => f32_conv2d_backward_filter(e, C2, p1, dy2, dw2, db2, k2)],
    ['conv 2 input gradient (Winograd)', () => f32_conv2d_backward_input(e, C2, dy2, w2, dx2, k2)],
    ['maxpool 1 backward', () => f32_maxpool2d_backward(e, dp1, a1, dy1, pool(26, 26, 32))],
    ['conv 1 relu gradient', () => f32_activation_grad(e, 1, y1, dy1, dy1, s1.y, 0)],
    ['conv 1 filter + bias gradient', () => f32_conv2d_backward_filter(e, C1, x1, dy1, dw1, db1, k1)],
  ];
  // not part of the step: the paths the layers do not take, for comparison
  const others: [string, () => void][] = [
    ['(not in the step) conv 2 forward, im2col + gemm forced', () => f32_conv2d_forward(e, C2, p1, w2, b2, y2, 1, 0, { ...k2, direct: false })],
    [
      '(not in the step) conv 2 filter + bias gradient, im2col + gemm forced',
      () => f32_conv2d_backward_filter(e, C2, p1, dy2, dw2, db2, { ...k2, direct: false }),
    ],
    ['(not in the step) conv 2 input gradient, im2col + gemm forced', () => f32_conv2d_backward_input(e, C2, dy2, w2, dx2, { ...k2, direct: false })],
    ['(not in the step) conv 1 forward, im2col + gemm forced', () => f32_conv2d_forward(e, C1, x1, w1, b1, y1, 1, 0, { ...k1, direct: false })],
    [
      '(not in the step) conv 1 filter + bias gradient, im2col + gemm forced',
      () => f32_conv2d_backward_filter(e, C1, x1, dy1, dw1, db1, { ...k1, direct: false }),
    ],
  ];
  const all = [...steps, ...others];
  // samples interleaved over the kernels (this machine's speed drifts): 9 samples of 3 calls each
  for (const [, fn] of all) for (let r = 0; r < 2; r++) fn();
  const samples: number[][] = all.map(() => []);
  for (let s = 0; s < 9; s++) {
    all.forEach(([, fn], i) => {
      const t0 = performance.now();
      for (let r = 0; r < 3; r++) fn();
      samples[i]!.push((performance.now() - t0) / 3);
    });
  }
  const ms = samples.map(median);
  const total = ms.slice(0, steps.length).reduce((a, b) => a + b, 0);
  return table(
    `One-thread training step of the simple convnet, batch ${N}, kernel by kernel (ms per call, median of 9 samples interleaved over the kernels; dense, dropout, loss and Adam are under 2% together and left out)`,
    ['kernel', 'ms', 'share of these'],
    [
      ...steps.map(([name], i) => [name, fmt(ms[i]!, 2), `${fmt((100 * ms[i]!) / total, 0)}%`]),
      ['sum', fmt(total, 2), `${fmt((N / total) * 1000, 0)} samples/s at most`],
      ...others.map(([name], i) => [name, fmt(ms[steps.length + i]!, 2), '-']),
    ],
  );
}
