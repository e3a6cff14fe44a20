/**
 * Seeded index bookkeeping: permutations and k-fold splits (those of `knobs.data.kFold`),
 * reproducible from a seed so that an analysis can be rerun exactly.
 * @module
 */
import { describe } from '../errors';
import { checkSeed, range, seededRandom, shuffleInPlace } from '../util/random';
import { kFold } from '../data/split';

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
 * k-fold indices for out-of-fold predictions: exactly the folds of `knobs.data.kFold(n, { k, seed })`
 * (scikit-learn's `KFold(n_splits=k, shuffle=True)`: a seeded permutation cut into k blocks,
 * the first n % k one example larger), under the names {@link outOfFoldProbabilities} passes
 * them by. One implementation, so that an analysis and a cross-validation with the same seed
 * hold out the same examples.
 *
 * @example
 * ```ts
 * kFolds(10, 5, 42).map((f) => f.valIdx.length); // [2, 2, 2, 2, 2]
 * kFolds(23, 5, 42).map((f) => f.valIdx.length); // [5, 5, 5, 4, 4]
 * ```
 */
export function kFolds(n: number, k: number, seed: number): Fold[] {
  const fn = 'kFolds';
  if (!Number.isInteger(n) || n < 2) throw new RangeError(`${fn}: n must be an integer >= 2, got ${describe(n)}`);
  if (!Number.isInteger(k) || k < 2 || k > n) throw new RangeError(`${fn}: k must be an integer in [2, n = ${n}], got ${describe(k)}`);
  checkSeed(fn, seed);
  return kFold(n, { k, seed }).map(({ train, dev }) => ({ trainIdx: train, valIdx: dev }));
}
