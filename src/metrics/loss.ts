/**
 * Log loss (cross-entropy) of predicted probabilities.
 * @module
 */
import { checkLabels, checkLabelsOption, checkScores, checkWeights, columnsOf, type Labels, type SampleWeight } from './validate';

/** Options of {@link logLoss}. */
export interface LogLossOptions {
  /** false returns the (weighted) sum instead of the mean. Default true. */
  normalize?: boolean;
  sampleWeight?: SampleWeight;
  /** The class of each column of yPred, in column order. Default: 0, 1, ..., classes - 1. */
  labels?: Labels;
}

/**
 * The mean negative log-likelihood of the true labels, -mean(log p[y]) (scikit-learn's
 * `log_loss`). `yPred` holds n x classes probabilities row-major, or one probability per
 * example (of class 1, for two classes). Probabilities are clipped to [eps, 1 - eps], eps the
 * machine epsilon of the array's type (2^-23 for a Float32Array, 2^-52 otherwise), as
 * scikit-learn does, so a confident mistake costs a large but finite loss.
 *
 * @example
 * ```ts
 * logLoss([1, 0, 0, 1], [0.1, 0.9, 0.9, 0.1, 0.8, 0.2, 0.35, 0.65]); // 0.21616...
 * logLoss([1, 0, 0, 1], [0.9, 0.1, 0.2, 0.65]);                       // 0.21616...
 * ```
 */
export function logLoss(yTrue: Labels, yPred: ArrayLike<number>, options: LogLossOptions = {}): number {
  const fn = 'logLoss';
  const t = checkLabels(fn, 'yTrue', yTrue);
  const p = checkScores(fn, 'yPred', yPred);
  const w = checkWeights(fn, options.sampleWeight, t.length);
  let k = columnsOf(fn, 'yPred', p, t.length);
  const binary = k === 1;
  if (binary) k = 2;
  const labels = options.labels === undefined ? Array.from({ length: k }, (_, i) => i) : checkLabelsOption(fn, options.labels);
  if (labels.length !== k) {
    throw new RangeError(`${fn}: options.labels names ${labels.length} classes but yPred has ${binary ? '1 column (binary)' : `${k} columns`}`);
  }
  const column = new Map(labels.map((l, i) => [l, i]));
  const eps = p instanceof Float32Array ? 2 ** -23 : 2 ** -52;
  let sum = 0,
    total = 0;
  for (let i = 0; i < t.length; i++) {
    const c = column.get(t[i]!);
    if (c === undefined) throw new RangeError(`${fn}: yTrue[${i}] = ${t[i]} is not one of the classes [${labels.join(', ')}]`);
    const q = binary ? (c === 1 ? p[i]! : 1 - p[i]!) : p[i * k + c]!;
    sum -= w[i]! * Math.log(Math.min(Math.max(q, eps), 1 - eps));
    total += w[i]!;
  }
  if (options.normalize === false) return sum;
  if (total === 0) throw new RangeError(`${fn}: the sample weights sum to zero (or there are no examples)`);
  return sum / total;
}
