import { afterEach, describe, expect, it } from 'vitest';
import { engine } from '../../src/engine/engine';
import {
  f32_bn_backward,
  f32_bn_backward_sums,
  f32_bn_merge,
  f32_bn_moments,
  f32_bn_normalize,
  f32_bn_update_moving,
} from '../../src/engine/kernels/f32_batchnorm';
import { SIZES, expectClose, randomArray } from '../helpers';
import { Arena, expectSameBits } from './arena';

const arena = new Arena();
afterEach(() => arena.free());
const f = Math.fround;
const EPS = 1e-3;

// ---- float64 references ----

function moments(x: ArrayLike<number>, rows: number, cols: number): { mean: number[]; m2: number[] } {
  const mean = new Array(cols).fill(0),
    m2 = new Array(cols).fill(0);
  if (rows === 0) return { mean, m2 };
  for (let r = 0; r < rows; r++) for (let j = 0; j < cols; j++) mean[j] += x[r * cols + j]!;
  for (let j = 0; j < cols; j++) mean[j] /= rows;
  for (let r = 0; r < rows; r++) for (let j = 0; j < cols; j++) m2[j] += (x[r * cols + j]! - mean[j]) ** 2;
  return { mean, m2 };
}

/** Training-mode batch norm in float64: y = gamma * (x - mean) / sqrt(var + eps) + beta with the batch's biased variance. */
function bnTrain(x: ArrayLike<number>, rows: number, cols: number, gamma: ArrayLike<number>, beta: ArrayLike<number>): number[] {
  const { mean, m2 } = moments(x, rows, cols);
  const y: number[] = [];
  for (let r = 0; r < rows; r++)
    for (let j = 0; j < cols; j++) {
      y.push((gamma[j]! * (x[r * cols + j]! - mean[j]!)) / Math.sqrt(m2[j]! / rows + EPS) + beta[j]!);
    }
  return y;
}

/** Kernel buffers for one training-mode forward + backward, whole batch. */
function runTrain(x: Float32Array, dy: Float32Array, rows: number, cols: number, gamma: Float32Array, beta: Float32Array) {
  const e = engine();
  const px = arena.f32(x),
    pdy = arena.f32(dy),
    pg = arena.f32(gamma),
    pb = arena.f32(beta);
  const mean = arena.guarded(cols),
    m2 = arena.guarded(cols),
    y = arena.guarded(rows * cols),
    dx = arena.guarded(rows * cols);
  const sumDy = arena.guarded(cols),
    sumDyXhat = arena.guarded(cols);
  f32_bn_moments(e, px, rows, cols, mean.ptr, m2.ptr);
  const variance = arena.f32(Array.from(m2.read(), (v) => f(v / rows)));
  f32_bn_normalize(e, px, y.ptr, rows, cols, mean.ptr, variance, pg, pb, EPS);
  f32_bn_backward_sums(e, pdy, px, rows, cols, mean.ptr, variance, EPS, sumDy.ptr, sumDyXhat.ptr, false);
  f32_bn_backward(e, pdy, px, dx.ptr, rows, cols, mean.ptr, variance, EPS, pg, sumDy.ptr, sumDyXhat.ptr, rows);
  for (const g of [mean, m2, y, dx, sumDy, sumDyXhat]) g.checkGuards(`${rows}x${cols}`);
  return { mean: mean.read(), m2: m2.read(), y: y.read(), dx: dx.read(), sumDy: sumDy.read(), sumDyXhat: sumDyXhat.read() };
}

describe('f32_bn_moments, f32_bn_merge', () => {
  it('moments match a float64 reference over the size grid', () => {
    for (const rows of [0, 1, 3, 5, 17, 64])
      for (const cols of SIZES) {
        // an offset mean, where a one-pass variance would cancel
        const x = randomArray(rows * cols, rows * 100 + cols, 99, 101);
        const mean = arena.guarded(cols),
          m2 = arena.guarded(cols);
        f32_bn_moments(engine(), arena.f32(x), rows, cols, mean.ptr, m2.ptr);
        const ref = moments(x, rows, cols);
        expectClose(mean.read(), ref.mean, { rtol: 1e-6 }, `mean ${rows}x${cols}`);
        expectClose(m2.read(), ref.m2, { rtol: 1e-4, atol: 1e-5 * rows }, `m2 ${rows}x${cols}`);
        mean.checkGuards('mean');
        m2.checkGuards('m2');
      }
  });

  it('sharded moments merged in order equal the whole-batch moments within rounding', () => {
    for (const cols of SIZES) {
      const rows = 40;
      const x = randomArray(rows * cols, cols, -3, 5);
      const e = engine();
      const ref = moments(x, rows, cols);
      // shards of unequal sizes, an empty one included
      const bounds = [0, 7, 7, 20, 21, 40];
      const meanA = arena.guarded(cols),
        m2A = arena.guarded(cols);
      f32_bn_moments(e, arena.f32(x.slice(0, bounds[1]! * cols)), bounds[1]!, cols, meanA.ptr, m2A.ptr);
      let n = bounds[1]!;
      for (let s = 1; s + 1 < bounds.length; s++) {
        const r0 = bounds[s]!,
          r1 = bounds[s + 1]!;
        const meanB = arena.f32(new Float32Array(cols)),
          m2B = arena.f32(new Float32Array(cols));
        f32_bn_moments(e, arena.f32(x.slice(r0 * cols, r1 * cols)), r1 - r0, cols, meanB, m2B);
        f32_bn_merge(e, meanA.ptr, m2A.ptr, n, meanB, m2B, r1 - r0, cols);
        n += r1 - r0;
      }
      expectClose(meanA.read(), ref.mean, { rtol: 1e-5, atol: 1e-6 }, `merged mean cols=${cols}`);
      expectClose(m2A.read(), ref.m2, { rtol: 1e-5, atol: 1e-5 }, `merged m2 cols=${cols}`);
      meanA.checkGuards('meanA');
      m2A.checkGuards('m2A');
    }
  });

  it('merge into an empty A copies B; an empty B changes nothing', () => {
    const e = engine();
    const meanA = arena.f32([NaN, NaN, NaN]),
      m2A = arena.f32([NaN, NaN, NaN]);
    f32_bn_merge(e, meanA, m2A, 0, arena.f32([1, 2, 3]), arena.f32([4, 5, 6]), 5, 3);
    expect(Array.from(engine().f32.slice(meanA >> 2, (meanA >> 2) + 3))).toEqual([1, 2, 3]);
    expect(Array.from(engine().f32.slice(m2A >> 2, (m2A >> 2) + 3))).toEqual([4, 5, 6]);
    f32_bn_merge(e, meanA, m2A, 5, arena.f32([NaN, NaN, NaN]), arena.f32([NaN, NaN, NaN]), 0, 3);
    expect(Array.from(engine().f32.slice(meanA >> 2, (meanA >> 2) + 3))).toEqual([1, 2, 3]);
  });

  it('a NaN stays in its column', () => {
    const rows = 6,
      cols = 9;
    const x = randomArray(rows * cols, 4);
    x[2 * cols + 7] = NaN;
    const mean = arena.guarded(cols),
      m2 = arena.guarded(cols);
    f32_bn_moments(engine(), arena.f32(x), rows, cols, mean.ptr, m2.ptr);
    const nan = (a: Float32Array) => Array.from(a, Number.isNaN);
    const expected = Array.from({ length: cols }, (_, j) => j === 7);
    expect(nan(mean.read())).toEqual(expected);
    expect(nan(m2.read())).toEqual(expected);
  });
});

describe('f32_bn_normalize', () => {
  it('matches the float64 formula over the size grid, with and without gamma / beta, in place too', () => {
    for (const rows of [1, 3, 5, 17])
      for (const cols of SIZES) {
        const x = randomArray(rows * cols, rows * 10 + cols, -2, 2);
        const mean = randomArray(cols, cols, -1, 1),
          variance = randomArray(cols, cols + 1, 0.1, 3);
        const gamma = randomArray(cols, cols + 2, 0.5, 1.5),
          beta = randomArray(cols, cols + 3, -1, 1);
        const ref = (g: boolean, b: boolean) =>
          Array.from(x, (v, i) => {
            const j = i % cols;
            return ((g ? gamma[j]! : 1) * (v - mean[j]!)) / Math.sqrt(variance[j]! + EPS) + (b ? beta[j]! : 0);
          });
        const pm = arena.f32(mean),
          pv = arena.f32(variance),
          pg = arena.f32(gamma),
          pb = arena.f32(beta),
          px = arena.f32(x);
        for (const [g, b] of [
          [true, true],
          [false, false],
          [true, false],
        ] as const) {
          const y = arena.guarded(rows * cols);
          f32_bn_normalize(engine(), px, y.ptr, rows, cols, pm, pv, g ? pg : 0, b ? pb : 0, EPS);
          expectClose(y.read(), ref(g, b), { rtol: 1e-5, atol: 1e-6 }, `${rows}x${cols} gamma=${g} beta=${b}`);
          y.checkGuards(`${rows}x${cols}`);
        }
        const inPlace = arena.f32(x);
        f32_bn_normalize(engine(), inPlace, inPlace, rows, cols, pm, pv, pg, pb, EPS);
        expectClose(engine().f32.slice(inPlace >> 2, (inPlace >> 2) + rows * cols), ref(true, true), { rtol: 1e-5, atol: 1e-6 }, 'in place');
      }
  });
  it('keeps precision when the mean is large next to the spread', () => {
    const x = Float32Array.from([10000.5, 10000.25, 10000.75, 10000]);
    const got = runTrain(x, new Float32Array(4), 4, 1, Float32Array.of(1), Float32Array.of(0));
    expectClose(got.y, bnTrain(x, 4, 1, [1], [0]), { rtol: 1e-5, atol: 1e-5 }, 'offset batch');
  });
});

describe('training-mode batch norm: forward and backward', () => {
  it('forward, the backward sums and dx match float64 finite differences of a scalar loss', () => {
    for (const rows of [1, 2, 3, 5, 17])
      for (const cols of SIZES) {
        const x = randomArray(rows * cols, rows * 1000 + cols, -2, 2);
        const gamma = randomArray(cols, cols + 5, 0.5, 1.5),
          beta = randomArray(cols, cols + 6, -1, 1);
        // loss = sum c * y, so dy = c
        const c = randomArray(rows * cols, rows + cols, -1, 1);
        const got = runTrain(x, c, rows, cols, gamma, beta);
        const label = `${rows}x${cols}`;
        expectClose(got.y, bnTrain(x, rows, cols, gamma, beta), { rtol: 1e-5, atol: 2e-5 }, `${label} y`);
        const loss = (xx: ArrayLike<number>, g: ArrayLike<number>, b: ArrayLike<number>): number =>
          bnTrain(xx, rows, cols, g, b).reduce((s, v, i) => s + c[i]! * v, 0);
        const h = 1e-4;
        const fd = (vec: Float64Array, at: (v: Float64Array) => number): Float64Array => {
          const out = new Float64Array(vec.length);
          for (let i = 0; i < vec.length; i++) {
            const old = vec[i]!;
            vec[i] = old + h;
            const lp = at(vec);
            vec[i] = old - h;
            const lm = at(vec);
            vec[i] = old;
            out[i] = (lp - lm) / (2 * h);
          }
          return out;
        };
        const x64 = Float64Array.from(x),
          g64 = Float64Array.from(gamma),
          b64 = Float64Array.from(beta);
        expectClose(
          got.dx,
          fd(x64, (v) => loss(v, gamma, beta)),
          { rtol: 1e-3, atol: 2e-4 },
          `${label} dx`,
        );
        expectClose(
          got.sumDyXhat,
          fd(g64, (v) => loss(x, v, beta)),
          { rtol: 1e-3, atol: 2e-4 },
          `${label} dgamma`,
        );
        expectClose(
          got.sumDy,
          fd(b64, (v) => loss(x, gamma, v)),
          { rtol: 1e-4, atol: 1e-5 },
          `${label} dbeta`,
        );
      }
  });

  it('sharded backward sums (accumulate) and the total count give the whole-batch dx', () => {
    const rows = 24,
      cols = 11,
      split = 10;
    const x = randomArray(rows * cols, 1, -2, 2),
      dy = randomArray(rows * cols, 2);
    const gamma = randomArray(cols, 3, 0.5, 1.5);
    const whole = runTrain(x, dy, rows, cols, gamma, new Float32Array(cols));
    const e = engine();
    const mean = arena.f32(whole.mean),
      variance = arena.f32(Array.from(whole.m2, (v) => f(v / rows))),
      pg = arena.f32(gamma);
    const sumDy = arena.f32(new Float32Array(cols)),
      sumDyXhat = arena.f32(new Float32Array(cols));
    const shards = [
      [0, split],
      [split, rows],
    ] as const;
    const px = shards.map(([a, b]) => arena.f32(x.slice(a * cols, b * cols)));
    const pdy = shards.map(([a, b]) => arena.f32(dy.slice(a * cols, b * cols)));
    shards.forEach(([a, b], s) => f32_bn_backward_sums(e, pdy[s]!, px[s]!, b - a, cols, mean, variance, EPS, sumDy, sumDyXhat, s > 0));
    const dx: number[] = [];
    shards.forEach(([a, b], s) => {
      const out = arena.guarded((b - a) * cols);
      f32_bn_backward(e, pdy[s]!, px[s]!, out.ptr, b - a, cols, mean, variance, EPS, pg, sumDy, sumDyXhat, rows);
      dx.push(...out.read());
    });
    expectClose(engine().f32.slice(sumDy >> 2, (sumDy >> 2) + cols), whole.sumDy, { rtol: 1e-5, atol: 1e-5 }, 'sumDy');
    expectClose(dx, whole.dx, { rtol: 1e-4, atol: 1e-5 }, 'sharded dx');
  });

  it('backward may write dx over dy; zero rows write nothing', () => {
    const rows = 5,
      cols = 6;
    const x = randomArray(rows * cols, 8),
      dy = randomArray(rows * cols, 9),
      gamma = randomArray(cols, 10);
    const ref = runTrain(x, dy, rows, cols, gamma, new Float32Array(cols));
    const e = engine();
    const mean = arena.f32(ref.mean),
      variance = arena.f32(Array.from(ref.m2, (v) => f(v / rows)));
    const pdy = arena.f32(dy);
    f32_bn_backward(e, pdy, arena.f32(x), pdy, rows, cols, mean, variance, EPS, arena.f32(gamma), arena.f32(ref.sumDy), arena.f32(ref.sumDyXhat), rows);
    expectSameBits(engine().f32.slice(pdy >> 2, (pdy >> 2) + rows * cols), ref.dx, 'dx over dy');
    const sums = arena.guarded(cols, new Float32Array(cols).fill(3));
    f32_bn_backward_sums(e, 0, 0, 0, cols, 0, 0, EPS, sums.ptr, arena.f32(new Float32Array(cols)), true);
    expectSameBits(sums.read(), new Float32Array(cols).fill(3), 'accumulate over zero rows');
    f32_bn_backward_sums(e, 0, 0, 0, cols, 0, 0, EPS, sums.ptr, arena.f32(new Float32Array(cols)), false);
    expectSameBits(sums.read(), new Float32Array(cols), 'zero rows, no accumulate');
    const out = arena.guarded(0);
    f32_bn_normalize(e, 0, out.ptr, 0, cols, 0, 0, 0, 0, EPS);
    f32_bn_backward(e, 0, 0, out.ptr, 0, cols, 0, 0, EPS, 0, 0, 0, 0);
    out.checkGuards('zero rows');
  });
});

describe('f32_bn_update_moving', () => {
  it('is momentum * moving + (1 - momentum) * batch, one f32 rounding per operation', () => {
    for (const cols of SIZES) {
      const mm = randomArray(cols, cols),
        mv = randomArray(cols, cols + 1, 0, 2),
        m = randomArray(cols, cols + 2),
        v = randomArray(cols, cols + 3, 0, 2);
      const a = arena.guarded(cols, mm),
        b = arena.guarded(cols, mv);
      f32_bn_update_moving(engine(), a.ptr, b.ptr, arena.f32(m), arena.f32(v), cols, 0.99);
      const upd = (old: Float32Array, cur: Float32Array) => Array.from(old, (o, i) => f(f(f(0.99) * o) + f(f(1 - 0.99) * cur[i]!)));
      expectSameBits(a.read(), upd(mm, m), `mean cols=${cols}`);
      expectSameBits(b.read(), upd(mv, v), `variance cols=${cols}`);
      a.checkGuards('movingMean');
      b.checkGuards('movingVar');
    }
  });
});

describe('f32_batchnorm wrappers', () => {
  it('reject bad shapes, regions, overlaps and scalars with messages that name them', () => {
    const e = engine();
    const x = arena.f32(new Float32Array(64)),
      a = arena.f32(new Float32Array(8)),
      b = arena.f32(new Float32Array(8));
    const c = arena.f32(new Float32Array(8)),
      d = arena.f32(new Float32Array(8));
    expect(() => f32_bn_moments(e, x, -1, 4, a, b)).toThrow(/f32_bn_moments: rows must be a non-negative integer, got -1/);
    expect(() => f32_bn_moments(e, x, 4, 4, a, a + 8)).toThrow(/m2 overlaps mean/);
    expect(() => f32_bn_moments(e, x, 4, 4, x + 16, b)).toThrow(/mean overlaps x/);
    expect(() => f32_bn_merge(e, a, b, 1.5, c, d, 2, 4)).toThrow(/f32_bn_merge: nA must be a non-negative integer, got 1.5/);
    expect(() => f32_bn_merge(e, a, b, 1, a, d, 2, 4)).toThrow(/meanA overlaps meanB/);
    expect(() => f32_bn_normalize(e, x, x + 4, 2, 4, a, b, 0, 0, 1e-3)).toThrow(/y overlaps x/);
    expect(() => f32_bn_normalize(e, x, x, 2, 4, a, b, 0, 0, -1)).toThrow(/f32_bn_normalize: eps must be a finite number >= 0, got -1/);
    expect(() => f32_bn_normalize(e, x, x, 2, 4, 0, b, 0, 0, 1e-3)).toThrow(/mean must be a 4-byte aligned/);
    expect(() => f32_bn_backward_sums(e, x, x, 2, 4, a, b, 1e-3, c, c, false)).toThrow(/sumDyXhat overlaps sumDy/);
    expect(() => f32_bn_backward(e, x, x, x + 4, 2, 4, a, b, 1e-3, 0, c, d, 2)).toThrow(/dx overlaps dy/);
    expect(() => f32_bn_backward(e, x, x, x, 2, 4, a, b, 1e-3, 0, c, d, 2)).toThrow(/dx overlaps x/);
    expect(() => f32_bn_backward(e, x, a, x, 2, 4, a, b, 1e-3, 0, c, d, 1)).toThrow(/count must be an integer >= rows/);
    expect(() => f32_bn_update_moving(e, a, b, c, d, 4, 1.5)).toThrow(/momentum must be a number in \[0, 1\], got 1.5/);
  });
});
