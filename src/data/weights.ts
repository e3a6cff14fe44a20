/**
 * Weighting examples, classes and attributes.
 *
 * Per-example weights s_i enter the loss as J = sum(s_i L_i) / sum(s_i) (the trainer does
 * that); the functions here produce them: balanced class weights, a class-weight map turned
 * into per-example weights, and oversampling of rare classes (the alternative that repeats
 * examples instead of weighting them). Per-attribute weights scale an input feature's
 * influence, or zero it to keep an attribute out of the model.
 * @module
 */
import { Dataset, type XY, asDataset, impliedClasses } from './dataset';
import { ShapeError, describe } from '../errors';
import { checkSeed, seededRandom, shuffleInPlace } from './random';
import { classLabels } from './split';

/** Class weights: an array indexed by class, or a map from class index (or class name) to weight. */
export type ClassWeightMap = readonly number[] | Readonly<Record<string | number, number>>;

function labelsFrom(
  where: string,
  labels: Int32Array | readonly number[] | Dataset,
): { y: Int32Array; classes?: number | undefined; names?: readonly string[] | undefined } {
  if (labels instanceof Dataset) {
    const y = classLabels(labels);
    if (!y) throw new TypeError(`${where}: the dataset holds regression targets, not class labels`);
    return { y, classes: labels.classes ?? labels.outputs, names: labels.classNames };
  }
  let y: Int32Array;
  if (labels instanceof Int32Array) y = labels;
  else if (Array.isArray(labels)) {
    labels.forEach((v, i) => {
      if (!Number.isInteger(v) || v < 0) throw new RangeError(`${where}: labels[${i}] must be a non-negative integer, got ${describe(v)}`);
    });
    y = Int32Array.from(labels);
  } else throw new TypeError(`${where}: labels must be an Int32Array, an array of integers or a Dataset, got ${describe(labels)}`);
  for (let i = 0; i < y.length; i++) {
    if (y[i]! < 0) throw new RangeError(`${where}: labels[${i}] must be a non-negative integer, got ${y[i]}`);
  }
  return { y };
}

/** Most classes {@link classWeight} returns weights for (an array of that many numbers). */
const MAX_CLASSES = 1 << 24;

/** The class count of bare labels: max + 1, unless one label is far beyond the others. */
function labelClasses(where: string, y: Int32Array): number {
  return impliedClasses(where, y, (i) => `labels[${i}]`, 'pass options.classes when some classes are absent');
}

/**
 * Class weights. `'balanced'` gives scikit-learn's n_samples / (n_classes * count_c), so that
 * every class carries the same total weight; n_classes counts the classes present, and a class
 * with no example gets weight 0. A map is returned as an array, checked (finite, >= 0).
 *
 * @example
 * ```ts
 * knobs.data.classWeight(new Int32Array([0, 0, 0, 1]), 'balanced'); // [0.667, 2]
 * ```
 */
export function classWeight(
  labels: Int32Array | readonly number[] | Dataset,
  mode: 'balanced' | ClassWeightMap = 'balanced',
  options: { classes?: number } = {},
): number[] {
  const where = 'classWeight';
  const { y, classes: declared, names } = labelsFrom(where, labels);
  const classes = options.classes ?? declared ?? labelClasses(where, y);
  if (!Number.isInteger(classes) || classes < 0) throw new RangeError(`${where}: options.classes must be a non-negative integer, got ${describe(classes)}`);
  // every label is checked against the class count before anything is sized by it
  for (let i = 0; i < y.length; i++) {
    if (y[i]! >= classes) throw new RangeError(`${where}: labels[${i}] = ${y[i]} is out of range for ${classes} classes`);
  }
  if (classes > MAX_CLASSES)
    throw new RangeError(`${where}: options.classes is ${classes}, more than the ${MAX_CLASSES} classes class weights are computed for`);
  if (mode === 'balanced') {
    const counts = new Array<number>(classes).fill(0);
    for (const c of y) counts[c]!++;
    const present = counts.filter((c) => c > 0).length;
    return counts.map((c) => (c > 0 ? y.length / (present * c) : 0));
  }
  return weightArray(where, mode, classes, names);
}

/** A class-weight map as an array indexed by class (missing classes weigh 1). */
function weightArray(where: string, map: ClassWeightMap, classes: number, names?: readonly string[]): number[] {
  if (map === null || typeof map !== 'object')
    throw new TypeError(`${where}: class weights must be 'balanced', an array or a {class: weight} object, got ${describe(map)}`);
  const out = new Array<number>(classes).fill(1);
  const entries: [string, number][] = Array.isArray(map)
    ? (map as readonly number[]).map((w, i) => [String(i), w])
    : Object.entries(map as Record<string, number>);
  if (Array.isArray(map) && map.length !== classes) throw new ShapeError(`${where}: ${map.length} class weights for ${classes} classes`);
  for (const [key, w] of entries) {
    let c = Number(key);
    if (!Number.isInteger(c)) c = names ? names.indexOf(key) : -1;
    if (!(c >= 0 && c < classes)) throw new RangeError(`${where}: class ${JSON.stringify(key)} is not one of the ${classes} classes`);
    if (typeof w !== 'number' || !Number.isFinite(w) || w < 0)
      throw new RangeError(`${where}: the weight of class ${JSON.stringify(key)} must be a finite number >= 0, got ${describe(w)}`);
    out[c] = w;
  }
  return out;
}

/**
 * Per-example weights s_i = classWeight[y_i], from `'balanced'` or a class-weight map: what the
 * trainer multiplies each example's loss by.
 *
 * @example
 * ```ts
 * const s = knobs.data.exampleWeights(train, 'balanced');
 * const weighted = train.withWeights(s);
 * const custom = knobs.data.exampleWeights(train, { 0: 1, 1: 5 });   // class 1 counts 5 times
 * ```
 */
export function exampleWeights(labels: Int32Array | readonly number[] | Dataset, weights: 'balanced' | ClassWeightMap = 'balanced'): Float32Array {
  const where = 'exampleWeights';
  const { y, classes: declared, names } = labelsFrom(where, labels);
  const classes = declared ?? labelClasses(where, y);
  const w = weights === 'balanced' ? classWeight(y, 'balanced', { classes }) : weightArray(where, weights, classes, names);
  const out = new Float32Array(y.length);
  for (let i = 0; i < y.length; i++) out[i] = w[y[i]!]!;
  return out;
}

/** Options of {@link oversample}. */
export interface OversampleOptions {
  /** Default 0. */
  seed?: number;
  /**
   * Examples per class after oversampling: 'max' (the largest class's count, the default), a
   * number, or a {class: count} map. Classes already at or above their target are kept as they
   * are: oversampling never removes examples.
   */
  target?: 'max' | number | Readonly<Record<number, number>>;
}

/**
 * Oversamples rare classes: each class below its target is repeated whole as many times as
 * fits, then topped up with distinct examples drawn at random (seeded). The original rows come
 * first, in order; the added copies follow. Weights and source travel with the rows.
 *
 * @example
 * ```ts
 * const balanced = knobs.data.oversample(train, { seed: 1 });            // every class as large as the largest
 * const some = knobs.data.oversample(train, { target: { 3: 500 } });     // class 3 up to 500 examples
 * ```
 */
export function oversample(data: Dataset | XY, options: OversampleOptions = {}): Dataset {
  const where = 'oversample';
  const d = asDataset(data, where);
  const y = classLabels(d);
  if (!y) throw new TypeError(`${where}: needs class labels; the dataset holds regression targets`);
  const random = seededRandom(checkSeed(where, options.seed ?? 0));
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < y.length; i++) {
    let a = byClass.get(y[i]!);
    if (!a) byClass.set(y[i]!, (a = []));
    a.push(i);
  }
  const max = Math.max(0, ...[...byClass.values()].map((a) => a.length));
  const t = options.target ?? 'max';
  const targetOf = (c: number): number => {
    if (t === 'max') return max;
    if (typeof t === 'number') return t;
    return t[c] ?? byClass.get(c)!.length;
  };
  if (typeof t === 'number' && (!Number.isInteger(t) || t < 0))
    throw new RangeError(`${where}: options.target must be 'max', a non-negative integer or a {class: count} map, got ${describe(t)}`);
  if (typeof t === 'object' && t !== null) {
    for (const [k, v] of Object.entries(t)) {
      if (!byClass.has(Number(k))) throw new RangeError(`${where}: options.target names class ${k}, which has no example to repeat`);
      if (!Number.isInteger(v) || v < 0) throw new RangeError(`${where}: options.target[${k}] must be a non-negative integer, got ${describe(v)}`);
    }
  } else if (t !== 'max' && typeof t !== 'number')
    throw new TypeError(`${where}: options.target must be 'max', a number or a {class: count} map, got ${describe(t)}`);
  const added: number[] = [];
  for (const [c, members] of [...byClass].sort((a, b) => a[0] - b[0])) {
    let need = targetOf(c) - members.length;
    while (need >= members.length) {
      for (const i of members) added.push(i);
      need -= members.length;
    }
    if (need > 0)
      for (const i of shuffleInPlace(members.slice(), random)
        .slice(0, need)
        .sort((a, b) => a - b))
        added.push(i);
  }
  const idx = new Int32Array(d.length + added.length);
  for (let i = 0; i < d.length; i++) idx[i] = i;
  idx.set(added, d.length);
  return d.subset(idx);
}

/**
 * Scales input attributes (feature columns): x[:, j] * weights[j]. A weight of 0 keeps an
 * attribute out of the model entirely (a protected attribute, say); a weight in (0, 1) damps
 * its influence at the start of training.
 *
 * Apply it after normalization: standardizing afterwards would divide the scale back out. Note
 * that zeroing an attribute does not remove other features correlated with it (proxies).
 *
 * `weights` is an array of one weight per feature, or, for a dataset with feature names, a
 * {name: weight} map (unlisted features keep weight 1).
 *
 * @example
 * ```ts
 * const x2 = knobs.data.attributeWeights(x, 3, [1, 0, 0.5]);          // drop column 1, halve column 2
 * const d2 = knobs.data.attributeWeights(data, { gender: 0 });        // a dataset with featureNames
 * ```
 */
export function attributeWeights(x: Float32Array, features: number, weights: ArrayLike<number>): Float32Array;
export function attributeWeights(x: Dataset, weights: ArrayLike<number> | Readonly<Record<string, number>>): Dataset;
export function attributeWeights(
  x: Float32Array | Dataset,
  a: number | ArrayLike<number> | Readonly<Record<string, number>>,
  b?: ArrayLike<number>,
): Float32Array | Dataset {
  const where = 'attributeWeights';
  if (x instanceof Dataset) {
    const w = attributeArray(where, a as ArrayLike<number> | Record<string, number>, x.features, x.featureNames);
    return x.withX(scaleColumns(x.x, x.features, w));
  }
  if (!(x instanceof Float32Array)) throw new TypeError(`${where}: x must be a Float32Array or a Dataset, got ${describe(x)}`);
  const features = a;
  if (typeof features !== 'number' || !Number.isInteger(features) || features <= 0)
    throw new RangeError(`${where}: features must be a positive integer, got ${describe(features)}`);
  if (x.length % features !== 0) throw new ShapeError(`${where}: x has ${x.length} values, not a multiple of features = ${features}`);
  return scaleColumns(x, features, attributeArray(where, b as ArrayLike<number>, features));
}

function attributeArray(
  where: string,
  w: ArrayLike<number> | Readonly<Record<string, number>> | undefined,
  features: number,
  names?: readonly string[],
): Float64Array {
  if (w === null || typeof w !== 'object') throw new TypeError(`${where}: weights must be an array or a {feature: weight} map, got ${describe(w)}`);
  const out = new Float64Array(features).fill(1);
  if (Array.isArray(w) || ArrayBuffer.isView(w)) {
    const arr = w as ArrayLike<number>;
    if (arr.length !== features) throw new ShapeError(`${where}: ${arr.length} weights for ${features} features`);
    for (let j = 0; j < features; j++) out[j] = arr[j]!;
  } else {
    for (const [key, v] of Object.entries(w as Record<string, number>)) {
      let j = names ? names.indexOf(key) : -1;
      if (j < 0 && /^\d+$/.test(key)) j = Number(key);
      if (!(j >= 0 && j < features))
        throw new RangeError(
          `${where}: ${JSON.stringify(key)} is not a feature${names ? ` (features: ${names.slice(0, 10).join(', ')}${names.length > 10 ? ', ...' : ''})` : ''}`,
        );
      out[j] = v;
    }
  }
  out.forEach((v, j) => {
    if (!Number.isFinite(v)) throw new RangeError(`${where}: the weight of feature ${j} must be finite, got ${v}`);
  });
  return out;
}

function scaleColumns(x: Float32Array, f: number, w: Float64Array): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i += f) for (let j = 0; j < f; j++) out[i + j] = x[i + j]! * w[j]!;
  return out;
}
