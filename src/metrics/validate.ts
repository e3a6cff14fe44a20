/**
 * Input checks shared by the metrics, the diagnosis and the error analysis. Every message
 * names the function, the argument and the value it got (STYLE.md, principle 6): a wrong
 * type is a `TypeError`, a wrong value a `RangeError`.
 * @module
 */
import { describe } from '../errors';

/** Class labels: integers, in any array-like (`number[]`, `Int32Array`, `Float32Array`, ...). */
export type Labels = ArrayLike<number>;

/** Per-example weights, finite and non-negative. */
export type SampleWeight = ArrayLike<number>;

function isArrayLike(value: unknown): value is ArrayLike<unknown> {
  if (Array.isArray(value)) return true;
  return ArrayBuffer.isView(value) && !(value instanceof DataView);
}

/** Checks that `value` is an array of integer class labels; returns it as an array-like. */
export function checkLabels(fn: string, name: string, value: unknown): Labels {
  if (!isArrayLike(value)) throw new TypeError(`${fn}: ${name} must be an array of class labels, got ${describe(value)}`);
  const a = value as ArrayLike<unknown>;
  for (let i = 0; i < a.length; i++) {
    const v = a[i];
    if (typeof v !== 'number') throw new TypeError(`${fn}: ${name}[${i}] must be a number, got ${describe(v)}`);
    if (!Number.isInteger(v)) throw new RangeError(`${fn}: ${name}[${i}] must be an integer class label, got ${describe(v)}`);
  }
  return a as Labels;
}

/** Checks two label arrays (or a label array and its weights) have the same length. */
export function checkSameLength(fn: string, nameA: string, a: ArrayLike<unknown>, nameB: string, b: ArrayLike<unknown>): void {
  if (a.length !== b.length) {
    throw new RangeError(`${fn}: ${nameA} and ${nameB} must have the same length, got ${a.length} and ${b.length}`);
  }
}

/** Checks a pair of label arrays: both integer labels, same length. */
export function checkPair(fn: string, yTrue: unknown, yPred: unknown, names: [string, string] = ['yTrue', 'yPred']): [Labels, Labels] {
  const t = checkLabels(fn, names[0], yTrue);
  const p = checkLabels(fn, names[1], yPred);
  checkSameLength(fn, names[0], t, names[1], p);
  return [t, p];
}

/** Checks optional sample weights against `n` examples; returns a Float64Array of ones when absent. */
export function checkWeights(fn: string, weights: unknown, n: number): Float64Array {
  const out = new Float64Array(n);
  if (weights === undefined || weights === null) return out.fill(1);
  if (!isArrayLike(weights)) throw new TypeError(`${fn}: options.sampleWeight must be an array of numbers, got ${describe(weights)}`);
  const w = weights as ArrayLike<unknown>;
  if (w.length !== n) throw new RangeError(`${fn}: options.sampleWeight must have one weight per example (${n}), got ${w.length}`);
  for (let i = 0; i < n; i++) {
    const v = w[i];
    if (typeof v !== 'number') throw new TypeError(`${fn}: options.sampleWeight[${i}] must be a number, got ${describe(v)}`);
    if (!Number.isFinite(v) || v < 0) throw new RangeError(`${fn}: options.sampleWeight[${i}] must be finite and non-negative, got ${describe(v)}`);
    out[i] = v;
  }
  return out;
}

/** Checks an array of finite scores or probabilities. */
export function checkScores(fn: string, name: string, value: unknown): ArrayLike<number> {
  if (!isArrayLike(value)) throw new TypeError(`${fn}: ${name} must be an array of numbers, got ${describe(value)}`);
  const a = value as ArrayLike<unknown>;
  for (let i = 0; i < a.length; i++) {
    const v = a[i];
    if (typeof v !== 'number') throw new TypeError(`${fn}: ${name}[${i}] must be a number, got ${describe(v)}`);
    if (!Number.isFinite(v)) throw new RangeError(`${fn}: ${name}[${i}] must be finite, got ${describe(v)}`);
  }
  return a as ArrayLike<number>;
}

/**
 * Number of columns of a row-major score matrix with `n` rows: `scores.length / n`. Throws
 * when the length is not a multiple of `n`.
 */
export function columnsOf(fn: string, name: string, scores: ArrayLike<number>, n: number): number {
  if (n === 0) throw new RangeError(`${fn}: needs at least one example, got 0`);
  const k = scores.length / n;
  if (!Number.isInteger(k) || k < 1) {
    throw new RangeError(`${fn}: ${name} must hold n x classes values row-major (n = ${n}), got length ${scores.length}`);
  }
  return k;
}

/** Sorted distinct values of the given label arrays (numeric order), as scikit-learn's `unique_labels`. */
export function uniqueLabels(...arrays: Labels[]): number[] {
  const s = new Set<number>();
  for (const a of arrays) for (let i = 0; i < a.length; i++) s.add(a[i]!);
  return [...s].sort((x, y) => x - y);
}

/** Checks an explicit `labels` option: a non-empty array of distinct integers. */
export function checkLabelsOption(fn: string, labels: unknown, name = 'options.labels'): number[] {
  const a = checkLabels(fn, name, labels);
  if (a.length === 0) throw new RangeError(`${fn}: ${name} must hold at least one label, got an empty array`);
  const out = Array.from(a);
  const seen = new Set<number>();
  for (const l of out) {
    if (seen.has(l)) throw new RangeError(`${fn}: ${name} must not repeat a label, got ${l} twice`);
    seen.add(l);
  }
  return out;
}

/** Checks a positive integer option. */
export function checkPositiveInt(fn: string, name: string, value: unknown): number {
  if (typeof value !== 'number') throw new TypeError(`${fn}: ${name} must be a positive integer, got ${describe(value)}`);
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${fn}: ${name} must be a positive integer, got ${describe(value)}`);
  return value;
}

/** Checks a finite number option, optionally within [min, max]. */
export function checkNumber(fn: string, name: string, value: unknown, min = -Infinity, max = Infinity): number {
  if (typeof value !== 'number') throw new TypeError(`${fn}: ${name} must be a number, got ${describe(value)}`);
  if (!Number.isFinite(value) || value < min || value > max) {
    const range = min === -Infinity && max === Infinity ? 'finite' : `in [${min}, ${max}]`;
    throw new RangeError(`${fn}: ${name} must be ${range}, got ${describe(value)}`);
  }
  return value;
}

/** Checks that `value` is one of `allowed` (compared with `===`). */
export function checkOneOf<T>(fn: string, name: string, value: unknown, allowed: readonly T[]): T {
  if (!allowed.includes(value as T)) {
    throw new RangeError(`${fn}: ${name} must be one of ${allowed.map((a) => describe(a)).join(', ')}, got ${describe(value)}`);
  }
  return value as T;
}

/**
 * True when two metric values differ by rounding noise only (relative 1e-12): ranking treats
 * them as tied. Summing 0.95 + 0.90 + 0.94 + 0.99 and 0.99 + 0.91 + 0.96 + 0.92 gives two
 * doubles one ulp apart, not a real difference.
 */
export function tied(a: number, b: number): boolean {
  return a === b || Math.abs(a - b) <= 1e-12 * Math.max(Math.abs(a), Math.abs(b));
}
