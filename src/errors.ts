/**
 * Errors thrown by knobs. Wrong types throw `TypeError`, wrong values `RangeError`, and
 * mismatched shapes {@link ShapeError}; every message names the option or argument and the
 * value it got.
 * @module
 */

/** Thrown when arrays or tensors do not have the shapes an operation needs. */
export class ShapeError extends Error {
  override name = 'ShapeError';
}

/** Thrown when training diverges (NaN or Infinity in the loss). */
export class NonFiniteLossError extends Error {
  override name = 'NonFiniteLossError';
}

/**
 * The error `fit` raises when the loss (or the gradient norm) stops being finite, with where
 * it happened and what to try. Every runner (one thread, the pool, the fallback) raises this.
 * @internal
 */
export function divergenceError(what: 'loss' | 'gradient norm', value: number, epoch: number, batch: number, learningRate: number): NonFiniteLossError {
  return new NonFiniteLossError(
    `fit: the ${what} became ${Number.isNaN(value) ? 'NaN' : value} at epoch ${epoch + 1}, batch ${batch + 1}; the weights are those of the last finite step. ` +
      `Is the learning rate too high (now ${learningRate})? Try a lower one, clipNorm, or batch normalization.`,
  );
}

/** Describes a value for an error message: its type and, for short values, the value itself. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? value.slice(0, 57) + '...' : value);
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name} of length ${(value as unknown as ArrayLike<unknown>).length}`;
  if (typeof value === 'function') return 'a function';
  return `an object (${Object.prototype.toString.call(value).slice(8, -1)})`;
}
