/**
 * Shared test helpers: a seeded RNG, random inputs, float64 references and one comparison
 * with a clear mismatch message (index, actual, expected, tolerance).
 */
import { expect } from 'vitest';
import { engine } from '../src/engine/engine';
import { mulberry32 } from '../src/util/random';

/** mulberry32 on the raw seed: a small seeded generator for test inputs. */
export function rng(seed: number): () => number {
  return mulberry32(seed);
}

/** n uniform floats in [lo, hi). */
export function randomArray(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const r = rng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * r();
  return out;
}

/** n one-hot rows of `classes` columns, each class drawn uniformly from the seed. */
export function oneHot(n: number, classes: number, seed: number): Float32Array {
  const r = rng(seed);
  const y = new Float32Array(n * classes);
  for (let i = 0; i < n; i++) y[i * classes + Math.floor(r() * classes)] = 1;
  return y;
}

export interface Tolerance {
  rtol?: number;
  atol?: number;
}

/**
 * Asserts |actual - expected| <= atol + rtol * |expected| element-wise, NaN matching NaN,
 * and reports the first mismatch with its index.
 */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: Tolerance = {}, label = ''): void {
  const rtol = tol.rtol ?? 1e-5,
    atol = tol.atol ?? 1e-6;
  expect(actual.length, `${label}: length`).toBe(expected.length);
  let worst = -1,
    worstExcess = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!,
      e = expected[i]!;
    if (Number.isNaN(e) || Number.isNaN(a)) {
      if (Number.isNaN(e) !== Number.isNaN(a)) {
        worst = i;
        break;
      }
      continue;
    }
    if (a === e) continue;
    const excess = Math.abs(a - e) - (atol + rtol * Math.abs(e));
    if (!(excess <= 0) && (worst < 0 || excess > worstExcess)) {
      worst = i;
      worstExcess = excess;
    }
  }
  if (worst >= 0) {
    expect.fail(`${label}: mismatch at [${worst}]: got ${actual[worst]}, expected ${expected[worst]} (rtol ${rtol}, atol ${atol})`);
  }
}

/** Copies floats into fresh engine memory; returns the byte offset. */
export function put(data: ArrayLike<number>): number {
  const e = engine();
  const ptr = e.alloc(Math.max(1, data.length) * 4);
  e.f32.set(data, ptr >> 2);
  return ptr;
}

/** Reads n floats at byte offset ptr. */
export function get(ptr: number, n: number): Float32Array {
  return engine().f32.slice(ptr >> 2, (ptr >> 2) + n);
}

/** Central finite difference of a scalar function of an array, in float64. */
export function finiteDiff(f: (x: Float64Array) => number, x: Float64Array, h = 1e-3): Float64Array {
  const g = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const old = x[i]!;
    x[i] = old + h;
    const fp = f(x);
    x[i] = old - h;
    const fm = f(x);
    x[i] = old;
    g[i] = (fp - fm) / (2 * h);
  }
  return g;
}

/** The awkward sizes every kernel is tested over. */
export const SIZES = [1, 3, 4, 5, 7, 8, 9, 17, 33, 64, 100];
