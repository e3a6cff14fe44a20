import { afterEach, describe, expect, it } from 'vitest';
import { engine, type Engine } from '../../src/engine/engine';
import { f32_softmax } from '../../src/engine/kernels/f32_activation';
import {
  f32_binary_cross_entropy_probs,
  f32_cross_entropy_probs,
  f32_custom_loss_reduce,
  f32_huber,
  f32_log_cosh,
  f32_mean_absolute_error,
  f32_mean_squared_error,
  f32_sigmoid_binary_cross_entropy,
  f32_softmax_cross_entropy,
  f32_softmax_cross_entropy_sparse,
} from '../../src/engine/kernels/f32_loss';
import { SIZES, expectClose, randomArray, rng } from '../helpers';
import { Arena, expectSameBits } from './arena';

const arena = new Arena();
afterEach(() => arena.free());
const EPS = 1e-7;

// ---- float64 references: the loss of one row, and the activation written to probs ----

function logSumExp(z: ArrayLike<number>): number {
  let m = -Infinity;
  for (let j = 0; j < z.length; j++) m = Math.max(m, z[j]!);
  let s = 0;
  for (let j = 0; j < z.length; j++) s += Math.exp(z[j]! - m);
  return m + Math.log(s);
}
function softmax(z: ArrayLike<number>): number[] {
  const l = logSumExp(z);
  return Array.from(z, (v) => Math.exp(v - l));
}
const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));
const clip = (p: number): number => Math.min(Math.max(p, Math.fround(EPS)), Math.fround(1 - EPS));

const softmaxCE = (z: ArrayLike<number>, y: ArrayLike<number>): number => {
  const l = logSumExp(z);
  let s = 0;
  for (let j = 0; j < z.length; j++) s += y[j]! * (l - z[j]!);
  return s;
};
const sigmoidBCE = (z: ArrayLike<number>, y: ArrayLike<number>): number => {
  let s = 0;
  for (let j = 0; j < z.length; j++) s += Math.max(z[j]!, 0) - z[j]! * y[j]! + Math.log1p(Math.exp(-Math.abs(z[j]!)));
  return s / z.length;
};
const mse = (p: ArrayLike<number>, t: ArrayLike<number>): number => {
  let s = 0;
  for (let j = 0; j < p.length; j++) s += (p[j]! - t[j]!) ** 2;
  return s / p.length;
};
const mae = (p: ArrayLike<number>, t: ArrayLike<number>): number => {
  let s = 0;
  for (let j = 0; j < p.length; j++) s += Math.abs(p[j]! - t[j]!);
  return s / p.length;
};
const huberOf =
  (delta: number) =>
  (p: ArrayLike<number>, t: ArrayLike<number>): number => {
    let s = 0;
    for (let j = 0; j < p.length; j++) {
      const a = Math.abs(p[j]! - t[j]!);
      s += a <= delta ? 0.5 * a * a : delta * (a - 0.5 * delta);
    }
    return s / p.length;
  };
/** log(cosh d) in float64 without overflow: log(cosh d) below 20, |d| - ln 2 + log1p(e^-2|d|) above. */
const logCoshOf = (d: number): number => (Math.abs(d) < 20 ? Math.log(Math.cosh(d)) : Math.abs(d) - Math.LN2 + Math.log1p(Math.exp(-2 * Math.abs(d))));
const logCosh = (p: ArrayLike<number>, t: ArrayLike<number>): number => {
  let s = 0;
  for (let j = 0; j < p.length; j++) s += logCoshOf(p[j]! - t[j]!);
  return s / p.length;
};
const ceProbs = (p: ArrayLike<number>, y: ArrayLike<number>): number => {
  let s = 0;
  for (let j = 0; j < p.length; j++) s -= y[j]! * Math.log(clip(p[j]!));
  return s;
};
const bceProbs = (p: ArrayLike<number>, y: ArrayLike<number>): number => {
  let s = 0;
  for (let j = 0; j < p.length; j++) s -= y[j]! * Math.log(clip(p[j]!)) + (1 - y[j]!) * Math.log(1 - clip(p[j]!));
  return s / p.length;
};

// ---- one table of losses, run through the same checks ----

type Kernel = (e: Engine, input: number, labels: number, weights: number, rows: number, cols: number, probs: number, grad: number, scale: number) => number;

interface LossCase {
  name: string;
  kernel: Kernel;
  /** Loss of one row (float64). */
  rowLoss: (x: ArrayLike<number>, y: ArrayLike<number>) => number;
  /** Random inputs and f32 labels for a rows x cols batch. */
  inputs: (rows: number, cols: number, seed: number, soft: boolean) => { x: Float32Array; y: Float32Array };
  /** The activation written to probs, for losses that have one. */
  activation?: (x: ArrayLike<number>) => number[];
  /** Integer labels (argmax of the one-hot y) instead of f32 labels. */
  sparse?: boolean;
  /** Targets, not labels: no soft/hard variants. */
  regression?: boolean;
}

/** One-hot rows, or soft rows (non-negative, not necessarily summing to 1, so sum_j y matters). */
function labels(rows: number, cols: number, seed: number, soft: boolean): Float32Array {
  const r = rng(seed);
  const y = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    if (soft) for (let j = 0; j < cols; j++) y[i * cols + j] = r() * (2 / cols);
    else y[i * cols + Math.floor(r() * cols)] = 1;
  }
  return y;
}
const binaryLabels = (n: number, seed: number, soft: boolean): Float32Array => {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => (soft ? r() : r() < 0.5 ? 0 : 1));
};
const sparseLabels = (y: Float32Array, rows: number, cols: number): Int32Array =>
  Int32Array.from({ length: rows }, (_, i) => y.subarray(i * cols, (i + 1) * cols).indexOf(1));

const withEps =
  (k: (e: Engine, p: number, y: number, w: number, rows: number, cols: number, g: number, s: number, eps: number) => number): Kernel =>
  (e, input, y, w, rows, cols, _probs, grad, scale) =>
    k(e, input, y, w, rows, cols, grad, scale, EPS);

const CASES: LossCase[] = [
  {
    name: 'f32_softmax_cross_entropy',
    kernel: f32_softmax_cross_entropy,
    rowLoss: softmaxCE,
    activation: softmax,
    inputs: (rows, cols, seed, soft) => ({ x: randomArray(rows * cols, seed, -3, 3), y: labels(rows, cols, seed + 1, soft) }),
  },
  {
    name: 'f32_softmax_cross_entropy_sparse',
    kernel: f32_softmax_cross_entropy_sparse,
    rowLoss: softmaxCE,
    activation: softmax,
    sparse: true,
    inputs: (rows, cols, seed) => ({ x: randomArray(rows * cols, seed, -3, 3), y: labels(rows, cols, seed + 1, false) }),
  },
  {
    name: 'f32_sigmoid_binary_cross_entropy',
    kernel: f32_sigmoid_binary_cross_entropy,
    rowLoss: sigmoidBCE,
    activation: (x) => Array.from(x, sigmoid),
    inputs: (rows, cols, seed, soft) => ({ x: randomArray(rows * cols, seed, -4, 4), y: binaryLabels(rows * cols, seed + 1, soft) }),
  },
  {
    name: 'f32_mean_squared_error',
    kernel: (e, p, t, w, rows, cols, _probs, g, s) => f32_mean_squared_error(e, p, t, w, rows, cols, g, s),
    rowLoss: mse,
    regression: true,
    inputs: (rows, cols, seed) => ({ x: randomArray(rows * cols, seed, -2, 2), y: randomArray(rows * cols, seed + 1, -2, 2) }),
  },
  {
    name: 'f32_mean_absolute_error',
    kernel: (e, p, t, w, rows, cols, _probs, g, s) => f32_mean_absolute_error(e, p, t, w, rows, cols, g, s),
    rowLoss: mae,
    regression: true,
    inputs: (rows, cols, seed) => ({ x: randomArray(rows * cols, seed, -2, 2), y: randomArray(rows * cols, seed + 1, -2, 2) }),
  },
  {
    name: 'f32_huber delta 1',
    kernel: (e, p, t, w, rows, cols, _probs, g, s) => f32_huber(e, p, t, w, rows, cols, g, s, 1),
    rowLoss: huberOf(1),
    regression: true,
    inputs: (rows, cols, seed) => ({ x: randomArray(rows * cols, seed, -2, 2), y: randomArray(rows * cols, seed + 1, -2, 2) }),
  },
  {
    name: 'f32_huber delta 0.3',
    kernel: (e, p, t, w, rows, cols, _probs, g, s) => f32_huber(e, p, t, w, rows, cols, g, s, 0.3),
    rowLoss: huberOf(0.3),
    regression: true,
    inputs: (rows, cols, seed) => ({ x: randomArray(rows * cols, seed, -2, 2), y: randomArray(rows * cols, seed + 1, -2, 2) }),
  },
  {
    name: 'f32_log_cosh',
    kernel: (e, p, t, w, rows, cols, _probs, g, s) => f32_log_cosh(e, p, t, w, rows, cols, g, s),
    rowLoss: logCosh,
    regression: true,
    inputs: (rows, cols, seed) => ({ x: randomArray(rows * cols, seed, -3, 3), y: randomArray(rows * cols, seed + 1, -3, 3) }),
  },
  {
    name: 'f32_cross_entropy_probs',
    kernel: withEps(f32_cross_entropy_probs),
    rowLoss: ceProbs,
    inputs: (rows, cols, seed, soft) => ({ x: randomArray(rows * cols, seed, 0.02, 0.98), y: labels(rows, cols, seed + 1, soft) }),
  },
  {
    name: 'f32_binary_cross_entropy_probs',
    kernel: withEps(f32_binary_cross_entropy_probs),
    rowLoss: bceProbs,
    inputs: (rows, cols, seed, soft) => ({ x: randomArray(rows * cols, seed, 0.02, 0.98), y: binaryLabels(rows * cols, seed + 1, soft) }),
  },
];

interface Run {
  total: number;
  probs: Float32Array;
  grad: Float32Array;
}

/** Runs a loss kernel on fresh buffers (guarded outputs), checking the guards. */
function run(c: LossCase, x: Float32Array, y: Float32Array, w: Float32Array | undefined, rows: number, cols: number, scale: number, outputs = true): Run {
  const n = rows * cols;
  const px = arena.f32(x);
  const py = c.sparse ? arena.i32(sparseLabels(y, rows, cols)) : arena.f32(y);
  const pw = w ? arena.f32(w) : 0;
  const probs = arena.guarded(n),
    grad = arena.guarded(n);
  const total = c.kernel(engine(), px, py, pw, rows, cols, outputs && c.activation ? probs.ptr : 0, outputs ? grad.ptr : 0, scale);
  probs.checkGuards(`${c.name} probs`);
  grad.checkGuards(`${c.name} grad`);
  return { total, probs: probs.read(), grad: grad.read() };
}

/** Float64 reference of the total, and of the gradient by central differences of the row loss. */
function reference(c: LossCase, x: Float32Array, y: Float32Array, w: Float32Array | undefined, rows: number, cols: number, scale: number) {
  let total = 0;
  const fd = new Float64Array(rows * cols);
  const h = 1e-4;
  for (let i = 0; i < rows; i++) {
    const xi = Float64Array.from(x.subarray(i * cols, (i + 1) * cols)),
      yi = y.subarray(i * cols, (i + 1) * cols);
    const wi = w ? w[i]! : 1;
    total += wi * c.rowLoss(xi, yi);
    for (let j = 0; j < cols; j++) {
      const old = xi[j]!;
      xi[j] = old + h;
      const lp = c.rowLoss(xi, yi);
      xi[j] = old - h;
      const lm = c.rowLoss(xi, yi);
      xi[j] = old;
      fd[i * cols + j] = (scale * wi * (lp - lm)) / (2 * h);
    }
  }
  return { total, fd };
}

describe('losses', () => {
  for (const c of CASES) {
    for (const weighted of [false, true]) {
      for (const soft of c.sparse || c.regression ? [false] : [false, true]) {
        it(`${c.name}: loss and gradient (by finite differences) over the size grid, ${weighted ? 'weighted' : 'unweighted'}, ${soft ? 'soft' : 'hard'} labels`, () => {
          let seed = 1;
          for (const rows of [1, 3, 5, 17])
            for (const cols of SIZES) {
              const { x, y } = c.inputs(rows, cols, seed++, soft);
              const w = weighted ? randomArray(rows, seed++, 0, 2) : undefined;
              if (w && rows > 2) w[1] = 0;
              const scale = 1 / (w ? w.reduce((a, b) => a + b, 0) : rows);
              const got = run(c, x, y, w, rows, cols, scale);
              const ref = reference(c, x, y, w, rows, cols, scale);
              const label = `${c.name} ${rows}x${cols}`;
              expect(Math.abs(got.total - ref.total), `${label}: total ${got.total} vs ${ref.total}`).toBeLessThanOrEqual(
                2e-6 * Math.max(1, Math.abs(ref.total)),
              );
              expectClose(got.grad, ref.fd, { rtol: 2e-3, atol: 2e-5 * scale }, `${label} grad`);
              if (c.activation) {
                const expected: number[] = [];
                for (let i = 0; i < rows; i++) expected.push(...c.activation(x.subarray(i * cols, (i + 1) * cols)));
                expectClose(got.probs, expected, { rtol: 2e-6, atol: 1e-8 }, `${label} probs`);
              }
              // without outputs, the same total and nothing written
              const bare = run(c, x, y, w, rows, cols, scale, false);
              expect(bare.total).toBe(got.total);
            }
        });
      }
    }

    it(`${c.name}: NaN in one row makes the total and only that row's gradient NaN`, () => {
      const rows = 4,
        cols = 7;
      const { x, y } = c.inputs(rows, cols, 77, false);
      x[1 * cols + 5] = NaN;
      const got = run(c, x, y, undefined, rows, cols, 0.25);
      expect(got.total).toBeNaN();
      for (let i = 0; i < rows; i++)
        for (let j = 0; j < cols; j++) {
          const v = got.grad[i * cols + j]!;
          if (i !== 1) expect(Number.isFinite(v), `grad[${i},${j}] = ${v}`).toBe(true);
        }
      expect(got.grad[1 * cols + 5]).toBeNaN();
    });

    it(`${c.name}: zero rows or zero columns give 0 and write nothing`, () => {
      for (const [rows, cols] of [
        [0, 5],
        [3, 0],
        [0, 0],
      ] as const) {
        const { x, y } = c.inputs(rows, cols, 5, false);
        const got = run(c, x, y, undefined, rows, cols, 1);
        expect(got.total).toBe(0);
      }
    });

    it(`${c.name}: row shards with the batch scale give the batch gradient and total`, () => {
      const rows = 9,
        cols = 13;
      const { x, y } = c.inputs(rows, cols, 11, false);
      const w = randomArray(rows, 12, 0.5, 1.5);
      const scale = 1 / w.reduce((a, b) => a + b, 0);
      const whole = run(c, x, y, w, rows, cols, scale);
      const split = 4;
      const a = run(c, x.slice(0, split * cols), y.slice(0, split * cols), w.slice(0, split), split, cols, scale);
      const b = run(c, x.slice(split * cols), y.slice(split * cols), w.slice(split), rows - split, cols, scale);
      expectSameBits([...a.grad, ...b.grad], whole.grad, `${c.name} sharded grad`);
      expect(a.total + b.total).toBeCloseTo(whole.total, 12);
    });
  }
});

describe('regression losses specifics', () => {
  function one(kernel: Kernel, p: number[], t: number[]): { total: number; grad: Float32Array } {
    const grad = arena.guarded(p.length);
    const total = kernel(engine(), arena.f32(p), arena.f32(t), 0, p.length, 1, 0, grad.ptr, 1);
    grad.checkGuards('grad');
    return { total, grad: grad.read() };
  }
  const logCoshK: Kernel = (e, p, t, w, rows, cols, _probs, g, s) => f32_log_cosh(e, p, t, w, rows, cols, g, s);
  const maeK: Kernel = (e, p, t, w, rows, cols, _probs, g, s) => f32_mean_absolute_error(e, p, t, w, rows, cols, g, s);
  const huberK: Kernel = (e, p, t, w, rows, cols, _probs, g, s) => f32_huber(e, p, t, w, rows, cols, g, s, 1);

  it('log-cosh keeps its relative accuracy for tiny and huge differences (no cancellation, no overflow)', () => {
    const d = [1e-5, -3e-4, 0.01, 0.4, -0.99, 1.01, 5, -30, 100, 1e4, -1e30];
    const { total, grad } = one(logCoshK, d, new Array(d.length).fill(0));
    // each row is its own example here, so total is the plain sum
    let ref = 0;
    for (const v of d) ref += logCoshOf(v);
    expect(Math.abs(total - ref) / ref).toBeLessThan(1e-6);
    for (const v of d) {
      const row = one(logCoshK, [v], [0]).total;
      expect(Math.abs(row - logCoshOf(v)) / logCoshOf(v), `log cosh ${v}`).toBeLessThan(3e-6);
    }
    expectClose(grad, d.map(Math.tanh), { rtol: 1e-6, atol: 1e-12 }, 'tanh');
  });

  it('mean absolute error has gradient 0 where p = t (as tf.sign), huber is quadratic up to delta and linear after', () => {
    expect(Array.from(one(maeK, [1, 2, 3], [1, 1, 4]).grad)).toEqual([0, 1, -1]);
    const h = one(huberK, [0.5, 1, 3, -4], [0, 0, 0, 0]);
    expectClose([h.total], [0.125 + 0.5 + 2.5 + 3.5], { rtol: 1e-7 }, 'huber total');
    expect(Array.from(h.grad)).toEqual([0.5, 1, 1, -1]);
  });

  it('f32_huber rejects a delta that is not > 0', () => {
    const a = arena.f32([1, 2]);
    expect(() => f32_huber(engine(), a, a, 0, 2, 1, 0, 1, 0)).toThrow(/f32_huber: delta must be a finite number > 0, got 0/);
  });
});

describe('f32_custom_loss_reduce', () => {
  it('weights per-example losses and scales the gradient rows as the built-in losses do, over the size grid', () => {
    let seed = 300;
    for (const rows of [1, 3, 5, 17])
      for (const cols of SIZES) {
        const losses = randomArray(rows, seed++, 0, 3),
          g = randomArray(rows * cols, seed++, -1, 1),
          w = randomArray(rows, seed++, 0, 2);
        const scale = 1 / w.reduce((a, b) => a + b, 0);
        const grad = arena.guarded(rows * cols, g);
        const total = f32_custom_loss_reduce(engine(), arena.f32(losses), arena.f32(w), rows, cols, grad.ptr, scale);
        grad.checkGuards('custom grad');
        const refTotal = Array.from(losses).reduce((a, l, i) => a + w[i]! * l, 0);
        expect(Math.abs(total - refTotal)).toBeLessThanOrEqual(1e-6 * Math.max(1, refTotal));
        expectClose(
          grad.read(),
          Array.from(g, (v, k) => scale * w[Math.floor(k / cols)]! * v),
          { rtol: 1e-6, atol: 1e-9 },
          `custom ${rows}x${cols}`,
        );
        // without weights: w = 1; without grad: the total only
        expect(f32_custom_loss_reduce(engine(), arena.f32(losses), 0, rows, cols, 0, scale)).toBeCloseTo(
          Array.from(losses).reduce((a, b) => a + b, 0),
          5,
        );
      }
  });
});

describe('softmax cross-entropy specifics', () => {
  it('writes exactly the probabilities of f32_softmax', () => {
    for (const cols of SIZES) {
      const rows = 3;
      const x = randomArray(rows * cols, cols, -20, 20);
      const y = labels(rows, cols, cols + 1, true);
      const got = run(CASES[0]!, x, y, undefined, rows, cols, 1);
      const px = arena.f32(x),
        out = arena.guarded(rows * cols);
      f32_softmax(engine(), px, out.ptr, rows, cols);
      expectSameBits(got.probs, out.read(), `cols=${cols}`);
    }
  });
  it('is stable for large logits', () => {
    const x = Float32Array.from([1000, 999, -1000, 0, 1000, 1e30]);
    const y = Float32Array.from([0, 1, 0, 0, 0, 0]);
    const got = run(CASES[0]!, x, y, undefined, 2, 3, 1);
    expect(got.total).toBeCloseTo(softmaxCE([1000, 999, -1000], [0, 1, 0]) + 0, 5);
    expect(Array.from(got.grad).every(Number.isFinite)).toBe(true);
    expect(Array.from(got.probs.subarray(3))).toEqual([0, 0, 1]);
  });
  it('sparse labels give the same bits as one-hot f32 labels', () => {
    for (const cols of SIZES) {
      const rows = 5;
      const x = randomArray(rows * cols, cols, -3, 3),
        y = labels(rows, cols, cols + 3, false);
      const w = randomArray(rows, cols + 4, 0, 1);
      const dense = run(CASES[0]!, x, y, w, rows, cols, 0.3),
        sparse = run(CASES[1]!, x, y, w, rows, cols, 0.3);
      expect(sparse.total).toBe(dense.total);
      expectSameBits(sparse.grad, dense.grad, `grad cols=${cols}`);
      expectSameBits(sparse.probs, dense.probs, `probs cols=${cols}`);
    }
  });
  it('sparse: an out-of-range label counts as no label (loss 0, gradient 0)', () => {
    const rows = 3,
      cols = 5;
    const x = randomArray(rows * cols, 3);
    const e = engine();
    for (const bad of [-1, 5, 1 << 30]) {
      const probs = arena.guarded(rows * cols),
        grad = arena.guarded(rows * cols);
      const total = f32_softmax_cross_entropy_sparse(e, arena.f32(x), arena.i32([2, bad, 0]), 0, rows, cols, probs.ptr, grad.ptr, 1);
      const expected = softmaxCE(x.subarray(0, 5), [0, 0, 1, 0, 0]) + softmaxCE(x.subarray(10, 15), [1, 0, 0, 0, 0]);
      expect(total).toBeCloseTo(expected, 5);
      expect(Array.from(grad.read().subarray(5, 10))).toEqual([0, 0, 0, 0, 0]);
      expectClose(probs.read().subarray(5, 10), softmax(x.subarray(5, 10)), { rtol: 1e-6 }, 'probs of the unlabeled row');
      grad.checkGuards('bad label');
    }
  });
});

describe('losses on probabilities: the clip', () => {
  for (const c of CASES.filter((k) => k.name.endsWith('_probs'))) {
    it(`${c.name}: p outside [eps, 1 - eps] is clipped, with zero gradient there`, () => {
      const x = Float32Array.from([0, 1, 1e-9, 0.5, 1 - 1e-9, 0.3]);
      const y = Float32Array.from([1, 0, 1, 0.7, 0, 1]);
      const got = run(c, x, y, undefined, 1, 6, 1);
      expect(got.total).toBeCloseTo(c.rowLoss(x, y), 4);
      expect(Number.isFinite(got.total)).toBe(true);
      for (const j of [0, 1, 2, 4]) expect(got.grad[j], `grad[${j}]`).toBe(0);
      expect(got.grad[3]).not.toBe(0);
      expect(got.grad[5]).not.toBe(0);
    });
  }
});

describe('f32_loss wrappers', () => {
  it('reject bad shapes, regions, overlaps and scalars with messages that name them', () => {
    const e = engine();
    const a = arena.f32(new Float32Array(64)),
      b = arena.f32(new Float32Array(64)),
      g = arena.f32(new Float32Array(64));
    expect(() => f32_softmax_cross_entropy(e, a, b, 0, -1, 4, 0, 0, 1)).toThrow(/f32_softmax_cross_entropy: rows must be a non-negative integer, got -1/);
    expect(() => f32_softmax_cross_entropy(e, a, b, 0, 2, 4, 0, a + 4, 1)).toThrow(/grad overlaps logits/);
    expect(() => f32_softmax_cross_entropy(e, a, b, 0, 2, 4, g, g, 1)).toThrow(/grad overlaps probs/);
    expect(() => f32_softmax_cross_entropy(e, a, b, 0, 2, 4, b, 0, 1)).toThrow(/probs overlaps labels/);
    expect(() => f32_softmax_cross_entropy(e, a, b, g, 2, 4, 0, g + 4, 1)).toThrow(/grad overlaps weights/);
    expect(() => f32_softmax_cross_entropy_sparse(e, a, 6, 0, 2, 4, 0, 0, 1)).toThrow(/labels must be a 4-byte aligned/);
    expect(() => f32_sigmoid_binary_cross_entropy(e, a, b, 0, 2, 4, 0, g, NaN)).toThrow(/scale must be a finite number, got NaN/);
    expect(() => f32_mean_squared_error(e, a, b, e.byteLength - 4, 2, 4, 0, 1)).toThrow(/weights needs 2 floats/);
    expect(() => f32_cross_entropy_probs(e, a, b, 0, 2, 4, g, 1, 0.5)).toThrow(/epsilon must be in \[0, 0.5\), got 0.5/);
    expect(() => f32_binary_cross_entropy_probs(e, a, b, 0, 2, 4, g, 1, -1)).toThrow(/f32_binary_cross_entropy_probs: epsilon/);
    // the gradient may overwrite the input itself
    expect(() => f32_mean_squared_error(e, a, b, 0, 2, 4, a, 1)).not.toThrow();
  });
});
