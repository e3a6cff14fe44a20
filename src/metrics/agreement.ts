/**
 * Agreement between true and predicted labels beyond chance: Matthews correlation and Cohen's
 * kappa.
 * @module
 */
import { confusionMatrix } from './confusion';
import { checkOneOf, checkPair, type Labels, type SampleWeight } from './validate';

function sums(cm: number[][]): { rows: number[]; cols: number[]; total: number; diag: number } {
  const k = cm.length;
  const rows = cm.map((r) => r.reduce((a, b) => a + b, 0));
  const cols = new Array<number>(k).fill(0);
  let diag = 0;
  cm.forEach((r, i) => {
    r.forEach((v, j) => {
      cols[j]! += v;
    });
    diag += r[i]!;
  });
  return { rows, cols, total: rows.reduce((a, b) => a + b, 0), diag };
}

/**
 * The Matthews correlation coefficient, in [-1, 1]: 1 is perfect, 0 chance, -1 inverse
 * (scikit-learn's `matthews_corrcoef`, multiclass by Gorodkin's formula). 0 when a marginal
 * is constant (every example in one true class, or one predicted class).
 *
 * @example
 * ```ts
 * matthewsCorrcoef([1, 1, 1, 0], [1, 0, 1, 1]); // -0.333
 * ```
 */
export function matthewsCorrcoef(yTrue: Labels, yPred: Labels, options: { sampleWeight?: SampleWeight } = {}): number {
  checkPair('matthewsCorrcoef', yTrue, yPred);
  const { rows, cols, total, diag } = sums(confusionMatrix(yTrue, yPred, options.sampleWeight === undefined ? {} : { sampleWeight: options.sampleWeight }));
  const dot = (a: number[], b: number[]): number => a.reduce((s, v, i) => s + v * b[i]!, 0);
  const covTP = diag * total - dot(rows, cols);
  const covPP = total * total - dot(cols, cols);
  const covTT = total * total - dot(rows, rows);
  if (covPP * covTT === 0) return 0;
  return covTP / Math.sqrt(covTT * covPP);
}

/** Options of {@link cohenKappaScore}. */
export interface KappaOptions {
  /** The labels to count (others are left out). Default: all labels of y1 and y2. */
  labels?: Labels;
  /** Disagreement weights for ordered classes: |i - j| ('linear') or (i - j)² ('quadratic'). Default: 0/1. */
  weights?: 'linear' | 'quadratic';
  sampleWeight?: SampleWeight;
}

/**
 * Cohen's kappa (p_o - p_e) / (1 - p_e): the agreement of two annotators (or of labels and
 * predictions) corrected for the agreement expected by chance (scikit-learn's
 * `cohen_kappa_score`). NaN when chance agreement is total.
 *
 * @example
 * ```ts
 * cohenKappaScore([0, 2, 0, 1, 2], [0, 2, 0, 1, 0]); // 0.6875
 * ```
 */
export function cohenKappaScore(y1: Labels, y2: Labels, options: KappaOptions = {}): number {
  const fn = 'cohenKappaScore';
  checkPair(fn, y1, y2, ['y1', 'y2']);
  if (options.weights !== undefined) checkOneOf(fn, 'options.weights', options.weights, ['linear', 'quadratic'] as const);
  const cm = confusionMatrix(y1, y2, {
    ...(options.labels === undefined ? {} : { labels: options.labels }),
    ...(options.sampleWeight === undefined ? {} : { sampleWeight: options.sampleWeight }),
  });
  const { rows, cols, total } = sums(cm);
  const k = cm.length;
  const weight = (i: number, j: number): number =>
    options.weights === 'linear' ? Math.abs(i - j) : options.weights === 'quadratic' ? (i - j) ** 2 : i === j ? 0 : 1;
  let observed = 0,
    expected = 0;
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      observed += weight(i, j) * cm[i]![j]!;
      // expected[i][j] = cols[i] * rows[j] / total, as scikit-learn's outer(sum0, sum1) / sum
      expected += (weight(i, j) * cols[i]! * rows[j]!) / total;
    }
  }
  return 1 - observed / expected;
}
