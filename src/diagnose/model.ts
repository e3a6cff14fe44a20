/**
 * Error rates of a model on labelled sets, for the model form of `diagnose`.
 * @module
 */
import { argmaxRows, checkPredictor, predictRows, type Predictor } from '../analyze/predictor';
import { describe } from '../errors';
import { checkLabels } from '../metrics/validate';

/** Inputs (rows x model.inputSize, row-major) and their class labels. */
export interface LabeledSet {
  x: Float32Array;
  y: ArrayLike<number>;
}

/** The sets of the orthogonalized method; train and dev are required. */
export interface ModelSets {
  train: LabeledSet;
  trainDev?: LabeledSet;
  dev: LabeledSet;
  test?: LabeledSet;
}

/** The predicted class of each row: argmax, or probability > 0.5 for a single output. */
export function predictedClasses(probs: Float32Array, outputSize: number): Int32Array {
  if (outputSize > 1) return argmaxRows(probs, outputSize);
  return Int32Array.from(probs, (p) => (p > 0.5 ? 1 : 0));
}

/** The error rate (share misclassified) of `model` on one set. */
export function errorRate(fn: string, model: Predictor, set: LabeledSet, name: string): number {
  if (set === null || typeof set !== 'object') throw new TypeError(`${fn}: sets.${name} must be { x: Float32Array, y: labels }, got ${describe(set)}`);
  const y = checkLabels(fn, `sets.${name}.y`, set.y);
  const { out, rows } = predictRows(fn, model, set.x, `sets.${name}.x`);
  if (rows !== y.length) throw new RangeError(`${fn}: sets.${name}.x has ${rows} rows but sets.${name}.y has ${y.length} labels`);
  if (rows === 0) throw new RangeError(`${fn}: sets.${name} is empty`);
  const pred = predictedClasses(out, model.outputSize);
  let wrong = 0;
  for (let i = 0; i < rows; i++) if (pred[i] !== y[i]) wrong++;
  return wrong / rows;
}

/** Train, train-dev, dev and test error of `model` (only the sets given). */
export function modelErrors(fn: string, model: Predictor, sets: ModelSets): { trainError: number; trainDevError?: number; devError: number; testError?: number } {
  checkPredictor(fn, model);
  if (sets === null || typeof sets !== 'object') throw new TypeError(`${fn}: sets must be { train, dev, trainDev?, test }, got ${describe(sets)}`);
  const out: { trainError: number; trainDevError?: number; devError: number; testError?: number } = {
    trainError: errorRate(fn, model, sets.train, 'train'),
    devError: errorRate(fn, model, sets.dev, 'dev'),
  };
  if (sets.trainDev !== undefined) out.trainDevError = errorRate(fn, model, sets.trainDev, 'trainDev');
  if (sets.test !== undefined) out.testError = errorRate(fn, model, sets.test, 'test');
  return out;
}
