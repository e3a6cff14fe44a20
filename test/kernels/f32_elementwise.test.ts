import { afterEach, describe, expect, it } from 'vitest';
import { engine } from '../../src/engine/engine';
import {
  f32_add,
  f32_add_bias_rows,
  f32_axpy,
  f32_col_sum,
  f32_fill,
  f32_find_nonfinite,
  f32_l1l2,
  f32_mul,
  f32_reduce_slots,
  f32_row_argmax,
  f32_scale,
  f32_sum,
  f32_sum_squares,
} from '../../src/engine/kernels/f32_elementwise';
import { SIZES, expectClose, finiteDiff, randomArray, rng } from '../helpers';
import { Arena, expectSameBits, getI32 } from './arena';

const f = Math.fround;
const arena = new Arena();
afterEach(() => arena.free());

/** Single f32 operations are correctly rounded, so these kernels must match fround exactly. */
const BINARY: { name: string; kernel: typeof f32_add; ref: (a: number, b: number) => number }[] = [
  { name: 'f32_add', kernel: f32_add, ref: (a, b) => f(a + b) },
  { name: 'f32_mul', kernel: f32_mul, ref: (a, b) => f(a * b) },
];

describe('f32_add, f32_mul', () => {
  for (const { name, kernel, ref } of BINARY) {
    it(`${name} is exact (one f32 rounding) over the size grid, without writing outside out`, () => {
      for (const n of SIZES) {
        const a = randomArray(n, n),
          b = randomArray(n, n + 100, -3, 3);
        const out = arena.guarded(n);
        kernel(engine(), arena.f32(a), arena.f32(b), out.ptr, n);
        expectSameBits(
          out.read(),
          Array.from(a, (v, i) => ref(v, b[i]!)),
          `${name} n=${n}`,
        );
        out.checkGuards(`${name} n=${n}`);
      }
    });
    it(`${name} may write over an input, propagates NaN, and does nothing for n = 0`, () => {
      const a = randomArray(9, 1),
        b = randomArray(9, 2);
      a[6] = NaN;
      const pa = arena.f32(a);
      kernel(engine(), pa, arena.f32(b), pa, 9);
      const got = engine().f32.slice(pa >> 2, (pa >> 2) + 9);
      expectSameBits(
        got,
        Array.from(a, (v, i) => ref(v, b[i]!)),
        name,
      );
      expect(Array.from(got, Number.isNaN)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8].map((i) => i === 6));
      const out = arena.guarded(0);
      kernel(engine(), 0, 0, out.ptr, 0);
      out.checkGuards(`${name} n=0`);
    });
  }
});

describe('f32_axpy, f32_scale, f32_fill', () => {
  it('match one f32 rounding per operation over the size grid', () => {
    for (const n of SIZES) {
      const x = randomArray(n, n),
        y0 = randomArray(n, n + 1),
        alpha = -0.37;
      const y = arena.guarded(n, y0);
      f32_axpy(engine(), alpha, arena.f32(x), y.ptr, n);
      expectSameBits(
        y.read(),
        Array.from(y0, (v, i) => f(v + f(f(alpha) * x[i]!))),
        `axpy n=${n}`,
      );
      y.checkGuards(`axpy n=${n}`);
      const out = arena.guarded(n);
      f32_scale(engine(), arena.f32(x), out.ptr, n, 3.5);
      expectSameBits(
        out.read(),
        Array.from(x, (v) => f(3.5 * v)),
        `scale n=${n}`,
      );
      out.checkGuards(`scale n=${n}`);
      const fill = arena.guarded(n);
      f32_fill(engine(), fill.ptr, n, -2.25);
      expectSameBits(fill.read(), new Array(n).fill(-2.25), `fill n=${n}`);
      fill.checkGuards(`fill n=${n}`);
    }
  });
  it('scale in place, NaN propagation and n = 0', () => {
    const x = randomArray(7, 3);
    x[4] = NaN;
    const px = arena.f32(x);
    f32_scale(engine(), px, px, 7, 2);
    expectSameBits(
      engine().f32.slice(px >> 2, (px >> 2) + 7),
      Array.from(x, (v) => 2 * v),
      'scale in place',
    );
    const y = arena.guarded(5, [1, 2, 3, 4, 5]);
    f32_axpy(engine(), 1, arena.f32([0, 0, NaN, 0, 0]), y.ptr, 5);
    expectSameBits(y.read(), [1, 2, NaN, 4, 5], 'axpy NaN');
    const z = arena.guarded(0);
    f32_axpy(engine(), 1, 0, z.ptr, 0);
    f32_scale(engine(), 0, z.ptr, 0, 1);
    f32_fill(engine(), z.ptr, 0, 1);
    z.checkGuards('n = 0');
  });
});

describe('f32_add_bias_rows', () => {
  it('adds the bias to every row over the size grid', () => {
    for (const rows of [1, 3, 5, 17])
      for (const cols of SIZES) {
        const x0 = randomArray(rows * cols, rows * 1000 + cols),
          bias = randomArray(cols, cols);
        const x = arena.guarded(rows * cols, x0);
        f32_add_bias_rows(engine(), x.ptr, arena.f32(bias), rows, cols);
        expectSameBits(
          x.read(),
          Array.from(x0, (v, i) => f(v + bias[i % cols]!)),
          `${rows}x${cols}`,
        );
        x.checkGuards(`${rows}x${cols}`);
      }
    f32_add_bias_rows(engine(), 0, 0, 0, 5);
  });
});

describe('f32_col_sum', () => {
  /** Each column summed in f32 over the rows in order: what the kernel promises, bit for bit. */
  function reference(x: Float32Array, rows: number, cols: number, out0: Float32Array | undefined): number[] {
    const out: number[] = [];
    for (let j = 0; j < cols; j++) {
      let s = 0;
      for (let r = 0; r < rows; r++) s = f(s + x[r * cols + j]!);
      out.push(out0 ? f(out0[j]! + s) : s);
    }
    return out;
  }
  it('sums each column in row order, with and without accumulate, over the size grid', () => {
    for (const rows of [0, 1, 3, 4, 9, 33])
      for (const cols of [...SIZES, 16, 20, 35]) {
        const x = randomArray(rows * cols, rows * 97 + cols);
        const out0 = randomArray(cols, cols + 7);
        const px = arena.f32(x);
        const a = arena.guarded(cols, out0);
        f32_col_sum(engine(), px, rows, cols, a.ptr, false);
        expectSameBits(a.read(), reference(x, rows, cols, undefined), `${rows}x${cols}`);
        a.checkGuards(`${rows}x${cols}`);
        const b = arena.guarded(cols, out0);
        f32_col_sum(engine(), px, rows, cols, b.ptr, true);
        expectSameBits(b.read(), reference(x, rows, cols, out0), `${rows}x${cols} accumulate`);
        b.checkGuards(`${rows}x${cols} accumulate`);
      }
  });
  it('keeps a NaN in its own column', () => {
    const x = randomArray(5 * 19, 5);
    x[3 * 19 + 17] = NaN;
    const out = arena.guarded(19);
    f32_col_sum(engine(), arena.f32(x), 5, 19, out.ptr, false);
    expect(Array.from(out.read(), Number.isNaN)).toEqual(Array.from({ length: 19 }, (_, j) => j === 17));
  });
});

describe('f32_sum, f32_sum_squares', () => {
  it('match a float64 reference over the size grid', () => {
    for (const n of [0, ...SIZES, 1000, 4099]) {
      const x = randomArray(n, n + 5, -10, 10);
      const p = arena.f32(x);
      let s = 0,
        q = 0;
      for (const v of x) {
        s += v;
        q += v * v;
      }
      expect(Math.abs(f32_sum(engine(), p, n) - s)).toBeLessThanOrEqual(1e-12 * Math.max(1, q));
      expect(Math.abs(f32_sum_squares(engine(), p, n) - q)).toBeLessThanOrEqual(1e-13 * q);
    }
  });
  it('accumulate in float64: no f32 cancellation, squares beyond the f32 range', () => {
    expect(f32_sum(engine(), arena.f32([1e8, 1, -1e8, 0.5, 0.25]), 5)).toBe(1.75);
    expect(f32_sum_squares(engine(), arena.f32([3e30, 4e30]), 2)).toBeCloseTo(f(3e30) ** 2 + f(4e30) ** 2, -50);
    expect(Number.isFinite(f32_sum_squares(engine(), arena.f32([3e30, 4e30]), 2))).toBe(true);
  });
  it('propagate NaN and Infinity', () => {
    expect(f32_sum(engine(), arena.f32([1, 2, NaN, 4, 5]), 5)).toBeNaN();
    expect(f32_sum_squares(engine(), arena.f32([1, 2, 3, 4, -Infinity]), 5)).toBe(Infinity);
  });
});

describe('f32_row_argmax', () => {
  /** numpy.argmax per row: the first maximum, or the first NaN. */
  function reference(x: ArrayLike<number>, rows: number, cols: number): number[] {
    const out: number[] = [];
    for (let r = 0; r < rows; r++) {
      let bi = cols === 0 ? -1 : 0;
      for (let j = 0; j < cols; j++) {
        const v = x[r * cols + j]!;
        if (Number.isNaN(v)) {
          bi = j;
          break;
        }
        if (v > x[r * cols + bi]!) bi = j;
      }
      out.push(bi);
    }
    return out;
  }
  it('finds the first maximum over the size grid, with ties', () => {
    const r = rng(3);
    for (const rows of [1, 3, 17])
      for (const cols of [0, ...SIZES]) {
        // few distinct values, so ties are common and the first one must win
        const x = Float32Array.from({ length: rows * cols }, () => Math.floor(r() * 4) - 2);
        const out = arena.guarded(rows);
        f32_row_argmax(engine(), arena.f32(x), rows, cols, out.ptr);
        expect(Array.from(getI32(out.ptr, rows)), `${rows}x${cols}`).toEqual(reference(x, rows, cols));
        out.checkGuards(`${rows}x${cols}`);
      }
  });
  it('returns the first NaN of a row, handles -Infinity and signed zeros', () => {
    const rows = [
      [1, 2, NaN, 3, NaN, 9, 9, 9, 9],
      [1, 2, 3, 4, 5, 6, 7, 8, NaN],
      [NaN, 1],
      [-Infinity, -Infinity, -Infinity, -Infinity, -Infinity],
      [-0, 0, -0, 0, 0],
      [0, 0, 0, 0, 0, 0, 0, -0, Infinity],
      [-Infinity, -Infinity, -Infinity, -Infinity, -Infinity, -3],
    ];
    for (const row of rows) {
      const out = arena.guarded(1);
      f32_row_argmax(engine(), arena.f32(row), 1, row.length, out.ptr);
      expect(getI32(out.ptr, 1)[0], JSON.stringify(row)).toBe(reference(row, 1, row.length)[0]);
    }
  });
});

describe('f32_reduce_slots', () => {
  function reference(src: Float32Array, stride: number, count: number, n: number): number[] {
    return Array.from({ length: n }, (_, i) => {
      if (count === 0) return 0;
      let s = src[i]!;
      for (let k = 1; k < count; k++) s = f(s + src[k * stride + i]!);
      return s;
    });
  }
  it('adds the slots in slot order over the size grid', () => {
    for (const count of [0, 1, 2, 3, 8])
      for (const n of SIZES) {
        const stride = n + (n % 3) * 4;
        const src = randomArray(Math.max(0, (count - 1) * stride + n), count * 131 + n, -100, 100);
        const dst = arena.guarded(n);
        f32_reduce_slots(engine(), count ? arena.f32(src) : 0, stride, count, dst.ptr, n);
        expectSameBits(dst.read(), reference(src, stride, count, n), `count=${count} n=${n}`);
        dst.checkGuards(`count=${count} n=${n}`);
      }
  });
  it('may write into slot 0 or the last slot, and propagates NaN', () => {
    const n = 13,
      stride = 16,
      count = 4;
    for (const target of [0, count - 1]) {
      const src = randomArray((count - 1) * stride + n, target + 1);
      src[2 * stride + 5] = NaN;
      const p = arena.f32(src);
      const dst = p + target * stride * 4;
      f32_reduce_slots(engine(), p, stride, count, dst, n);
      const expected = reference(src, stride, count, n);
      expectSameBits(engine().f32.slice(dst >> 2, (dst >> 2) + n), expected, `into slot ${target}`);
      expect(Number.isNaN(expected[5])).toBe(true);
    }
  });
});

describe('f32_find_nonfinite', () => {
  it('finds the first NaN or Infinity at every position over the size grid', () => {
    for (const n of SIZES) {
      const x = randomArray(n, n);
      const p = arena.f32(x);
      expect(f32_find_nonfinite(engine(), p, n)).toBe(-1);
      for (const bad of [NaN, Infinity, -Infinity]) {
        for (let i = 0; i < n; i++) {
          const y = x.slice();
          y[i] = bad;
          if (i + 2 < n) y[i + 2] = NaN;
          expect(f32_find_nonfinite(engine(), arena.f32(y), n), `n=${n} ${bad} at ${i}`).toBe(i);
        }
      }
    }
    expect(f32_find_nonfinite(engine(), 0, 0)).toBe(-1);
    expect(f32_find_nonfinite(engine(), arena.f32([3.4e38, -3.4e38, 1e-45]), 3)).toBe(-1);
  });
});

describe('f32_l1l2', () => {
  const penalty = (w: ArrayLike<number>, l1: number, l2: number): number => {
    let a = 0,
      s = 0;
    for (let i = 0; i < w.length; i++) {
      a += Math.abs(w[i]!);
      s += w[i]! * w[i]!;
    }
    return l1 * a + l2 * s;
  };
  it('returns the penalty and adds its gradient, over the size grid', () => {
    for (const n of SIZES)
      for (const [l1, l2] of [
        [0.01, 0],
        [0, 0.02],
        [0.003, 0.5],
      ] as const) {
        // keep |w| away from 0, where the L1 term has its kink
        const w = Float32Array.from(randomArray(n, n + 17), (v) => (v < 0 ? v - 0.05 : v + 0.05));
        const g0 = randomArray(n, n + 3);
        const g = arena.guarded(n, g0);
        const got = f32_l1l2(engine(), arena.f32(w), g.ptr, n, l1, l2);
        expect(Math.abs(got - penalty(w, l1, l2))).toBeLessThanOrEqual(1e-12);
        const fd = finiteDiff((x) => penalty(x, l1, l2), Float64Array.from(w), 1e-4);
        expectClose(
          g.read(),
          Array.from(g0, (v, i) => v + fd[i]!),
          { rtol: 1e-5, atol: 1e-6 },
          `n=${n} l1=${l1} l2=${l2}`,
        );
        g.checkGuards(`n=${n}`);
      }
  });
  it('takes sign(0) = 0, skips the gradient when g = 0, and propagates NaN', () => {
    const g = arena.guarded(5, [1, 1, 1, 1, 1]);
    const w = arena.f32([0, -0, 2, -2, 0]);
    expect(f32_l1l2(engine(), w, g.ptr, 5, 0.5, 0.25)).toBe(0.5 * 4 + 0.25 * 8);
    expectSameBits(g.read(), [1, 1, 1 + 0.5 + 1, 1 - 0.5 - 1, 1], 'gradient');
    expect(f32_l1l2(engine(), w, 0, 5, 0.5, 0.25)).toBe(4);
    const gn = arena.guarded(3, [0, 0, 0]);
    expect(f32_l1l2(engine(), arena.f32([1, NaN, 1]), gn.ptr, 3, 0.1, 0)).toBeNaN();
    expect(Array.from(gn.read(), Number.isNaN)).toEqual([false, true, false]);
    expect(f32_l1l2(engine(), 0, 0, 0, 1, 1)).toBe(0);
  });
});

describe('f32_elementwise wrappers', () => {
  it('reject bad dimensions, regions and overlaps with messages that name them', () => {
    const e = engine();
    const a = arena.f32(new Float32Array(16)),
      b = arena.f32(new Float32Array(16));
    expect(() => f32_add(e, a, b, b, -1)).toThrow(/f32_add: n must be a non-negative integer, got -1/);
    expect(() => f32_add(e, a, b, a + 4, 8)).toThrow(/f32_add: out overlaps a/);
    expect(() => f32_mul(e, 2, b, b, 4)).toThrow(/f32_mul: a must be a 4-byte aligned/);
    expect(() => f32_scale(e, a, e.byteLength - 8, 4, 1)).toThrow(/f32_scale: out needs 4 floats .* past the end of memory/);
    expect(() => f32_axpy(e, 1, a, a + 8, 8)).toThrow(/f32_axpy: y overlaps x/);
    expect(() => f32_fill(e, a, 1.5, 0)).toThrow(/f32_fill: n must be a non-negative integer, got 1.5/);
    expect(() => f32_add_bias_rows(e, a, a + 8, 2, 4)).toThrow(/x overlaps bias/);
    expect(() => f32_col_sum(e, a, 2, 4, a + 4, false)).toThrow(/f32_col_sum: out overlaps x/);
    expect(() => f32_row_argmax(e, a, 2, -3, b)).toThrow(/cols must be a non-negative integer/);
    expect(() => f32_reduce_slots(e, a, 4, 2, a + 4, 4)).toThrow(/f32_reduce_slots: dst overlaps slot 0/);
    expect(() => f32_reduce_slots(e, a, 2, 2, b, 4)).toThrow(/slotStrideFloats must be an integer >= 4/);
    expect(() => f32_sum(e, 0, 3)).toThrow(/f32_sum: x must be/);
    expect(() => f32_l1l2(e, a, b, 4, -1, 0)).toThrow(/f32_l1l2: l1 must be a finite number >= 0, got -1/);
    expect(() => f32_l1l2(e, a, a, 4, 1, 0)).toThrow(/f32_l1l2: g overlaps w/);
  });
});
