/**
 * Regression metrics with scikit-learn's names, arguments and results: `r2Score` (higher is
 * better), `meanSquaredError`, `meanAbsoluteError`, `meanAbsolutePercentageError` (lower is
 * better). Targets are one value per example (`number[]`, any typed array), rows of several
 * outputs (`number[][]`), or a flat row-major array with `options.outputs` columns (what
 * `model.predict` returns). Sums run in float64.
 *
 * @example
 * ```ts
 * import { metrics } from 'knobs';
 * metrics.r2Score([3, -0.5, 2, 7], [2.5, 0.0, 2, 8]);                  // 0.9486081370449679
 * metrics.meanAbsoluteError([[0.5, 1], [-1, 1], [7, -6]], [[0, 2], [-1, 2], [8, -5]], { multioutput: 'rawValues' }); // [0.5, 1]
 * ```
 * @module
 */
import { describe } from '../errors';
import { checkWeights } from './validate';
import { warnUndefined } from './warn';

/** Targets or predictions: one value per example, rows of outputs, or a flat row-major array (with `options.outputs`). */
export type RegressionTargets = ArrayLike<number> | ArrayLike<number>[];

/**
 * How to combine the outputs' scores (scikit-learn's `multioutput`): `'uniformAverage'` (the
 * mean, default), `'rawValues'` (one score per output), or an array of weights, one per output.
 * scikit-learn's snake_case spellings are accepted too.
 */
export type Multioutput = 'uniformAverage' | 'rawValues' | 'uniform_average' | 'raw_values' | ArrayLike<number>;

/** Options of the regression metrics. */
export interface RegressionOptions {
  /** Per-example weights (finite, non-negative). */
  sampleWeight?: ArrayLike<number>;
  /** Default 'uniformAverage'. */
  multioutput?: Multioutput;
  /** Columns of flat row-major targets (default 1; ignored for rows given as arrays). */
  outputs?: number;
}

/** Options of {@link r2Score}: also `'varianceWeighted'`, and scikit-learn's `forceFinite`. */
export interface R2Options extends Omit<RegressionOptions, 'multioutput'> {
  /** As in RegressionOptions, plus 'varianceWeighted': weights each output by the variance of its targets. */
  multioutput?: Multioutput | 'varianceWeighted' | 'variance_weighted';
  /**
   * A constant target makes R² 0/0 or x/0: true (default) gives 1 for perfect predictions and 0
   * otherwise, as scikit-learn does; false gives NaN or -Infinity.
   */
  forceFinite?: boolean;
}

/** A checked n x k matrix of targets, row-major, in float64. */
interface Matrix {
  n: number;
  k: number;
  v: Float64Array;
}

function isArrayLike(value: unknown): value is ArrayLike<unknown> {
  return Array.isArray(value) || (ArrayBuffer.isView(value) && !(value instanceof DataView));
}

function toMatrix(fn: string, name: string, value: unknown, outputs: number | undefined): Matrix {
  if (!isArrayLike(value)) throw new TypeError(`${fn}: ${name} must be an array of numbers or an array of rows, got ${describe(value)}`);
  const a = value as ArrayLike<unknown>;
  if (a.length === 0) throw new RangeError(`${fn}: ${name} must hold at least one example, got an empty array`);
  let n: number, k: number, v: Float64Array;
  if (isArrayLike(a[0])) {
    n = a.length;
    k = (a[0] as ArrayLike<unknown>).length;
    if (k === 0) throw new RangeError(`${fn}: ${name}[0] is an empty row`);
    v = new Float64Array(n * k);
    for (let i = 0; i < n; i++) {
      const row = a[i];
      if (!isArrayLike(row) || row.length !== k) throw new RangeError(`${fn}: ${name}[${i}] must be a row of ${k} numbers, got ${describe(row)}`);
      for (let j = 0; j < k; j++) v[i * k + j] = finite(fn, `${name}[${i}][${j}]`, row[j]);
    }
  } else {
    k = outputs ?? 1;
    if (a.length % k !== 0) throw new RangeError(`${fn}: ${name} has ${a.length} values, not a whole number of rows of ${k} outputs`);
    n = a.length / k;
    v = new Float64Array(a.length);
    for (let i = 0; i < a.length; i++) v[i] = finite(fn, `${name}[${i}]`, a[i]);
  }
  return { n, k, v };
}

function finite(fn: string, name: string, x: unknown): number {
  if (typeof x !== 'number') throw new TypeError(`${fn}: ${name} must be a number, got ${describe(x)}`);
  if (!Number.isFinite(x)) throw new RangeError(`${fn}: ${name} must be finite, got ${describe(x)}`);
  return x;
}

/** Checks both target arrays and the options; returns them with the weights (ones when absent). */
function checkInputs(
  fn: string,
  yTrue: unknown,
  yPred: unknown,
  options: { sampleWeight?: unknown; outputs?: unknown },
): { t: Matrix; p: Matrix; w: Float64Array } {
  if (options === null || typeof options !== 'object') throw new TypeError(`${fn}: options must be an object, got ${describe(options)}`);
  const outputs = options.outputs;
  if (outputs !== undefined && (typeof outputs !== 'number' || !Number.isInteger(outputs) || outputs < 1))
    throw new RangeError(`${fn}: options.outputs must be a positive integer, got ${describe(outputs)}`);
  const t = toMatrix(fn, 'yTrue', yTrue, outputs as number | undefined);
  const p = toMatrix(fn, 'yPred', yPred, outputs as number | undefined);
  if (t.n !== p.n || t.k !== p.k) throw new RangeError(`${fn}: yTrue is ${t.n} x ${t.k} but yPred is ${p.n} x ${p.k}`);
  return { t, p, w: checkWeights(fn, options.sampleWeight, t.n) };
}

const OPTIONS = ['sampleWeight', 'multioutput', 'outputs'];

function checkOptions(fn: string, options: object, extra: string[] = []): void {
  for (const key of Object.keys(options)) {
    if (!OPTIONS.includes(key) && !extra.includes(key))
      throw new TypeError(`${fn}: unknown option ${JSON.stringify(key)}; known options are ${[...OPTIONS, ...extra].join(', ')}`);
  }
}

/** Combines per-output scores as `multioutput` asks. */
function combine(fn: string, scores: number[], multioutput: unknown, varianceWeights?: number[]): number | number[] {
  const m = multioutput ?? 'uniformAverage';
  if (m === 'rawValues' || m === 'raw_values') return scores;
  if (m === 'uniformAverage' || m === 'uniform_average') return scores.reduce((a, b) => a + b, 0) / scores.length;
  if ((m === 'varianceWeighted' || m === 'variance_weighted') && varianceWeights) return weightedMean(scores, varianceWeights);
  if (isArrayLike(m)) {
    if (scores.length === 1) throw new RangeError(`${fn}: options.multioutput: output weights need several outputs, the targets have one`);
    if (m.length !== scores.length) throw new RangeError(`${fn}: options.multioutput must hold one weight per output (${scores.length}), got ${m.length}`);
    const w = Array.from(m, (x, j) => finite(fn, `options.multioutput[${j}]`, x));
    if (w.some((x) => x < 0)) throw new RangeError(`${fn}: options.multioutput weights must be non-negative`);
    if (!(w.reduce((a, b) => a + b, 0) > 0)) throw new RangeError(`${fn}: options.multioutput weights must not all be 0`);
    return weightedMean(scores, w);
  }
  const names = varianceWeights ? "'rawValues', 'uniformAverage', 'varianceWeighted'" : "'rawValues', 'uniformAverage'";
  throw new RangeError(`${fn}: options.multioutput must be ${names} or an array of weights, got ${describe(m)}`);
}

function weightedMean(x: number[], w: number[]): number {
  let s = 0,
    sw = 0;
  x.forEach((v, j) => {
    s += v * w[j]!;
    sw += w[j]!;
  });
  return s / sw;
}

/** Per output j: sum_i w_i f(t_ij, p_ij) / sum_i w_i. */
function averageError(fn: string, yTrue: unknown, yPred: unknown, options: RegressionOptions, f: (t: number, p: number) => number): number | number[] {
  checkOptions(fn, options);
  const { t, p, w } = checkInputs(fn, yTrue, yPred, options);
  const sums = new Float64Array(t.k);
  let sw = 0;
  for (let i = 0; i < t.n; i++) {
    sw += w[i]!;
    for (let j = 0; j < t.k; j++) sums[j] += w[i]! * f(t.v[i * t.k + j]!, p.v[i * t.k + j]!);
  }
  if (!(sw > 0)) throw new RangeError(`${fn}: options.sampleWeight sums to 0, so the weighted mean is undefined`);
  return combine(
    fn,
    Array.from(sums, (s) => s / sw),
    options.multioutput,
  );
}

/**
 * The mean squared error `sum_i w_i (y_i - p_i)^2 / sum_i w_i`, per output (scikit-learn's
 * `mean_squared_error`).
 * @example
 * ```ts
 * meanSquaredError([3, -0.5, 2, 7], [2.5, 0.0, 2, 8]); // 0.375
 * ```
 */
export function meanSquaredError(yTrue: RegressionTargets, yPred: RegressionTargets, options: RegressionOptions = {}): number | number[] {
  return averageError('meanSquaredError', yTrue, yPred, options, (t, p) => (t - p) * (t - p));
}

/**
 * The mean absolute error `sum_i w_i |y_i - p_i| / sum_i w_i`, per output (scikit-learn's
 * `mean_absolute_error`).
 * @example
 * ```ts
 * meanAbsoluteError([3, -0.5, 2, 7], [2.5, 0.0, 2, 8]); // 0.5
 * ```
 */
export function meanAbsoluteError(yTrue: RegressionTargets, yPred: RegressionTargets, options: RegressionOptions = {}): number | number[] {
  return averageError('meanAbsoluteError', yTrue, yPred, options, (t, p) => Math.abs(t - p));
}

/** scikit-learn's epsilon for the percentage error's divisor: float64's machine epsilon. */
const MAPE_EPSILON = Number.EPSILON;

/**
 * The mean absolute percentage error `sum_i w_i |y_i - p_i| / max(|y_i|, eps) / sum_i w_i`,
 * as a fraction (0.1 is 10%), per output; eps is float64's machine epsilon, so a zero target
 * with a wrong prediction gives a huge value, as in scikit-learn's
 * `mean_absolute_percentage_error`. (compile's `'mape'` reports percent, as Keras does.)
 * @example
 * ```ts
 * meanAbsolutePercentageError([3, -0.5, 2, 7], [2.5, 0.0, 2, 8]); // 0.3273809523809524
 * ```
 */
export function meanAbsolutePercentageError(yTrue: RegressionTargets, yPred: RegressionTargets, options: RegressionOptions = {}): number | number[] {
  return averageError('meanAbsolutePercentageError', yTrue, yPred, options, (t, p) => Math.abs(t - p) / Math.max(Math.abs(t), MAPE_EPSILON));
}

/**
 * The coefficient of determination R² = 1 - sum_i w_i (y_i - p_i)^2 / sum_i w_i (y_i - ȳ)^2 (ȳ
 * the weighted mean), per output: 1 is perfect, 0 is predicting the mean, and it can be
 * negative. As scikit-learn's `r2_score`: NaN with a warning for fewer than two examples; a
 * constant target gives 1 (perfect) or 0 unless `forceFinite: false`.
 * @example
 * ```ts
 * r2Score([3, -0.5, 2, 7], [2.5, 0.0, 2, 8]); // 0.9486081370449679
 * ```
 */
export function r2Score(yTrue: RegressionTargets, yPred: RegressionTargets, options: R2Options = {}): number | number[] {
  const fn = 'r2Score';
  checkOptions(fn, options, ['forceFinite']);
  const { t, p, w } = checkInputs(fn, yTrue, yPred, options);
  const forceFinite = options.forceFinite ?? true;
  if (typeof forceFinite !== 'boolean') throw new TypeError(`${fn}: options.forceFinite must be a boolean, got ${describe(forceFinite)}`);
  if (t.n < 2) {
    warnUndefined('r2Score: R^2 is not well-defined with fewer than two examples');
    return NaN;
  }
  let sw = 0;
  const mean = new Float64Array(t.k);
  for (let i = 0; i < t.n; i++) {
    sw += w[i]!;
    for (let j = 0; j < t.k; j++) mean[j] += w[i]! * t.v[i * t.k + j]!;
  }
  if (!(sw > 0)) throw new RangeError(`${fn}: options.sampleWeight sums to 0, so R^2 is undefined`);
  for (let j = 0; j < t.k; j++) mean[j] /= sw;
  const num = new Float64Array(t.k),
    den = new Float64Array(t.k);
  for (let i = 0; i < t.n; i++) {
    for (let j = 0; j < t.k; j++) {
      const y = t.v[i * t.k + j]!;
      num[j] += w[i]! * (y - p.v[i * t.k + j]!) ** 2;
      den[j] += w[i]! * (y - mean[j]!) ** 2;
    }
  }
  const scores = Array.from(num, (nu, j) => {
    const de = den[j]!;
    if (de !== 0) return 1 - nu / de;
    if (forceFinite) return nu === 0 ? 1 : 0;
    return nu === 0 ? NaN : -Infinity;
  });
  const m = options.multioutput;
  if ((m === 'varianceWeighted' || m === 'variance_weighted') && !den.some((d) => d > 0)) {
    // every target constant: no variance to weigh by (scikit-learn then falls back to the plain mean)
    return combine(fn, scores, 'uniformAverage');
  }
  return combine(fn, scores, m, Array.from(den));
}
