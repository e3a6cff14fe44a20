/**
 * Input normalization fitted on the training set only.
 *
 * Normalizing makes features of different ranges comparable, so that none is favoured or
 * neglected and gradient descent converges faster. The statistics (mean and standard
 * deviation, or min and max) come from the training set alone; dev, test and production data
 * go through exactly the same transform, with the training statistics. Fitting on dev or test
 * data would leak them into the model.
 *
 * A fitted normalizer is a plain object of numbers: `toJSON()` gives what the trainer saves
 * next to the model, and {@link normalizerFromJSON} restores it bit for bit.
 * @module
 */
import { Dataset } from './dataset';
import { ShapeError, describe } from '../errors';

/** A fitted normalization: the same arithmetic for every array it transforms. */
export interface Normalizer {
  readonly kind: 'standardize' | 'minMax';
  readonly features: number;
  /** Transforms row-major `rows x features` values into a new Float32Array. */
  transform(x: Float32Array): Float32Array;
  /** Transforms a dataset's x, returning a new dataset (y, weights and source unchanged). */
  transform(x: Dataset): Dataset;
  /** The inverse transform (back to the original units). */
  inverseTransform(x: Float32Array): Float32Array;
  toJSON(): NormalizerJSON;
}

/** The saved form of a {@link Normalizer}: out = (x - shift[j]) / scale[j] * mul + add. */
export interface NormalizerJSON {
  kind: 'standardize' | 'minMax';
  features: number;
  /** Subtracted from feature j. */
  shift: number[];
  /** Divides feature j after the shift; never 0 (a constant feature gets 1). */
  scale: number[];
  /** For minMax: the target range [lo, hi]. */
  range?: [number, number];
  /** Features the transform leaves alone (shift 0, scale 1), such as one-hot columns. */
  skip?: number[];
}

/** Options of {@link standardize} and {@link minMax}. */
export interface NormalizeOptions {
  /** Feature indices to leave as they are (one-hot columns, say). */
  skip?: readonly number[];
}

/** An unfitted normalization: `fit` it on the training set. */
export interface NormalizerSpec {
  /** Computes the statistics from training data (x row-major with `features` columns, or a Dataset). */
  fit(x: Float32Array, features: number): Normalizer;
  fit(x: Dataset): Normalizer;
}

/**
 * Standardization: x' = (x - mean) / std per feature, with the mean and (population) standard
 * deviation of the training set. A feature with zero variance is divided by 1 instead, so it
 * becomes 0 rather than NaN.
 *
 * @example
 * ```ts
 * const norm = knobs.data.standardize().fit(train.x, train.features);
 * const xTrain = norm.transform(train.x);  // mean 0, std 1 per feature
 * const xDev = norm.transform(dev.x);      // the same transform, train's statistics
 * const saved = JSON.stringify(norm);      // restore with knobs.data.normalizerFromJSON(JSON.parse(saved))
 * ```
 */
export function standardize(options: NormalizeOptions = {}): NormalizerSpec {
  return {
    fit(x: Float32Array | Dataset, features?: number): Normalizer {
      const [data, f] = fitArgs('standardize', x, features);
      const rows = f === 0 ? 0 : data.length / f;
      if (rows === 0) throw new RangeError('standardize.fit: no rows to fit on');
      // two passes in float64: the mean, then the squared deviations (no cancellation)
      const mean = new Float64Array(f),
        m2 = new Float64Array(f);
      for (let i = 0; i < rows; i++) for (let j = 0; j < f; j++) mean[j]! += data[i * f + j]!;
      for (let j = 0; j < f; j++) mean[j]! /= rows;
      for (let i = 0; i < rows; i++)
        for (let j = 0; j < f; j++) {
          const d = data[i * f + j]! - mean[j]!;
          m2[j]! += d * d;
        }
      const scale = Array.from(m2, (s) => {
        const std = Math.sqrt(s / rows);
        return std > 0 && Number.isFinite(std) ? std : 1;
      });
      return makeNormalizer({ kind: 'standardize', features: f, shift: Array.from(mean), scale, ...skipOf('standardize', options, f) });
    },
  } as NormalizerSpec;
}

/**
 * Min-max scaling to `range` (default [0, 1]) per feature, with the training set's min and max.
 * A constant feature (max = min) is divided by 1: it maps to the range's low end. Dev and test
 * values outside the training range map outside `range`; they are not clipped.
 *
 * @example
 * ```ts
 * const norm = knobs.data.minMax({ range: [-1, 1] }).fit(train);
 * const devX = norm.transform(dev.x);
 * ```
 */
export function minMax(options: NormalizeOptions & { range?: [number, number] } = {}): NormalizerSpec {
  const r = options.range ?? [0, 1];
  if (!Array.isArray(r) || r.length !== 2 || !Number.isFinite(r[0]) || !Number.isFinite(r[1]) || !(r[1] > r[0])) {
    throw new RangeError(`minMax: options.range must be [lo, hi] with finite lo < hi, got ${describe(r)}`);
  }
  return {
    fit(x: Float32Array | Dataset, features?: number): Normalizer {
      const [data, f] = fitArgs('minMax', x, features);
      const rows = f === 0 ? 0 : data.length / f;
      if (rows === 0) throw new RangeError('minMax.fit: no rows to fit on');
      const lo = new Float64Array(f).fill(Infinity),
        hi = new Float64Array(f).fill(-Infinity);
      for (let i = 0; i < rows; i++) {
        for (let j = 0; j < f; j++) {
          const v = data[i * f + j]!;
          if (v < lo[j]!) lo[j] = v;
          if (v > hi[j]!) hi[j] = v;
        }
      }
      // out = (x - min) / (max - min) * (hi - lo) + lo, written as (x - shift) / scale with the
      // range applied after (see transformValue)
      const scale = Array.from(lo, (l, j) => (hi[j]! > l ? hi[j]! - l : 1));
      return makeNormalizer({ kind: 'minMax', features: f, shift: Array.from(lo), scale, range: [r[0], r[1]], ...skipOf('minMax', options, f) });
    },
  } as NormalizerSpec;
}

/**
 * Restores a normalizer saved with `toJSON()`: the restored one transforms bit for bit as the
 * original did.
 *
 * @example
 * ```ts
 * const json = JSON.stringify(knobs.data.standardize().fit(train));
 * const norm = knobs.data.normalizerFromJSON(JSON.parse(json));
 * ```
 */
export function normalizerFromJSON(json: NormalizerJSON): Normalizer {
  const where = 'normalizerFromJSON';
  if (json === null || typeof json !== 'object') throw new TypeError(`${where}: expected a saved normalizer object, got ${describe(json)}`);
  if (json.kind !== 'standardize' && json.kind !== 'minMax')
    throw new RangeError(`${where}: kind must be 'standardize' or 'minMax', got ${describe(json.kind)}`);
  const f = json.features;
  if (!Number.isInteger(f) || f < 0) throw new RangeError(`${where}: features must be a non-negative integer, got ${describe(f)}`);
  for (const key of ['shift', 'scale'] as const) {
    const a = json[key];
    if (!Array.isArray(a) || a.length !== f) throw new ShapeError(`${where}: ${key} must be an array of ${f} numbers, got ${describe(a)}`);
    a.forEach((v, j) => {
      if (typeof v !== 'number' || !Number.isFinite(v) || (key === 'scale' && v === 0))
        throw new RangeError(`${where}: ${key}[${j}] must be a finite${key === 'scale' ? ', non-zero' : ''} number, got ${describe(v)}`);
    });
  }
  if (json.kind === 'minMax' && (!Array.isArray(json.range) || json.range.length !== 2))
    throw new TypeError(`${where}: a minMax normalizer needs range [lo, hi], got ${describe(json.range)}`);
  return makeNormalizer(json);
}

function fitArgs(kind: string, x: Float32Array | Dataset, features: number | undefined): [Float32Array, number] {
  if (x instanceof Dataset) return [x.x, x.features];
  if (!(x instanceof Float32Array)) throw new TypeError(`${kind}.fit: x must be a Float32Array or a Dataset, got ${describe(x)}`);
  if (typeof features !== 'number' || !Number.isInteger(features) || features <= 0) {
    throw new RangeError(`${kind}.fit: features must be a positive integer, got ${describe(features)}`);
  }
  if (x.length % features !== 0) throw new ShapeError(`${kind}.fit: x has ${x.length} values, not a multiple of features = ${features}`);
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (v - v !== 0) throw new RangeError(`${kind}.fit: x holds a non-finite value ${v} at row ${Math.floor(i / features)}, column ${i % features}`);
  }
  return [x, features];
}

function skipOf(kind: string, options: NormalizeOptions, f: number): { skip?: number[] } {
  if (options.skip === undefined) return {};
  const skip = [...options.skip];
  for (const j of skip)
    if (!Number.isInteger(j) || j < 0 || j >= f) throw new RangeError(`${kind}: options.skip holds ${describe(j)}, not a feature index in [0, ${f})`);
  return { skip };
}

function makeNormalizer(json: NormalizerJSON): Normalizer {
  const f = json.features;
  // Frozen copies: nothing that happens after fitting (dev data included) can change them.
  const shift = Float64Array.from(json.shift),
    scale = Float64Array.from(json.scale);
  if (json.skip)
    for (const j of json.skip) {
      shift[j] = 0;
      scale[j] = 1;
    }
  const isMinMax = json.kind === 'minMax';
  const lo = isMinMax ? json.range![0] : 0,
    width = isMinMax ? json.range![1] - json.range![0] : 1;
  const skipped = new Uint8Array(f);
  for (const j of json.skip ?? []) skipped[j] = 1;
  const saved: NormalizerJSON = Object.freeze({
    kind: json.kind,
    features: f,
    shift: Array.from(shift),
    scale: Array.from(scale),
    ...(json.range ? { range: [json.range[0], json.range[1]] as [number, number] } : {}),
    ...(json.skip ? { skip: [...json.skip] } : {}),
  });

  function apply(x: Float32Array, inverse: boolean, where: string): Float32Array {
    if (!(x instanceof Float32Array)) throw new TypeError(`${where}: x must be a Float32Array, got ${describe(x)}`);
    if (f === 0 ? x.length !== 0 : x.length % f !== 0)
      throw new ShapeError(`${where}: x has ${x.length} values, not a multiple of the ${f} features the normalizer was fitted on`);
    const out = new Float32Array(x.length);
    // float64 arithmetic rounded once to f32: the same bits for the same input, whichever array it is in
    for (let i = 0; i < x.length; i += f) {
      for (let j = 0; j < f; j++) {
        const v = x[i + j]!;
        if (skipped[j]) {
          out[i + j] = v;
          continue;
        }
        out[i + j] = inverse ? ((v - lo) / width) * scale[j]! + shift[j]! : ((v - shift[j]!) / scale[j]!) * width + lo;
      }
    }
    return out;
  }

  const normalizer = {
    kind: json.kind,
    features: f,
    transform(x: Float32Array | Dataset): Float32Array | Dataset {
      if (x instanceof Dataset) {
        if (x.features !== f) throw new ShapeError(`${json.kind}.transform: the dataset has ${x.features} features, the normalizer was fitted on ${f}`);
        return x.withX(apply(x.x, false, `${json.kind}.transform`));
      }
      return apply(x, false, `${json.kind}.transform`);
    },
    inverseTransform(x: Float32Array): Float32Array {
      return apply(x, true, `${json.kind}.inverseTransform`);
    },
    toJSON(): NormalizerJSON {
      return { ...saved, shift: [...saved.shift], scale: [...saved.scale] };
    },
  };
  return normalizer as Normalizer;
}
