/**
 * Validation of option objects at the public boundary: unknown keys and wrong values throw
 * errors that name the option and the value (`dense: options.units must be a positive
 * integer, got 0`).
 * @internal
 */
import { describe } from '../errors';

/** Throws a TypeError for keys of `options` that are not in `known`. */
export function checkKnownOptions(where: string, options: object | undefined, known: readonly string[]): void {
  if (options === undefined) return;
  if (options === null || typeof options !== 'object') throw new TypeError(`${where}: options must be an object, got ${describe(options)}`);
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      throw new TypeError(`${where}: unknown option ${JSON.stringify(key)}; known options are ${known.join(', ')}`);
    }
  }
}

export function positiveInt(where: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new RangeError(`${where}: ${name} must be a positive integer, got ${describe(value)}`);
  }
  return value;
}

export function nonNegativeInt(where: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new RangeError(`${where}: ${name} must be a non-negative integer, got ${describe(value)}`);
  }
  return value;
}

export function finiteNumber(where: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new RangeError(`${where}: ${name} must be a finite number, got ${describe(value)}`);
  }
  return value;
}

export function numberInRange(where: string, name: string, value: unknown, lo: number, hi: number, loOpen = false, hiOpen = false): number {
  const v = finiteNumber(where, name, value);
  if ((loOpen ? v <= lo : v < lo) || (hiOpen ? v >= hi : v > hi)) {
    throw new RangeError(`${where}: ${name} must be in ${loOpen ? '(' : '['}${lo}, ${hi}${hiOpen ? ')' : ']'}, got ${v}`);
  }
  return v;
}

export function oneOf<T extends string>(where: string, name: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !allowed.includes(value as T)) {
    throw new RangeError(`${where}: ${name} must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}, got ${describe(value)}`);
  }
  return value as T;
}

export function bool(where: string, name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new TypeError(`${where}: ${name} must be a boolean, got ${describe(value)}`);
  return value;
}
