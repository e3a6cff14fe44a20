/**
 * Where the errors are: misclassified examples grouped by (true, predicted) pair, and each
 * class's share of the errors with its ceiling, the lecture's "focus on the most numerous
 * incorrectly classified examples of one class: it can decrease the error the most".
 * @module
 */
import { checkLabelsOption, checkPair, uniqueLabels, type Labels } from '../metrics/validate';

/** The misclassified examples of one (true, predicted) pair. */
export interface ConfusionGroup {
  trueLabel: number;
  predLabel: number;
  count: number;
  /** count / all misclassified examples. */
  share: number;
  /** The examples, in increasing order. */
  indices: number[];
}

/**
 * Groups the misclassified examples by (true label, predicted label), largest group first
 * (ties: by true, then predicted label).
 *
 * @example
 * ```ts
 * topConfusions([4, 9, 4, 7, 4], [9, 4, 9, 1, 4]);
 * // [{ trueLabel: 4, predLabel: 9, count: 2, share: 0.5, indices: [0, 2] }, { trueLabel: 7, predLabel: 1, ... }, { trueLabel: 9, predLabel: 4, ... }]
 * ```
 */
export function topConfusions(yTrue: Labels, yPred: Labels, options: { top?: number } = {}): ConfusionGroup[] {
  const [t, p] = checkPair('topConfusions', yTrue, yPred);
  const groups = new Map<string, ConfusionGroup>();
  let wrong = 0;
  for (let i = 0; i < t.length; i++) {
    if (t[i] === p[i]) continue;
    wrong++;
    const key = `${t[i]},${p[i]}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { trueLabel: t[i]!, predLabel: p[i]!, count: 0, share: 0, indices: [] }));
    g.count++;
    g.indices.push(i);
  }
  const out = [...groups.values()];
  for (const g of out) g.share = g.count / wrong;
  out.sort((a, b) => b.count - a.count || a.trueLabel - b.trueLabel || a.predLabel - b.predLabel);
  return options.top === undefined ? out : out.slice(0, Math.max(0, options.top));
}

/** One class's part of the errors. */
export interface ClassErrors {
  label: number;
  /** Examples of this class (true label). */
  support: number;
  /** Misclassified examples of this class. */
  errors: number;
  /** errors / support (NaN when the class has no example). */
  errorRate: number;
  /** errors / all misclassified examples. */
  share: number;
  /** How far the overall error rate would fall if this class were always right: errors / n. */
  ceiling: number;
  /** Examples of other classes predicted as this one (its false positives). */
  predictedAs: number;
}

/** The outcome of {@link errorsByClass}. */
export interface ErrorsByClass {
  /** Misclassified / all. */
  errorRate: number;
  errors: number;
  n: number;
  /** Largest share first (ties: by label). */
  classes: ClassErrors[];
}

/**
 * Each class's share of the errors and its ceiling: how far the error rate would fall if the
 * examples of that class were all classified right.
 *
 * @example
 * ```ts
 * const e = errorsByClass([0, 0, 1, 1, 2, 2, 2, 2], [0, 1, 1, 1, 0, 1, 2, 2]);
 * e.errorRate;          // 3 / 8
 * e.classes[0];         // { label: 2, support: 4, errors: 2, errorRate: 0.5, share: 2/3, ceiling: 0.25, predictedAs: 0 }
 * ```
 */
export function errorsByClass(yTrue: Labels, yPred: Labels, options: { labels?: Labels } = {}): ErrorsByClass {
  const fn = 'errorsByClass';
  const [t, p] = checkPair(fn, yTrue, yPred);
  const labels = options.labels === undefined ? uniqueLabels(t, p) : checkLabelsOption(fn, options.labels);
  const index = new Map(labels.map((l, i) => [l, i]));
  const support = new Array<number>(labels.length).fill(0),
    errors = support.slice(),
    predictedAs = support.slice();
  let wrong = 0;
  for (let i = 0; i < t.length; i++) {
    const a = index.get(t[i]!);
    if (a !== undefined) support[a]!++;
    if (t[i] === p[i]) continue;
    wrong++;
    if (a !== undefined) errors[a]!++;
    const b = index.get(p[i]!);
    if (b !== undefined) predictedAs[b]!++;
  }
  const n = t.length;
  const classes = labels.map((label, i) => ({
    label,
    support: support[i]!,
    errors: errors[i]!,
    errorRate: support[i]! ? errors[i]! / support[i]! : NaN,
    share: wrong ? errors[i]! / wrong : 0,
    ceiling: n ? errors[i]! / n : 0,
    predictedAs: predictedAs[i]!,
  }));
  classes.sort((a, b) => b.errors - a.errors || a.label - b.label);
  return { errorRate: n ? wrong / n : 0, errors: wrong, n, classes };
}
