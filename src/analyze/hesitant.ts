/**
 * Hesitant predictions: the two most probable classes are close, so the winner should not be
 * trusted (the lecture's softmax of two high logistic outputs, 0.49 against 0.41).
 * @module
 */
import { describe } from '../errors';
import { checkClassLabels, checkProbabilities, topTwo } from './probabilities';

/** A prediction whose top two probabilities are within the margin. */
export interface HesitantPrediction {
  index: number;
  /** The most probable class and its probability. */
  label: number;
  probability: number;
  /** The second most probable class and its probability. */
  runnerUp: number;
  runnerUpProbability: number;
  /** probability - runnerUpProbability. */
  margin: number;
  /** When labels were given: the true class, and whether the winner is right. */
  trueLabel?: number;
  correct?: boolean;
}

/** Options of {@link hesitantPredictions}. */
export interface HesitantOptions {
  /** Largest margin between the top two probabilities that counts as hesitant. Default 0.1. */
  maxMargin?: number;
  /** True labels, to mark which hesitant predictions are right. */
  labels?: ArrayLike<number>;
  /** Keep only the `top` smallest margins. */
  top?: number;
}

/**
 * The predictions whose two highest probabilities differ by at most `maxMargin`, smallest
 * margin first. `probs` holds rows x classes probabilities, row-major.
 *
 * @example
 * ```ts
 * // the lecture: logistic outputs (0.06, 0.98, 0.04, 0.92) normalized by their sum 2.0, and (0.14, 0.88, 0.12, 0.06) by 1.2
 * const probs = new Float32Array([0.03, 0.49, 0.02, 0.46, 0.14 / 1.2, 0.88 / 1.2, 0.12 / 1.2, 0.06 / 1.2]);
 * hesitantPredictions(probs, 4); // [{ index: 0, label: 1, runnerUp: 3, margin: 0.03, ... }]: the second is confident
 * ```
 */
export function hesitantPredictions(probs: ArrayLike<number>, classes: number, options: HesitantOptions = {}): HesitantPrediction[] {
  const fn = 'hesitantPredictions';
  const n = checkProbabilities(fn, 'probs', probs, classes);
  if (classes < 2) throw new RangeError(`${fn}: classes must be at least 2 to compare the top two, got ${classes}`);
  const maxMargin = options.maxMargin ?? 0.1;
  if (typeof maxMargin !== 'number' || !(maxMargin >= 0)) throw new RangeError(`${fn}: options.maxMargin must be a number >= 0, got ${describe(maxMargin)}`);
  const labels = options.labels === undefined ? undefined : checkClassLabels(fn, 'options.labels', options.labels, n, classes);
  const out: HesitantPrediction[] = [];
  for (let i = 0; i < n; i++) {
    const { first, p1, second, p2 } = topTwo(probs, classes, i);
    const margin = p1 - p2;
    if (margin > maxMargin) continue;
    const h: HesitantPrediction = { index: i, label: first, probability: p1, runnerUp: second, runnerUpProbability: p2, margin };
    if (labels) {
      h.trueLabel = labels[i]!;
      h.correct = labels[i] === first;
    }
    out.push(h);
  }
  out.sort((a, b) => a.margin - b.margin || a.index - b.index);
  return options.top === undefined ? out : out.slice(0, Math.max(0, options.top));
}
