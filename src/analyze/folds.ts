/**
 * Seeded index bookkeeping: permutations and k-fold splits, reproducible from a seed so that
 * an analysis can be rerun exactly.
 * @module
 */
import { describe } from '../errors';
import { checkSeed, range, seededRandom, shuffleInPlace } from '../util/random';

export { checkSeed, seededRandom };

/**
 * 0..n-1 shuffled by Fisher-Yates with a seeded generator: the same seed, the same order.
 *
 * @example
 * ```ts
 * seededPermutation(5, 1); // a permutation of [0, 1, 2, 3, 4], the same for every call with seed 1
 * ```
 */
export function seededPermutation(n: number, seed: number): Int32Array {
  return shuffleInPlace(range(n), seededRandom(seed));
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
    const val: number[] = [],
      train: number[] = [];
    for (let i = 0; i < n; i++) (fold[i] === f ? val : train).push(i);
    return { trainIdx: Int32Array.from(train), valIdx: Int32Array.from(val) };
  });
}
