import { afterEach, describe, expect, it } from 'vitest';
import { engine } from '../../src/engine/engine';
import { conv2dColFloats, conv2dColRows, conv2dWinograd, convAxis, f32_conv2d_backward_filter, f32_conv2d_forward } from '../../src/engine/kernels/f32_conv2d';
import { expectClose } from '../helpers';
import { ShapeError } from '../../src/errors';
import { Arena, expectSameBits } from './arena';
import { checkAgainstReference, checkAgainstTorch, inputsOf } from './conv-cases';
import { runConvKernels } from './conv-run';
import { geometryOf, type ConvCase } from './conv-reference';

const arena = new Arena();
afterEach(() => arena.free());

/** Awkward shapes: odd sizes, strides 2, 'same' with even kernels, dilation 2, 1 channel and many, batch 1, 1x1 filters. */
const CASES: ConvCase[] = [
  { n: 1, h: 5, w: 7, c: 1, oc: 3, kh: 3, kw: 3, padding: 'valid' },
  { n: 2, h: 9, w: 8, c: 3, oc: 5, kh: 2, kw: 2, padding: 'same' },
  { n: 3, h: 11, w: 10, c: 4, oc: 8, kh: 3, kw: 3, sh: 2, sw: 2, padding: 'same' },
  { n: 2, h: 7, w: 9, c: 2, oc: 9, kh: 3, kw: 2, sh: 2, sw: 1, dh: 2, dw: 2, padding: 'valid' },
  { n: 1, h: 13, w: 13, c: 32, oc: 17, kh: 3, kw: 3, padding: 'valid' },
  { n: 2, h: 6, w: 6, c: 5, oc: 4, kh: 1, kw: 1, padding: 'valid' },
  { n: 2, h: 7, w: 7, c: 3, oc: 4, kh: 1, kw: 1, sh: 2, sw: 2, padding: 'same' },
  { n: 2, h: 8, w: 9, c: 3, oc: 6, kh: 4, kw: 4, sh: 3, sw: 3, padding: 'same' },
  { n: 2, h: 10, w: 10, c: 6, oc: 7, kh: 3, kw: 3, sh: 2, sw: 2, dh: 2, dw: 2, padding: 'same' },
  { n: 1, h: 4, w: 4, c: 1, oc: 1, kh: 4, kw: 4, padding: 'valid' },
  { n: 5, h: 6, w: 5, c: 2, oc: 3, kh: 5, kw: 3, padding: 'same' },
  { n: 3, h: 28, w: 28, c: 1, oc: 32, kh: 3, kw: 3, padding: 'valid' },
  { n: 2, h: 13, w: 13, c: 32, oc: 64, kh: 3, kw: 3, padding: 'valid' },
];

describe('f32_conv2d', () => {
  it('computes Keras output sizes and padding (more padding at the bottom/right)', () => {
    expect(convAxis(28, 3, 1, 1, 'valid')).toEqual({ out: 26, before: 0 });
    expect(convAxis(13, 3, 2, 1, 'valid')).toEqual({ out: 6, before: 0 });
    expect(convAxis(9, 2, 1, 1, 'same')).toEqual({ out: 9, before: 0 }); // total 1, all after
    expect(convAxis(10, 3, 2, 1, 'same')).toEqual({ out: 5, before: 0 }); // total 1
    expect(convAxis(11, 3, 2, 1, 'same')).toEqual({ out: 6, before: 1 }); // total 2
    expect(convAxis(8, 4, 1, 1, 'same')).toEqual({ out: 8, before: 1 }); // total 3: 1 before, 2 after
    expect(convAxis(10, 3, 1, 2, 'same')).toEqual({ out: 10, before: 2 }); // dilated span 5
    expect(convAxis(3, 5, 1, 1, 'valid').out).toBeLessThan(1);
  });

  it('forward, input, filter and bias gradients match a float64 reference over awkward shapes', () => {
    CASES.forEach((cs, i) => checkAgainstReference(arena, cs, 100 + 10 * i));
  });

  it('gives the same results whatever the im2col chunk (chunks crossing examples, one row per chunk)', () => {
    const cs: ConvCase = { n: 3, h: 7, w: 6, c: 3, oc: 5, kh: 3, kw: 2, sh: 2, sw: 1, padding: 'same' };
    for (const colRows of [1, 4, 5, 13, 64]) checkAgainstReference(arena, cs, 7, colRows);
    expect(conv2dColRows({ kh: 3, kw: 3, c: 32 }, 10_000) % 4).toBe(0);
    expect(conv2dColRows({ kh: 3, kw: 3, c: 256 }, 10_000)).toBe(64);
    expect(conv2dColRows({ kh: 3, kw: 3, c: 1 }, 10)).toBe(12);
  });

  it('the direct path of thin filters (<= 32 taps, filters % 8 == 0) gives the reference results and the same bits as im2col + gemm', () => {
    const thin: ConvCase[] = [
      { n: 2, h: 9, w: 8, c: 1, oc: 8, kh: 3, kw: 3, padding: 'same' },
      { n: 2, h: 11, w: 13, c: 2, oc: 16, kh: 2, kw: 2, sh: 2, sw: 2, padding: 'same' },
      { n: 1, h: 10, w: 12, c: 1, oc: 24, kh: 3, kw: 3, dh: 2, dw: 2, padding: 'same' },
      { n: 2, h: 7, w: 9, c: 3, oc: 8, kh: 3, kw: 3, sw: 2, padding: 'valid' },
      { n: 2, h: 6, w: 5, c: 4, oc: 8, kh: 5, kw: 1, padding: 'same' },
      { n: 1, h: 5, w: 3, c: 1, oc: 8, kh: 2, kw: 2, padding: 'valid' },
    ];
    const e = engine();
    thin.forEach((cs, i) => {
      checkAgainstReference(arena, cs, 700 + 10 * i);
      const g = geometryOf(cs);
      const { x, wt, bias } = inputsOf(cs, 800 + i);
      const px = arena.f32(x),
        pw = arena.f32(wt),
        pb = arena.f32(bias);
      const colRows = conv2dColRows(g, g.n * g.oh * g.ow);
      const col = arena.f32(new Float32Array(conv2dColFloats(g, colRows)));
      for (const [act, bp] of [
        [0, 0],
        [1, pb],
        [5, pb],
      ] as const) {
        const out = [true, false].map((direct) => {
          const y = arena.guarded(g.n * g.oh * g.ow * g.oc);
          f32_conv2d_forward(e, g, px, pw, bp, y.ptr, act, 0, { col, colRows, ws: e.gemmWorkspace, direct });
          y.checkGuards(`${JSON.stringify(cs)} direct ${direct}`);
          return y.read();
        });
        expectSameBits(out[0]!, out[1]!, `${JSON.stringify(cs)} act ${act}: direct vs im2col`);
      }
    });
  });

  it('the direct filter gradient of thin filters agrees with im2col + gemm, and gives the same bits on every call', () => {
    // padding on every side, strides, dilation, several channels, 8 and 16 filter blocks, odd sizes
    const thin: ConvCase[] = [
      { n: 3, h: 28, w: 28, c: 1, oc: 32, kh: 3, kw: 3, padding: 'valid' },
      { n: 2, h: 9, w: 8, c: 1, oc: 24, kh: 3, kw: 3, padding: 'same' },
      { n: 2, h: 11, w: 13, c: 2, oc: 16, kh: 2, kw: 2, sh: 2, sw: 2, padding: 'same' },
      { n: 1, h: 10, w: 12, c: 1, oc: 8, kh: 3, kw: 3, dh: 2, dw: 2, padding: 'same' },
      { n: 2, h: 7, w: 9, c: 3, oc: 40, kh: 3, kw: 3, sh: 2, sw: 3, padding: 'same' },
      { n: 1, h: 5, w: 4, c: 1, oc: 8, kh: 5, kw: 5, padding: 'same' },
    ];
    const e = engine();
    thin.forEach((cs, i) => {
      const g = geometryOf(cs);
      const { x } = inputsOf(cs, 900 + i);
      const dyv = Float32Array.from({ length: g.n * g.oh * g.ow * g.oc }, (_, j) => Math.sin(j * 1.7 + i) * 0.8);
      const px = arena.f32(x),
        pdy = arena.f32(dyv);
      const colRows = conv2dColRows(g, g.n * g.oh * g.ow);
      const col = arena.f32(new Float32Array(conv2dColFloats(g, colRows)));
      const run = (direct: boolean): Float32Array => {
        const dw = arena.guarded(g.kh * g.kw * g.c * g.oc);
        const db = arena.guarded(g.oc);
        f32_conv2d_backward_filter(e, g, px, pdy, dw.ptr, db.ptr, { col, colRows, ws: e.gemmWorkspace, direct });
        dw.checkGuards(`${JSON.stringify(cs)} direct ${direct} dw`);
        db.checkGuards(`${JSON.stringify(cs)} direct ${direct} db`);
        return dw.read();
      };
      const direct = run(true);
      expectClose(direct, run(false), { rtol: 1e-5, atol: 1e-5 * g.n * g.oh * g.ow }, `${JSON.stringify(cs)}: direct vs im2col`);
      expectSameBits(run(true), direct, `${JSON.stringify(cs)}: direct twice`);
      expect(direct.some((v) => v !== 0)).toBe(true);
    });
  });

  /** 3x3, stride 1, channels % 4 == 0 and >= 8: the shapes Winograd's F(2x2, 3x3) takes (odd sizes leave partial tiles). */
  const WINOGRAD: ConvCase[] = [
    { n: 2, h: 14, w: 14, c: 32, oc: 48, kh: 3, kw: 3, padding: 'same' },
    { n: 1, h: 7, w: 7, c: 48, oc: 64, kh: 3, kw: 3, padding: 'same' },
    { n: 3, h: 9, w: 6, c: 8, oc: 12, kh: 3, kw: 3, padding: 'valid' },
    { n: 2, h: 13, w: 13, c: 32, oc: 64, kh: 3, kw: 3, padding: 'valid' },
    { n: 1, h: 3, w: 5, c: 16, oc: 8, kh: 3, kw: 3, padding: 'same' },
    { n: 5, h: 4, w: 3, c: 12, oc: 20, kh: 3, kw: 3, padding: 'valid' },
  ];

  it("Winograd's F(2x2, 3x3) (3x3, stride 1) matches the float64 reference and im2col + gemm, whatever the tile chunk", () => {
    WINOGRAD.forEach((cs, i) => {
      const g = geometryOf(cs);
      expect(conv2dWinograd(g)).toBe(true);
      checkAgainstReference(arena, cs, 1100 + 10 * i);
      // one tile per chunk, chunks crossing examples, the layers' choice
      for (const colRows of [1, 10, undefined]) checkAgainstReference(arena, cs, 1200 + i, colRows);
      // the same results as im2col + gemm within float rounding, and the same bits on every call
      const { x, wt, bias, dy } = inputsOf(cs, 1300 + i);
      const wino = runConvKernels(arena, cs, x, wt, bias, dy, 1);
      const gemm = runConvKernels(arena, cs, x, wt, bias, dy, 1, undefined, { direct: false });
      const terms = g.kh * g.kw * Math.max(g.c, g.oc);
      for (const k of ['y', 'dx', 'dw', 'db'] as const) {
        const scale = k === 'dw' || k === 'db' ? g.n * g.oh * g.ow : 1;
        expectClose(wino[k], gemm[k], { rtol: 2e-5, atol: 2e-6 * terms * scale }, `${JSON.stringify(cs)} ${k}: Winograd vs im2col`);
        expect(wino[k].some((v) => v !== 0)).toBe(true);
      }
      // no activation, and one other than relu (the out-of-line path of the output transform)
      for (const act of [0, 5]) {
        const [a, b] = [{}, { direct: false }].map((paths) => runConvKernels(arena, cs, x, wt, bias, dy, act, undefined, paths).y);
        expectClose(a!, b!, { rtol: 2e-5, atol: 2e-6 * terms }, `${JSON.stringify(cs)} y with act ${act}: Winograd vs im2col`);
      }
      // Winograd rounds differently from im2col + gemm: equal bits everywhere would mean it did not run
      expect(wino.y.some((v, j) => v !== gemm.y[j])).toBe(true);
      const again = runConvKernels(arena, cs, x, wt, bias, dy, 1);
      for (const k of ['y', 'dx', 'dw'] as const) expectSameBits(again[k], wino[k], `${JSON.stringify(cs)} ${k}: Winograd twice`);
    });
    // shapes Winograd leaves to the other paths: stride 2, dilation, 5x5, channels not % 4, fewer than 8
    for (const g of [
      { c: 32, oc: 32, kh: 3, kw: 3, sh: 2, sw: 2, dh: 1, dw: 1 },
      { c: 32, oc: 32, kh: 3, kw: 3, sh: 1, sw: 1, dh: 2, dw: 2 },
      { c: 32, oc: 32, kh: 5, kw: 5, sh: 1, sw: 1, dh: 1, dw: 1 },
      { c: 30, oc: 32, kh: 3, kw: 3, sh: 1, sw: 1, dh: 1, dw: 1 },
      { c: 4, oc: 32, kh: 3, kw: 3, sh: 1, sw: 1, dh: 1, dw: 1 },
    ])
      expect(conv2dWinograd(g)).toBe(false);
  });

  it('matches PyTorch (torch.nn.functional.conv2d, NCHW transposed) on awkward shapes', () => {
    checkAgainstTorch(arena, CASES.slice(0, 11), 500);
    checkAgainstTorch(arena, WINOGRAD, 1500);
  }, 60_000);

  it('rejects inconsistent geometry and too small buffers', () => {
    const e = engine();
    const g = { n: 1, h: 5, w: 5, c: 1, oc: 1, kh: 3, kw: 3, sh: 1, sw: 1, dh: 1, dw: 1, pt: 0, pl: 0, oh: 3, ow: 3 };
    const x = arena.f32(new Float32Array(25)),
      wt = arena.f32(new Float32Array(9)),
      y = arena.f32(new Float32Array(9)),
      col = arena.f32(new Float32Array(9 * 12));
    const work = { col, colRows: 12, ws: e.gemmWorkspace };
    expect(() => f32_conv2d_forward(e, { ...g, oh: 6 }, x, wt, 0, y, 0, 0, work)).toThrow(ShapeError);
    expect(() => f32_conv2d_forward(e, { ...g, sh: 0 }, x, wt, 0, y, 0, 0, work)).toThrow(/sh must be a positive integer, got 0/);
    expect(() => f32_conv2d_forward(e, g, x, wt, 0, y, 0, 0, { ...work, colRows: 0 })).toThrow(/colRows/);
    expect(() => f32_conv2d_forward(e, g, x, wt, 0, x, 0, 0, work)).toThrow(/overlaps/);
  });
});
