/**
 * Suspected mislabels: examples whose given label a model trained without them finds
 * improbable. Out-of-fold probabilities matter: a model that saw an example has learned its
 * label, right or wrong.
 * @module
 */
import { describe } from '../errors';
import type { FitOptions } from '../model/sequential';
import { checkLabels } from '../metrics/validate';
import { checkSeed, kFolds } from './folds';
import { predictRows } from './predictor';
import { checkClassLabels, checkProbabilities, topTwo } from './probabilities';
import { buildFresh, checkFitOptions, fitRows, gatherRows, release, type BuildModel } from './trainable';

/** One suspect, with the evidence. */
export interface SuspectedMislabel {
  index: number;
  /** The given label. */
  label: number;
  /** Out-of-fold probability of the given label: the lower, the more suspect. */
  labelProbability: number;
  /** The class the model prefers, and its probability. */
  predictedLabel: number;
  predictedProbability: number;
}

/**
 * Ranks examples by the out-of-fold probability of their given label, lowest first (ties: the
 * more confident alternative first). Examples the model classifies as labelled are included
 * too, at the end, unless `top` cuts the list.
 *
 * @example
 * ```ts
 * const oof = await outOfFoldProbabilities(n, 5, 42, trainAndPredict);
 * const suspects = rankSuspectedMislabels(oof, labels, 10, { top: 100 });
 * suspects[0]; // { index: 1234, label: 3, labelProbability: 0.0004, predictedLabel: 5, predictedProbability: 0.998 }
 * ```
 */
export function rankSuspectedMislabels(
  oofProbs: ArrayLike<number>,
  labels: ArrayLike<number>,
  classes: number,
  options: { top?: number } = {},
): SuspectedMislabel[] {
  const fn = 'rankSuspectedMislabels';
  const n = checkProbabilities(fn, 'oofProbs', oofProbs, classes);
  const l = checkClassLabels(fn, 'labels', labels, n, classes);
  const out: SuspectedMislabel[] = [];
  for (let i = 0; i < n; i++) {
    const { first, p1 } = topTwo(oofProbs, classes, i);
    out.push({ index: i, label: l[i]!, labelProbability: oofProbs[i * classes + l[i]!]!, predictedLabel: first, predictedProbability: p1 });
  }
  out.sort((a, b) => a.labelProbability - b.labelProbability || b.predictedProbability - a.predictedProbability || a.index - b.index);
  return options.top === undefined ? out : out.slice(0, Math.max(0, options.top));
}

/**
 * Trains on all but one fold and predicts it: returns the `valIdx.length x classes`
 * probabilities of the held-out rows, in `valIdx` order. Both index arrays are increasing.
 */
export type TrainAndPredict = (trainIdx: Int32Array, valIdx: Int32Array) => Promise<Float32Array>;

/**
 * Out-of-fold class probabilities for every example: splits 0..n-1 into k seeded, shuffled
 * folds, and for each fold calls `trainAndPredict(trainIdx, valIdx)` (a fresh model trained
 * on the other folds, predicting this one). Folds run one after the other. Returns n x classes
 * probabilities, row-major, the input of {@link rankSuspectedMislabels}.
 *
 * @example
 * ```ts
 * const oof = await outOfFoldProbabilities(labels.length, 5, 42, async (trainIdx, valIdx) => {
 *   const model = build();
 *   await model.fit(rows(x, trainIdx), pick(labels, trainIdx), { epochs: 5, verbose: 0 });
 *   return model.predict(rows(x, valIdx));
 * });
 * ```
 */
export async function outOfFoldProbabilities(n: number, k: number, seed: number, trainAndPredict: TrainAndPredict): Promise<Float32Array> {
  const fn = 'outOfFoldProbabilities';
  if (typeof trainAndPredict !== 'function')
    throw new TypeError(`${fn}: trainAndPredict must be a function (trainIdx, valIdx) => Promise<Float32Array>, got ${describe(trainAndPredict)}`);
  if (!Number.isInteger(n) || n < 2) throw new RangeError(`${fn}: n must be an integer >= 2, got ${describe(n)}`);
  if (!Number.isInteger(k) || k < 2 || k > n) throw new RangeError(`${fn}: k must be an integer in [2, n = ${n}], got ${describe(k)}`);
  checkSeed(fn, seed);
  let out: Float32Array | undefined,
    classes = 0;
  for (const [f, { trainIdx, valIdx }] of kFolds(n, k, seed).entries()) {
    const probs = await trainAndPredict(trainIdx, valIdx);
    if (!(probs instanceof Float32Array)) throw new TypeError(`${fn}: trainAndPredict must resolve to a Float32Array, got ${describe(probs)} for fold ${f}`);
    if (out === undefined) {
      classes = probs.length / valIdx.length;
      if (!Number.isInteger(classes) || classes < 1)
        throw new RangeError(`${fn}: fold ${f} returned ${probs.length} values for ${valIdx.length} rows; expected rows x classes`);
      out = new Float32Array(n * classes);
    } else if (probs.length !== valIdx.length * classes) {
      throw new RangeError(
        `${fn}: fold ${f} returned ${probs.length} values for ${valIdx.length} rows; expected ${valIdx.length * classes} (${classes} classes, as fold 0)`,
      );
    }
    valIdx.forEach((row, r) => out!.set(probs.subarray(r * classes, (r + 1) * classes), row * classes));
  }
  return out!;
}

/**
 * Options of {@link suspectMislabels}.
 *
 * @example
 * ```ts
 * const options: SuspectMislabelsOptions = { k: 5, seed: 7, fit: { epochs: 5, batchSize: 64 }, top: 400 };
 * ```
 */
export interface SuspectMislabelsOptions {
  /** Folds: each example is predicted by a model trained on the other k - 1. Default 5. */
  k?: number;
  /** Seed of the fold split. Default 0. */
  seed?: number;
  /**
   * Options of every `fit` (epochs, batchSize, ...); `verbose` defaults to 0. A `sampleWeight`
   * has one weight per row of `x` and each fold trains with the weights of its rows.
   */
  fit?: FitOptions;
  /** Keep the `top` most suspect examples. Default: all, the least suspect last. */
  top?: number;
}

/**
 * Suspected mislabels of a labelled set, with a real model: k-fold training of fresh models
 * from `buildModel` ({@link outOfFoldProbabilities}), then {@link rankSuspectedMislabels} on
 * the out-of-fold probabilities. Each fold's model is freed after it has predicted.
 *
 * @example
 * ```ts
 * const build = () => {
 *   const m = knobs.sequential({ inputShape: [784], seed: 1, layers: [
 *     knobs.layers.dense({ units: 128, activation: 'relu' }), knobs.layers.dense({ units: 64, activation: 'relu' }),
 *     knobs.layers.dense({ units: 10, activation: 'softmax' })] });
 *   m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
 *   return m;
 * };
 * const suspects = await knobs.analyze.suspectMislabels(build, mnist.x, noisyLabels, { k: 5, seed: 7, fit: { epochs: 5, batchSize: 64 }, top: 400 });
 * suspects[0]; // { index, label, labelProbability, predictedLabel, predictedProbability }, the least probable given label first
 * // with 400 of 8,000 MNIST labels flipped, 350 of these 400 are flipped ones (test/analyze/mnist-mislabels.test.ts)
 * ```
 */
export async function suspectMislabels(
  buildModel: BuildModel,
  x: Float32Array,
  labels: ArrayLike<number>,
  options: SuspectMislabelsOptions = {},
): Promise<SuspectedMislabel[]> {
  const fn = 'suspectMislabels';
  if (options === null || typeof options !== 'object') throw new TypeError(`${fn}: options must be { k, seed, fit, top }, got ${describe(options)}`);
  if (typeof buildModel !== 'function')
    throw new TypeError(`${fn}: buildModel must be a function returning a fresh compiled model, got ${describe(buildModel)}`);
  if (!(x instanceof Float32Array)) throw new TypeError(`${fn}: x must be a Float32Array of rows x model.inputSize values, got ${describe(x)}`);
  const l = checkLabels(fn, 'labels', labels);
  const n = l.length;
  const k = options.k ?? 5,
    seed = options.seed ?? 0;
  const fit = checkFitOptions(fn, options.fit, n);
  if (options.top !== undefined && (!Number.isInteger(options.top) || options.top < 0))
    throw new RangeError(`${fn}: options.top must be an integer >= 0, got ${describe(options.top)}`);
  const seen = new WeakSet<object>();
  let classes = 0;
  const oof = await outOfFoldProbabilities(n, k, seed, async (trainIdx, valIdx) => {
    const model = await buildFresh(fn, buildModel, seen);
    try {
      if (classes === 0) {
        if (x.length !== n * model.inputSize)
          throw new RangeError(`${fn}: x must hold one row of model.inputSize = ${model.inputSize} values per label (${n}), got ${x.length} values`);
        if (model.outputSize < 2)
          throw new RangeError(`${fn}: the model must output one probability per class (outputSize >= 2), got outputSize ${model.outputSize}`);
        checkClassLabels(fn, 'labels', l, n, model.outputSize);
        classes = model.outputSize;
      }
      await fitRows(model, x, l, trainIdx, fit);
      return predictRows(fn, model, gatherRows(x, model.inputSize, valIdx)).out;
    } finally {
      release(model);
    }
  });
  return rankSuspectedMislabels(oof, l, classes, options.top === undefined ? {} : { top: options.top });
}
