/**
 * The confusion matrix, and the per-class counts (true positives, predicted, true) that the
 * precision, recall and F-scores are computed from.
 * @module
 */
import { checkLabelsOption, checkOneOf, checkPair, checkWeights, uniqueLabels, type Labels, type SampleWeight } from './validate';

/** Options of {@link confusionMatrix}. */
export interface ConfusionMatrixOptions {
  /** The labels indexing rows and columns, in this order. Default: every label in yTrue or yPred, sorted. */
  labels?: Labels;
  /** Per-example weights. */
  sampleWeight?: SampleWeight;
  /** Normalize over the true labels (rows), the predicted labels (columns) or all. Default: counts. */
  normalize?: 'true' | 'pred' | 'all';
}

/**
 * The confusion matrix: entry [i][j] counts the examples of true label `labels[i]` predicted
 * as `labels[j]` (rows are true classes, columns predicted), as scikit-learn's
 * `confusion_matrix`. Examples whose true or predicted label is not in `labels` are left out.
 * A normalized row or column that sums to zero is all zeros.
 *
 * @example
 * ```ts
 * confusionMatrix([2, 0, 2, 2, 0, 1], [0, 0, 2, 2, 0, 2]);
 * // [[2, 0, 0], [0, 0, 1], [1, 0, 2]]
 * confusionMatrix([0, 1, 1], [0, 1, 0], { normalize: 'true' }); // [[1, 0], [0.5, 0.5]]
 * ```
 */
export function confusionMatrix(yTrue: Labels, yPred: Labels, options: ConfusionMatrixOptions = {}): number[][] {
  const fn = 'confusionMatrix';
  const [t, p] = checkPair(fn, yTrue, yPred);
  const w = checkWeights(fn, options.sampleWeight, t.length);
  if (options.normalize !== undefined) checkOneOf(fn, 'options.normalize', options.normalize, ['true', 'pred', 'all'] as const);
  let labels: number[];
  if (options.labels === undefined) {
    labels = uniqueLabels(t, p);
  } else {
    labels = checkLabelsOption(fn, options.labels);
    if (t.length > 0 && !labels.some((l) => Array.prototype.includes.call(t, l))) {
      throw new RangeError(`${fn}: at least one label of options.labels must occur in yTrue, got [${labels.join(', ')}]`);
    }
  }
  const k = labels.length;
  const index = new Map(labels.map((l, i) => [l, i]));
  const cm = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (let i = 0; i < t.length; i++) {
    const r = index.get(t[i]!),
      c = index.get(p[i]!);
    if (r !== undefined && c !== undefined) cm[r]![c]! += w[i]!;
  }
  return normalizeMatrix(cm, options.normalize);
}

function normalizeMatrix(cm: number[][], normalize: ConfusionMatrixOptions['normalize']): number[][] {
  if (normalize === undefined) return cm;
  const k = cm.length;
  const div = (v: number, d: number): number => (d === 0 ? 0 : v / d);
  if (normalize === 'all') {
    const total = cm.reduce((s, row) => s + row.reduce((a, b) => a + b, 0), 0);
    return cm.map((row) => row.map((v) => div(v, total)));
  }
  if (normalize === 'true')
    return cm.map((row) => {
      const s = row.reduce((a, b) => a + b, 0);
      return row.map((v) => div(v, s));
    });
  const cols = new Array<number>(k).fill(0);
  for (const row of cm)
    row.forEach((v, j) => {
      cols[j]! += v;
    });
  return cm.map((row) => row.map((v, j) => div(v, cols[j]!)));
}

/** Per-class sufficient statistics: weighted true positives, predictions and true examples. */
export interface ClassCounts {
  labels: number[];
  tp: number[];
  pred: number[];
  true: number[];
  /** Total weight of all examples. */
  total: number;
}

/**
 * Counts, for each of `labels`, the (weighted) true positives, predicted and true examples,
 * one-vs-rest (scikit-learn's `multilabel_confusion_matrix` for multiclass targets). Labels
 * that occur nowhere get zero counts.
 */
export function classCounts(yTrue: Labels, yPred: Labels, labels: number[], weights: Float64Array): ClassCounts {
  const k = labels.length;
  const index = new Map(labels.map((l, i) => [l, i]));
  const tp = new Array<number>(k).fill(0),
    pred = new Array<number>(k).fill(0),
    tru = new Array<number>(k).fill(0);
  let total = 0;
  for (let i = 0; i < yTrue.length; i++) {
    const wi = weights[i]!;
    total += wi;
    const a = index.get(yTrue[i]!),
      b = index.get(yPred[i]!);
    if (a !== undefined) tru[a]! += wi;
    if (b !== undefined) pred[b]! += wi;
    if (a !== undefined && yTrue[i] === yPred[i]) tp[a]! += wi;
  }
  return { labels, tp, pred, true: tru, total };
}
