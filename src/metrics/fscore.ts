/**
 * Precision, recall and the F-scores, with scikit-learn's options and results: `average`
 * (binary, micro, macro, weighted, or null for one value per class), `labels`, `posLabel`,
 * `sampleWeight` and `zeroDivision`, including the cases where a class is never predicted or
 * never occurs in yTrue.
 *
 * Definitions, per class and one-vs-rest: precision = tp / (tp + fp), recall = tp / (tp + fn),
 * F-beta = (1 + beta²) tp / ((1 + beta²) tp + beta² fn + fp). A ratio whose denominator is zero
 * is `zeroDivision` ('warn' acts as 0 and warns; NaN values are left out of the averages).
 * @module
 */
import { describe } from '../errors';
import { classCounts } from './confusion';
import { checkLabelsOption, checkNumber, checkOneOf, checkPair, checkWeights, uniqueLabels, type Labels, type SampleWeight } from './validate';
import { warnUndefined } from './warn';

/** How per-class scores are combined (scikit-learn's `average`); null returns one score per class. */
export type Average = 'binary' | 'micro' | 'macro' | 'weighted' | null;

/** The value of a ratio whose denominator is zero: 'warn' is 0 with a warning. */
export type ZeroDivision = 'warn' | 0 | 1 | number;

/** Options shared by the precision, recall and F-score functions. */
export interface PrfOptions {
  /** Default 'binary' for the `*Score` functions, null for {@link precisionRecallFscoreSupport}. */
  average?: Average;
  /** The labels to score (and their order when average is null). Labels absent from the data are allowed. */
  labels?: Labels;
  /** The positive class when average is 'binary'. Default 1. */
  posLabel?: number;
  sampleWeight?: SampleWeight;
  /** Default 'warn'. */
  zeroDivision?: ZeroDivision;
}

/** Per-class result of {@link precisionRecallFscoreSupport} (average null). */
export interface PerClassPrfs {
  /** The class of each entry below. */
  labels: number[];
  precision: number[];
  recall: number[];
  fScore: number[];
  /** (Weighted) number of examples of each class in yTrue. */
  support: number[];
}

/** Averaged result of {@link precisionRecallFscoreSupport}. */
export interface AveragedPrfs {
  precision: number;
  recall: number;
  fScore: number;
  support: null;
}

type Metric = 'precision' | 'recall' | 'f-score';
const ALL: readonly Metric[] = ['precision', 'recall', 'f-score'];

function zeroDivisionValue(fn: string, zd: unknown): number {
  if (zd === 'warn') return 0;
  if (typeof zd === 'number' && (zd === 0 || zd === 1 || Number.isNaN(zd))) return zd;
  throw new RangeError(`${fn}: options.zeroDivision must be 'warn', 0, 1 or NaN, got ${describe(zd)}`);
}

/** Resolves which labels are scored (scikit-learn's `_check_set_wise_labels`). */
function setWiseLabels(fn: string, yTrue: Labels, yPred: Labels, average: Average, options: PrfOptions): number[] {
  const present = uniqueLabels(yTrue, yPred);
  if (average === 'binary') {
    const pos = options.posLabel ?? 1;
    if (typeof pos !== 'number' || !Number.isInteger(pos)) throw new TypeError(`${fn}: options.posLabel must be an integer label, got ${describe(pos)}`);
    if (present.length > 2) {
      throw new RangeError(
        `${fn}: yTrue and yPred hold ${present.length} labels [${present.join(', ')}] but options.average is 'binary'; ` +
          `choose 'micro', 'macro', 'weighted' or null`,
      );
    }
    if (!present.includes(pos) && present.length >= 2) {
      throw new RangeError(`${fn}: options.posLabel must be one of the labels [${present.join(', ')}], got ${pos}`);
    }
    return [pos];
  }
  return options.labels === undefined ? present : checkLabelsOption(fn, options.labels);
}

function divide(fn: string, num: number[], den: number[], zd: ZeroDivision, metric: Metric, warnFor: readonly Metric[], modifier: string): number[] {
  const value = zeroDivisionValue(fn, zd);
  let undefinedCount = 0;
  const out = num.map((n, i) => {
    if (den[i] === 0) {
      undefinedCount++;
      return value;
    }
    return n / den[i]!;
  });
  if (undefinedCount > 0 && zd === 'warn' && warnFor.includes(metric)) {
    const where = out.length === 1 ? 'due to' : 'in labels with';
    const name = metric === 'f-score' ? 'F-score' : metric[0]!.toUpperCase() + metric.slice(1);
    warnUndefined(`${fn}: ${name} is ill-defined and being set to 0.0 ${where} no ${modifier} samples. Use the zeroDivision option to control this behavior.`);
  }
  return out;
}

/** Weighted mean that skips NaN entries; all-zero weights fall back to the plain mean (scikit-learn's `_nanaverage`). */
export function nanAverage(values: number[], weights: number[] | null): number {
  let s = 0,
    sw = 0,
    plain = 0,
    count = 0;
  values.forEach((v, i) => {
    if (Number.isNaN(v)) return;
    const w = weights ? weights[i]! : 1;
    s += w * v;
    sw += w;
    plain += v;
    count++;
  });
  if (count === 0) return NaN;
  return sw === 0 ? plain / count : s / sw;
}

function compute(
  fn: string,
  yTrue: Labels,
  yPred: Labels,
  options: PrfOptions,
  averageDefault: Average,
  beta: number,
  warnFor: readonly Metric[],
): PerClassPrfs | AveragedPrfs {
  const [t, p] = checkPair(fn, yTrue, yPred);
  const average =
    options.average === undefined
      ? averageDefault
      : checkOneOf(fn, 'options.average', options.average, ['binary', 'micro', 'macro', 'weighted', null] as const);
  const zd = options.zeroDivision ?? 'warn';
  zeroDivisionValue(fn, zd);
  const w = checkWeights(fn, options.sampleWeight, t.length);
  const labels = setWiseLabels(fn, t, p, average, options);
  const c = classCounts(t, p, labels, w);
  let tp = c.tp,
    pred = c.pred,
    tru = c.true;
  if (average === 'micro') {
    const sum = (a: number[]): number => a.reduce((x, y) => x + y, 0);
    tp = [sum(tp)];
    pred = [sum(pred)];
    tru = [sum(tru)];
  }
  const precision = divide(fn, tp, pred, zd, 'precision', warnFor, 'predicted');
  const recall = divide(fn, tp, tru, zd, 'recall', warnFor, 'true');
  let fScore: number[];
  if (beta === Infinity) fScore = recall;
  else if (beta === 0) fScore = precision;
  else {
    // (1 + b²) tp / ((1 + b²) tp + b² fn + fp), with (1 + b²) tp + b² fn + fp = b² true + pred
    const b2 = beta * beta;
    fScore = divide(
      fn,
      tp.map((x) => (1 + b2) * x),
      tru.map((x, i) => b2 * x + pred[i]!),
      zd,
      'f-score',
      warnFor,
      'true nor predicted',
    );
  }
  if (average === null) return { labels, precision, recall, fScore, support: c.true };
  const weights = average === 'weighted' ? tru : null;
  return { precision: nanAverage(precision, weights), recall: nanAverage(recall, weights), fScore: nanAverage(fScore, weights), support: null };
}

/**
 * Precision, recall, F-beta score and support of each class, or their average, as
 * scikit-learn's `precision_recall_fscore_support` (default average: null, per class).
 *
 * @example
 * ```ts
 * const r = precisionRecallFscoreSupport([0, 1, 2, 0, 1, 2], [0, 2, 1, 0, 0, 1]);
 * // r.labels [0, 1, 2], r.precision [0.667, 0, 0], r.recall [1, 0, 0], r.fScore [0.8, 0, 0], r.support [2, 2, 2]
 * precisionRecallFscoreSupport([0, 1, 2, 0, 1, 2], [0, 2, 1, 0, 0, 1], { average: 'macro' }).fScore; // 0.267
 * ```
 */
export function precisionRecallFscoreSupport(yTrue: Labels, yPred: Labels, options?: PrfOptions & { beta?: number; average?: null }): PerClassPrfs;
export function precisionRecallFscoreSupport(
  yTrue: Labels,
  yPred: Labels,
  options: PrfOptions & { beta?: number; average: Exclude<Average, null> },
): AveragedPrfs;
export function precisionRecallFscoreSupport(yTrue: Labels, yPred: Labels, options?: PrfOptions & { beta?: number }): PerClassPrfs | AveragedPrfs;
export function precisionRecallFscoreSupport(yTrue: Labels, yPred: Labels, options: PrfOptions & { beta?: number } = {}): PerClassPrfs | AveragedPrfs {
  const fn = 'precisionRecallFscoreSupport';
  const beta = options.beta === undefined ? 1 : checkBeta(fn, options.beta);
  return compute(fn, yTrue, yPred, options, null, beta, ALL);
}

function checkBeta(fn: string, beta: unknown): number {
  if (beta === Infinity) return beta;
  return checkNumber(fn, 'options.beta', beta, 0);
}

type ScoreResult<O> = O extends { average: null } ? number[] : number;

function score(
  fn: string,
  yTrue: Labels,
  yPred: Labels,
  options: PrfOptions,
  beta: number,
  pick: 'precision' | 'recall' | 'fScore',
  warnFor: Metric,
): number | number[] {
  const r = compute(fn, yTrue, yPred, options, 'binary', beta, [warnFor]);
  return r[pick];
}

/**
 * Precision tp / (tp + fp): of the examples predicted as a class, the share that are. As
 * scikit-learn's `precision_score` (default average 'binary' with posLabel 1).
 *
 * @example
 * ```ts
 * precisionScore([0, 1, 1, 0], [1, 1, 0, 0]);                                   // 0.5
 * precisionScore([0, 1, 2, 0, 1, 2], [0, 2, 1, 0, 0, 1], { average: 'macro' }); // 0.222
 * precisionScore([0, 1, 2, 0, 1, 2], [0, 0, 0, 0, 0, 0], { average: null, zeroDivision: 1 }); // [0.333, 1, 1]
 * ```
 */
export function precisionScore<O extends PrfOptions>(yTrue: Labels, yPred: Labels, options?: O): ScoreResult<O> {
  return score('precisionScore', yTrue, yPred, options ?? {}, 1, 'precision', 'precision') as ScoreResult<O>;
}

/**
 * Recall tp / (tp + fn), also called sensitivity or true positive rate: of the examples of a
 * class, the share found. As scikit-learn's `recall_score`.
 *
 * @example
 * ```ts
 * recallScore([0, 1, 1, 0], [1, 1, 0, 0]);                                      // 0.5
 * recallScore([0, 1, 2, 0, 1, 2], [0, 2, 1, 0, 0, 1], { average: null });       // [1, 0, 0]
 * ```
 */
export function recallScore<O extends PrfOptions>(yTrue: Labels, yPred: Labels, options?: O): ScoreResult<O> {
  return score('recallScore', yTrue, yPred, options ?? {}, 1, 'recall', 'recall') as ScoreResult<O>;
}

/**
 * F1 score 2 tp / (2 tp + fp + fn), the harmonic mean of precision and recall. As
 * scikit-learn's `f1_score`.
 *
 * @example
 * ```ts
 * f1Score([0, 1, 1, 0], [1, 1, 0, 0]);                                          // 0.5
 * f1Score([0, 1, 2, 0, 1, 2], [0, 2, 1, 0, 0, 1], { average: 'weighted' });     // 0.267
 * ```
 */
export function f1Score<O extends PrfOptions>(yTrue: Labels, yPred: Labels, options?: O): ScoreResult<O> {
  return score('f1Score', yTrue, yPred, options ?? {}, 1, 'fScore', 'f-score') as ScoreResult<O>;
}

/**
 * F-beta score (1 + beta²) P R / (beta² P + R): recall counts beta times as much as
 * precision. beta 0 is precision, beta Infinity is recall. As scikit-learn's `fbeta_score`.
 *
 * @example
 * ```ts
 * fbetaScore([0, 1, 2, 0, 1, 2], [0, 2, 1, 0, 0, 1], { beta: 0.5, average: 'macro' }); // 0.238
 * fbetaScore([1, 1, 0], [1, 0, 0], { beta: 2 });                                        // 0.556
 * ```
 */
export function fbetaScore<O extends PrfOptions & { beta: number }>(yTrue: Labels, yPred: Labels, options: O): ScoreResult<O> {
  const fn = 'fbetaScore';
  if (options === null || typeof options !== 'object') throw new TypeError(`${fn}: options must be an object with beta, got ${describe(options)}`);
  if (options.beta === undefined) throw new TypeError(`${fn}: options.beta is required (beta > 1 favours recall, beta < 1 precision)`);
  return score(fn, yTrue, yPred, options, checkBeta(fn, options.beta), 'fScore', 'f-score') as ScoreResult<O>;
}
