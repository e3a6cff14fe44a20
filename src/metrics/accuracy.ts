/**
 * Accuracy: plain, balanced over classes, and top-k from scores.
 * @module
 */
import { confusionMatrix } from './confusion';
import { checkLabels, checkPair, checkPositiveInt, checkScores, checkSameLength, checkWeights, columnsOf, type Labels, type SampleWeight } from './validate';
import { warnUndefined } from './warn';

/** Options of {@link accuracyScore} and {@link topKAccuracy}. */
export interface AccuracyOptions {
  /** false returns the (weighted) number of correct examples instead of the fraction. Default true. */
  normalize?: boolean;
  sampleWeight?: SampleWeight;
}

function weightedShare(fn: string, hits: (i: number) => boolean, w: Float64Array, normalize: boolean): number {
  let s = 0,
    total = 0;
  for (let i = 0; i < w.length; i++) {
    total += w[i]!;
    if (hits(i)) s += w[i]!;
  }
  if (!normalize) return s;
  if (total === 0) throw new RangeError(`${fn}: the sample weights sum to zero (or there are no examples), so the accuracy is undefined`);
  return s / total;
}

/**
 * The fraction of examples whose predicted label equals the true label (scikit-learn's
 * `accuracy_score`).
 *
 * @example
 * ```ts
 * accuracyScore([0, 1, 2, 3], [0, 2, 1, 3]);                       // 0.5
 * accuracyScore([0, 1, 2, 3], [0, 2, 1, 3], { normalize: false }); // 2
 * ```
 */
export function accuracyScore(yTrue: Labels, yPred: Labels, options: AccuracyOptions = {}): number {
  const fn = 'accuracyScore';
  const [t, p] = checkPair(fn, yTrue, yPred);
  const w = checkWeights(fn, options.sampleWeight, t.length);
  return weightedShare(fn, (i) => t[i] === p[i], w, options.normalize ?? true);
}

/**
 * The mean of the recalls of the classes in yTrue, so that every class counts the same
 * however rare (scikit-learn's `balanced_accuracy_score`). Classes that are only predicted,
 * never true, are left out (with a warning). `adjusted` rescales so chance scores 0.
 *
 * @example
 * ```ts
 * balancedAccuracyScore([0, 1, 0, 0, 1, 0], [0, 1, 0, 0, 0, 1]); // 0.625
 * ```
 */
export function balancedAccuracyScore(yTrue: Labels, yPred: Labels, options: { sampleWeight?: SampleWeight; adjusted?: boolean } = {}): number {
  const fn = 'balancedAccuracyScore';
  checkPair(fn, yTrue, yPred);
  const cm = confusionMatrix(yTrue, yPred, options.sampleWeight === undefined ? {} : { sampleWeight: options.sampleWeight });
  const perClass: number[] = [];
  let dropped = false;
  cm.forEach((row, i) => {
    const s = row.reduce((a, b) => a + b, 0);
    if (s === 0) dropped = true;
    else perClass.push(row[i]! / s);
  });
  if (dropped) warnUndefined(`${fn}: yPred contains classes not in yTrue`);
  let score = perClass.reduce((a, b) => a + b, 0) / perClass.length;
  if (options.adjusted) {
    const chance = 1 / perClass.length;
    score = (score - chance) / (1 - chance);
  }
  return score;
}

/** Options of {@link topKAccuracy}. */
export interface TopKOptions extends AccuracyOptions {
  /** How many of the highest-scored classes count as a hit. Default 2. */
  k?: number;
}

/**
 * The fraction of examples whose true class is among the `k` highest scores (scikit-learn's
 * `top_k_accuracy_score`). `yScore` holds n x classes scores row-major; column j scores class
 * j, so true labels must be in [0, classes). Ties are broken toward the higher class index, as
 * scikit-learn's stable sort does. With one score per example (binary), k must be 1 and an
 * example is predicted positive when its score exceeds 0.5 (scores in [0, 1]) or 0.
 *
 * @example
 * ```ts
 * const scores = new Float32Array([0.5, 0.2, 0.2, 0.3, 0.4, 0.2, 0.2, 0.4, 0.3, 0.7, 0.2, 0.1]);
 * topKAccuracy([0, 1, 2, 2], scores, { k: 2 }); // 0.75
 * ```
 */
export function topKAccuracy(yTrue: Labels, yScore: ArrayLike<number>, options: TopKOptions = {}): number {
  const fn = 'topKAccuracy';
  const t = checkLabels(fn, 'yTrue', yTrue);
  const s = checkScores(fn, 'yScore', yScore);
  const k = checkPositiveInt(fn, 'options.k', options.k ?? 2);
  const w = checkWeights(fn, options.sampleWeight, t.length);
  const normalize = options.normalize ?? true;
  const classes = columnsOf(fn, 'yScore', s, t.length);
  if (classes === 1) {
    checkSameLength(fn, 'yTrue', t, 'yScore', s);
    if (k !== 1) throw new RangeError(`${fn}: with one score per example (binary), options.k must be 1, got ${k}`);
    let inUnit = true;
    for (let i = 0; i < s.length; i++) if (s[i]! < 0 || s[i]! > 1) inUnit = false;
    const threshold = inUnit ? 0.5 : 0;
    return weightedShare(fn, (i) => (s[i]! > threshold ? 1 : 0) === t[i], w, normalize);
  }
  for (let i = 0; i < t.length; i++) {
    if (t[i]! < 0 || t[i]! >= classes) throw new RangeError(`${fn}: yTrue[${i}] = ${t[i]} is not a class of yScore's ${classes} columns`);
  }
  if (k >= classes) warnUndefined(`${fn}: k (${k}) >= the number of classes (${classes}): every example is a hit`);
  return weightedShare(
    fn,
    (i) => {
      const row = i * classes,
        y = t[i]!,
        sy = s[row + y]!;
      // classes ranked above y: higher score, or equal score and higher index
      let above = 0;
      for (let j = 0; j < classes; j++) {
        const sj = s[row + j]!;
        if (sj > sy || (sj === sy && j > y)) above++;
      }
      return above < k;
    },
    w,
    normalize,
  );
}

/**
 * scikit-learn's name for {@link topKAccuracy}.
 *
 * @example
 * ```ts
 * topKAccuracyScore([0, 1], [0.6, 0.4, 0.7, 0.3], { k: 1 }); // 0.5
 * ```
 */
export const topKAccuracyScore = topKAccuracy;
