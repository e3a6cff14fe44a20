/**
 * Checking and converting what users pass to fit, evaluate and predict: x as a row-major
 * Float32Array or number[][], y as one-hot rows or integer labels. Every problem gets an error
 * that names it (shape, NaN with its row and column, label out of range); nothing is silently
 * dropped or changed.
 * @internal
 */
import { ShapeError, describe } from '../errors';
import { lossLabel, type Loss } from '../losses';

/** Converts x to a row-major Float32Array of rows x features, checking its shape. */
export function toMatrix(where: string, name: string, x: unknown, features: number): { data: Float32Array; rows: number } {
  if (x instanceof Float32Array) {
    if (features <= 0 || x.length % features !== 0) {
      throw new ShapeError(`${where}: ${name} has ${x.length} values, which is not a whole number of rows of ${features} features`);
    }
    return { data: x, rows: x.length / features };
  }
  if (Array.isArray(x)) {
    const rows = x.length;
    const out = new Float32Array(rows * features);
    for (let r = 0; r < rows; r++) {
      const row = x[r];
      if (!Array.isArray(row) && !ArrayBuffer.isView(row)) {
        throw new TypeError(`${where}: ${name}[${r}] must be an array of ${features} numbers, got ${describe(row)}`);
      }
      const rowArr = row as ArrayLike<number>;
      if (rowArr.length !== features) {
        throw new ShapeError(`${where}: ${name}[${r}] has ${rowArr.length} values, expected ${features} (ragged rows?)`);
      }
      for (let j = 0; j < features; j++) {
        const v = rowArr[j];
        if (typeof v !== 'number') throw new TypeError(`${where}: ${name}[${r}][${j}] must be a number, got ${describe(v)}`);
        out[r * features + j] = v;
      }
    }
    return { data: out, rows };
  }
  if (ArrayBuffer.isView(x)) {
    throw new TypeError(`${where}: ${name} must be a Float32Array or number[][], got ${describe(x)}; convert it with Float32Array.from(...)`);
  }
  throw new TypeError(`${where}: ${name} must be a Float32Array or number[][], got ${describe(x)}`);
}

/**
 * Converts a model's input x: a row-major Float32Array, a Uint8Array of bytes (kept as bytes:
 * the model reads byte / 255), or number[][]. A flat array whose length is not a whole number
 * of examples is an error naming the model's inputShape and the layer that reads it.
 */
export function toInputs(
  where: string,
  name: string,
  x: unknown,
  features: number,
  inputShape: readonly number[],
  firstLayer: string,
): { data: Float32Array | Uint8Array; rows: number } {
  if (x instanceof Float32Array || x instanceof Uint8Array) {
    if (features <= 0 || x.length % features !== 0) {
      const shape = `[${inputShape.join(', ')}]` + (inputShape.length > 1 ? ` = ${inputShape.join(' x ')}` : '');
      const rows = features > 0 ? Math.floor(x.length / features) : 0;
      const left = x.length - rows * features;
      throw new ShapeError(
        `${where}: ${name} has ${x.length} values, which is not a whole number of rows of ${features} features ` +
          `(the model's inputShape ${shape}, read by its first layer ${firstLayer}): ${rows} row${rows === 1 ? '' : 's'} and ${left} value${left === 1 ? '' : 's'} left over`,
      );
    }
    return { data: x, rows: x.length / features };
  }
  if (x instanceof Uint8ClampedArray) return toInputs(where, name, new Uint8Array(x.buffer, x.byteOffset, x.length), features, inputShape, firstLayer);
  if (ArrayBuffer.isView(x) && !Array.isArray(x))
    throw new TypeError(
      `${where}: ${name} must be a Float32Array, a Uint8Array of pixel bytes (read as byte / 255) or number[][], got ${describe(x)}; convert it with Float32Array.from(...)`,
    );
  return toMatrix(where, name, x, features);
}

/** Reports the first NaN or Infinity of a matrix by row and column. */
export function nonFiniteError(where: string, name: string, index: number, value: number, features: number): Error {
  const r = Math.floor(index / features),
    c = index % features;
  return new RangeError(`${where}: ${name} holds ${value} at row ${r}, column ${c}; clean or impute the data first (knobs never drops rows silently)`);
}

/** Labels for a loss: float rows (one-hot / targets) or integer class indices. */
export interface Labels {
  f32?: Float32Array;
  i32?: Int32Array;
  rows: number;
}

/** Converts y for a loss with `outputs` columns; sparse losses take integer labels. */
export function toLabels(where: string, y: unknown, outputs: number, sparse: boolean, loss: Loss): Labels {
  const lossName = lossLabel(loss);
  if (sparse) {
    let labels: Int32Array;
    if (y instanceof Int32Array) labels = y;
    else if (Array.isArray(y) && (y.length === 0 || typeof y[0] === 'number')) {
      labels = new Int32Array(y.length);
      for (let i = 0; i < y.length; i++) {
        const v = y[i];
        if (typeof v !== 'number' || !Number.isInteger(v)) throw new TypeError(`${where}: y[${i}] must be an integer class label, got ${describe(v)}`);
        labels[i] = v;
      }
    } else if (y instanceof Float32Array || y instanceof Uint8Array || y instanceof Uint16Array || y instanceof Int16Array || y instanceof Uint32Array) {
      labels = new Int32Array(y.length);
      for (let i = 0; i < y.length; i++) {
        const v = y[i]!;
        if (!Number.isInteger(v)) throw new TypeError(`${where}: y[${i}] must be an integer class label, got ${v}`);
        labels[i] = v;
      }
    } else {
      throw new TypeError(`${where}: ${lossName} needs integer labels (Int32Array or number[]), got ${describe(y)}`);
    }
    for (let i = 0; i < labels.length; i++) {
      const v = labels[i]!;
      if (v < 0 || v >= outputs) throw new RangeError(`${where}: label ${v} at index ${i} is out of range for ${outputs} classes (0..${outputs - 1})`);
    }
    return { i32: labels, rows: labels.length };
  }
  const flatNumbers = Array.isArray(y) && y.length > 0 && typeof y[0] === 'number';
  const binary = loss === 'binaryCrossentropy';
  if (loss === 'categoricalCrossentropy' && (y instanceof Int32Array || (flatNumbers && outputs > 1))) {
    throw new ShapeError(`${where}: ${lossName} needs one-hot rows of ${outputs} values; for integer class labels use loss 'sparseCategoricalCrossentropy'`);
  }
  let data: Float32Array, rows: number;
  if ((flatNumbers && (outputs === 1 || binary)) || (ArrayBuffer.isView(y) && !(y instanceof Float32Array) && !(y instanceof DataView))) {
    // a flat list of targets (Keras' 1-D y), or an integer/float64 typed array: row-major values
    const flat = y as ArrayLike<unknown>;
    if (outputs <= 0 || flat.length % outputs !== 0) {
      throw new ShapeError(`${where}: y has ${flat.length} values, which is not a whole number of rows of ${outputs} outputs`);
    }
    data = new Float32Array(flat.length);
    for (let i = 0; i < flat.length; i++) {
      const v = flat[i];
      if (typeof v !== 'number' && typeof v !== 'bigint') throw new TypeError(`${where}: y[${i}] must be a number, got ${describe(v)}`);
      data[i] = Number(v);
    }
    rows = flat.length / outputs;
  } else ({ data, rows } = toMatrix(where, 'y', y, outputs));
  // cross-entropy takes one-hot rows or probabilities: a 2 or a -1 is a labelling bug, and its
  // loss and gradient would still be computed (and reward the wrong thing) without a word
  const probabilities = lossName === 'categoricalCrossentropy' || lossName === 'binaryCrossentropy';
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (!Number.isFinite(v)) throw nonFiniteError(where, 'y', i, v, outputs);
    if (probabilities && !(v >= 0 && v <= 1)) {
      const at = outputs > 1 ? `y[${Math.floor(i / outputs)}][${i % outputs}]` : `y[${i}]`;
      throw new RangeError(
        `${where}: ${at} is ${v}, but ${lossName} needs targets in [0, 1] (${outputs > 1 ? 'one-hot rows or probabilities' : '0/1 labels or probabilities'})`,
      );
    }
  }
  return { f32: data, rows };
}

/**
 * Checks that a set of examples has a loss at all: at least one example, and example weights
 * that do not all vanish. Either would make the loss (and `val_loss`) read 0, which early
 * stopping and checkpoints would then take for a perfect model.
 */
export function checkExamples(where: string, rows: number, weights: Float32Array | undefined, weighted: string): void {
  if (rows === 0) throw new RangeError(`${where}: x and y hold no examples: the loss of an empty set would read 0`);
  if (weights) {
    for (let i = 0; i < rows; i++) if (weights[i]! > 0) return;
    throw new RangeError(`${where}: every example weight is 0 (${weighted}): the loss would read 0 and nothing would be learned`);
  }
}

/** Per-example weights: optional sampleWeight times the class weights of each label. */
export function exampleWeights(
  where: string,
  rows: number,
  labels: Labels,
  outputs: number,
  sampleWeight: unknown,
  classWeight: Record<number, number> | 'balanced' | undefined,
): Float32Array | undefined {
  if (classWeight === 'balanced') {
    // scikit-learn's rule: n_samples / (n_classes_present * count of the class)
    const classes = Math.max(2, outputs);
    const counts = new Array<number>(classes).fill(0);
    for (let i = 0; i < rows; i++) counts[classOf(labels, i, outputs)]!++;
    const present = counts.filter((c) => c > 0).length;
    classWeight = Object.fromEntries(counts.map((c, k) => [k, c > 0 ? rows / (present * c) : 0]));
  }
  let w: Float32Array | undefined;
  if (sampleWeight !== undefined) {
    if (!(sampleWeight instanceof Float32Array) && !Array.isArray(sampleWeight)) {
      throw new TypeError(`${where}: sampleWeight must be a Float32Array or number[], got ${describe(sampleWeight)}`);
    }
    if (sampleWeight.length !== rows) throw new ShapeError(`${where}: sampleWeight has ${sampleWeight.length} values for ${rows} examples`);
    w = Float32Array.from(sampleWeight as ArrayLike<number>);
    for (let i = 0; i < rows; i++) {
      if (!(w[i]! >= 0) || !Number.isFinite(w[i]!)) throw new RangeError(`${where}: sampleWeight[${i}] must be a finite number >= 0, got ${w[i]}`);
    }
  }
  if (classWeight !== undefined) {
    if (classWeight === null || typeof classWeight !== 'object')
      throw new TypeError(`${where}: classWeight must map class index to weight, got ${describe(classWeight)}`);
    for (const [k, v] of Object.entries(classWeight)) {
      const c = Number(k);
      if (!Number.isInteger(c) || c < 0 || c >= Math.max(2, outputs))
        throw new RangeError(`${where}: classWeight has class ${k}, out of range for ${outputs} outputs`);
      if (typeof v !== 'number' || !(v >= 0) || !Number.isFinite(v))
        throw new RangeError(`${where}: classWeight[${k}] must be a finite number >= 0, got ${describe(v)}`);
    }
    w ??= new Float32Array(rows).fill(1);
    for (let i = 0; i < rows; i++) w[i]! *= classWeight[classOf(labels, i, outputs)] ?? 1;
  }
  return w;
}

/** The class of example i: its integer label, the argmax of its one-hot row, or its 0/1 target. */
export function classOf(labels: Labels, i: number, outputs: number): number {
  if (labels.i32) return labels.i32[i]!;
  const y = labels.f32!;
  if (outputs === 1) return y[i]! > 0.5 ? 1 : 0;
  let best = 0;
  for (let j = 1; j < outputs; j++) if (y[i * outputs + j]! > y[i * outputs + best]!) best = j;
  return best;
}
