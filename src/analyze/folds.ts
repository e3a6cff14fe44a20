/**
 * Seeded index bookkeeping: permutations and k-fold splits, reproducible from a seed so that
 * an analysis can be rerun exactly.
 * @module
 */
import { describe } from '../errors';

/** Checks a seed: an integer in [0, 2^32). */
export function checkSeed(fn: string, seed: unknown): number {
  if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new RangeError(`${fn}: seed must be an integer in [0, 2^32), got ${describe(seed)}`);
  }
  return seed;
}

/** mulberry32 with a mixed seed: uniform floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * 0..n-1 shuffled by Fisher-Yates with a seeded generator: the same seed, the same order.
 *
 * @example
 * ```ts
 * seededPermutation(5, 1); // a permutation of [0, 1, 2, 3, 4], the same for every call with seed 1
 * ```
 */
export function seededPermutation(n: number, seed: number): Int32Array {
  const a = new Int32Array(n);
  for (let i = 0; i < n; i++) a[i] = i;
  const r = seededRandom(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    const t = a[i]!;
    a[i] = a[j]!;
    a[j] = t;
  }
  return a;
}

/** One fold: the examples to train on and the held-out ones, each in increasing order. */
export interface Fold {
  trainIdx: Int32Array;
  valIdx: Int32Array;
}

/**
 * Splits 0..n-1 into k shuffled folds of sizes differing by at most one. Fold f holds out the
 * f-th slice of a seeded permutation and trains on the rest.
 *
 * @example
 * ```ts
 * kFolds(10, 5, 42).map((f) => f.valIdx.length); // [2, 2, 2, 2, 2]
 * ```
 */
export function kFolds(n: number, k: number, seed: number): Fold[] {
  const fn = 'kFolds';
  if (!Number.isInteger(n) || n < 2) throw new RangeError(`${fn}: n must be an integer >= 2, got ${describe(n)}`);
  if (!Number.isInteger(k) || k < 2 || k > n) throw new RangeError(`${fn}: k must be an integer in [2, n = ${n}], got ${describe(k)}`);
  checkSeed(fn, seed);
  const perm = seededPermutation(n, seed);
  const fold = new Int32Array(n);
  for (let r = 0; r < n; r++) fold[perm[r]!] = Math.floor((r * k) / n);
  return Array.from({ length: k }, (_, f) => {
    const val: number[] = [], train: number[] = [];
    for (let i = 0; i < n; i++) (fold[i] === f ? val : train).push(i);
    return { trainIdx: Int32Array.from(train), valIdx: Int32Array.from(val) };
  });
}
