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
