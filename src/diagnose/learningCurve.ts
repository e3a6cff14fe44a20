/**
 * Learning curves: train and dev error against the size of the training set, which tells
 * "more data helps" (a gap that is still closing) from "it will not" (curves that have met,
 * or a dev error that has stopped falling).
 * @module
 */
import { checkSeed, seededPermutation } from '../analyze/folds';
import {
  buildFresh,
  checkFitOptions,
  errorShare,
  fitRows,
  gatherRows,
  predictClasses,
  release,
  setLabels,
  type BuildModel,
  type LabeledSet,
  type TrainableModel,
} from '../analyze/trainable';
import { describe } from '../errors';
import type { FitOptions } from '../model/sequential';

/** Train and dev error of a model trained on `size` examples. */
export interface LearningCurvePoint {
  size: number;
  trainError: number;
  devError: number;
}

/** Options of {@link learningCurve}. */
export interface LearningCurveOptions {
  /** Training-set sizes: counts, or fractions in (0, 1] of the data. Default [0.1, 0.25, 0.5, 0.75, 1]. */
  sizes?: number[];
  /** Seed of the permutation the nested subsets are taken from. Default 0. */
  seed?: number;
  /** Dev - train gap at the largest size above which more data can still help. Default 0.015. */
  gapThreshold?: number;
  /** Fall of the dev error per doubling of the data, at the end, that counts as still falling. Default 0.002. */
  minDropPerDoubling?: number;
}

/** The outcome of {@link learningCurve}. */
export interface LearningCurve {
  points: LearningCurvePoint[];
  verdict: 'more data helps' | 'more data will not help';
  explanation: string;
  /** Dev - train at the largest size. */
  gap: number;
  /** How much the dev error fell per doubling of the training set between the last two sizes. */
  devDropPerDoubling: number;
}

/**
 * Trains on the examples `trainSubsetIdx` (increasing indices into the training data) and
 * reports train and dev error: the callback form of {@link learningCurve}.
 *
 * @example
 * ```ts
 * const trainAndEvaluate: TrainAndEvaluate = async (idx) => ({ trainError: 0.01, devError: 0.02 + 2 / Math.sqrt(idx.length) });
 * ```
 */
export type TrainAndEvaluate = (trainSubsetIdx: Int32Array) => Promise<{ trainError: number; devError: number }>;

const pct = (v: number): string => `${(v * 100).toFixed(2)}%`;

/**
 * Learning curves: train and dev error against the size of the training set. Trains on nested
 * subsets of the training data (prefixes of one seeded permutation, so each subset contains
 * the smaller ones). Two forms:
 * - model form, `learningCurve(buildModel, { train, dev }, { sizes, seed, fit })`: for each
 *   size, a fresh model from `buildModel` is fitted on the subset (with `options.fit`), and the
 *   train error (on that subset) and the dev error are measured; each model is freed after;
 * - callback form, `learningCurve(trainAndEvaluate, n, options)`: the callback trains on the
 *   given rows and returns both errors.
 *
 * The verdict:
 * - more data helps: at the largest size the dev error is still falling (by at least
 *   `minDropPerDoubling` per doubling) and stays above the train error by more than
 *   `gapThreshold` (high variance);
 * - more data will not help: the curves have met (a bias problem: a bigger model helps, more
 *   data does not), or the dev error has stopped falling.
 *
 * @example
 * ```ts
 * // model form: buildModel returns a fresh compiled model
 * const curve = await knobs.learningCurve(buildModel, { train: { x: xTrain, y: yTrain }, dev: { x: xDev, y: yDev } },
 *   { sizes: [250, 500, 1000, 2000], seed: 3, fit: { epochs: 15, batchSize: 32 } });
 * curve.points.map((p) => p.devError); // [0.1845, 0.139, 0.1075, 0.089] for a 784-128-10 MLP on MNIST
 * curve.verdict;                       // 'more data helps'
 *
 * // callback form
 * const c2 = await knobs.learningCurve(async (idx) => {
 *   const model = build();
 *   await model.fit(rows(xTrain, idx), pick(yTrain, idx), { epochs: 10, verbose: 0 });
 *   return { trainError: errorOf(model, xTrain, yTrain, idx), devError: errorOf(model, xDev, yDev) };
 * }, yTrain.length, { sizes: [0.1, 0.2, 0.5, 1], seed: 1 });
 * ```
 */
export function learningCurve(trainAndEvaluate: TrainAndEvaluate, data: number | ArrayLike<unknown>, options?: LearningCurveOptions): Promise<LearningCurve>;
export function learningCurve(buildModel: BuildModel, data: TrainDevData, options?: ModelLearningCurveOptions): Promise<LearningCurve>;
export async function learningCurve(
  first: TrainAndEvaluate | BuildModel,
  data: number | ArrayLike<unknown> | TrainDevData,
  options: ModelLearningCurveOptions = {},
): Promise<LearningCurve> {
  if (isTrainDev(data)) return modelLearningCurve(first as BuildModel, data, options);
  if (options !== null && typeof options === 'object' && options.fit !== undefined) {
    throw new TypeError(
      `learningCurve: options.fit is for the model form learningCurve(buildModel, { train, dev }, options); with a callback, data is the number of training examples`,
    );
  }
  return callbackLearningCurve(first as TrainAndEvaluate, data as number | ArrayLike<unknown>, options);
}

/**
 * The training and dev sets of the model form of {@link learningCurve}: `{ train, dev }`, or a
 * `[train, dev]` pair (e.g. two knobs Datasets).
 *
 * @example
 * ```ts
 * const data: TrainDevData = [await knobs.data.loadMnist({ count: 2000 }), await knobs.data.loadMnist({ offset: 8000, count: 2000 })];
 * ```
 */
export type TrainDevData = { train: LabeledSet; dev: LabeledSet } | readonly [LabeledSet, LabeledSet];

/**
 * Options of the model form of {@link learningCurve}.
 *
 * @example
 * ```ts
 * const options: ModelLearningCurveOptions = { sizes: [250, 500, 1000, 2000], seed: 3, fit: { epochs: 15, batchSize: 32 } };
 * ```
 */
export interface ModelLearningCurveOptions extends LearningCurveOptions {
  /**
   * Options of every `fit` (epochs, batchSize, ...); `verbose` defaults to 0. A `sampleWeight`
   * has one weight per training example and each size trains with the weights of its rows.
   */
  fit?: FitOptions;
}

const hasX = (v: unknown): boolean => v !== null && typeof v === 'object' && (v as { x?: unknown }).x instanceof Float32Array;

/** True for the model form's data: `{ train, dev }`, or a pair of sets with an `x` Float32Array. */
function isTrainDev(data: unknown): data is TrainDevData {
  if (data === null || typeof data !== 'object') return false;
  if (Array.isArray(data)) return data.length === 2 && hasX(data[0]) && hasX(data[1]);
  return 'train' in data || 'dev' in data;
}

async function modelLearningCurve(buildModel: BuildModel, data: TrainDevData, options: ModelLearningCurveOptions): Promise<LearningCurve> {
  const fn = 'learningCurve';
  if (typeof buildModel !== 'function')
    throw new TypeError(`${fn}: buildModel must be a function returning a fresh compiled model, got ${describe(buildModel)}`);
  if (options === null || typeof options !== 'object') throw new TypeError(`${fn}: options must be { sizes, seed, fit }, got ${describe(options)}`);
  const [train, dev] = Array.isArray(data) ? data : [(data as { train: LabeledSet }).train, (data as { dev: LabeledSet }).dev];
  for (const [name, set] of [
    ['train', train],
    ['dev', dev],
  ] as const) {
    if (set === null || typeof set !== 'object')
      throw new TypeError(`${fn}: data.${name} must be { x: Float32Array, y: labels } (or a knobs Dataset), got ${describe(set)}`);
  }
  const seen = new WeakSet<object>();
  // the first model gives the input and output sizes the sets are checked against
  let pending: TrainableModel | undefined = await buildFresh(fn, buildModel, seen);
  try {
    const t = setLabels(fn, train, 'data.train', pending.inputSize, pending.outputSize);
    const d = setLabels(fn, dev, 'data.dev', pending.inputSize, pending.outputSize);
    if (d.rows === 0) throw new RangeError(`${fn}: data.dev is empty`);
    const fit = checkFitOptions(fn, options.fit, t.rows);
    return await callbackLearningCurve(
      async (idx) => {
        const model = pending ?? (await buildFresh(fn, buildModel, seen));
        pending = undefined;
        try {
          await fitRows(model, t.x, t.labels, idx, fit);
          const trainPred = predictClasses(fn, model, gatherRows(t.x, model.inputSize, idx));
          return { trainError: errorShare(t.labels, trainPred, idx), devError: errorShare(d.labels, predictClasses(fn, model, d.x, 'data.dev.x')) };
        } finally {
          release(model);
        }
      },
      t.rows,
      options,
    );
  } finally {
    if (pending) release(pending);
  }
}

async function callbackLearningCurve(
  trainAndEvaluate: TrainAndEvaluate,
  data: number | ArrayLike<unknown>,
  options: LearningCurveOptions = {},
): Promise<LearningCurve> {
  const fn = 'learningCurve';
  if (typeof trainAndEvaluate !== 'function')
    throw new TypeError(`${fn}: trainAndEvaluate must be a function (trainSubsetIdx) => Promise<{ trainError, devError }>, got ${describe(trainAndEvaluate)}`);
  const n = typeof data === 'number' ? data : data !== null && typeof data === 'object' && typeof data.length === 'number' ? data.length : NaN;
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`${fn}: data must be the number of training examples or an array of them, got ${describe(data)}`);
  const seed = checkSeed(fn, options.seed ?? 0);
  const rawSizes = options.sizes ?? [0.1, 0.25, 0.5, 0.75, 1];
  if (!Array.isArray(rawSizes) || rawSizes.length < 2) throw new RangeError(`${fn}: options.sizes must list at least 2 sizes, got ${describe(rawSizes)}`);
  rawSizes.forEach((s, i) => {
    if (typeof s !== 'number' || !(s > 0) || !Number.isFinite(s))
      throw new RangeError(`${fn}: options.sizes[${i}] must be a count or a fraction in (0, 1], got ${describe(s)}`);
  });
  // all in (0, 1]: fractions of the data; otherwise counts
  const fractions = rawSizes.every((s) => s <= 1);
  const sizes = rawSizes.map((s, i) => {
    const size = fractions ? Math.max(1, Math.round(s * n)) : s;
    if (!Number.isInteger(size) || size > n) {
      throw new RangeError(`${fn}: options.sizes[${i}] must be a count of at most the ${n} examples (or every size a fraction in (0, 1]), got ${describe(s)}`);
    }
    return size;
  });
  const unique = [...new Set(sizes)].sort((a, b) => a - b);
  if (unique.length < 2) throw new RangeError(`${fn}: options.sizes must give at least 2 distinct sizes, got [${unique.join(', ')}]`);
  const gapThreshold = options.gapThreshold ?? 0.015;
  const minDrop = options.minDropPerDoubling ?? 0.002;
  const perm = seededPermutation(n, seed);
  const points: LearningCurvePoint[] = [];
  for (const size of unique) {
    const idx = perm.slice(0, size).sort();
    const r = await trainAndEvaluate(idx);
    if (r === null || typeof r !== 'object' || !(r.trainError >= 0 && r.trainError <= 1) || !(r.devError >= 0 && r.devError <= 1)) {
      throw new RangeError(`${fn}: trainAndEvaluate must resolve to { trainError, devError } fractions in [0, 1], got ${describe(r)} at size ${size}`);
    }
    points.push({ size, trainError: r.trainError, devError: r.devError });
  }
  const last = points[points.length - 1]!,
    prev = points[points.length - 2]!;
  const gap = last.devError - last.trainError;
  const devDropPerDoubling = (prev.devError - last.devError) / Math.log2(last.size / prev.size);
  const falling = devDropPerDoubling >= minDrop;
  const helps = falling && gap > gapThreshold;
  let explanation: string;
  if (helps) {
    explanation =
      `At ${last.size} examples the dev error (${pct(last.devError)}) is ${pct(gap)} above the train error and still falls ` +
      `${pct(devDropPerDoubling)} per doubling of the data: a variance problem that more data of the same distribution reduces.`;
  } else if (gap <= gapThreshold) {
    explanation =
      `At ${last.size} examples train and dev error have met (gap ${pct(gap)}, at most ${pct(gapThreshold)}): ` +
      `more data will not lower the dev error much; if it is too high, reduce bias (a bigger network, training longer).`;
  } else {
    explanation =
      `The dev error has stopped falling (${pct(devDropPerDoubling)} per doubling, below ${pct(minDrop)}) although it is ${pct(gap)} above the train error: ` +
      `more data of this distribution helps little; regularize, or look for a data mismatch.`;
  }
  return { points, verdict: helps ? 'more data helps' : 'more data will not help', explanation, gap, devDropPerDoubling };
}
