/**
 * Every rate of a binary confusion matrix (the lecture's table of measures), for a binary
 * problem or for each class of a multiclass problem against the rest.
 * @module
 */
import { describe } from '../errors';
import { confusionMatrix } from './confusion';
import { checkLabelsOption, checkPair, uniqueLabels, type Labels, type SampleWeight } from './validate';

/**
 * The counts and rates of one positive class. P = tp + fn are the positives, N = fp + tn
 * the negatives, PP = tp + fp the predicted positives, PN = fn + tn the predicted negatives.
 * A ratio with a zero denominator is `zeroDivision` (default NaN).
 */
export interface BinaryRates {
  tp: number;
  fp: number;
  fn: number;
  tn: number;
  /** Positives P = tp + fn. */
  p: number;
  /** Negatives N = fp + tn. */
  n: number;
  /** Predicted positives PP = tp + fp. */
  pp: number;
  /** Predicted negatives PN = fn + tn. */
  pn: number;
  total: number;
  /** True positive rate tp / P, also recall and sensitivity. */
  tpr: number;
  recall: number;
  sensitivity: number;
  /** True negative rate tn / N, also specificity and selectivity. */
  tnr: number;
  specificity: number;
  selectivity: number;
  /** False positive rate fp / N, also fall-out. */
  fpr: number;
  fallOut: number;
  /** False negative rate fn / P, also miss rate. */
  fnr: number;
  missRate: number;
  /** Positive predictive value tp / PP, also precision. */
  ppv: number;
  precision: number;
  /** Negative predictive value tn / PN. */
  npv: number;
  /** False discovery rate fp / PP. */
  fdr: number;
  /** False omission rate fn / PN. */
  for: number;
  /** Prevalence P / total. */
  prevalence: number;
  /** (tp + tn) / total. */
  accuracy: number;
  /** 2 tp / (2 tp + fp + fn). */
  f1: number;
  /** Positive likelihood ratio TPR / FPR. */
  lrPlus: number;
  /** Negative likelihood ratio FNR / TNR. */
  lrMinus: number;
  /** Diagnostic odds ratio LR+ / LR-. */
  dor: number;
}

/** {@link BinaryRates} of one class against the rest. */
export interface ClassRates extends BinaryRates {
  label: number;
}

/** Options of {@link binaryRates}. */
export interface BinaryRatesOptions {
  /**
   * The positive class. From labels: a label (default 1 for a binary problem). From a
   * matrix: a row index (default 1 for 2 x 2). Required for more than two classes unless
   * `perClass`.
   */
  posLabel?: number;
  /** One {@link ClassRates} per class, one-vs-rest. */
  perClass?: boolean;
  /** From labels: the classes and their order. Default: every label in yTrue or yPred, sorted. */
  labels?: Labels;
  sampleWeight?: SampleWeight;
  /** Value of undefined ratios. Default NaN. */
  zeroDivision?: number;
}

/**
 * Rates from the four counts of a binary confusion matrix.
 *
 * @example
 * ```ts
 * ratesFromCounts(35, 10, 5, 50).dor; // (35 x 50) / (10 x 5) = 35
 * ```
 */
export function ratesFromCounts(tp: number, fp: number, fn: number, tn: number, zeroDivision = NaN): BinaryRates {
  const d = (a: number, b: number): number => (b === 0 ? zeroDivision : a / b);
  const p = tp + fn,
    n = fp + tn,
    pp = tp + fp,
    pn = fn + tn,
    total = p + n;
  const tpr = d(tp, p),
    tnr = d(tn, n),
    fpr = d(fp, n),
    fnr = d(fn, p),
    ppv = d(tp, pp);
  const lrPlus = d(tpr, fpr),
    lrMinus = d(fnr, tnr);
  return {
    tp,
    fp,
    fn,
    tn,
    p,
    n,
    pp,
    pn,
    total,
    tpr,
    recall: tpr,
    sensitivity: tpr,
    tnr,
    specificity: tnr,
    selectivity: tnr,
    fpr,
    fallOut: fpr,
    fnr,
    missRate: fnr,
    ppv,
    precision: ppv,
    npv: d(tn, pn),
    fdr: d(fp, pp),
    for: d(fn, pn),
    prevalence: d(p, total),
    accuracy: d(tp + tn, total),
    f1: d(2 * tp, 2 * tp + fp + fn),
    lrPlus,
    lrMinus,
    dor: d(lrPlus, lrMinus),
  };
}

function checkMatrix(fn: string, m: unknown): number[][] {
  if (!Array.isArray(m) || m.length < 2) throw new TypeError(`${fn}: the confusion matrix must be an array of at least 2 rows, got ${describe(m)}`);
  const k = m.length;
  m.forEach((row, i) => {
    if (!Array.isArray(row) && !ArrayBuffer.isView(row)) throw new TypeError(`${fn}: matrix[${i}] must be an array, got ${describe(row)}`);
    const r = row as ArrayLike<unknown>;
    if (r.length !== k) throw new RangeError(`${fn}: the confusion matrix must be square; row ${i} has ${r.length} entries, expected ${k}`);
    for (let j = 0; j < k; j++) {
      const v = r[j];
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
        throw new RangeError(`${fn}: matrix[${i}][${j}] must be a finite count >= 0, got ${describe(v)}`);
    }
  });
  return m as number[][];
}

function oneVsRest(m: number[][], c: number, zd: number): BinaryRates {
  let tp = 0,
    fp = 0,
    fn = 0,
    tn = 0;
  m.forEach((row, i) =>
    row.forEach((v, j) => {
      if (i === c && j === c) tp += v;
      else if (i === c) fn += v;
      else if (j === c) fp += v;
      else tn += v;
    }),
  );
  return ratesFromCounts(tp, fp, fn, tn, zd);
}

/**
 * The rates of a positive class (TPR, TNR, FPR, FNR, PPV, NPV, FDR, FOR, prevalence,
 * accuracy, F1, LR+, LR-, DOR), from a confusion matrix (rows true, columns predicted, as
 * {@link confusionMatrix} returns) or from labels. With `perClass`, one entry per class,
 * one-vs-rest.
 *
 * @example
 * ```ts
 * const r = binaryRates([[50, 10], [5, 35]]);   // rows: true 0, true 1; columns: predicted 0, 1
 * r.tpr; // 35 / 40 = 0.875
 * r.fpr; // 10 / 60 = 0.1667
 * r.lrPlus; // 5.25
 * binaryRates([0, 1, 2, 2], [0, 2, 2, 1], { perClass: true }).map((c) => c.f1); // [1, 0, 0.5]
 * ```
 */
export function binaryRates(matrix: number[][], options: BinaryRatesOptions & { perClass: true }): ClassRates[];
export function binaryRates(matrix: number[][], options?: BinaryRatesOptions & { perClass?: false }): BinaryRates;
export function binaryRates(yTrue: Labels, yPred: Labels, options: BinaryRatesOptions & { perClass: true }): ClassRates[];
export function binaryRates(yTrue: Labels, yPred: Labels, options?: BinaryRatesOptions & { perClass?: false }): BinaryRates;
export function binaryRates(a: number[][] | Labels, b?: Labels | BinaryRatesOptions, c?: BinaryRatesOptions): BinaryRates | ClassRates[] {
  const fn = 'binaryRates';
  const fromMatrix = Array.isArray(a) && a.length > 0 && (Array.isArray(a[0]) || ArrayBuffer.isView(a[0]));
  let m: number[][], labels: number[], options: BinaryRatesOptions;
  if (fromMatrix) {
    options = (b as BinaryRatesOptions | undefined) ?? {};
    m = checkMatrix(fn, a);
    labels = m.map((_, i) => i);
  } else {
    options = c ?? {};
    const [t, p] = checkPair(fn, a, b);
    labels = options.labels === undefined ? uniqueLabels(t, p) : checkLabelsOption(fn, options.labels);
    m = confusionMatrix(t, p, { labels, ...(options.sampleWeight === undefined ? {} : { sampleWeight: options.sampleWeight }) });
  }
  const zd = options.zeroDivision ?? NaN;
  if (options.perClass) return labels.map((label, i) => ({ label, ...oneVsRest(m, i, zd) }));
  if (options.posLabel === undefined && labels.length > 2) {
    throw new RangeError(`${fn}: ${labels.length} classes [${labels.join(', ')}]: pass options.posLabel for one class against the rest, or options.perClass`);
  }
  const pos = options.posLabel ?? 1;
  const index = fromMatrix ? pos : labels.indexOf(pos);
  if (!Number.isInteger(pos) || index < 0 || index >= labels.length) {
    const what = fromMatrix ? `a row index in [0, ${labels.length})` : `one of the labels [${labels.join(', ')}]`;
    throw new RangeError(`${fn}: options.posLabel must be ${what}, got ${describe(pos)}`);
  }
  return oneVsRest(m, index, zd);
}
