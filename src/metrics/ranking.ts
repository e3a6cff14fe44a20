/**
 * Metrics of scores rather than labels: the ROC curve and its area, and the precision-recall
 * curve, as scikit-learn's `roc_curve`, `roc_auc_score` and `precision_recall_curve`.
 * @module
 */
import { describe } from '../errors';
import { checkLabels, checkOneOf, checkSameLength, checkScores, checkWeights, columnsOf, uniqueLabels, type Labels, type SampleWeight } from './validate';
import { warnUndefined } from './warn';

/** Options of the binary curves. */
export interface CurveOptions {
  /** The positive class. Default 1 (for the ROC area: the larger of the two labels in yTrue). */
  posLabel?: number;
  sampleWeight?: SampleWeight;
  /** Drop thresholds that do not change the curve's shape. Default true for ROC, false for precision-recall. */
  dropIntermediate?: boolean;
}

/**
 * False and true positive (weighted) counts at each distinct score, highest first
 * (scikit-learn's `_binary_clf_curve`).
 */
function binaryCurve(positive: Uint8Array, score: ArrayLike<number>, w: Float64Array): { fps: number[]; tps: number[]; thresholds: number[] } {
  const order = Array.from({ length: score.length }, (_, i) => i).sort((a, b) => score[b]! - score[a]!);
  const fps: number[] = [],
    tps: number[] = [],
    thresholds: number[] = [];
  let tp = 0,
    fp = 0;
  order.forEach((i, r) => {
    if (positive[i]) tp += w[i]!;
    else fp += w[i]!;
    const next = order[r + 1];
    if (next === undefined || score[next] !== score[i]) {
      fps.push(fp);
      tps.push(tp);
      thresholds.push(score[i]!);
    }
  });
  return { fps, tps, thresholds };
}

function binaryInputs(
  fn: string,
  yTrue: Labels,
  yScore: ArrayLike<number>,
  options: CurveOptions,
  defaultPos: (labels: number[]) => number,
): { positive: Uint8Array; score: ArrayLike<number>; w: Float64Array } {
  const t = checkLabels(fn, 'yTrue', yTrue);
  const s = checkScores(fn, 'yScore', yScore);
  checkSameLength(fn, 'yTrue', t, 'yScore', s);
  const present = uniqueLabels(t);
  if (present.length > 2) throw new RangeError(`${fn}: yTrue must be binary for one score per example, got the labels [${present.join(', ')}]`);
  const pos = options.posLabel ?? defaultPos(present);
  if (typeof pos !== 'number' || !Number.isInteger(pos)) throw new TypeError(`${fn}: options.posLabel must be an integer label, got ${describe(pos)}`);
  const positive = new Uint8Array(t.length);
  for (let i = 0; i < t.length; i++) positive[i] = t[i] === pos ? 1 : 0;
  return { positive, score: s, w: checkWeights(fn, options.sampleWeight, t.length) };
}

/** The ROC curve: false and true positive rates at decreasing thresholds, from (0, 0). */
export interface RocCurve {
  fpr: number[];
  tpr: number[];
  /** thresholds[0] is Infinity (nothing predicted positive). */
  thresholds: number[];
}

function rocFromCounts(fps: number[], tps: number[], thresholds: number[], drop: boolean): RocCurve {
  if (drop && fps.length > 2) {
    // keep the corners: points where the curve changes direction
    const keep = fps.map(
      (_, i) => i === 0 || i === fps.length - 1 || fps[i + 1]! - 2 * fps[i]! + fps[i - 1]! !== 0 || tps[i + 1]! - 2 * tps[i]! + tps[i - 1]! !== 0,
    );
    fps = fps.filter((_, i) => keep[i]);
    tps = tps.filter((_, i) => keep[i]);
    thresholds = thresholds.filter((_, i) => keep[i]);
  }
  const fp = [0, ...fps],
    tp = [0, ...tps];
  const lastF = fp[fp.length - 1]!,
    lastT = tp[tp.length - 1]!;
  return {
    fpr: fp.map((v) => (lastF > 0 ? v / lastF : NaN)),
    tpr: tp.map((v) => (lastT > 0 ? v / lastT : NaN)),
    thresholds: [Infinity, ...thresholds],
  };
}

/**
 * The receiver operating characteristic of binary scores (scikit-learn's `roc_curve`).
 *
 * @example
 * ```ts
 * rocCurve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]);
 * // { fpr: [0, 0, 0.5, 0.5, 1], tpr: [0, 0.5, 0.5, 1, 1], thresholds: [Infinity, 0.8, 0.4, 0.35, 0.1] }
 * ```
 */
export function rocCurve(yTrue: Labels, yScore: ArrayLike<number>, options: CurveOptions = {}): RocCurve {
  const fn = 'rocCurve';
  const { positive, score, w } = binaryInputs(fn, yTrue, yScore, options, () => 1);
  const { fps, tps, thresholds } = binaryCurve(positive, score, w);
  const roc = rocFromCounts(fps, tps, thresholds, options.dropIntermediate ?? true);
  if (!(fps[fps.length - 1]! > 0)) warnUndefined(`${fn}: no negative samples in yTrue; the false positive rate is NaN`);
  if (!(tps[tps.length - 1]! > 0)) warnUndefined(`${fn}: no positive samples in yTrue; the true positive rate is NaN`);
  return roc;
}

function trapezoid(x: number[], y: number[]): number {
  let area = 0;
  for (let i = 1; i < x.length; i++) area += ((x[i]! - x[i - 1]!) * (y[i]! + y[i - 1]!)) / 2;
  return area;
}

function binaryAuc(fn: string, positive: Uint8Array, score: ArrayLike<number>, w: Float64Array, what: string): number {
  const { fps, tps, thresholds } = binaryCurve(positive, score, w);
  if (!(fps[fps.length - 1]! > 0) || !(tps[tps.length - 1]! > 0)) {
    throw new RangeError(`${fn}: only one class present in yTrue${what}; the ROC AUC is not defined in that case`);
  }
  const roc = rocFromCounts(fps, tps, thresholds, false);
  return trapezoid(roc.fpr, roc.tpr);
}

/** Options of {@link rocAucScore}. */
export interface RocAucOptions {
  /** Multiclass: 'macro' (default), 'weighted' by class prevalence, 'micro', or null per class. */
  average?: 'macro' | 'weighted' | 'micro' | null;
  /** Multiclass strategy; only one-vs-rest. */
  multiClass?: 'ovr';
  /** Binary: the positive class. Default: the larger label in yTrue. */
  posLabel?: number;
  sampleWeight?: SampleWeight;
}

/**
 * Area under the ROC curve (scikit-learn's `roc_auc_score`): the probability that a random
 * positive scores above a random negative, ties counting half.
 * - Binary: one score per example (of the positive class). With two scores per example
 *   (n x 2, e.g. a softmax), the second column is used.
 * - Multiclass, one-vs-rest: `yScore` holds n x classes probabilities row-major (each row
 *   sums to 1); column j is class j, and every class must occur in yTrue.
 *
 * @example
 * ```ts
 * rocAucScore([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]); // 0.75
 * rocAucScore([0, 1, 2], new Float32Array([0.8, 0.1, 0.1, 0.3, 0.6, 0.1, 0.2, 0.3, 0.5])); // 1
 * ```
 */
export function rocAucScore(yTrue: Labels, yScore: ArrayLike<number>, options: RocAucOptions & { average: null }): number | number[];
export function rocAucScore(yTrue: Labels, yScore: ArrayLike<number>, options?: RocAucOptions & { average?: 'macro' | 'weighted' | 'micro' }): number;
export function rocAucScore(yTrue: Labels, yScore: ArrayLike<number>, options: RocAucOptions = {}): number | number[] {
  const fn = 'rocAucScore';
  const t = checkLabels(fn, 'yTrue', yTrue);
  const s = checkScores(fn, 'yScore', yScore);
  const average = options.average === undefined ? 'macro' : checkOneOf(fn, 'options.average', options.average, ['macro', 'weighted', 'micro', null] as const);
  if (options.multiClass !== undefined) checkOneOf(fn, 'options.multiClass', options.multiClass, ['ovr'] as const);
  const w = checkWeights(fn, options.sampleWeight, t.length);
  const k = columnsOf(fn, 'yScore', s, t.length);
  if (k <= 2 && uniqueLabels(t).length <= 2) {
    const score = k === 1 ? s : Float64Array.from({ length: t.length }, (_, i) => s[2 * i + 1]!);
    const { positive } = binaryInputs(fn, t, score, options, (labels) => labels[labels.length - 1]!);
    return binaryAuc(fn, positive, score, w, '');
  }
  for (let i = 0; i < t.length; i++) {
    if (t[i]! < 0 || t[i]! >= k) throw new RangeError(`${fn}: yTrue[${i}] = ${t[i]} is not a class of yScore's ${k} columns`);
    let sum = 0;
    for (let j = 0; j < k; j++) sum += s[i * k + j]!;
    if (!(Math.abs(sum - 1) <= 1e-8 + 1e-5)) {
      throw new RangeError(`${fn}: multiclass yScore must hold probabilities (rows summing to 1); row ${i} sums to ${sum}`);
    }
  }
  const n = t.length;
  if (average === 'micro') {
    const positive = new Uint8Array(n * k),
      ww = new Float64Array(n * k);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < k; j++) {
        positive[i * k + j] = t[i] === j ? 1 : 0;
        ww[i * k + j] = w[i]!;
      }
    return binaryAuc(fn, positive, s, ww, '');
  }
  const per: number[] = [],
    prevalence: number[] = [];
  for (let c = 0; c < k; c++) {
    const positive = new Uint8Array(n),
      score = new Float64Array(n);
    let weight = 0;
    for (let i = 0; i < n; i++) {
      positive[i] = t[i] === c ? 1 : 0;
      score[i] = s[i * k + c]!;
      if (positive[i]) weight += w[i]!;
    }
    per.push(binaryAuc(fn, positive, score, w, ` for class ${c} against the rest (is class ${c} absent from yTrue?)`));
    prevalence.push(weight);
  }
  if (average === null) return per;
  if (average === 'macro') return per.reduce((a, b) => a + b, 0) / k;
  const total = prevalence.reduce((a, b) => a + b, 0);
  return per.reduce((a, v, c) => a + v * prevalence[c]!, 0) / total;
}

/** The precision-recall curve: precision and recall at increasing thresholds, ending at (recall 0, precision 1). */
export interface PrecisionRecallCurve {
  precision: number[];
  recall: number[];
  /** One fewer than precision and recall: the last point has no threshold. */
  thresholds: number[];
}

/**
 * Precision and recall of the rule "score >= threshold" at each distinct score (scikit-learn's
 * `precision_recall_curve`). When yTrue has no positive, recall is 1 at every threshold (with
 * a warning).
 *
 * @example
 * ```ts
 * precisionRecallCurve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]);
 * // precision [0.5, 0.667, 0.5, 1, 1], recall [1, 1, 0.5, 0.5, 0], thresholds [0.1, 0.35, 0.4, 0.8]
 * ```
 */
export function precisionRecallCurve(yTrue: Labels, probasPred: ArrayLike<number>, options: CurveOptions = {}): PrecisionRecallCurve {
  const fn = 'precisionRecallCurve';
  const { positive, score, w } = binaryInputs(fn, yTrue, probasPred, options, () => 1);
  let { fps, tps, thresholds } = binaryCurve(positive, score, w);
  if ((options.dropIntermediate ?? false) && fps.length > 2) {
    // keep the first and last point of each run of equal true positive counts
    const keep = tps.map((v, i) => i === 0 || i === tps.length - 1 || v !== tps[i - 1] || v !== tps[i + 1]);
    fps = fps.filter((_, i) => keep[i]);
    tps = tps.filter((_, i) => keep[i]);
    thresholds = thresholds.filter((_, i) => keep[i]);
  }
  const precision = tps.map((tp, i) => (tp + fps[i]! === 0 ? 0 : tp / (tp + fps[i]!)));
  const allTp = tps[tps.length - 1] ?? 0;
  let recall: number[];
  if (allTp === 0) {
    warnUndefined(`${fn}: no positive class found in yTrue; recall is set to one for all thresholds`);
    recall = tps.map(() => 1);
  } else {
    recall = tps.map((tp) => tp / allTp);
  }
  return { precision: [...precision.reverse(), 1], recall: [...recall.reverse(), 0], thresholds: thresholds.reverse() };
}
