/**
 * The training-health kernels against plain JavaScript references: dead ReLU columns (every
 * value <= 0) and values outside [lo, hi], on random inputs over the size grid (the SIMD body
 * and its remainder), with the edge values that decide a count: 0, -0, the bounds, infinities, NaN.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { engine } from '../../src/engine/engine';
import { f32_count_outside, f32_dead_columns } from '../../src/engine/kernels/f32_health';
import { SIZES, randomArray, rng } from '../helpers';
import { Arena } from './arena';

const arena = new Arena();
afterEach(() => arena.free());

/** Columns whose every value is <= 0; NaN is not <= 0, so a column holding NaN is not dead. */
function deadColumnsRef(y: Float32Array, rows: number, cols: number): number {
  let dead = 0;
  for (let j = 0; j < cols; j++) {
    let allNonPositive = true;
    for (let r = 0; r < rows; r++) if (!(y[r * cols + j]! <= 0)) allNonPositive = false;
    if (allNonPositive) dead++;
  }
  return dead;
}

function outsideRef(x: Float32Array, lo: number, hi: number): number {
  const l = Math.fround(lo),
    h = Math.fround(hi);
  let n = 0;
  for (const v of x) if (v < l || v > h) n++;
  return n;
}

function deadColumns(y: Float32Array, rows: number, cols: number): number {
  const scratch = arena.guarded(cols);
  const got = f32_dead_columns(engine(), arena.f32(y), rows, cols, scratch.ptr);
  scratch.checkGuards(`dead_columns ${rows}x${cols}`);
  return got;
}

/** ReLU-like outputs: column j is dead with probability 1/3, else each value is positive with probability `alive`. */
function reluOutputs(rows: number, cols: number, seed: number, alive = 0.3): Float32Array {
  const r = rng(seed);
  const deadCol = Array.from({ length: cols }, () => r() < 1 / 3);
  const y = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++)
    for (let j = 0; j < cols; j++) {
      const u = r();
      y[i * cols + j] = deadCol[j] || u >= alive ? (u < 0.5 ? 0 : -u) : u;
    }
  return y;
}

describe('f32_dead_columns', () => {
  it('matches the reference over the size grid, with dead and live columns mixed', () => {
    let seed = 1,
      sawDead = 0,
      sawLive = 0;
    for (const rows of [1, 2, 5, 17])
      for (const cols of SIZES) {
        const y = reluOutputs(rows, cols, seed++);
        const want = deadColumnsRef(y, rows, cols);
        sawDead += want;
        sawLive += cols - want;
        expect(deadColumns(y, rows, cols), `${rows}x${cols}`).toBe(want);
      }
    // the grid exercised both outcomes
    expect(sawDead).toBeGreaterThan(50);
    expect(sawLive).toBeGreaterThan(50);
  });

  it('random signed values: a column with one positive value is alive', () => {
    for (const [rows, cols] of [
      [3, 7],
      [9, 33],
      [1, 100],
    ] as const) {
      const y = randomArray(rows * cols, rows + cols);
      expect(deadColumns(y, rows, cols)).toBe(deadColumnsRef(y, rows, cols));
    }
    // exactly one positive value, in the last row of the SIMD body and of the remainder
    const y = new Float32Array(4 * 6).fill(-1);
    y[3 * 6 + 2] = 1e-30;
    y[3 * 6 + 5] = 0.5;
    expect(deadColumns(y, 4, 6)).toBe(4);
  });

  it('edge values: 0 and -0 are dead, NaN and +Infinity alive, -Infinity dead', () => {
    const y = Float32Array.from([0, -0, NaN, Infinity, -Infinity, 0, -0, -0, -1, NaN]);
    // one row of 10 columns
    expect(deadColumns(y, 1, 10)).toBe(deadColumnsRef(y, 1, 10));
    expect(deadColumns(y, 1, 10)).toBe(7);
    // two rows of 5: columns (0, 0), (-0, -0), (NaN, -0), (Inf, -1), (-Inf, NaN)
    expect(deadColumns(y, 2, 5)).toBe(2);
  });

  it('no rows: every column counts as dead (no value was ever positive); no columns: 0', () => {
    expect(deadColumns(new Float32Array(0), 0, 5)).toBe(5);
    expect(deadColumns(new Float32Array(0), 3, 0)).toBe(0);
  });
});

describe('f32_count_outside', () => {
  const count = (x: Float32Array, lo: number, hi: number): number => f32_count_outside(engine(), arena.f32(x), x.length, lo, hi);

  it('matches the reference on random inputs over the size grid and several bands', () => {
    let seed = 100;
    for (const n of [...SIZES, 0, 2, 1000, 1003])
      for (const [lo, hi] of [
        [-0.9, 0.9],
        [0.05, 0.95],
        [-0.1, 0.1],
      ] as const) {
        const x = randomArray(n, seed++);
        expect(count(x, lo, hi), `n ${n}, [${lo}, ${hi}]`).toBe(outsideRef(x, lo, hi));
      }
  });

  it('the bounds themselves are inside; infinities outside; NaN never counted', () => {
    const lo = 0.05,
      hi = 0.95;
    // the bounds as the kernel sees them (float32), and their neighbours
    const l = Math.fround(lo),
      h = Math.fround(hi);
    const x = Float32Array.from([l, h, Infinity, -Infinity, NaN, 0.5, NaN, Math.fround(l - 1e-7), Math.fround(h + 1e-7)]);
    expect(count(x, lo, hi)).toBe(outsideRef(x, lo, hi));
    expect(count(x, lo, hi)).toBe(4);
    // the same values in the scalar remainder only (n < 4) and in the SIMD body only (n = 8)
    expect(count(x.subarray(0, 3), lo, hi)).toBe(1);
    expect(count(x.subarray(0, 8), lo, hi)).toBe(3);
  });
});
