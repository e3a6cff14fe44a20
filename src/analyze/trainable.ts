/**
 * What the model-level forms of the analysis and the diagnosis need from a model: build a
 * fresh one, fit it on some rows, predict. Structural, so that `knobs.sequential` models fit
 * without this folder importing the trainer (only its option types).
 * @module
 */
import { describe } from '../errors';
import type { FitOptions } from '../model/sequential';
import { checkLabels, type Labels } from '../metrics/validate';
import { argmaxRows, checkPredictor, predictRows, type Predictor } from './predictor';

/**
 * A compiled model that can be trained and can predict: what `knobs.sequential(...)` returns
 * after `compile`. `trainingState` and `dispose` are optional: with them, labels are given to
 * `fit` in the form the model's loss needs, and a model built by knobs is freed when done.
 *
 * @example
 * ```ts
 * const model: TrainableModel = knobs.sequential({ inputShape: [784], layers: [knobs.layers.dense({ units: 10, activation: 'softmax' })] });
 * model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
 * ```
 */
export interface TrainableModel extends Predictor {
  fit(x: Float32Array, y: Int32Array | Float32Array, options?: FitOptions): Promise<unknown>;
  trainingState?(): { loss: string } | undefined;
  dispose?(): void;
}

/**
 * Builds a fresh compiled model: called once per training (each fold, each size, each round).
 * Give it a fixed seed to make the whole analysis reproducible.
 *
 * @example
 * ```ts
 * const buildModel: BuildModel = () => {
 *   const m = knobs.sequential({ inputShape: [784], seed: 1, layers: [
 *     knobs.layers.dense({ units: 128, activation: 'relu' }), knobs.layers.dense({ units: 10, activation: 'softmax' })] });
 *   m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
 *   return m;
 * };
 * ```
 */
export type BuildModel = () => TrainableModel | Promise<TrainableModel>;

/**
 * Inputs (rows x model.inputSize, row-major, e.g. a knobs Dataset's `x`) and their classes:
 * one integer label per row, or one-hot rows (rows x classes; the label is the argmax).
 *
 * @example
 * ```ts
 * const train: LabeledSet = { x: mnist.x.subarray(0, 1000 * 784), y: mnist.y.subarray(0, 1000) };
 * ```
 */
export interface LabeledSet {
  x: Float32Array;
  y: ArrayLike<number>;
}

/**
 * Calls `buildModel` and checks the result: a model with fit and predict, not one returned
 * before (a model is trained once per call, and freed afterwards).
 */
export async function buildFresh(fn: string, buildModel: unknown, seen: WeakSet<object>): Promise<TrainableModel> {
  if (typeof buildModel !== 'function')
    throw new TypeError(`${fn}: buildModel must be a function returning a fresh compiled model, got ${describe(buildModel)}`);
  const m = (await (buildModel as BuildModel)()) as unknown;
  checkPredictor(`${fn}: buildModel()`, m);
  if (typeof (m as TrainableModel).fit !== 'function') throw new TypeError(`${fn}: buildModel() must return a model with a fit method, got ${describe(m)}`);
  if (seen.has(m as object)) throw new RangeError(`${fn}: buildModel() returned the same model twice; it must build a fresh model on every call`);
  seen.add(m as object);
  return m as TrainableModel;
}

/** Frees a model built for one training, when it can be freed. */
export function release(model: TrainableModel): void {
  if (typeof model.dispose === 'function') model.dispose();
}

/** The rows `idx` of a row-major matrix with `width` columns, copied. */
export function gatherRows(x: ArrayLike<number>, width: number, idx: ArrayLike<number>): Float32Array {
  const out = new Float32Array(idx.length * width);
  const src = x as Float32Array;
  for (let r = 0; r < idx.length; r++) {
    const from = idx[r]! * width;
    out.set(src.subarray(from, from + width), r * width);
  }
  return out;
}

/** The entries `idx` of `a`. */
export function gatherLabels(a: ArrayLike<number>, idx: ArrayLike<number>): Int32Array {
  return Int32Array.from({ length: idx.length }, (_, r) => a[idx[r]!]!);
}

/**
 * The labels in the form `model.fit` needs: integer labels for a sparse loss (or a model that
 * does not say), one-hot rows for categorical cross-entropy, 0/1 floats for a single output.
 */
export function fitTargets(model: TrainableModel, labels: Int32Array): Int32Array | Float32Array {
  const loss = typeof model.trainingState === 'function' ? model.trainingState()?.loss : undefined;
  if (loss === undefined || loss === 'sparseCategoricalCrossentropy') return labels;
  const k = model.outputSize;
  if (k === 1) return Float32Array.from(labels);
  const out = new Float32Array(labels.length * k);
  for (let i = 0; i < labels.length; i++) out[i * k + labels[i]!] = 1;
  return out;
}

/** Checks the `fit` option of a helper; returns the options to pass (verbose 0 unless given) and the full-length sample weights, if any. */
export function checkFitOptions(fn: string, fit: unknown, rows: number, name = 'options.fit'): { fit: FitOptions; sampleWeight?: Float32Array } {
  if (fit === undefined) return { fit: { verbose: 0 } };
  if (fit === null || typeof fit !== 'object') throw new TypeError(`${fn}: ${name} must be fit options ({ epochs, batchSize, ... }), got ${describe(fit)}`);
  const { sampleWeight, ...rest } = fit as FitOptions;
  const out: { fit: FitOptions; sampleWeight?: Float32Array } = { fit: { verbose: 0, ...rest } };
  if (sampleWeight !== undefined) {
    if (!(sampleWeight instanceof Float32Array) && !Array.isArray(sampleWeight))
      throw new TypeError(`${fn}: ${name}.sampleWeight must be a Float32Array, got ${describe(sampleWeight)}`);
    if (sampleWeight.length !== rows)
      throw new RangeError(`${fn}: ${name}.sampleWeight must have one weight per training row (${rows}), got ${sampleWeight.length}`);
    out.sampleWeight = Float32Array.from(sampleWeight);
  }
  return out;
}

/** Trains `model` on the rows `idx` of `x` with `labels` (and the matching sample weights). */
export async function fitRows(
  model: TrainableModel,
  x: Float32Array,
  labels: ArrayLike<number>,
  idx: Int32Array,
  fit: { fit: FitOptions; sampleWeight?: Float32Array },
): Promise<void> {
  const options: FitOptions = fit.sampleWeight ? { ...fit.fit, sampleWeight: gatherRows(fit.sampleWeight, 1, idx) } : fit.fit;
  await model.fit(gatherRows(x, model.inputSize, idx), fitTargets(model, gatherLabels(labels, idx)), options);
}

/**
 * Checks a labelled set `{ x, y }` against a model's sizes; returns its integer labels (the
 * argmax of one-hot rows) and its number of rows.
 */
export function setLabels(fn: string, set: unknown, name: string, inputSize: number, outputSize: number): { x: Float32Array; labels: Labels; rows: number } {
  if (set === null || typeof set !== 'object') throw new TypeError(`${fn}: ${name} must be { x: Float32Array, y: labels }, got ${describe(set)}`);
  const { x, y } = set as { x: unknown; y: unknown };
  if (!(x instanceof Float32Array)) throw new TypeError(`${fn}: ${name}.x must be a Float32Array of rows x ${inputSize} values, got ${describe(x)}`);
  const rows = x.length / inputSize;
  if (!Number.isInteger(rows)) throw new RangeError(`${fn}: ${name}.x must hold rows x ${inputSize} values (model.inputSize), got ${x.length}`);
  if (y !== null && typeof y === 'object' && (y as ArrayLike<number>).length === rows * outputSize && outputSize > 1 && rows > 0 && y instanceof Float32Array) {
    return { x, labels: argmaxRows(y, outputSize), rows }; // one-hot rows
  }
  const labels = checkLabels(fn, `${name}.y`, y);
  if (labels.length !== rows) throw new RangeError(`${fn}: ${name}.x has ${rows} rows but ${name}.y has ${labels.length} labels`);
  return { x, labels, rows };
}

/** The predicted class of each row: argmax, or probability > 0.5 for a single output. */
export function predictedClasses(probs: Float32Array, outputSize: number): Int32Array {
  if (outputSize > 1) return argmaxRows(probs, outputSize);
  return Int32Array.from(probs, (p) => (p > 0.5 ? 1 : 0));
}

/** The predicted classes of `model` on the rows of `x`. */
export function predictClasses(fn: string, model: Predictor, x: Float32Array, name = 'x'): Int32Array {
  return predictedClasses(predictRows(fn, model, x, name).out, model.outputSize);
}

/** The share of rows the predictions get wrong: `pred[r]` is the prediction for row `idx[r]` (row r when `idx` is absent). */
export function errorShare(labels: ArrayLike<number>, pred: ArrayLike<number>, idx?: ArrayLike<number>): number {
  const n = idx ? idx.length : labels.length;
  let wrong = 0;
  for (let r = 0; r < n; r++) {
    const i = idx ? idx[r]! : r;
    if (pred[r] !== labels[i]) wrong++;
  }
  return n ? wrong / n : 0;
}
