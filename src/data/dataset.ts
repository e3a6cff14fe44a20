/**
 * An in-memory dataset over typed arrays: what every loader returns and every split, weight
 * and normalization takes.
 *
 * Rows are examples. `x` holds `length x features` floats, row-major; `y` holds either one
 * integer class label per example (Int32Array) or `outputs` floats per example (Float32Array:
 * regression targets or one-hot rows). Optional columns travel with the rows through
 * {@link Dataset.subset}: per-example weights, a source (group) attribute such as the
 * country, device or camera an example came from, feature and class names, and the image
 * shape of a row.
 *
 * The constructor validates everything and changes nothing: ragged rows, NaN or Infinity in
 * the features, labels out of range and mismatched lengths are errors that name the row and
 * the column. Arrays are kept, not copied; {@link Dataset.subset} copies.
 * @module
 */
import { ShapeError, describe } from '../errors';

/** The shape of one image row: `height x width x channels`, channels last (HWC). */
export interface ImageShape {
  height: number;
  width: number;
  channels: number;
}

/** Class labels (one integer per example) or float targets (`outputs` per example). */
export type Labels = Int32Array | Float32Array;

/** A source or group attribute: one value per example. */
export type SourceAttribute = readonly (string | number)[] | Int32Array;

/**
 * Features as stored: floats, or one byte per value for images (`Uint8Array`, pixel values
 * 0-255 that stand for `byte / 255`, as `fit`, `evaluate` and `predict` read them).
 */
export type Features = Float32Array | Uint8Array;

/**
 * What {@link Dataset} is built from. `x` is row-major `length x features`: floats, or bytes
 * standing for `byte / 255` (the images of `loadFashionMnist({ pixels: 'uint8' })`).
 */
export interface DatasetInit<X extends Features = Float32Array> {
  x: X;
  /** Features per example (row length of `x`). */
  features: number;
  /** Int32Array of class labels, or Float32Array of `outputs` targets per example. */
  y: Labels;
  /** Number of classes, for class labels; default `classNames.length`, else max label + 1. */
  classes?: number;
  /** Per-example weights s_i >= 0 (the loss is sum(s_i L_i) / sum(s_i)). */
  weights?: Float32Array;
  /** Per-example source or group: country, device, camera. */
  source?: SourceAttribute;
  featureNames?: readonly string[];
  classNames?: readonly string[];
  /** Image shape of a row; height * width * channels must equal `features`. */
  shape?: ImageShape;
}

/** How many offending cells an error message lists before it summarizes the rest. */
const LIST_LIMIT = 10;

function listCells(cells: string[], total: number): string {
  return cells.join(', ') + (total > cells.length ? `, and ${total - cells.length} more` : '');
}

function checkCount(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new RangeError(`dataset: ${name} must be a non-negative integer, got ${describe(value)}`);
  }
  return value;
}

/**
 * Integer labels are class indices 0..k-1: k = max + 1 may exceed the distinct labels seen (a
 * class absent from this sample), but by at most this much: 2 x distinct + 10. A stray label of
 * 1e9 among digits would otherwise make a billion classes, and whatever sizes an array by the
 * class count (class weights, a one-hot copy) would exhaust memory.
 */
export function classCountLimit(distinct: number): number {
  return 2 * distinct + 10;
}

/**
 * The class count integer labels imply, max + 1, checked against {@link classCountLimit}:
 * a label far beyond the others is an error naming it. `name(i)` names label i in the message.
 * Labels must already be integers >= 0. Allocates by the label count, never by the largest label.
 * @internal
 */
export function impliedClasses(where: string, labels: ArrayLike<number>, name: (i: number) => string, remedy: string): number {
  let max = -1,
    at = -1;
  for (let i = 0; i < labels.length; i++)
    if (labels[i]! > max) {
      max = labels[i]!;
      at = i;
    }
  if (max + 1 <= classCountLimit(0)) return max + 1;
  let distinct: number;
  if (max + 1 <= classCountLimit(labels.length)) {
    // max is bounded by 2n + 10 here: a bitmap of that size is cheap
    const seen = new Uint8Array(max + 1);
    distinct = 0;
    for (let i = 0; i < labels.length; i++)
      if (!seen[labels[i]!]) {
        seen[labels[i]!] = 1;
        distinct++;
      }
  } else distinct = new Set(Array.from(labels)).size;
  if (max + 1 > classCountLimit(distinct)) {
    throw new RangeError(
      `${where}: ${name(at)} is ${max}, which would make ${max + 1} classes, but only ${distinct} distinct labels appear: ` +
        `labels are class indices 0..k-1 (${remedy})`,
    );
  }
  return max + 1;
}

/**
 * An in-memory dataset: features `x`, labels or targets `y`, and optional per-example weights
 * and source. Build one with {@link dataset} or a loader.
 *
 * @example
 * ```ts
 * const d = knobs.data.dataset({ x: [[0, 1], [1, 0], [1, 1]], y: [0, 1, 1], source: ['web', 'web', 'phone'] });
 * d.length;           // 3
 * d.features;         // 2
 * d.subset([2]).x;    // Float32Array [1, 1]
 * d.toOneHot().y;     // Float32Array [1, 0, 0, 1, 0, 1]
 * ```
 */
export class Dataset<X extends Features = Float32Array> {
  /**
   * The features, row-major. A Uint8Array holds bytes that stand for `byte / 255`: models read
   * them so (in WebAssembly, a batch at a time), and {@link Dataset.toFloat32} converts them.
   */
  readonly x: X;
  readonly y: Labels;
  readonly features: number;
  /** Number of examples. */
  readonly length: number;
  /** Number of classes when `y` holds class labels; undefined for float targets. */
  readonly classes: number | undefined;
  /** Floats of `y` per example: 1 for class labels, else the target width. */
  readonly outputs: number;
  readonly weights: Float32Array | undefined;
  readonly source: SourceAttribute | undefined;
  readonly featureNames: readonly string[] | undefined;
  readonly classNames: readonly string[] | undefined;
  readonly shape: ImageShape | undefined;

  constructor(init: DatasetInit<X>) {
    if (init === null || typeof init !== 'object') throw new TypeError(`dataset: expected {x, y, features}, got ${describe(init)}`);
    const { x, y } = init;
    if (!(x instanceof Float32Array) && !(x instanceof Uint8Array))
      throw new TypeError(`dataset: x must be a Float32Array (or a Uint8Array of pixel bytes), got ${describe(x)}`);
    if (!(y instanceof Int32Array) && !(y instanceof Float32Array)) {
      throw new TypeError(`dataset: y must be an Int32Array (class labels) or a Float32Array (targets), got ${describe(y)}`);
    }
    const features = checkCount('features', init.features);
    if (features === 0 && x.length > 0) throw new ShapeError(`dataset: features is 0 but x has ${x.length} values`);
    if (features > 0 && x.length % features !== 0) {
      throw new ShapeError(`dataset: x has ${x.length} values, not a multiple of features = ${features}: the rows are ragged or features is wrong`);
    }
    const length = features > 0 ? x.length / features : y instanceof Int32Array ? y.length : 0;
    this.x = x;
    this.y = y;
    this.features = features;
    this.length = length;

    if (y instanceof Int32Array) {
      if (y.length !== length) throw new ShapeError(`dataset: x has ${length} rows but y has ${y.length} labels`);
      this.outputs = 1;
      let max = -1;
      for (let i = 0; i < length; i++) {
        const v = y[i]!;
        if (v < 0) throw new RangeError(`dataset: label out of range at row ${i}: ${v} (class labels are integers >= 0)`);
        if (v > max) max = v;
      }
      const declared = init.classes ?? init.classNames?.length;
      if (declared !== undefined) {
        checkCount('classes', declared);
        if (max >= declared) {
          const bad: string[] = [];
          let count = 0;
          for (let i = 0; i < length; i++)
            if (y[i]! >= declared) {
              if (bad.length < LIST_LIMIT) bad.push(`row ${i}: ${y[i]}`);
              count++;
            }
          throw new RangeError(`dataset: label out of range (${declared} classes, labels 0..${declared - 1}): ${listCells(bad, count)}`);
        }
        if (init.classNames && init.classes !== undefined && init.classNames.length !== init.classes) {
          throw new ShapeError(`dataset: classNames has ${init.classNames.length} names but classes is ${init.classes}`);
        }
        this.classes = declared;
      } else {
        this.classes = impliedClasses('dataset', y, (i) => `the label at row ${i}`, 'declare classes when some are absent');
      }
    } else {
      if (init.classes !== undefined) throw new TypeError('dataset: classes applies to Int32Array class labels; y is a Float32Array of targets');
      if (length === 0 ? y.length !== 0 : y.length % length !== 0) {
        throw new ShapeError(`dataset: x has ${length} rows but y has ${y.length} values, not a multiple of ${length}`);
      }
      this.outputs = length === 0 ? 0 : y.length / length;
      this.classes = undefined;
      checkFinite('y', y, this.outputs);
    }
    // bytes are always finite
    if (x instanceof Float32Array) checkFinite('x', x, features, init.featureNames);

    if (init.weights !== undefined) {
      const w = init.weights;
      if (!(w instanceof Float32Array)) throw new TypeError(`dataset: weights must be a Float32Array, got ${describe(w)}`);
      if (w.length !== length) throw new ShapeError(`dataset: x has ${length} rows but weights has ${w.length} values`);
      for (let i = 0; i < length; i++) {
        const v = w[i]!;
        if (!(v >= 0) || v === Infinity) throw new RangeError(`dataset: weights must be finite and >= 0, got ${v} at row ${i}`);
      }
    }
    this.weights = init.weights;

    if (init.source !== undefined) {
      const s = init.source;
      if (!(s instanceof Int32Array) && !Array.isArray(s)) throw new TypeError(`dataset: source must be an array or Int32Array, got ${describe(s)}`);
      if (s.length !== length) throw new ShapeError(`dataset: x has ${length} rows but source has ${s.length} values`);
      if (Array.isArray(s)) {
        for (let i = 0; i < s.length; i++) {
          const v: unknown = s[i];
          if (typeof v !== 'string' && typeof v !== 'number')
            throw new TypeError(`dataset: source values must be strings or numbers, got ${describe(v)} at row ${i}`);
        }
      }
    }
    this.source = init.source;

    if (init.featureNames !== undefined && init.featureNames.length !== features) {
      throw new ShapeError(`dataset: featureNames has ${init.featureNames.length} names but there are ${features} features`);
    }
    this.featureNames = init.featureNames;
    this.classNames = init.classNames;
    if (init.shape !== undefined) {
      const { height, width, channels } = init.shape;
      for (const [k, v] of [
        ['height', height],
        ['width', width],
        ['channels', channels],
      ] as const) {
        if (!Number.isInteger(v) || v <= 0) throw new RangeError(`dataset: shape.${k} must be a positive integer, got ${describe(v)}`);
      }
      if (height * width * channels !== features) {
        throw new ShapeError(`dataset: shape ${height} x ${width} x ${channels} = ${height * width * channels} values per row, but features is ${features}`);
      }
      this.shape = { height, width, channels };
    } else {
      this.shape = undefined;
    }
  }

  /** True when `y` holds integer class labels. */
  get isClassification(): boolean {
    return this.y instanceof Int32Array;
  }

  /** Row `i` of x, as a view (no copy). */
  row(i: number): X {
    if (!Number.isInteger(i) || i < 0 || i >= this.length)
      throw new RangeError(`dataset.row: index must be an integer in [0, ${this.length}), got ${describe(i)}`);
    return this.x.subarray(i * this.features, (i + 1) * this.features) as X;
  }

  /**
   * A new dataset of the given rows, in the given order (repeats allowed), with copies of
   * x, y, weights and source. Names, classes and shape carry over.
   */
  subset(indices: ArrayLike<number>): Dataset<X> {
    const n = indices.length,
      f = this.features,
      o = this.outputs;
    const x = (this.x instanceof Uint8Array ? new Uint8Array(n * f) : new Float32Array(n * f)) as X;
    const y = this.y instanceof Int32Array ? new Int32Array(n) : new Float32Array(n * o);
    const w = this.weights ? new Float32Array(n) : undefined;
    const src = this.source;
    const source: SourceAttribute | undefined = src === undefined ? undefined : src instanceof Int32Array ? new Int32Array(n) : new Array<string | number>(n);
    for (let j = 0; j < n; j++) {
      const i = indices[j]!;
      if (!Number.isInteger(i) || i < 0 || i >= this.length)
        throw new RangeError(`dataset.subset: index ${describe(i)} at position ${j} is not a row (0..${this.length - 1})`);
      if (f > 0) x.set(this.x.subarray(i * f, (i + 1) * f), j * f);
      if (o === 1) y[j] = this.y[i]!;
      else y.set(this.y.subarray(i * o, (i + 1) * o), j * o);
      if (w) w[j] = this.weights![i]!;
      if (source) (source as (string | number)[])[j] = src![i]!;
    }
    return new Dataset({ ...this.init(), x, y, ...(w ? { weights: w } : {}), ...(source ? { source } : {}) });
  }

  /**
   * The same examples with one-hot targets: `y` becomes a Float32Array of `length x classes`
   * (what a softmax cross-entropy loss reads). Default `classes` is the dataset's.
   */
  toOneHot(classes?: number): Dataset<X> {
    if (!(this.y instanceof Int32Array)) throw new TypeError('dataset.toOneHot: y already holds float targets, not class labels');
    const k = classes ?? this.classes!;
    if (!Number.isInteger(k) || k <= 0) throw new RangeError(`dataset.toOneHot: classes must be a positive integer, got ${describe(k)}`);
    const y = new Float32Array(this.length * k);
    for (let i = 0; i < this.length; i++) {
      const c = this.y[i]!;
      if (c >= k) throw new RangeError(`dataset.toOneHot: label out of range at row ${i}: ${c} (classes = ${k})`);
      y[i * k + c] = 1;
    }
    const { classes: _classes, ...rest } = this.init();
    return new Dataset({ ...rest, y, ...(this.weights ? { weights: this.weights } : {}), ...(this.source ? { source: this.source } : {}) });
  }

  /** The same dataset with other per-example weights (or none). */
  withWeights(weights: Float32Array | undefined): Dataset<X> {
    return new Dataset({ ...this.init(), ...(weights ? { weights } : {}), ...(this.source ? { source: this.source } : {}) });
  }

  /** The same dataset with another x of the same shape (after normalization, say). */
  withX(x: Float32Array): Dataset {
    if (!(x instanceof Float32Array) || x.length !== this.x.length) {
      throw new ShapeError(`dataset.withX: x must be a Float32Array of ${this.x.length} values, got ${describe(x)}`);
    }
    return new Dataset({ ...this.init(), x, ...(this.weights ? { weights: this.weights } : {}), ...(this.source ? { source: this.source } : {}) });
  }

  /**
   * The same dataset with float features: bytes become `byte / 255` (the f32 nearest to it,
   * the values a model reads from the bytes); a float dataset is returned as it is.
   *
   * @example
   * ```ts
   * const { test } = await knobs.data.loadFashionMnist({ pixels: 'uint8' });
   * test.toFloat32().x;   // Float32Array in [0, 1], 4 bytes per pixel
   * ```
   */
  toFloat32(): Dataset {
    if (this.x instanceof Float32Array) return this as unknown as Dataset;
    return this.withX(bytesToFloat32(this.x));
  }

  /** The metadata that carries over to derived datasets (without weights and source). */
  private init(): DatasetInit<X> {
    return {
      x: this.x,
      y: this.y,
      features: this.features,
      ...(this.classes !== undefined ? { classes: this.classes } : {}),
      ...(this.featureNames ? { featureNames: this.featureNames } : {}),
      ...(this.classNames ? { classNames: this.classNames } : {}),
      ...(this.shape ? { shape: this.shape } : {}),
    };
  }
}

/**
 * Bytes as the floats they stand for, `byte / 255` (a table of the 256 values, rounded once
 * from float64: the same f32 as the kernel that scales gathered batches).
 * @internal
 */
export function bytesToFloat32(bytes: Uint8Array): Float32Array {
  const table = new Float32Array(256).map((_, b) => b / 255);
  const x = new Float32Array(bytes.length);
  for (let i = 0; i < x.length; i++) x[i] = table[bytes[i]!]!;
  return x;
}

/** NaN or Infinity anywhere in a row-major array is an error listing the cells. */
function checkFinite(name: string, a: Float32Array, cols: number, names?: readonly string[]): void {
  let first = -1;
  for (let i = 0; i < a.length; i++) {
    const v = a[i]!;
    if (v - v !== 0) {
      first = i;
      break;
    } // NaN or +-Infinity: v - v is NaN
  }
  if (first < 0) return;
  const bad: string[] = [];
  let count = 0;
  for (let i = first; i < a.length; i++) {
    const v = a[i]!;
    if (v - v !== 0) {
      if (bad.length < LIST_LIMIT) {
        const c = cols > 0 ? i % cols : 0;
        const col = names?.[c] !== undefined ? `${c} (${JSON.stringify(names[c])})` : String(c);
        bad.push(`row ${cols > 0 ? Math.floor(i / cols) : i}, column ${col}: ${v}`);
      }
      count++;
    }
  }
  throw new RangeError(`dataset: ${name} holds ${count} non-finite value${count > 1 ? 's' : ''} (NaN or Infinity): ${listCells(bad, count)}`);
}

/** What {@link dataset} accepts: typed arrays, or plain nested arrays that it converts. */
export interface DatasetOptions {
  /** Float32Array (then `features` is required) or rows as number arrays. */
  x: Float32Array | readonly (readonly number[])[];
  /** Features per row; required when x is a Float32Array. */
  features?: number;
  /**
   * Int32Array class labels, Float32Array targets, number[] (class labels when every value is
   * a non-negative integer, else one float target per example) or number[][] (targets per row).
   */
  y: Labels | readonly number[] | readonly (readonly number[])[];
  classes?: number;
  weights?: Float32Array | readonly number[];
  source?: SourceAttribute;
  featureNames?: readonly string[];
  classNames?: readonly string[];
  shape?: ImageShape;
}

/**
 * Builds a {@link Dataset} from typed arrays or plain arrays, validating as it goes.
 *
 * Plain `x` rows must all have the same length (a ragged row is an error naming it). A plain
 * `y` of non-negative integers becomes class labels; pass a Float32Array to force float targets.
 *
 * @example
 * ```ts
 * const d = knobs.data.dataset({ x: [[5.1, 3.5], [6.2, 2.9]], y: [0, 1], classNames: ['setosa', 'versicolor'] });
 * const e = knobs.data.dataset({ x: new Float32Array(784 * 10), features: 784, y: new Int32Array(10), shape: { height: 28, width: 28, channels: 1 } });
 * ```
 */
export function dataset(options: DatasetOptions): Dataset {
  if (options === null || typeof options !== 'object') throw new TypeError(`dataset: expected {x, y}, got ${describe(options)}`);
  let x: Float32Array, features: number;
  if (options.x instanceof Float32Array) {
    if (options.features === undefined) {
      if (options.shape) features = options.shape.height * options.shape.width * options.shape.channels;
      else throw new TypeError('dataset: options.features is required when x is a Float32Array');
    } else features = options.features;
    x = options.x;
  } else if (Array.isArray(options.x)) {
    const rows = options.x as readonly (readonly number[])[];
    features = rows.length > 0 ? lengthOf(rows[0], 0) : (options.features ?? 0);
    if (options.features !== undefined && options.features !== features) {
      throw new ShapeError(`dataset: options.features is ${options.features} but row 0 has ${features} values`);
    }
    x = new Float32Array(rows.length * features);
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i];
      const len = lengthOf(r, i);
      if (len !== features) throw new ShapeError(`dataset: ragged rows: row ${i} has ${len} values, row 0 has ${features}`);
      for (let j = 0; j < features; j++) {
        const v = r![j];
        if (typeof v !== 'number') throw new TypeError(`dataset: x[${i}][${j}] must be a number, got ${describe(v)}`);
        x[i * features + j] = v;
      }
    }
  } else {
    throw new TypeError(`dataset: x must be a Float32Array or an array of rows, got ${describe(options.x)}`);
  }

  let y: Labels;
  const yin = options.y;
  if (yin instanceof Int32Array || yin instanceof Float32Array) y = yin;
  else if (Array.isArray(yin)) {
    if (yin.length > 0 && Array.isArray(yin[0])) {
      const rows = yin as readonly (readonly number[])[];
      const o = rows[0]!.length;
      y = new Float32Array(rows.length * o);
      for (let i = 0; i < rows.length; i++) {
        const r = rows[i];
        if (!Array.isArray(r) || r.length !== o)
          throw new ShapeError(`dataset: ragged targets: y row ${i} has ${Array.isArray(r) ? r.length : describe(r)} values, row 0 has ${o}`);
        for (let j = 0; j < o; j++) y[i * o + j] = r[j] as number;
      }
    } else {
      const vals = yin as readonly number[];
      for (let i = 0; i < vals.length; i++) if (typeof vals[i] !== 'number') throw new TypeError(`dataset: y[${i}] must be a number, got ${describe(vals[i])}`);
      const labels = vals.every((v) => Number.isInteger(v) && v >= 0 && v <= 0x7fffffff);
      y = labels ? Int32Array.from(vals) : Float32Array.from(vals);
    }
  } else {
    throw new TypeError(`dataset: y must be an Int32Array, a Float32Array or an array, got ${describe(yin)}`);
  }
  const weights = options.weights === undefined ? undefined : options.weights instanceof Float32Array ? options.weights : Float32Array.from(options.weights);
  return new Dataset({
    x,
    y,
    features,
    ...(options.classes !== undefined ? { classes: options.classes } : {}),
    ...(weights ? { weights } : {}),
    ...(options.source !== undefined ? { source: options.source } : {}),
    ...(options.featureNames ? { featureNames: options.featureNames } : {}),
    ...(options.classNames ? { classNames: options.classNames } : {}),
    ...(options.shape ? { shape: options.shape } : {}),
  });
}

function lengthOf(row: unknown, i: number): number {
  if (!Array.isArray(row) && !ArrayBuffer.isView(row)) throw new TypeError(`dataset: x row ${i} must be an array of numbers, got ${describe(row)}`);
  return (row as ArrayLike<number>).length;
}

/** Plain `{x, y}` arrays, accepted wherever a Dataset is (splits, weights). */
export interface XY {
  x: Float32Array;
  y: Labels;
  features?: number;
}

/** A Dataset as is; plain `{x, y}` typed arrays wrapped into one (features from x/y lengths). @internal */
export function asDataset(data: Dataset | XY, where: string): Dataset {
  if (data instanceof Dataset) return data;
  if (data === null || typeof data !== 'object' || !('x' in data) || !('y' in data)) {
    throw new TypeError(`${where}: data must be a Dataset or {x, y} typed arrays, got ${describe(data)}`);
  }
  const { x, y } = data;
  let features = data.features;
  if (features === undefined) {
    if (!(y instanceof Int32Array)) throw new TypeError(`${where}: with Float32Array targets, pass {x, y, features} or a Dataset`);
    if (y.length === 0) features = 0;
    else if (x.length % y.length !== 0) throw new ShapeError(`${where}: x has ${x.length} values, not a multiple of the ${y.length} labels in y`);
    else features = x.length / y.length;
  }
  return new Dataset({ x, y, features });
}
