/**
 * Checks shared by the model loaders (knobs' model.json and tfjs' layers format): each takes
 * `where` (the file) and `field` (the JSON path) so that a message names both.
 * @internal
 */
import { describe, ShapeError } from '../errors';

/** Most floats a save may describe (4 GiB of weights: more than a wasm32 engine can hold). */
export const MAX_FLOATS = 2 ** 30;

/** A parsed JSON object. */
export type Plain = Record<string, unknown>;
/** Whether a parsed JSON value is an object (not null, not an array). */
export const isPlain = (v: unknown): v is Plain => v !== null && typeof v === 'object' && !Array.isArray(v);
/** A field of a parsed JSON object, never one inherited from Object.prototype (`constructor`, `__proto__`). */
export const own = (o: Plain, key: string): unknown => (Object.prototype.hasOwnProperty.call(o, key) ? o[key] : undefined);

/** Rethrows a knobs error (TypeError, RangeError, ShapeError) with `where` in front of its message. */
export function within<T>(where: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    throw relabel(e, where);
  }
}

/** The same error with `where` in front of its message, keeping knobs' error classes. */
export function relabel(e: unknown, where: string): unknown {
  if (e instanceof ShapeError) return new ShapeError(`${where}: ${e.message}`);
  if (e instanceof TypeError) return new TypeError(`${where}: ${e.message}`);
  if (e instanceof RangeError) return new RangeError(`${where}: ${e.message}`);
  if (e instanceof Error) return new Error(`${where}: ${e.message}`);
  return e;
}

/** `v` as an object, or a TypeError naming `field`. */
export function object(where: string, field: string, v: unknown): Plain {
  if (!isPlain(v)) throw new TypeError(`${where}: ${field} must be an object, got ${describe(v)}`);
  return v;
}

/** `v` as a string, or a TypeError naming `field`. */
export function string(where: string, field: string, v: unknown): string {
  if (typeof v !== 'string') throw new TypeError(`${where}: ${field} must be a string, got ${describe(v)}`);
  return v;
}

/** `v` as an integer from `min` to `max`, or an error naming `field` and the value. */
export function count(where: string, field: string, v: unknown, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== 'number') throw new TypeError(`${where}: ${field} must be an integer, got ${describe(v)}`);
  if (!Number.isInteger(v) || v < min || v > max) throw new RangeError(`${where}: ${field} must be an integer from ${min} to ${max}, got ${v}`);
  return v;
}

/** `v` as an array, or a TypeError naming `field`. */
export function array(where: string, field: string, v: unknown): unknown[] {
  if (!Array.isArray(v)) throw new TypeError(`${where}: ${field} must be an array, got ${describe(v)}`);
  return v;
}

/** `v` as a shape (integers of at least `min`) holding at most MAX_FLOATS values. */
export function shapeOf(where: string, field: string, v: unknown, min: number): number[] {
  const dims = array(where, field, v).map((d, i) => count(where, `${field}[${i}]`, d, min, MAX_FLOATS));
  const n = dims.reduce((a, b) => a * b, 1);
  if (n > MAX_FLOATS) throw new RangeError(`${where}: ${field} [${dims.join(', ')}] holds ${n} values, more than ${MAX_FLOATS}`);
  return dims;
}

/**
 * A weight file's path in the manifest: relative, inside the model's folder. Absolute paths,
 * `..` and empty segments are refused, so a manifest cannot make a loader read `/dev/zero` or
 * another folder's files.
 */
export function checkWeightPath(where: string, field: string, v: unknown): string {
  const p = string(where, field, v);
  const bad = p === '' || p.includes('\0') || /^[/\\]/.test(p) || /^[a-z]:/i.test(p) || p.split(/[/\\]/).some((s) => s === '..' || s === '.' || s === '');
  if (bad) throw new RangeError(`${where}: ${field} must be a relative path inside the model's folder, got ${describe(p)}`);
  return p;
}

/** Whether a parsed model.json is in TensorFlow.js' layers format (rather than knobs'). */
export function isTfjsModelJson(json: unknown): boolean {
  if (!isPlain(json)) return false;
  const format = own(json, 'format');
  if (format === 'layers-model') return true;
  // the tfjs converter's early versions wrote no format: a modelTopology in Keras' spelling
  const topo = own(json, 'modelTopology');
  return format === undefined && isPlain(topo) && (own(topo, 'class_name') !== undefined || own(topo, 'model_config') !== undefined);
}
