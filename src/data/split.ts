/**
 * Train / dev / test splits, the train-dev set, k-fold cross-validation, and a report that
 * checks that the sets come from the same distribution.
 *
 * The method knobs follows needs dev and test drawn from the same distribution, and a
 * train-dev set (held out from the training distribution) to tell variance (train-dev error
 * above train error) from data mismatch (dev error above train-dev error). Splits here are
 * seeded, stratified by label by default, and group-aware on request (all examples of one
 * group, say one patient or one camera, land in the same set, so no group leaks).
 *
 * Every split returns the indices it chose, sorted, next to the datasets: nothing is dropped
 * without the caller seeing it.
 * @module
 */
import { Dataset, type SourceAttribute, type XY, asDataset } from './dataset';
import { ShapeError, describe } from '../errors';
import { checkSeed, range, seededRandom, shuffleInPlace } from './random';

/** The named ratios: `'classic'` 60/20/20 for small data, `'large'` 98/1/1 for millions of examples. */
export const SPLIT_PRESETS = {
  classic: [0.6, 0.2, 0.2],
  large: [0.98, 0.01, 0.01],
} as const;

export type SplitPreset = keyof typeof SPLIT_PRESETS;

/** Options of {@link trainDevTestSplit}. Give `ratios` or `sizes`, not both. */
export interface TrainDevTestOptions {
  /** A preset, [train, dev, test] or {train, dev, test} fractions summing to 1. Default 'classic'. */
  ratios?: SplitPreset | readonly [number, number, number] | { train: number; dev: number; test: number };
  /**
   * Example counts. An omitted set takes the rest (at most one may be omitted). When all three
   * are given and sum to fewer than the examples, the remaining examples are left out: the
   * result's `indices.unused` lists them.
   */
  sizes?: { train?: number; dev?: number; test?: number } | readonly [number, number, number];
  /** Keep class proportions in every set (within one example per class). Default: true for class labels without groups. */
  stratify?: boolean;
  /** A group per example, or 'source' for the dataset's source attribute: a group never straddles two sets. */
  groups?: SourceAttribute | 'source';
  /** Default 0. */
  seed?: number;
  /** Allow a set that lacks some class. Default false: that is an error. */
  allowMissingClasses?: boolean;
}

/** The result of {@link trainDevTestSplit}. */
export interface TrainDevTestSplit {
  train: Dataset;
  dev: Dataset;
  test: Dataset;
  /** Row indices into the input, sorted; `unused` is non-empty only with explicit sizes below the total. */
  indices: { train: Int32Array; dev: Int32Array; test: Int32Array; unused: Int32Array };
}

const SET_NAMES = ['train', 'dev', 'test'] as const;

/**
 * Splits a dataset into train, dev and test sets, seeded; stratified by class label by default;
 * group-aware with `groups`.
 *
 * Throws when the ratios do not sum to 1, when the sizes exceed the data, and when a set would
 * hold no example of some class (unless `allowMissingClasses`).
 *
 * @example
 * ```ts
 * const { train, dev, test } = knobs.data.trainDevTestSplit(data, { ratios: 'classic', seed: 1 });
 * const big = knobs.data.trainDevTestSplit(data, { ratios: 'large' });              // 98/1/1
 * const byPatient = knobs.data.trainDevTestSplit(data, { groups: patientIds, ratios: [0.8, 0.1, 0.1] });
 * const fixed = knobs.data.trainDevTestSplit(data, { sizes: { dev: 2000, test: 2000 } }); // train = the rest
 * ```
 */
export function trainDevTestSplit(data: Dataset | XY, options: TrainDevTestOptions = {}): TrainDevTestSplit {
  const where = 'trainDevTestSplit';
  const d = asDataset(data, where);
  if (options === null || typeof options !== 'object') throw new TypeError(`${where}: options must be an object, got ${describe(options)}`);
  const n = d.length;
  let targets: number[];
  if (options.sizes !== undefined) {
    if (options.ratios !== undefined) throw new TypeError(`${where}: give options.ratios or options.sizes, not both`);
    targets = sizesToTargets(where, options.sizes, n);
  } else {
    targets = ratiosToTargets(where, ratiosOf(where, options.ratios ?? 'classic'), n);
    targets.push(0);
  }
  const bins = assignBins(where, d, targets, options);
  const idx = binIndices(bins, 4);
  checkClassCoverage(where, d, idx.slice(0, 3), SET_NAMES, options.allowMissingClasses ?? false, targets);
  return {
    train: d.subset(idx[0]!),
    dev: d.subset(idx[1]!),
    test: d.subset(idx[2]!),
    indices: { train: idx[0]!, dev: idx[1]!, test: idx[2]!, unused: idx[3]! },
  };
}

/** Options of {@link trainDevSplit}. */
export interface TrainDevOptions {
  /** Fraction of the training set held out as train-dev. Default 0.1. */
  ratio?: number;
  /** Default true for class labels (without groups). */
  stratify?: boolean;
  groups?: SourceAttribute | 'source';
  /** Default 0. */
  seed?: number;
  allowMissingClasses?: boolean;
}

/** The result of {@link trainDevSplit}. */
export interface TrainDevSplit {
  train: Dataset;
  trainDev: Dataset;
  indices: { train: Int32Array; trainDev: Int32Array };
}

/**
 * Carves a train-dev set out of the training set: same distribution as train, never trained
 * on. Train-dev error minus training error measures variance; dev error minus train-dev error
 * measures data mismatch.
 *
 * @example
 * ```ts
 * const { train, dev, test } = knobs.data.trainDevTestSplit(data, { seed: 1 });
 * const { train: fitOn, trainDev } = knobs.data.trainDevSplit(train, { ratio: 0.1, seed: 1 });
 * ```
 */
export function trainDevSplit(train: Dataset | XY, options: TrainDevOptions = {}): TrainDevSplit {
  const where = 'trainDevSplit';
  const d = asDataset(train, where);
  const ratio = options.ratio ?? 0.1;
  if (typeof ratio !== 'number' || !(ratio > 0 && ratio < 1))
    throw new RangeError(`${where}: options.ratio must be a number in (0, 1), got ${describe(ratio)}`);
  const targets = ratiosToTargets(where, [1 - ratio, ratio], d.length);
  const bins = assignBins(where, d, targets, options);
  const idx = binIndices(bins, 2);
  checkClassCoverage(where, d, idx, ['train', 'trainDev'], options.allowMissingClasses ?? false, targets);
  return { train: d.subset(idx[0]!), trainDev: d.subset(idx[1]!), indices: { train: idx[0]!, trainDev: idx[1]! } };
}

/** One fold of cross-validation: row indices to train on and to evaluate on. */
export interface Fold {
  train: Int32Array;
  dev: Int32Array;
}

/**
 * k-fold cross-validation indices over n examples, as scikit-learn's `KFold`: fold i evaluates
 * on the i-th block of a seeded permutation (of 0..n-1 itself with `shuffle: false`) and trains
 * on the rest. Fold sizes differ by at most one (the first n % k folds are larger). Unlike
 * `KFold`, shuffling is on by default. `knobs.analyze.kFolds` returns these same folds.
 *
 * @example
 * ```ts
 * for (const { train, dev } of knobs.data.kFold(data.length, { k: 5, seed: 1 })) {
 *   // fit on data.subset(train), evaluate on data.subset(dev)
 * }
 * ```
 */
export function kFold(n: number, options: { k?: number; seed?: number; shuffle?: boolean } = {}): Fold[] {
  const where = 'kFold';
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`${where}: n must be a non-negative integer, got ${describe(n)}`);
  const k = checkK(where, options.k ?? 5, n);
  const order = range(n);
  if (options.shuffle ?? true) shuffleInPlace(order, seededRandom(checkSeed(where, options.seed ?? 0)));
  const fold = new Int32Array(n);
  let start = 0;
  for (let f = 0; f < k; f++) {
    const size = Math.floor(n / k) + (f < n % k ? 1 : 0);
    for (let i = start; i < start + size; i++) fold[order[i]!] = f;
    start += size;
  }
  return foldsFrom(fold, k);
}

/**
 * Stratified k-fold, as scikit-learn's `StratifiedKFold(shuffle=True)`: every fold holds each
 * class in the proportion of the whole (within one example per class), and fold sizes differ
 * by at most one. A class with fewer than k examples
 * would be missing from some fold: that is an error.
 *
 * @example
 * ```ts
 * const folds = knobs.data.stratifiedKFold(data.y as Int32Array, { k: 5, seed: 1 });
 * ```
 */
export function stratifiedKFold(labels: Int32Array | readonly number[], options: { k?: number; seed?: number; allowMissingClasses?: boolean } = {}): Fold[] {
  const where = 'stratifiedKFold';
  const y = labelsOf(where, labels);
  const n = y.length;
  const k = checkK(where, options.k ?? 5, n);
  const random = seededRandom(checkSeed(where, options.seed ?? 0));
  const byClass = groupByClass(y);
  const fold = new Int32Array(n);
  // deal each class's shuffled examples round-robin, continuing where the previous class
  // stopped, so that the fold sizes stay balanced too
  let pos = 0;
  for (const [c, members] of byClass) {
    if (members.length < k && !options.allowMissingClasses) {
      throw new RangeError(
        `${where}: class ${c} has ${members.length} example${members.length === 1 ? '' : 's'}, fewer than k = ${k}: some fold would have none (lower k, or pass allowMissingClasses: true)`,
      );
    }
    shuffleInPlace(members, random);
    for (const i of members) fold[i] = pos++ % k;
  }
  return foldsFrom(fold, k);
}

// ---------------------------------------------------------------------------------------------
// Assignment of examples to bins (sets)

function ratiosOf(where: string, r: NonNullable<TrainDevTestOptions['ratios']>): number[] {
  if (typeof r === 'string') {
    const preset = SPLIT_PRESETS[r as SplitPreset];
    if (!preset) throw new RangeError(`${where}: options.ratios must be 'classic', 'large', [train, dev, test] or {train, dev, test}, got ${describe(r)}`);
    return [...preset];
  }
  const arr = Array.isArray(r) ? [...(r as readonly number[])] : [(r as { train: number }).train, (r as { dev: number }).dev, (r as { test: number }).test];
  if (arr.length !== 3) throw new RangeError(`${where}: options.ratios must have 3 values (train, dev, test), got ${arr.length}`);
  arr.forEach((v, i) => {
    if (typeof v !== 'number' || !(v >= 0 && v <= 1))
      throw new RangeError(`${where}: options.ratios.${SET_NAMES[i]} must be a number in [0, 1], got ${describe(v)}`);
  });
  const sum = arr[0]! + arr[1]! + arr[2]!;
  if (Math.abs(sum - 1) > 1e-9) throw new RangeError(`${where}: options.ratios must sum to 1, got ${arr.join(' + ')} = ${+sum.toPrecision(12)}`);
  return arr;
}

/** Rounds n * ratio to integers summing to n (largest remainder). */
function ratiosToTargets(where: string, ratios: number[], n: number): number[] {
  const sum = ratios.reduce((a, b) => a + b, 0);
  if (Math.abs(sum - 1) > 1e-9) throw new RangeError(`${where}: ratios must sum to 1, got ${sum}`);
  const exact = ratios.map((r) => r * n);
  const t = exact.map(Math.floor);
  let left = n - t.reduce((a, b) => a + b, 0);
  const order = exact.map((e, i) => [e - Math.floor(e), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (const [, i] of order) {
    if (left-- <= 0) break;
    t[i]!++;
  }
  return t;
}

function sizesToTargets(where: string, s: NonNullable<TrainDevTestOptions['sizes']>, n: number): number[] {
  const vals: (number | undefined)[] = Array.isArray(s)
    ? [...(s as readonly number[])]
    : [(s as { train?: number }).train, (s as { dev?: number }).dev, (s as { test?: number }).test];
  if (vals.length !== 3) throw new RangeError(`${where}: options.sizes must have 3 values (train, dev, test), got ${vals.length}`);
  vals.forEach((v, i) => {
    if (v !== undefined && (typeof v !== 'number' || !Number.isInteger(v) || v < 0)) {
      throw new RangeError(`${where}: options.sizes.${SET_NAMES[i]} must be a non-negative integer, got ${describe(v)}`);
    }
  });
  const missing = vals.filter((v) => v === undefined).length;
  if (missing > 1) throw new RangeError(`${where}: options.sizes may omit at most one set (it takes the rest), got ${JSON.stringify(s)}`);
  const given = vals.reduce<number>((a, v) => a + (v ?? 0), 0);
  if (given > n) throw new RangeError(`${where}: options.sizes add up to ${given}, more than the ${n} examples`);
  const t = vals.map((v) => v ?? n - given);
  t.push(n - t.reduce((a, b) => a + b, 0)); // the unused bin
  return t;
}

function resolveGroups(where: string, d: Dataset, groups: TrainDevTestOptions['groups']): SourceAttribute | undefined {
  if (groups === undefined) return undefined;
  if (groups === 'source') {
    if (!d.source) throw new TypeError(`${where}: options.groups is 'source' but the dataset has no source attribute`);
    return d.source;
  }
  if (!Array.isArray(groups) && !(groups instanceof Int32Array))
    throw new TypeError(`${where}: options.groups must be an array, an Int32Array or 'source', got ${describe(groups)}`);
  if (groups.length !== d.length) throw new ShapeError(`${where}: options.groups has ${groups.length} values but the data has ${d.length} examples`);
  return groups;
}

/** Bin of every example: stratified, grouped or plain random, hitting the target sizes. */
function assignBins(
  where: string,
  d: Dataset,
  targets: number[],
  options: { stratify?: boolean; groups?: SourceAttribute | 'source'; seed?: number },
): Int32Array {
  const n = d.length;
  const random = seededRandom(checkSeed(where, options.seed ?? 0));
  const groups = resolveGroups(where, d, options.groups);
  const labels = classLabels(d);
  if (options.stratify && groups)
    throw new TypeError(
      `${where}: options.stratify and options.groups cannot be combined: a group split keeps groups whole, so it cannot also fix class proportions`,
    );
  if (options.stratify && !labels) throw new TypeError(`${where}: options.stratify needs class labels (Int32Array y, or one-hot Float32Array y)`);
  const stratify = options.stratify ?? (labels !== undefined && !groups);
  const bins = new Int32Array(n);

  if (groups) {
    // Whole groups, in seeded random order, each to the bin furthest below its target size.
    const members = new Map<string | number, number[]>();
    for (let i = 0; i < n; i++) {
      const g = groups[i]!;
      let m = members.get(g);
      if (!m) members.set(g, (m = []));
      m.push(i);
    }
    const keys = [...members.keys()];
    shuffleInPlace(keys, random);
    const filled = targets.map(() => 0);
    for (const g of keys) {
      const m = members.get(g)!;
      let best = 0,
        bestDeficit = -Infinity;
      for (let b = 0; b < targets.length; b++) {
        if (targets[b] === 0) continue;
        const deficit = targets[b]! - filled[b]!;
        if (deficit > bestDeficit) {
          best = b;
          bestDeficit = deficit;
        }
      }
      for (const i of m) bins[i] = best;
      filled[best]! += m.length;
    }
    return bins;
  }

  if (!stratify) {
    const order = shuffleInPlace(range(n), random);
    let pos = 0;
    targets.forEach((t, b) => {
      for (let j = 0; j < t; j++) bins[order[pos++]!] = b;
    });
    return bins;
  }

  // Stratified: class c gets floor(n_c * t_b / n) in bin b, plus one more in some bins, so
  // every count is within one of its exact share. The extras go where the bins' totals still
  // fall short, which keeps the set sizes on target.
  const byClass = groupByClass(labels!);
  const quota = new Map<number, number[]>();
  const room = targets.slice();
  const extras: [number, number[]][] = [];
  for (const [c, m] of byClass) {
    const exact = targets.map((t) => (m.length * t) / n);
    const q = exact.map((e) => Math.floor(e + 1e-9));
    q.forEach((v, b) => (room[b]! -= v));
    quota.set(c, q);
    extras.push([c, exact.map((e, b) => e - q[b]!)]);
  }
  shuffleInPlace(extras, random);
  // classes with the most extras first: they are the hardest to place
  extras.sort((a, b) => extraCount(b, byClass, quota) - extraCount(a, byClass, quota));
  for (const [c, frac] of extras) {
    const q = quota.get(c)!;
    let k = extraCount([c, frac], byClass, quota);
    const order = targets
      .map((_, b) => b)
      .filter((b) => targets[b]! > 0)
      .sort(
        (a, b) =>
          Number(room[b]! > 0) - Number(room[a]! > 0) || Number(frac[b]! > 1e-9) - Number(frac[a]! > 1e-9) || room[b]! - room[a]! || frac[b]! - frac[a]!,
      );
    for (const b of order) {
      if (k-- <= 0) break;
      q[b]!++;
      room[b]!--;
    }
  }
  for (const [c, m] of byClass) {
    shuffleInPlace(m, random);
    const q = quota.get(c)!;
    let pos = 0;
    q.forEach((count, b) => {
      for (let j = 0; j < count; j++) bins[m[pos++]!] = b;
    });
  }
  return bins;
}

function extraCount(e: [number, number[]], byClass: Map<number, number[]>, quota: Map<number, number[]>): number {
  return byClass.get(e[0])!.length - quota.get(e[0])!.reduce((a, b) => a + b, 0);
}

function binIndices(bins: Int32Array, count: number): Int32Array[] {
  const sizes = new Array<number>(count).fill(0);
  for (const b of bins) sizes[b]!++;
  const out = sizes.map((s) => new Int32Array(s));
  const pos = new Array<number>(count).fill(0);
  for (let i = 0; i < bins.length; i++) {
    const b = bins[i]!;
    out[b]![pos[b]!++] = i;
  }
  return out;
}

/** A set that should hold examples but lacks a class is an error naming the class and the set. */
function checkClassCoverage(where: string, d: Dataset, sets: Int32Array[], names: readonly string[], allow: boolean, targets: number[]): void {
  if (allow) return;
  const labels = classLabels(d);
  if (!labels) return;
  const total = new Map<number, number>();
  for (const c of labels) total.set(c, (total.get(c) ?? 0) + 1);
  sets.forEach((idx, s) => {
    if (targets[s] === 0) return;
    const seen = new Set<number>();
    for (const i of idx) seen.add(labels[i]!);
    for (const [c, count] of [...total].sort((a, b) => a[0] - b[0])) {
      if (!seen.has(c)) {
        const name = d.classNames?.[c] !== undefined ? `${c} (${JSON.stringify(d.classNames[c])})` : String(c);
        throw new RangeError(
          `${where}: the split leaves class ${name} out of the ${names[s]} set (the class has ${count} example${count === 1 ? '' : 's'} in all, ${idx.length} examples go to ${names[s]}): ` +
            'use larger sets, merge or drop rare classes explicitly, or pass allowMissingClasses: true',
        );
      }
    }
  });
}

function checkK(where: string, k: unknown, n: number): number {
  if (typeof k !== 'number' || !Number.isInteger(k) || k < 2) throw new RangeError(`${where}: options.k must be an integer >= 2, got ${describe(k)}`);
  if (k > n) throw new RangeError(`${where}: options.k = ${k} is more than the ${n} examples`);
  return k;
}

function foldsFrom(fold: Int32Array, k: number): Fold[] {
  const out: Fold[] = [];
  for (let f = 0; f < k; f++) {
    let size = 0;
    for (const v of fold) if (v === f) size++;
    const dev = new Int32Array(size),
      train = new Int32Array(fold.length - size);
    let a = 0,
      b = 0;
    for (let i = 0; i < fold.length; i++) {
      if (fold[i] === f) dev[a++] = i;
      else train[b++] = i;
    }
    out.push({ train, dev });
  }
  return out;
}

function labelsOf(where: string, labels: Int32Array | readonly number[]): Int32Array {
  if (labels instanceof Int32Array) return labels;
  if (!Array.isArray(labels)) throw new TypeError(`${where}: labels must be an Int32Array or an array of integers, got ${describe(labels)}`);
  labels.forEach((v, i) => {
    if (!Number.isInteger(v) || v < 0) throw new RangeError(`${where}: labels[${i}] must be a non-negative integer, got ${describe(v)}`);
  });
  return Int32Array.from(labels);
}

/** Indices of each class, in class order. */
function groupByClass(y: Int32Array): Map<number, number[]> {
  const m = new Map<number, number[]>();
  for (let i = 0; i < y.length; i++) {
    let a = m.get(y[i]!);
    if (!a) m.set(y[i]!, (a = []));
    a.push(i);
  }
  return new Map([...m].sort((a, b) => a[0] - b[0]));
}

/**
 * Class labels of a dataset: y itself, or the argmax of one-hot rows; undefined for regression.
 *
 * @example
 * ```ts
 * knobs.data.classLabels(data.toOneHot()); // the same labels as data.y
 * ```
 */
export function classLabels(d: Dataset): Int32Array | undefined {
  if (d.y instanceof Int32Array) return d.y;
  if (d.outputs < 2) return undefined;
  const o = d.outputs,
    y = new Int32Array(d.length);
  for (let i = 0; i < d.length; i++) {
    let best = 0;
    for (let j = 1; j < o; j++) if (d.y[i * o + j]! > d.y[i * o + best]!) best = j;
    y[i] = best;
  }
  return y;
}

// ---------------------------------------------------------------------------------------------
// The split report

/** Thresholds of {@link splitReport}. */
export interface SplitReportOptions {
  /** Total variation distance above which proportions count as different. Default 0.1. */
  tvdThreshold?: number;
  /** Significance level of the chi-square test of homogeneity. Default 0.01. */
  alpha?: number;
  /** The set the others are compared with. Default 'train'. */
  reference?: string;
}

/** Counts and proportions of one attribute (class or source) in one set. */
export interface Distribution {
  counts: Record<string, number>;
  proportions: Record<string, number>;
}

/** One set compared with another on one attribute. */
export interface SplitComparison {
  set: string;
  reference: string;
  attribute: 'class' | 'source';
  /** Total variation distance: half the sum of |p - q| over the categories, in [0, 1]. */
  tvd: number;
  /** Chi-square statistic of homogeneity on the 2 x categories table of counts, its degrees of freedom and p-value. */
  chiSquare: number;
  dof: number;
  pValue: number;
  /** Categories present in `set` but absent from `reference`. */
  missingFromReference: string[];
  /** True when this comparison raised a warning. */
  warning: boolean;
}

/** The result of {@link splitReport}. */
export interface SplitReport {
  sets: { name: string; size: number; class?: Distribution; source?: Distribution }[];
  comparisons: SplitComparison[];
  warnings: string[];
  /** The rule used for warnings, in words. */
  rule: string;
  /** A plain-text table of the above. */
  text: string;
}

/**
 * Class and source proportions per set, and warnings when a dev or test set draws from a
 * distribution the training set lacks or holds in different proportions.
 *
 * The rule: a set gets a warning for an attribute (class, source) when it holds a category the
 * reference set (train) has no example of, or when the total variation distance between the
 * two sets' proportions exceeds 0.1 AND a chi-square test of homogeneity rejects equal
 * proportions at p < 0.01. Requiring both keeps small sets (whose proportions are noisy) and
 * very large sets (where any tiny difference is significant) from crying wolf. Dev is also
 * compared with test: they must come from the same distribution.
 *
 * @example
 * ```ts
 * const split = knobs.data.trainDevTestSplit(data, { seed: 1 });
 * const report = knobs.data.splitReport(split);
 * console.log(report.text);
 * if (report.warnings.length) console.warn(report.warnings.join('\n'));
 * ```
 */
export function splitReport(splits: { readonly [name: string]: Dataset } | TrainDevTestSplit | TrainDevSplit, options: SplitReportOptions = {}): SplitReport {
  const where = 'splitReport';
  const tvdThreshold = options.tvdThreshold ?? 0.1,
    alpha = options.alpha ?? 0.01;
  if (!(tvdThreshold >= 0 && tvdThreshold <= 1)) throw new RangeError(`${where}: options.tvdThreshold must be in [0, 1], got ${describe(tvdThreshold)}`);
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`${where}: options.alpha must be in (0, 1), got ${describe(alpha)}`);
  // the datasets among the values ({train, dev, test, indices} from a split works as it is)
  const sets = Object.entries(splits as object).filter(([, v]) => v instanceof Dataset) as [string, Dataset][];
  if (sets.length === 0) throw new TypeError(`${where}: expected an object of datasets, such as {train, dev, test}, got ${describe(splits)}`);
  const refName = options.reference ?? (sets.some(([k]) => k === 'train') ? 'train' : sets[0]![0]);
  if (!sets.some(([k]) => k === refName))
    throw new RangeError(`${where}: options.reference ${JSON.stringify(refName)} is not one of the sets (${sets.map(([k]) => k).join(', ')})`);

  const rows: SplitReport['sets'] = sets.map(([name, d]) => {
    const labels = classLabels(d);
    const cls = labels ? distribution(labels, (c) => d.classNames?.[c] ?? String(c)) : undefined;
    const src = d.source ? distribution(d.source, (s) => String(s)) : undefined;
    return { name, size: d.length, ...(cls ? { class: cls } : {}), ...(src ? { source: src } : {}) };
  });
  const byName = new Map(rows.map((r) => [r.name, r]));
  const pairs: [string, string][] = rows.filter((r) => r.name !== refName).map((r) => [r.name, refName]);
  if (byName.has('dev') && byName.has('test') && refName !== 'dev' && refName !== 'test') pairs.push(['test', 'dev']);

  const comparisons: SplitComparison[] = [];
  const warnings: string[] = [];
  for (const [set, ref] of pairs) {
    for (const attribute of ['class', 'source'] as const) {
      const a = byName.get(set)![attribute],
        b = byName.get(ref)![attribute];
      if (!a || !b) continue;
      const cmp = compare(a, b);
      const missing = Object.keys(a.counts).filter((k) => a.counts[k]! > 0 && !(b.counts[k]! > 0));
      const differs = cmp.tvd > tvdThreshold && cmp.pValue < alpha;
      const warning = missing.length > 0 || differs;
      comparisons.push({ set, reference: ref, attribute, ...cmp, missingFromReference: missing, warning });
      for (const k of missing) {
        warnings.push(
          `${set} holds ${attribute} ${JSON.stringify(k)} (${a.counts[k]} examples, ${pct(a.proportions[k]!)}) that ${ref} lacks: ${set === 'test' && ref === 'dev' ? 'dev and test' : `${ref} and ${set}`} come from different distributions`,
        );
      }
      if (differs) {
        warnings.push(
          `${set}'s ${attribute} proportions differ from ${ref}'s: total variation distance ${cmp.tvd.toFixed(3)} > ${tvdThreshold} and chi-square ${cmp.chiSquare.toFixed(1)} (${cmp.dof} dof), p = ${cmp.pValue.toExponential(2)} < ${alpha}`,
        );
      }
    }
  }
  const rule = `warning when a set holds a class or source that ${refName} lacks, or when total variation distance > ${tvdThreshold} and a chi-square test of homogeneity gives p < ${alpha}`;
  return { sets: rows, comparisons, warnings, rule, text: reportText(rows, comparisons, warnings, rule) };
}

function distribution(values: ArrayLike<string | number>, name: (v: number) => string): Distribution {
  const counts: Record<string, number> = {};
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    const k = typeof v === 'number' ? name(v) : v;
    counts[k] = (counts[k] ?? 0) + 1;
  }
  const sorted = Object.keys(counts).sort((a, b) => {
    const na = Number(a),
      nb = Number(b);
    return Number.isFinite(na) && Number.isFinite(nb) ? na - nb : a < b ? -1 : a > b ? 1 : 0;
  });
  const ordered: Record<string, number> = {},
    proportions: Record<string, number> = {};
  for (const k of sorted) {
    ordered[k] = counts[k]!;
    proportions[k] = counts[k]! / values.length;
  }
  return { counts: ordered, proportions };
}

function compare(a: Distribution, b: Distribution): { tvd: number; chiSquare: number; dof: number; pValue: number } {
  const keys = [...new Set([...Object.keys(a.counts), ...Object.keys(b.counts)])];
  const na = keys.reduce((s, k) => s + (a.counts[k] ?? 0), 0),
    nb = keys.reduce((s, k) => s + (b.counts[k] ?? 0), 0);
  let tvd = 0,
    chi = 0,
    used = 0;
  for (const k of keys) {
    const ca = a.counts[k] ?? 0,
      cb = b.counts[k] ?? 0;
    tvd += Math.abs((na ? ca / na : 0) - (nb ? cb / nb : 0));
    const tot = ca + cb;
    if (tot === 0 || na === 0 || nb === 0) continue;
    used++;
    const ea = (tot * na) / (na + nb),
      eb = (tot * nb) / (na + nb);
    chi += (ca - ea) ** 2 / ea + (cb - eb) ** 2 / eb;
  }
  const dof = Math.max(0, used - 1);
  return { tvd: tvd / 2, chiSquare: chi, dof, pValue: dof === 0 ? 1 : chiSquareSurvival(chi, dof) };
}

/**
 * P(X > x) for X ~ chi-square(k): the regularized upper incomplete gamma Q(k/2, x/2).
 *
 * @example
 * ```ts
 * knobs.data.chiSquareSurvival(3.841, 1); // 0.05
 * ```
 */
export function chiSquareSurvival(x: number, k: number): number {
  if (x <= 0) return 1;
  return gammaQ(k / 2, x / 2);
}

// Regularized incomplete gamma (Numerical Recipes 6.2): the series for x < a + 1, the
// continued fraction (modified Lentz) beyond, each accurate to ~1e-14 relative.
function gammaQ(a: number, x: number): number {
  const gln = logGamma(a);
  if (x < a + 1) {
    let sum = 1 / a,
      del = sum,
      ap = a;
    for (let n = 0; n < 1000; n++) {
      ap += 1;
      del *= x / ap;
      sum += del;
      if (Math.abs(del) < Math.abs(sum) * 1e-15) break;
    }
    return Math.max(0, 1 - sum * Math.exp(-x + a * Math.log(x) - gln));
  }
  const tiny = 1e-300;
  let b = x + 1 - a,
    c = 1 / tiny,
    d = 1 / b,
    h = d;
  for (let i = 1; i < 1000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) break;
  }
  return Math.exp(-x + a * Math.log(x) - gln) * h;
}

// Lanczos approximation (g = 7, n = 9), relative error below 1e-15 for a > 0.
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012,
  9.9843695780195716e-6, 1.5056327351493116e-7,
];
function logGamma(z: number): number {
  if (z < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * z))) - logGamma(1 - z);
  z -= 1;
  let x = LANCZOS[0]!;
  for (let i = 1; i < 9; i++) x += LANCZOS[i]! / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(x);
}

function pct(p: number): string {
  return `${(100 * p).toFixed(1)}%`;
}

function reportText(rows: SplitReport['sets'], comparisons: SplitComparison[], warnings: string[], rule: string): string {
  const lines: string[] = ['Split report', ''];
  const w = Math.max(5, ...rows.map((r) => r.name.length));
  for (const attribute of ['class', 'source'] as const) {
    const keys = [...new Set(rows.flatMap((r) => Object.keys(r[attribute]?.counts ?? {})))];
    if (keys.length === 0) continue;
    lines.push(`${attribute} proportions:`);
    const shown = keys.slice(0, 20);
    lines.push(
      `  ${'set'.padEnd(w)}  ${'size'.padStart(7)}  ${shown.map((k) => k.slice(0, 7).padStart(7)).join(' ')}${keys.length > shown.length ? ` (+${keys.length - shown.length} more)` : ''}`,
    );
    for (const r of rows) {
      const p = r[attribute]?.proportions ?? {};
      lines.push(`  ${r.name.padEnd(w)}  ${String(r.size).padStart(7)}  ${shown.map((k) => pct(p[k] ?? 0).padStart(7)).join(' ')}`);
    }
    lines.push('');
  }
  if (comparisons.length) {
    lines.push('comparisons (TVD = total variation distance):');
    for (const c of comparisons) {
      lines.push(
        `  ${c.set} vs ${c.reference}, ${c.attribute}: TVD ${c.tvd.toFixed(3)}, chi-square ${c.chiSquare.toFixed(1)} (${c.dof} dof), p = ${c.pValue.toPrecision(3)}${c.warning ? '  <- warning' : ''}`,
      );
    }
    lines.push('');
  }
  lines.push(`rule: ${rule}`);
  lines.push(warnings.length ? `warnings:\n${warnings.map((x) => `  - ${x}`).join('\n')}` : 'no warnings');
  return lines.join('\n');
}
