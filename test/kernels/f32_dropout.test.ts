import { afterEach, describe, expect, it } from 'vitest';
import { engine } from '../../src/engine/engine';
import { f32_dropout_backward, f32_dropout_forward, f32_spatial_dropout_backward, f32_spatial_dropout_forward } from '../../src/engine/kernels/f32_dropout';
import { f32_random_normal, f32_random_uniform } from '../../src/engine/kernels/f32_random';
import { SIZES, randomArray } from '../helpers';
import { Arena, expectSameBits } from './arena';

const arena = new Arena();
afterEach(() => arena.free());
const f = Math.fround;

// ---- the generator of assembly/kernels/rng.ts, written out independently in JavaScript ----

/** lowbias32 (hash-prospector). */
function mix(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b | 0);
  x ^= x >>> 16;
  return x >>> 0;
}
function hash(seed: number, stream: number, a: number, b: number): number {
  let h = mix((seed + 0x9e3779b9) >>> 0);
  h = mix(h ^ stream);
  h = mix(h ^ a);
  return mix(h ^ b ^ 0x632be5ab);
}
const uniform = (h: number): number => (h >>> 8) / 2 ** 24;
/** Box-Muller in float64 from the same bits. */
function normal(h: number): number {
  const u1 = ((h >>> 8) + 1) / 2 ** 24,
    u2 = uniform(mix(h ^ 0x85ebca6b));
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/** The dropout the kernels promise, element by element. */
function dropoutRef(x: ArrayLike<number>, rows: number, cols: number, rate: number, seed: number, step: number, rowOffset: number): number[] {
  const scale = rate < 1 ? f(1 / (1 - rate)) : 0;
  const out: number[] = [];
  for (let r = 0; r < rows; r++)
    for (let j = 0; j < cols; j++) {
      const kept = f(uniform(hash(seed, step, rowOffset + r, j))) >= f(rate);
      out.push(f(f(x[r * cols + j]! * scale) * (kept ? 1 : 0)));
    }
  return out;
}

function dropout(x: Float32Array, rows: number, cols: number, rate: number, seed: number, step: number, rowOffset: number): Float32Array {
  const y = arena.guarded(rows * cols);
  f32_dropout_forward(engine(), arena.f32(x), y.ptr, rows, cols, rate, seed, step, rowOffset);
  y.checkGuards('dropout');
  return y.read();
}

describe('f32_dropout_forward, f32_dropout_backward', () => {
  it('apply exactly the mask and scale of the documented generator, over the size grid', () => {
    for (const rows of [1, 3, 5, 17])
      for (const cols of SIZES)
        for (const rate of [0.1, 0.5]) {
          const x = randomArray(rows * cols, rows * 100 + cols);
          const got = dropout(x, rows, cols, rate, 1234, 7, 40);
          expectSameBits(got, dropoutRef(x, rows, cols, rate, 1234, 7, 40), `${rows}x${cols} rate ${rate}`);
        }
  });

  it('give the same mask for a batch run whole or split into row shards (rowOffset)', () => {
    const rows = 37,
      cols = 29;
    const x = randomArray(rows * cols, 9);
    const whole = dropout(x, rows, cols, 0.4, 99, 3, 1000);
    const parts: number[] = [];
    for (const [r0, r1] of [
      [0, 5],
      [5, 6],
      [6, 30],
      [30, 37],
    ] as const) {
      parts.push(...dropout(x.slice(r0 * cols, r1 * cols), r1 - r0, cols, 0.4, 99, 3, 1000 + r0));
    }
    expectSameBits(parts, whole, 'shards');
  });

  it('keep 1 - rate of the elements (binomial tolerance) and preserve the mean (inverted scaling)', () => {
    const rows = 500,
      cols = 200,
      n = rows * cols;
    for (const rate of [0.1, 0.3, 0.5, 0.8]) {
      const y = dropout(new Float32Array(n).fill(1), rows, cols, rate, 5, 11, 0);
      let kept = 0,
        sum = 0;
      for (const v of y) {
        if (v !== 0) kept++;
        sum += v;
      }
      const p = 1 - rate;
      // 5 standard deviations of the binomial count
      expect(Math.abs(kept / n - p), `rate ${rate}: kept ${kept / n}`).toBeLessThanOrEqual(5 * Math.sqrt((p * (1 - p)) / n));
      expect(Math.abs(sum / n - 1), `rate ${rate}: mean ${sum / n}`).toBeLessThanOrEqual((5 * Math.sqrt((p * (1 - p)) / n)) / p);
      for (const v of y) if (v !== 0 && v !== f(1 / p)) expect.fail(`rate ${rate}: a kept element is ${v}, not 1/(1-rate)`);
    }
  });

  it('backward regenerates the forward mask, in place too', () => {
    const rows = 13,
      cols = 21,
      rate = 0.35;
    const ones = dropout(new Float32Array(rows * cols).fill(1), rows, cols, rate, 77, 4, 8);
    const dy = randomArray(rows * cols, 4);
    const pdy = arena.f32(dy);
    f32_dropout_backward(engine(), pdy, pdy, rows, cols, rate, 77, 4, 8);
    const dx = engine().f32.slice(pdy >> 2, (pdy >> 2) + rows * cols);
    expectSameBits(
      dx,
      Array.from(dy, (v, i) => f(f(v * f(1 / (1 - rate))) * (ones[i] === 0 ? 0 : 1))),
      'dx',
    );
    // forward in place as well
    const x = randomArray(rows * cols, 5),
      px = arena.f32(x);
    f32_dropout_forward(engine(), px, px, rows, cols, rate, 77, 4, 8);
    expectSameBits(engine().f32.slice(px >> 2, (px >> 2) + rows * cols), dropoutRef(x, rows, cols, rate, 77, 4, 8), 'in place');
  });

  it('depends on seed and step; rate 0 keeps everything, rate 1 drops everything', () => {
    const rows = 50,
      cols = 40,
      n = rows * cols;
    const ones = new Float32Array(n).fill(1);
    const a = dropout(ones, rows, cols, 0.5, 1, 1, 0),
      b = dropout(ones, rows, cols, 0.5, 1, 2, 0),
      c = dropout(ones, rows, cols, 0.5, 2, 1, 0);
    const agree = (u: Float32Array, v: Float32Array) => u.reduce((s, x, i) => s + (x === v[i] ? 1 : 0), 0) / n;
    // independent masks agree on about half the elements
    expect(Math.abs(agree(a, b) - 0.5)).toBeLessThan(0.06);
    expect(Math.abs(agree(a, c) - 0.5)).toBeLessThan(0.06);
    const x = randomArray(n, 3);
    expectSameBits(dropout(x, rows, cols, 0, 1, 1, 0), x, 'rate 0');
    expectSameBits(
      dropout(x, rows, cols, 1, 1, 1, 0),
      x.map((v) => v * 0),
      'rate 1',
    ); // 0 with x's sign
  });

  it('propagates NaN and Infinity, also where an element is dropped', () => {
    const cols = 64;
    const ones = dropout(new Float32Array(cols).fill(1), 1, cols, 0.5, 3, 3, 0);
    const dropped = ones.indexOf(0),
      kept = ones.findIndex((v) => v !== 0);
    const x = new Float32Array(cols).fill(1);
    x[dropped] = NaN;
    x[kept] = NaN;
    const y = dropout(x, 1, cols, 0.5, 3, 3, 0);
    expect(y[dropped]).toBeNaN();
    expect(y[kept]).toBeNaN();
    x[dropped] = Infinity;
    expect(dropout(x, 1, cols, 0.5, 3, 3, 0)[dropped]).toBeNaN();
  });

  it('zero rows or columns write nothing', () => {
    for (const [rows, cols] of [
      [0, 4],
      [4, 0],
    ] as const) {
      const y = arena.guarded(0);
      f32_dropout_forward(engine(), 0, y.ptr, rows, cols, 0.5, 1, 1, 0);
      f32_dropout_backward(engine(), 0, y.ptr, rows, cols, 0.5, 1, 1, 0);
      y.checkGuards(`${rows}x${cols}`);
    }
  });
});

describe('f32_random_uniform, f32_random_normal', () => {
  function fillUniform(n: number, seed: number, stream: number, offset: number): Float32Array {
    const out = arena.guarded(n);
    f32_random_uniform(engine(), out.ptr, n, seed, stream, offset);
    out.checkGuards('uniform');
    return out.read();
  }
  function fillNormal(n: number, seed: number, stream: number, offset: number, mean = 0, std = 1): Float32Array {
    const out = arena.guarded(n);
    f32_random_normal(engine(), out.ptr, n, seed, stream, offset, mean, std);
    out.checkGuards('normal');
    return out.read();
  }
  const counter = (c: number): [number, number] => [Math.floor(c / 2 ** 32), c % 2 ** 32];

  it('uniform: element i is the documented hash of counter offset + i, over the size grid and across 2^32', () => {
    for (const n of [0, ...SIZES]) {
      for (const offset of [0, 5, 2 ** 32 - 3, 3 * 2 ** 32 + 1]) {
        const expected = Array.from({ length: n }, (_, i) => uniform(hash(42, 9, ...counter(offset + i))));
        expectSameBits(fillUniform(n, 42, 9, offset), expected, `n=${n} offset=${offset}`);
      }
    }
  });

  it('a buffer filled in pieces equals the buffer filled at once', () => {
    const whole = fillUniform(100, 7, 1, 0);
    const pieces = [...fillUniform(33, 7, 1, 0), ...fillUniform(1, 7, 1, 33), ...fillUniform(66, 7, 1, 34)];
    expectSameBits(pieces, whole, 'uniform pieces');
    const wn = fillNormal(100, 7, 1, 0);
    expectSameBits([...fillNormal(9, 7, 1, 0), ...fillNormal(91, 7, 1, 9)], wn, 'normal pieces');
  });

  it('uniform: mean, variance, and a chi-square over 16 bins', () => {
    const n = 160_000,
      u = fillUniform(n, 2024, 3, 0);
    let s = 0,
      q = 0;
    const bins = new Array(16).fill(0);
    for (const v of u) {
      expect(v >= 0 && v < 1).toBe(true);
      s += v;
      q += v * v;
      bins[Math.floor(v * 16)]++;
    }
    const mean = s / n,
      variance = q / n - mean * mean;
    // the standard error of the mean is sqrt(1/12 / n) = 7.2e-4
    expect(Math.abs(mean - 0.5)).toBeLessThan(5 * Math.sqrt(1 / 12 / n));
    expect(Math.abs(variance - 1 / 12)).toBeLessThan(2e-3);
    const expected = n / 16;
    const chi2 = bins.reduce((acc, k) => acc + (k - expected) ** 2 / expected, 0);
    // 15 degrees of freedom: P(chi2 > 37.7) = 0.001 for a uniform generator
    expect(chi2).toBeLessThan(37.7);
    // and the different streams of one seed are not the same numbers
    const other = fillUniform(1000, 2024, 4, 0);
    expect(other.filter((v, i) => v === u[i]).length).toBeLessThan(5);
  });

  it('normal: Box-Muller from the same bits, with mean 0, variance 1 and bounded tails', () => {
    const n = 100_000,
      z = fillNormal(n, 31, 0, 0);
    const expected = Array.from({ length: n }, (_, i) => normal(hash(31, 0, 0, i)));
    let worst = 0;
    for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(z[i]! - expected[i]!));
    // the kernel's log and cos are f32 approximations
    expect(worst).toBeLessThan(2e-6);
    let s = 0,
      q = 0,
      max = 0,
      beyond2 = 0;
    for (const v of z) {
      s += v;
      q += v * v;
      max = Math.max(max, Math.abs(v));
      if (Math.abs(v) > 2) beyond2++;
    }
    expect(Math.abs(s / n)).toBeLessThan(5 / Math.sqrt(n));
    expect(Math.abs(q / n - 1)).toBeLessThan(5 * Math.sqrt(2 / n));
    expect(max).toBeLessThanOrEqual(5.78);
    // P(|z| > 2) = 0.0455
    expect(Math.abs(beyond2 / n - 0.0455)).toBeLessThan(5 * Math.sqrt((0.0455 * 0.9545) / n));
    const shifted = fillNormal(8, 31, 0, 0, 3, 0.5);
    for (let i = 0; i < 8; i++) expect(shifted[i]).toBeCloseTo(3 + 0.5 * z[i]!, 5);
  });
});

describe('f32_dropout and f32_random wrappers', () => {
  it('reject bad arguments with messages that name them', () => {
    const e = engine();
    const a = arena.f32(new Float32Array(16)),
      b = arena.f32(new Float32Array(16));
    expect(() => f32_dropout_forward(e, a, b, 2, 4, 1.5, 1, 1, 0)).toThrow(/f32_dropout_forward: rate must be a number in \[0, 1\], got 1.5/);
    expect(() => f32_dropout_forward(e, a, a + 4, 2, 4, 0.5, 1, 1, 0)).toThrow(/y overlaps x/);
    expect(() => f32_dropout_forward(e, a, b, 2, 4, 0.5, -1, 1, 0)).toThrow(/seed must be an integer in \[0, 2\^32\), got -1/);
    expect(() => f32_dropout_backward(e, a, b, 2, 4, 0.5, 1, 0.5, 0)).toThrow(/f32_dropout_backward: step must be an integer/);
    expect(() => f32_dropout_backward(e, a, b, 2, 4, 0.5, 1, 1, 2 ** 32 - 1)).toThrow(/rowOffset \+ rows must be at most 2\^32/);
    expect(() => f32_random_uniform(e, a, -1, 1, 1, 0)).toThrow(/f32_random_uniform: n must be a non-negative integer/);
    expect(() => f32_random_uniform(e, a, 4, 1, 2 ** 32, 0)).toThrow(/stream must be an integer/);
    expect(() => f32_random_uniform(e, a, 4, 1, 1, -3)).toThrow(/offset must be a non-negative safe integer/);
    expect(() => f32_random_normal(e, a, 4, 1, 1, 0, 0, -1)).toThrow(/f32_random_normal: std must be a finite number >= 0, got -1/);
  });
});

describe('f32_spatial_dropout_forward, f32_spatial_dropout_backward', () => {
  /** Spatial dropout element by element: the mask of channel c is dropout's mask of column c. */
  function spatialRef(x: ArrayLike<number>, rows: number, pixels: number, ch: number, rate: number, seed: number, step: number, rowOffset: number): number[] {
    const scale = rate < 1 ? f(1 / (1 - rate)) : 0;
    const out: number[] = [];
    for (let r = 0; r < rows; r++)
      for (let p = 0; p < pixels; p++)
        for (let c = 0; c < ch; c++) {
          const kept = f(uniform(hash(seed, step, rowOffset + r, c))) >= f(rate);
          out.push(f(f(x[(r * pixels + p) * ch + c]! * scale) * (kept ? 1 : 0)));
        }
    return out;
  }
  function spatial(x: Float32Array, rows: number, pixels: number, ch: number, rate: number, seed: number, step: number, rowOffset: number): Float32Array {
    const y = arena.guarded(x.length);
    f32_spatial_dropout_forward(engine(), arena.f32(x), y.ptr, rows, pixels, ch, rate, seed, step, rowOffset);
    y.checkGuards('spatial dropout');
    return y.read();
  }

  it('drop whole channels of an example, exactly as the documented generator says, over awkward shapes', () => {
    for (const [rows, pixels, ch] of [
      [1, 1, 1],
      [3, 25, 1],
      [2, 9, 3],
      [5, 49, 17],
      [1, 4, 64],
      [4, 1, 33],
    ] as const)
      for (const rate of [0.2, 0.5]) {
        const x = randomArray(rows * pixels * ch, rows * 31 + pixels + ch);
        expectSameBits(spatial(x, rows, pixels, ch, rate, 99, 5, 12), spatialRef(x, rows, pixels, ch, rate, 99, 5, 12), `${rows}x${pixels}x${ch} rate ${rate}`);
      }
    // whole channels: every pixel of a (row, channel) agrees on kept or dropped
    const rows = 8,
      pixels = 36,
      ch = 16;
    const y = spatial(new Float32Array(rows * pixels * ch).fill(1), rows, pixels, ch, 0.5, 3, 1, 0);
    let dropped = 0;
    for (let r = 0; r < rows; r++)
      for (let c = 0; c < ch; c++) {
        const v = y[r * pixels * ch + c]!;
        for (let p = 1; p < pixels; p++) expect(y[(r * pixels + p) * ch + c], `row ${r} channel ${c} pixel ${p}`).toBe(v);
        if (v === 0) dropped++;
        else expect(v).toBe(2);
      }
    expect(dropped).toBeGreaterThan(0);
    expect(dropped).toBeLessThan(rows * ch);
  });

  it('give the same mask split into row shards, and backward regenerates it', () => {
    const rows = 9,
      pixels = 10,
      ch = 6,
      n = pixels * ch;
    const x = randomArray(rows * n, 77);
    const whole = spatial(x, rows, pixels, ch, 0.3, 8, 2, 100);
    const parts = [...spatial(x.slice(0, 4 * n), 4, pixels, ch, 0.3, 8, 2, 100), ...spatial(x.slice(4 * n), 5, pixels, ch, 0.3, 8, 2, 104)];
    expectSameBits(parts, whole, 'shards');
    const p = arena.f32(x);
    f32_spatial_dropout_backward(engine(), p, p, rows, pixels, ch, 0.3, 8, 2, 100);
    expectSameBits(engine().f32.slice(p >> 2, (p >> 2) + rows * n), whole, 'backward in place');
  });

  it('reject bad arguments', () => {
    const e = engine();
    const a = arena.f32(new Float32Array(16)),
      b = arena.f32(new Float32Array(16));
    expect(() => f32_spatial_dropout_forward(e, a, b, 2, 2, 2, -0.1, 1, 1, 0)).toThrow(/f32_spatial_dropout_forward: rate must be a number in \[0, 1\]/);
    expect(() => f32_spatial_dropout_forward(e, a, b, 2, 2.5, 2, 0.1, 1, 1, 0)).toThrow(/pixels must be a non-negative integer/);
  });
});
