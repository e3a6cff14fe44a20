/**
 * Error rates of a model on labelled sets, for the model form of `diagnose`.
 * @module
 */
import { checkPredictor, type Predictor } from '../analyze/predictor';
import { errorShare, predictClasses, setLabels, type LabeledSet } from '../analyze/trainable';
import { describe } from '../errors';
import type { SetName } from './bySource';

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

/** The error rate (share misclassified) of `model` on one set, and the number of examples it was measured on. */
export function errorRate(fn: string, model: Predictor, set: LabeledSet, name: string): { rate: number; count: number } {
  const { x, labels, rows } = setLabels(fn, set, `sets.${name}`, model.inputSize, model.outputSize);
  if (rows === 0) throw new RangeError(`${fn}: sets.${name} is empty`);
  return { rate: errorShare(labels, predictClasses(fn, model, x, `sets.${name}.x`)), count: rows };
}

/** Train, train-dev, dev and test error of `model` (only the sets given), and the examples of each set. */
export function modelErrors(
  fn: string,
  model: Predictor,
  sets: ModelSets,
): { errors: { trainError: number; trainDevError?: number; devError: number; testError?: number }; counts: Partial<Record<SetName, number>> } {
  checkPredictor(fn, model);
  if (sets === null || typeof sets !== 'object') throw new TypeError(`${fn}: sets must be { train, dev, trainDev?, test }, got ${describe(sets)}`);
  const counts: Partial<Record<SetName, number>> = {};
  const measure = (name: SetName, set: LabeledSet): number => {
    const { rate, count } = errorRate(fn, model, set, name);
    counts[name] = count;
    return rate;
  };
  const errors: { trainError: number; trainDevError?: number; devError: number; testError?: number } = {
    trainError: measure('train', sets.train),
    devError: measure('dev', sets.dev),
  };
  if (sets.trainDev !== undefined) errors.trainDevError = measure('trainDev', sets.trainDev);
  if (sets.test !== undefined) errors.testError = measure('test', sets.test);
  return { errors, counts };
}
