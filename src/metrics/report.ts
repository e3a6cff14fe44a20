/**
 * The classification report: precision, recall, F1 and support of each class and their
 * averages, as text laid out like scikit-learn's `classification_report`, or as an object.
 * @module
 */
import { describe } from '../errors';
import { precisionRecallFscoreSupport, type ZeroDivision } from './fscore';
import { checkLabelsOption, checkPair, uniqueLabels, type Labels, type SampleWeight } from './validate';

/** Options of {@link classificationReport}. */
export interface ClassificationReportOptions {
  /** The labels to report, in this order. Default: every label in yTrue or yPred, sorted. */
  labels?: Labels;
  /** Display names of the labels, same order. */
  targetNames?: string[];
  sampleWeight?: SampleWeight;
  /** Decimals in the text. Default 2. The object is never rounded. */
  digits?: number;
  /** true returns the object instead of the text. */
  outputDict?: boolean;
  zeroDivision?: ZeroDivision;
}

/** One row of the report. */
export interface ReportRow {
  precision: number;
  recall: number;
  'f1-score': number;
  support: number;
}

/**
 * The report as an object: one {@link ReportRow} per class name, then 'accuracy' (a number)
 * or 'micro avg', then 'macro avg' and 'weighted avg'.
 */
export type ClassificationReportDict = Record<string, ReportRow | number>;

/**
 * Formats x with `digits` decimals like Python's `format(x, '.{digits}f')`: exact binary
 * ties round half to even (JavaScript's toFixed rounds them up: 0.125 -> "0.13", Python
 * "0.12").
 */
export function formatFixed(x: number, digits: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  const sign = x < 0 ? '-' : '';
  const a = Math.abs(x);
  if (a >= 1e21) return sign + String(a);
  const rounded = a.toFixed(digits); // on an exact tie, toFixed picks the larger neighbour
  const exact = a.toFixed(100); // the exact decimal expansion of the double (it has at most ~60 digits here)
  const point = exact.indexOf('.');
  const rest = exact.slice(point + 1 + digits);
  if (rest[0] !== '5' || /[1-9]/.test(rest.slice(1))) return sign + rounded;
  const truncated = exact.slice(0, digits === 0 ? point : point + 1 + digits);
  return sign + (Number(truncated[truncated.length - 1]) % 2 === 0 ? truncated : rounded);
}

/** Python's `str` of a support value: an integer count, or a float ("3.0") when weighted. */
function formatSupport(v: number, weighted: boolean): string {
  if (!weighted) return String(v);
  return Number.isInteger(v) ? `${v}.0` : String(v);
}

/**
 * Builds a text report of the main classification metrics (or, with `outputDict`, the same
 * numbers unrounded as an object), laid out exactly as scikit-learn's
 * `classification_report`. The micro average is shown as 'accuracy' unless `labels` selects
 * a subset of the classes present.
 *
 * @example
 * ```ts
 * console.log(classificationReport([0, 1, 2, 2, 2], [0, 0, 2, 2, 1], { targetNames: ['class 0', 'class 1', 'class 2'] }));
 * //               precision    recall  f1-score   support
 * //
 * //      class 0       0.50      1.00      0.67         1
 * //      class 1       0.00      0.00      0.00         1
 * //      class 2       1.00      0.67      0.80         3
 * //
 * //     accuracy                           0.60         5
 * //    macro avg       0.50      0.56      0.49         5
 * // weighted avg       0.70      0.60      0.61         5
 * ```
 */
export function classificationReport(yTrue: Labels, yPred: Labels, options: ClassificationReportOptions & { outputDict: true }): ClassificationReportDict;
export function classificationReport(yTrue: Labels, yPred: Labels, options?: ClassificationReportOptions & { outputDict?: false }): string;
export function classificationReport(yTrue: Labels, yPred: Labels, options?: ClassificationReportOptions): string | ClassificationReportDict;
export function classificationReport(yTrue: Labels, yPred: Labels, options: ClassificationReportOptions = {}): string | ClassificationReportDict {
  const fn = 'classificationReport';
  const [t, p] = checkPair(fn, yTrue, yPred);
  const present = uniqueLabels(t, p);
  const labelsGiven = options.labels !== undefined;
  const labels = labelsGiven ? checkLabelsOption(fn, options.labels) : present;
  const digits = options.digits ?? 2;
  if (!Number.isInteger(digits) || digits < 0 || digits > 20)
    throw new RangeError(`${fn}: options.digits must be an integer in [0, 20], got ${describe(digits)}`);
  const microIsAccuracy = !labelsGiven || (labels.length === present.length && present.every((l) => labels.includes(l)));
  let names: string[];
  if (options.targetNames !== undefined) {
    if (!Array.isArray(options.targetNames))
      throw new TypeError(`${fn}: options.targetNames must be an array of strings, got ${describe(options.targetNames)}`);
    if (options.targetNames.length !== labels.length) {
      throw new RangeError(
        `${fn}: options.targetNames must name each of the ${labels.length} labels [${labels.join(', ')}], got ${options.targetNames.length} names`,
      );
    }
    names = options.targetNames.map(String);
  } else {
    names = labels.map(String);
  }
  const common = {
    labels,
    ...(options.sampleWeight === undefined ? {} : { sampleWeight: options.sampleWeight }),
    ...(options.zeroDivision === undefined ? {} : { zeroDivision: options.zeroDivision }),
  };
  const per = precisionRecallFscoreSupport(t, p, { ...common, average: null });
  const totalSupport = per.support.reduce((a, b) => a + b, 0);
  const averages = (['micro', 'macro', 'weighted'] as const).map((average) => {
    const r = precisionRecallFscoreSupport(t, p, { ...common, average });
    const heading = average === 'micro' && microIsAccuracy ? 'accuracy' : `${average} avg`;
    return { heading, row: { precision: r.precision, recall: r.recall, 'f1-score': r.fScore, support: totalSupport } };
  });

  if (options.outputDict) {
    const dict: ClassificationReportDict = {};
    names.forEach((name, i) => {
      dict[name] = { precision: per.precision[i]!, recall: per.recall[i]!, 'f1-score': per.fScore[i]!, support: per.support[i]! };
    });
    for (const { heading, row } of averages) dict[heading] = heading === 'accuracy' ? row.precision : row;
    return dict;
  }

  const weighted = options.sampleWeight !== undefined;
  const width = Math.max(...names.map((n) => n.length), 'weighted avg'.length, digits);
  const col = (s: string): string => ' ' + s.padStart(9);
  const line = (name: string, cells: string[]): string => name.padStart(width) + ' ' + cells.map(col).join('') + '\n';
  const num = (v: number): string => formatFixed(v, digits);
  let out = ''.padStart(width) + ' ' + ['precision', 'recall', 'f1-score', 'support'].map(col).join('') + '\n\n';
  names.forEach((name, i) => {
    out += line(name, [num(per.precision[i]!), num(per.recall[i]!), num(per.fScore[i]!), formatSupport(per.support[i]!, weighted)]);
  });
  out += '\n';
  for (const { heading, row } of averages) {
    const support = formatSupport(row.support, weighted);
    out +=
      heading === 'accuracy'
        ? line(heading, ['', '', num(row['f1-score']), support])
        : line(heading, [num(row.precision), num(row.recall), num(row['f1-score']), support]);
  }
  return out;
}
