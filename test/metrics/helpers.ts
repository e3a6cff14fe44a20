/**
 * Helpers shared by the metrics, diagnosis and analysis tests: one comparison for numbers,
 * arrays and nested arrays (NaN matches NaN) with a clear mismatch message, labels built from
 * confusion counts, a seeded RNG, and a spy that silences and records metric warnings.
 */
import { expect, vi, type MockInstance } from 'vitest';

/** Asserts `actual` is within atol + rtol * |expected| of `expected`, element-wise and recursively. */
export function near(actual: unknown, expected: unknown, label = '', tol: { atol?: number; rtol?: number } = {}): void {
  const atol = tol.atol ?? 1e-9,
    rtol = tol.rtol ?? 1e-9;
  const walk = (a: unknown, e: unknown, path: string): void => {
    if (typeof e === 'number') {
      if (typeof a !== 'number') expect.fail(`${label}${path}: got ${String(a)}, expected the number ${e}`);
      if (Number.isNaN(e) || Number.isNaN(a)) {
        if (Number.isNaN(e) !== Number.isNaN(a)) expect.fail(`${label}${path}: got ${a}, expected ${e}`);
        return;
      }
      if (a === e) return;
      if (!(Math.abs(a - e) <= atol + rtol * Math.abs(e))) expect.fail(`${label}${path}: got ${a}, expected ${e} (atol ${atol}, rtol ${rtol})`);
      return;
    }
    if (Array.isArray(e) || ArrayBuffer.isView(e)) {
      const ea = e as ArrayLike<unknown>,
        aa = a as ArrayLike<unknown>;
      if (aa === null || typeof aa !== 'object' || typeof aa.length !== 'number') expect.fail(`${label}${path}: got ${String(a)}, expected an array`);
      if (aa.length !== ea.length) expect.fail(`${label}${path}: length ${aa.length}, expected ${ea.length}`);
      for (let i = 0; i < ea.length; i++) walk(aa[i], ea[i], `${path}[${i}]`);
      return;
    }
    if (e !== null && typeof e === 'object') {
      for (const [k, v] of Object.entries(e)) walk((a as Record<string, unknown>)[k], v, `${path}.${k}`);
      return;
    }
    expect(a, `${label}${path}`).toBe(e);
  };
  walk(actual, expected, '');
}

/** Binary labels with the given confusion counts (positive class 1), in a fixed order. */
export function fromCounts(c: { tp: number; fp: number; fn: number; tn: number }): { yTrue: number[]; yPred: number[] } {
  const yTrue: number[] = [],
    yPred: number[] = [];
  const add = (t: number, p: number, n: number): void => {
    for (let i = 0; i < n; i++) {
      yTrue.push(t);
      yPred.push(p);
    }
  };
  add(1, 1, c.tp);
  add(0, 1, c.fp);
  add(1, 0, c.fn);
  add(0, 0, c.tn);
  return { yTrue, yPred };
}

export { rng } from '../helpers';

/** Silences console.warn for the test and returns the spy, to assert which warnings were given. */
export function captureWarnings(): MockInstance<(...args: unknown[]) => void> {
  return vi.spyOn(console, 'warn').mockImplementation(() => {});
}

/** Expects `f` to throw an error of class `type` whose message contains every fragment. */
export function expectThrows(f: () => unknown, type: new (...args: never[]) => Error, ...fragments: string[]): void {
  let caught: unknown;
  try {
    f();
  } catch (e) {
    caught = e;
  }
  if (!(caught instanceof type)) expect.fail(`expected a ${type.name}, got ${caught instanceof Error ? `${caught.name}: ${caught.message}` : String(caught)}`);
  for (const f of fragments) expect((caught as Error).message).toContain(f);
}
