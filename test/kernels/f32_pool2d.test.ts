/**
 * f32_pool2d: max and average pooling (NHWC), forward and backward, and global pooling,
 * against a plain JavaScript reference on random inputs over awkward shapes, and against
 * PyTorch (max_pool2d, avg_pool2d, autograd; NCHW transposed) where python3 imports torch.
 * Without torch the gradients are checked by finite differences instead, and the file says so.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { engine } from '../../src/engine/engine';
import {
  f32_avgpool2d_backward,
  f32_avgpool2d_forward,
  f32_global_avgpool2d_backward,
  f32_global_avgpool2d_forward,
  f32_global_maxpool2d_backward,
  f32_global_maxpool2d_forward,
  f32_maxpool2d_backward,
  f32_maxpool2d_forward,
  poolAxis,
  type Pool2dShape,
} from '../../src/engine/kernels/f32_pool2d';
import { expectClose, randomArray, rng } from '../helpers';
import { Arena, expectSameBits } from './arena';
import { pythonWithTorch, runTorch } from './torch-ref';

const arena = new Arena();
afterEach(() => arena.free());
const f = Math.fround;

type Kind = 'max' | 'avg';

/** [rows, height, width, channels, poolH, poolW, strideH, strideW, padding]: odd sizes, strides 2, 'same', 1 channel and many, batch 1. */
const CASES: [number, number, number, number, number, number, number, number, 'valid' | 'same'][] = [
  [1, 5, 5, 1, 2, 2, 2, 2, 'valid'],
  [2, 7, 6, 3, 3, 3, 2, 2, 'same'],
  [3, 9, 9, 5, 3, 3, 2, 2, 'valid'],
  [1, 8, 8, 4, 2, 2, 2, 2, 'same'],
  [2, 6, 7, 17, 3, 2, 1, 2, 'same'],
  [1, 4, 5, 33, 2, 3, 3, 1, 'same'],
  [2, 13, 11, 2, 4, 4, 3, 3, 'same'],
  [1, 1, 1, 7, 1, 1, 1, 1, 'valid'],
  [2, 5, 3, 64, 5, 3, 1, 1, 'valid'],
  [1, 10, 10, 8, 2, 2, 1, 1, 'valid'],
  [1, 6, 6, 1, 1, 1, 2, 2, 'same'],
  [2, 3, 3, 2, 2, 2, 1, 1, 'same'],
  // Keras' default 2x2 stride 2 over 4-channel groups (its own kernel path): odd sizes leave the last row and column out
  [2, 11, 11, 8, 2, 2, 2, 2, 'valid'],
  [1, 26, 26, 32, 2, 2, 2, 2, 'valid'],
];
const shapeOf = (c: (typeof CASES)[number]): Pool2dShape => ({
  rows: c[0],
  height: c[1],
  width: c[2],
  channels: c[3],
  poolHeight: c[4],
  poolWidth: c[5],
  strideHeight: c[6],
  strideWidth: c[7],
  padding: c[8],
});
const label = (s: Pool2dShape): string =>
  `${s.rows}x${s.height}x${s.width}x${s.channels} pool ${s.poolHeight}x${s.poolWidth} stride ${s.strideHeight}x${s.strideWidth} ${s.padding}`;

/** Output size and padding, written out from TensorFlow's documentation independently of the wrapper. */
function geometry(s: Pool2dShape): { oh: number; ow: number; top: number; left: number; bottom: number; right: number } {
  const axis = (n: number, k: number, st: number): [number, number, number] => {
    if (s.padding === 'valid') return [Math.floor((n - k) / st) + 1, 0, 0];
    const out = Math.ceil(n / st),
      pad = Math.max((out - 1) * st + k - n, 0);
    return [out, Math.floor(pad / 2), pad - Math.floor(pad / 2)];
  };
  const [oh, top, bottom] = axis(s.height, s.poolHeight, s.strideHeight);
  const [ow, left, right] = axis(s.width, s.poolWidth, s.strideWidth);
  return { oh, ow, top, left, bottom, right };
}

/** The plain reference: y, and dx for a given dy (first maximum in window order wins). */
function reference(kind: Kind, s: Pool2dShape, x: Float32Array, dy: Float32Array): { y: Float32Array; dx: Float64Array } {
  const { oh, ow, top, left } = geometry(s);
  const { rows, height: H, width: W, channels: C } = s;
  const y = new Float32Array(rows * oh * ow * C),
    dx = new Float64Array(x.length);
  for (let r = 0; r < rows; r++)
    for (let oy = 0; oy < oh; oy++)
      for (let ox = 0; ox < ow; ox++)
        for (let c = 0; c < C; c++) {
          const cells: number[] = [];
          for (let i = 0; i < s.poolHeight; i++)
            for (let j = 0; j < s.poolWidth; j++) {
              const iy = oy * s.strideHeight - top + i,
                ix = ox * s.strideWidth - left + j;
              if (iy >= 0 && iy < H && ix >= 0 && ix < W) cells.push(((r * H + iy) * W + ix) * C + c);
            }
          const o = ((r * oh + oy) * ow + ox) * C + c;
          if (kind === 'max') {
            let best = cells[0]!;
            for (const q of cells) if (x[q]! > x[best]!) best = q;
            y[o] = x[best]!;
            dx[best] += dy[o]!;
          } else {
            let sum = 0;
            for (const q of cells) sum += x[q]!;
            y[o] = sum / cells.length;
            for (const q of cells) dx[q] += dy[o]! / cells.length;
          }
        }
  return { y, dx };
}

/** Runs the kernel: y and dx for dy (guarded buffers catch writes outside the outputs). */
function run(kind: Kind, s: Pool2dShape, x: Float32Array, dy: Float32Array): { y: Float32Array; dx: Float32Array } {
  const e = engine();
  const px = arena.f32(x),
    pdy = arena.f32(dy);
  const y = arena.guarded(dy.length),
    am = arena.guarded(dy.length),
    dx = arena.guarded(x.length);
  if (kind === 'max') {
    f32_maxpool2d_forward(e, px, y.ptr, am.ptr, s);
    f32_maxpool2d_backward(e, pdy, am.ptr, dx.ptr, s);
  } else {
    f32_avgpool2d_forward(e, px, y.ptr, s);
    f32_avgpool2d_backward(e, pdy, dx.ptr, s);
  }
  for (const [b, n] of [
    [y, 'y'],
    [am, 'argmax'],
    [dx, 'dx'],
  ] as const)
    if (kind === 'max' || n !== 'argmax') b.checkGuards(`${kind} ${label(s)} ${n}`);
  return { y: y.read(), dx: dx.read() };
}

function inputs(s: Pool2dShape, seed: number): { x: Float32Array; dy: Float32Array } {
  const { oh, ow } = geometry(s);
  return { x: randomArray(s.rows * s.height * s.width * s.channels, seed, -2, 2), dy: randomArray(s.rows * oh * ow * s.channels, seed + 1) };
}

describe('poolAxis', () => {
  it("gives TensorFlow's output sizes and padding", () => {
    expect(poolAxis(28, 2, 2, 'valid')).toEqual({ out: 14, padBefore: 0 });
    expect(poolAxis(7, 3, 2, 'valid')).toEqual({ out: 3, padBefore: 0 });
    expect(poolAxis(7, 3, 2, 'same')).toEqual({ out: 4, padBefore: 1 });
    expect(poolAxis(8, 2, 2, 'same')).toEqual({ out: 4, padBefore: 0 });
    expect(poolAxis(13, 4, 3, 'same')).toEqual({ out: 5, padBefore: 1 }); // 3 cells of padding: 1 before, 2 after
    expect(poolAxis(2, 3, 1, 'valid').out).toBe(0);
  });
});

describe.each(['max', 'avg'] as const)('f32_%spool2d forward and backward', (kind) => {
  it('match the plain reference over awkward shapes', () => {
    CASES.forEach((c, i) => {
      const s = shapeOf(c);
      const { x, dy } = inputs(s, 100 + i);
      const got = run(kind, s, x, dy),
        want = reference(kind, s, x, dy);
      // the maximum is exact; a mean is one sum in window order and one division
      if (kind === 'max') expectSameBits(got.y, want.y, `${kind} y ${label(s)}`);
      else expectClose(got.y, want.y, { rtol: 1e-5, atol: 1e-6 }, `${kind} y ${label(s)}`);
      expectClose(got.dx, want.dx, { rtol: 1e-5, atol: 1e-6 }, `${kind} dx ${label(s)}`);
    });
  });

  it('handle an empty batch (a worker with no rows)', () => {
    const s = { ...shapeOf(CASES[1]!), rows: 0 };
    const e = engine();
    const p = arena.f32([1]);
    if (kind === 'max') {
      f32_maxpool2d_forward(e, p, p + 4, 0, s);
      f32_maxpool2d_backward(e, p, p, p + 4, s);
    } else f32_avgpool2d_forward(e, p, p + 4, s);
  });
});

describe('f32_maxpool2d', () => {
  it('lets NaN win the window, and routes ties to the first cell', () => {
    const s: Pool2dShape = { rows: 1, height: 2, width: 2, channels: 5, poolHeight: 2, poolWidth: 2, strideHeight: 2, strideWidth: 2, padding: 'valid' };
    const x = new Float32Array([1, 2, 3, 4, -Infinity, 1, NaN, 3, 9, -Infinity, 1, 2, 3, 4, -Infinity, 1, 2, NaN, 4, -Infinity]);
    const { y, dx } = run('max', s, x, new Float32Array([10, 20, 30, 40, 50]));
    expect(Array.from(y)).toEqual([1, NaN, NaN, 9, -Infinity]);
    // channel 0: four ties of 1 -> the first; channel 4: all -Infinity -> the first
    expectSameBits(dx, [10, 0, 0, 0, 50, 0, 20, 0, 40, 0, 0, 0, 0, 0, 0, 0, 0, 30, 0, 0], 'dx');
  });

  it('the 2x2 stride-2 path over 4-channel groups lets NaN win and routes ties and -Infinity to the first cell', () => {
    // channel pairs of the test above, 8 channels: lanes 0-4 as above, 5-7 a tie at 2, a NaN last, a 7 in the third cell
    const s: Pool2dShape = { rows: 1, height: 2, width: 2, channels: 8, poolHeight: 2, poolWidth: 2, strideHeight: 2, strideWidth: 2, padding: 'valid' };
    const cells = [
      [1, 2, 3, 4, -Infinity, 2, 0, 0],
      [1, NaN, 3, 9, -Infinity, 2, 0, 0],
      [1, 2, 3, 4, -Infinity, 2, 0, 7],
      [1, 2, NaN, 4, -Infinity, 2, NaN, 0],
    ];
    const x = new Float32Array(cells.flat());
    const { y, dx } = run('max', s, x, new Float32Array([10, 20, 30, 40, 50, 60, 70, 80]));
    expect(Array.from(y)).toEqual([1, NaN, NaN, 9, -Infinity, 2, NaN, 7]);
    const want = new Float32Array(32);
    for (const [ch, cell, v] of [
      [0, 0, 10],
      [1, 1, 20],
      [2, 3, 30],
      [3, 1, 40],
      [4, 0, 50],
      [5, 0, 60],
      [6, 3, 70],
      [7, 2, 80],
    ])
      want[cell! * 8 + ch!] = v!;
    expectSameBits(dx, want, 'dx');
    // the general loop (taken without argmax) gives the same maxima
    const yGeneral = arena.guarded(8);
    f32_maxpool2d_forward(engine(), arena.f32(x), yGeneral.ptr, 0, s);
    expectSameBits(yGeneral.read(), y, 'general loop');
  });

  it('skips argmax in inference (argmax 0) with the same output', () => {
    const s = shapeOf(CASES[4]!);
    const { x, dy } = inputs(s, 7);
    const y = arena.guarded(dy.length);
    f32_maxpool2d_forward(engine(), arena.f32(x), y.ptr, 0, s);
    expectSameBits(y.read(), run('max', s, x, dy).y, 'no argmax');
  });
});

describe('global pooling', () => {
  it('is the mean / maximum over all pixels per channel, with its gradients', () => {
    for (const [rows, h, w, c] of [
      [1, 1, 1, 1],
      [3, 5, 7, 3],
      [2, 13, 13, 64],
      [1, 4, 4, 33],
    ] as const) {
      const x = randomArray(rows * h * w * c, rows * 1000 + h * 10 + c, -3, 3),
        dy = randomArray(rows * c, c + 5);
      const e = engine();
      const px = arena.f32(x),
        pdy = arena.f32(dy);
      const y = arena.guarded(rows * c),
        am = arena.guarded(rows * c),
        dx = arena.guarded(x.length);
      const ym = new Float64Array(rows * c),
        yx = new Float32Array(rows * c).fill(-Infinity),
        dxm = new Float64Array(x.length),
        dxx = new Float64Array(x.length);
      const at = new Int32Array(rows * c);
      for (let r = 0; r < rows; r++)
        for (let p = 0; p < h * w; p++)
          for (let k = 0; k < c; k++) {
            const q = (r * h * w + p) * c + k,
              o = r * c + k;
            ym[o] += x[q]! / (h * w);
            dxm[q] = dy[o]! / (h * w);
            if (x[q]! > yx[o]!) {
              yx[o] = x[q]!;
              at[o] = q;
            }
          }
      at.forEach((q, o) => (dxx[q] = dy[o]!));
      const tag = `${rows}x${h}x${w}x${c}`;
      f32_global_avgpool2d_forward(e, px, y.ptr, rows, h, w, c);
      expectClose(y.read(), ym, { rtol: 1e-5, atol: 1e-6 }, `global avg ${tag}`);
      f32_global_avgpool2d_backward(e, pdy, dx.ptr, rows, h, w, c);
      expectClose(dx.read(), dxm, { rtol: 1e-6, atol: 1e-7 }, `global avg dx ${tag}`);
      f32_global_maxpool2d_forward(e, px, y.ptr, am.ptr, rows, h, w, c);
      expectSameBits(y.read(), yx, `global max ${tag}`);
      f32_global_maxpool2d_backward(e, pdy, am.ptr, dx.ptr, rows, h, w, c);
      expectSameBits(dx.read(), dxx, `global max dx ${tag}`);
      for (const b of [y, am, dx]) b.checkGuards(tag);
    }
  });
});

describe('wrapper checks', () => {
  it('rejects a pool that does not fit, zero sizes and strides, and overlapping outputs', () => {
    const e = engine();
    const p = arena.f32(new Float32Array(64));
    const s: Pool2dShape = { rows: 1, height: 2, width: 2, channels: 1, poolHeight: 3, poolWidth: 3, strideHeight: 1, strideWidth: 1, padding: 'valid' };
    expect(() => f32_avgpool2d_forward(e, p, p + 64, s)).toThrow(/3 x 3 pool does not fit a 2 x 2 image/);
    expect(() => f32_avgpool2d_forward(e, p, p + 64, { ...s, poolHeight: 0 })).toThrow(/poolHeight must be a positive integer, got 0/);
    expect(() => f32_avgpool2d_forward(e, p, p + 64, { ...s, poolHeight: 1, poolWidth: 1, strideWidth: -1 })).toThrow(/strideWidth must be a positive integer/);
    expect(() => f32_maxpool2d_forward(e, p, p + 4, 0, { ...s, height: 4, poolHeight: 2, poolWidth: 2 })).toThrow(/y overlaps x/);
  });
});

// ---- PyTorch, or finite differences without it

const python = pythonWithTorch();
if (!python) {
  console.warn(
    'f32_pool2d.test.ts: PyTorch comparison SKIPPED, no python3 here imports torch (apt-get install python3-torch); gradients checked by finite differences instead.',
  );
}

describe.runIf(python)('against PyTorch (max_pool2d, avg_pool2d, autograd)', () => {
  it('gives the same outputs and input gradients over the awkward shapes', () => {
    const cases = (['max', 'avg'] as const).flatMap((kind) =>
      CASES.map((c, i) => {
        const s = shapeOf(c);
        const g = geometry(s);
        return { kind, s, ...inputs(s, 500 + i), pads: { padTop: g.top, padBottom: g.bottom, padLeft: g.left, padRight: g.right } };
      }),
    );
    const torch = runTorch<{ y: number[]; dx: number[] }[]>(
      python!,
      'pool2d_torch.py',
      cases.map((c) => ({ kind: c.kind, ...c.s, ...c.pads, x: Array.from(c.x), dy: Array.from(c.dy) })),
    );
    cases.forEach((c, i) => {
      const got = run(c.kind, c.s, c.x, c.dy);
      const tag = `${c.kind} ${label(c.s)} vs PyTorch`;
      expectClose(got.y, torch[i]!.y, { rtol: 1e-6, atol: 1e-6 }, `${tag}: y`);
      expectClose(got.dx, torch[i]!.dx, { rtol: 1e-5, atol: 1e-6 }, `${tag}: dx`);
    });
  });
});

describe.runIf(!python)('finite differences (PyTorch missing)', () => {
  it('backward is the gradient of sum(y * dy) for max and average pooling', () => {
    for (const kind of ['max', 'avg'] as const)
      for (const c of [CASES[1]!, CASES[5]!, CASES[6]!]) {
        const s = shapeOf(c);
        const { dy } = inputs(s, 3);
        // distinct values 0.05 apart: a step of 1e-2 never changes which cell wins a window
        const n = s.rows * s.height * s.width * s.channels;
        const r = rng(n);
        const order = Array.from({ length: n }, (_, i) => i).sort(() => r() - 0.5);
        const x = new Float32Array(n);
        order.forEach((v, i) => (x[i] = f(v * 0.05 - n * 0.025)));
        const loss = (xs: Float32Array): number => run(kind, s, xs, dy).y.reduce((a, v, i) => a + v * dy[i]!, 0);
        const dx = run(kind, s, x, dy).dx;
        const h = 1e-2;
        for (let i = 0; i < n; i += Math.max(1, Math.floor(n / 40))) {
          const xp = x.slice(),
            xm = x.slice();
          xp[i] = x[i]! + h;
          xm[i] = x[i]! - h;
          const fd = (loss(xp) - loss(xm)) / (2 * h);
          expect(Math.abs(fd - dx[i]!), `${kind} ${label(s)} dx[${i}]: backward ${dx[i]}, finite difference ${fd}`).toBeLessThan(2e-3);
        }
      }
  });
});
