/**
 * `knobs.losses`: the built-in losses as functions of labels and predictions, as tfjs'
 * `tf.losses.*` (`knobs.losses.meanSquaredError(yTrue, yPred)` is the mean loss, a number). Each
 * also stands for its name in compile: `compile({ loss: knobs.losses.huber })` is `loss: 'huber'`.
 *
 * Predictions are probabilities for the cross-entropies (Keras' `from_logits = false`: clipped to
 * [1e-7, 1 - 1e-7]). `yTrue` and `yPred` are `number[][]` rows or row-major Float32Arrays of
 * `options.cols` columns (default 1, or the rows' length); sparseCategoricalCrossentropy takes
 * one integer class per row.
 * @example
 * ```ts
 * knobs.losses.meanAbsoluteError([[1], [2]], [[1.5], [1]]); // 0.75
 * knobs.losses.huber(new Float32Array([0, 3]), new Float32Array([0.5, 0]), { delta: 2 }); // (0.125 + 4) / 2
 * ```
 * @module
 */
import { engine } from './engine/engine';
import { f32_huber } from './engine/kernels/f32_loss';
import { ShapeError, describe } from './errors';
import { HUBER_DELTA, registerBuiltinLoss, runLoss, type LossName } from './losses';
import { toLabels, toMatrix } from './model/data';
import { checkKnownOptions } from './util/options';

/** Options of the `knobs.losses` functions. */
export interface LossOptions {
  /** Columns of flat Float32Array inputs (default: the rows' length for number[][], else 1). */
  cols?: number;
  /** Per-example weights: the result is sum(s_i L_i) / sum(s_i). */
  sampleWeight?: Float32Array | number[];
  /** huber only: where the loss turns from quadratic to linear. Default 1 (Keras). */
  delta?: number;
}

/** A `knobs.losses` function: the (weighted) mean loss of predictions against labels. */
export type LossFn = (yTrue: Float32Array | number[][] | number[] | Int32Array, yPred: Float32Array | number[][], options?: LossOptions) => number;

function compute(name: LossName, yTrue: unknown, yPred: unknown, options: LossOptions = {}): number {
  const W = `losses.${name}`;
  checkKnownOptions(W, options, ['cols', 'sampleWeight', 'delta']);
  const cols = options.cols ?? (Array.isArray(yPred) && Array.isArray(yPred[0]) ? (yPred[0] as unknown[]).length : 1);
  if (!Number.isInteger(cols) || cols < 1) throw new RangeError(`${W}: options.cols must be a positive integer, got ${describe(options.cols)}`);
  const delta = options.delta ?? HUBER_DELTA;
  if (options.delta !== undefined && (name !== 'huber' || !(delta > 0 && Number.isFinite(delta)))) {
    throw new RangeError(`${W}: options.delta is huber's, a finite number > 0; got ${describe(options.delta)}`);
  }
  const { data: pred, rows } = toMatrix(W, 'yPred', yPred, cols);
  const sparse = name === 'sparseCategoricalCrossentropy';
  const labels = toLabels(W, yTrue, cols, sparse, name);
  if (labels.rows !== rows) throw new ShapeError(`${W}: yTrue has ${labels.rows} rows but yPred has ${rows}`);
  let weights: Float32Array | undefined;
  if (options.sampleWeight !== undefined) {
    weights = Float32Array.from(options.sampleWeight);
    if (weights.length !== rows) throw new ShapeError(`${W}: sampleWeight has ${weights.length} values for ${rows} examples`);
    if (weights.some((w) => !(w >= 0) || !Number.isFinite(w))) throw new RangeError(`${W}: sampleWeight values must be finite numbers >= 0`);
  }
  const wsum = weights ? weights.reduce((a, b) => a + b, 0) : rows;
  if (rows === 0 || !(wsum > 0)) throw new RangeError(`${W}: no examples (or all of weight 0): the mean loss is undefined`);
  // the kernels for probabilities: sparse labels become one-hot rows for categorical cross-entropy
  let f32 = labels.f32;
  if (labels.i32) {
    f32 = new Float32Array(rows * cols);
    labels.i32.forEach((c, i) => (f32![i * cols + c] = 1));
  }
  const e = engine();
  const n = rows * cols;
  const pp = e.allocF32(Math.max(1, n)),
    pl = e.allocF32(Math.max(1, n)),
    pw = weights ? e.allocF32(rows) : 0;
  try {
    e.f32.set(pred, pp >> 2);
    e.f32.set(f32!, pl >> 2);
    if (weights) e.f32.set(weights, pw >> 2);
    const args = { output: pp, labelsF32: pl, labelsI32: 0, weights: pw, rows, cols, probs: 0, grad: 0, scale: 0 };
    const total = name === 'huber' ? f32_huber(e, pp, pl, pw, rows, cols, 0, 0, delta) : runLoss(e, sparse ? 'categoricalCrossentropy' : name, false, args);
    return total / wsum;
  } finally {
    e.free(pp);
    e.free(pl);
    if (pw) e.free(pw);
  }
}

function make(name: LossName): LossFn {
  const fn: LossFn = (yTrue, yPred, options) => compute(name, yTrue, yPred, options);
  Object.defineProperty(fn, 'name', { value: name });
  registerBuiltinLoss(fn, name);
  return fn;
}

/** Mean squared error, `mean((yPred - yTrue)^2)`. */
export const meanSquaredError: LossFn = make('meanSquaredError');
/** Mean absolute error, `mean(|yPred - yTrue|)`. */
export const meanAbsoluteError: LossFn = make('meanAbsoluteError');
/** Huber loss: quadratic within `delta` (default 1) of the target, linear beyond (Keras' definition). */
export const huber: LossFn = make('huber');
/** `mean(log(cosh(yPred - yTrue)))`: about half the squared error for small errors, the absolute error minus log 2 for large ones. */
export const logCosh: LossFn = make('logCosh');
/** Binary cross-entropy of probabilities against 0/1 (or soft) labels, averaged over the columns. */
export const binaryCrossentropy: LossFn = make('binaryCrossentropy');
/** Categorical cross-entropy of probability rows against one-hot (or soft) rows. */
export const categoricalCrossentropy: LossFn = make('categoricalCrossentropy');
/** Categorical cross-entropy of probability rows against integer class labels. */
export const sparseCategoricalCrossentropy: LossFn = make('sparseCategoricalCrossentropy');

/** Keras' short names, and tfjs' names for the same losses (`tf.losses.huberLoss`, `absoluteDifference`, `logLoss`). */
export { meanSquaredError as mse, meanAbsoluteError as mae, huber as huberLoss, meanAbsoluteError as absoluteDifference, binaryCrossentropy as logLoss };

export type { LossName, Loss, LossFunction, LossFunctionResult } from './losses';
