/**
 * The smallest model interface the analysis needs, so that it works with any model that can
 * predict a batch: the trainer's models, a model loaded from disk, or a stub in a test.
 * @module
 */
import { describe } from '../errors';

/**
 * A model that maps a batch of inputs to a batch of outputs. `x` holds rows x inputSize
 * values row-major; the result holds rows x outputSize values (class probabilities, for a
 * classifier), also row-major.
 *
 * @example
 * ```ts
 * // a constant "model" over 2 inputs and 3 classes, for tests
 * const model: Predictor = {
 *   inputSize: 2, outputSize: 3,
 *   predict: (x) => new Float32Array((x.length / 2) * 3).fill(1 / 3),
 * };
 * ```
 */
export interface Predictor {
  predict(x: Float32Array): Float32Array;
  readonly inputSize: number;
  readonly outputSize: number;
}

/** Checks `model` is a {@link Predictor}. */
export function checkPredictor(fn: string, model: unknown): Predictor {
  const m = model as Partial<Predictor> | null;
  if (m === null || typeof m !== 'object' || typeof m.predict !== 'function') {
    throw new TypeError(`${fn}: model must have a predict(x: Float32Array) method, got ${describe(model)}`);
  }
  for (const key of ['inputSize', 'outputSize'] as const) {
    const v = m[key];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new TypeError(`${fn}: model.${key} must be a positive integer, got ${describe(v)}`);
  }
  return m as Predictor;
}

/**
 * Runs `model` over `x` (rows x inputSize), returning rows x outputSize values. Checks the
 * input and output sizes so that a wrong shape fails here, with a message, rather than later.
 */
export function predictRows(fn: string, model: Predictor, x: Float32Array, name = 'x'): { out: Float32Array; rows: number } {
  if (!(x instanceof Float32Array)) throw new TypeError(`${fn}: ${name} must be a Float32Array, got ${describe(x)}`);
  const rows = x.length / model.inputSize;
  if (!Number.isInteger(rows)) throw new RangeError(`${fn}: ${name} must hold rows x ${model.inputSize} values (model.inputSize), got ${x.length}`);
  const out = model.predict(x);
  if (!(out instanceof Float32Array) || out.length !== rows * model.outputSize) {
    throw new RangeError(
      `${fn}: model.predict returned ${describe(out)} for ${rows} rows; expected ${rows * model.outputSize} values (rows x model.outputSize)`,
    );
  }
  return { out, rows };
}

/**
 * The index of the largest value of each row (the predicted class), first index on ties.
 *
 * @example
 * ```ts
 * argmaxRows([0.1, 0.9, 0.6, 0.4], 2); // Int32Array [1, 0]
 * ```
 */
export function argmaxRows(probs: ArrayLike<number>, classes: number): Int32Array {
  const n = Math.floor(probs.length / classes);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0,
      bv = probs[i * classes]!;
    for (let j = 1; j < classes; j++) {
      const v = probs[i * classes + j]!;
      if (v > bv) {
        bv = v;
        best = j;
      }
    }
    out[i] = best;
  }
  return out;
}
