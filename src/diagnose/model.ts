/**
 * Error rates of a model on labelled sets, for the model form of `diagnose`.
 * @module
 */
import { checkPredictor, type Predictor } from '../analyze/predictor';
import { errorShare, predictClasses, setLabels, type LabeledSet } from '../analyze/trainable';
import { describe } from '../errors';

export type { LabeledSet } from '../analyze/trainable';

/**
 * The sets of the orthogonalized method; train and dev are required.
 *
 * @example
 * ```ts
 * const sets: ModelSets = { train, trainDev, dev, test };
 * diagnose(model, sets, { humanLevelError: 0.003 });
 * ```
 */
export interface ModelSets {
  train: LabeledSet;
  trainDev?: LabeledSet;
  dev: LabeledSet;
  test?: LabeledSet;
}

/** The error rate (share misclassified) of `model` on one set. */
export function errorRate(fn: string, model: Predictor, set: LabeledSet, name: string): number {
  const { x, labels, rows } = setLabels(fn, set, `sets.${name}`, model.inputSize, model.outputSize);
  if (rows === 0) throw new RangeError(`${fn}: sets.${name} is empty`);
  return errorShare(labels, predictClasses(fn, model, x, `sets.${name}.x`));
}

/** Train, train-dev, dev and test error of `model` (only the sets given). */
export function modelErrors(
  fn: string,
  model: Predictor,
  sets: ModelSets,
): { trainError: number; trainDevError?: number; devError: number; testError?: number } {
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
