/**
 * Option checks for the public boundary of `knobs/tune`: messages name the function, the
 * option and the value (`suggestFloat: low must be <= high, got low=1, high=0`).
 * @internal
 */
import { describe } from '../errors';

/** Rejects unknown keys and non-objects. `undefined` means "no options". */
export function checkOptions(fn: string, options: unknown, allowed: readonly string[]): Record<string, unknown> {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError(`${fn}: options must be an object, got ${describe(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key)) {
      throw new TypeError(`${fn}: unknown option ${JSON.stringify(key)} (known: ${allowed.join(', ')})`);
    }
  }
  return options as Record<string, unknown>;
}

export function checkFinite(fn: string, name: string, value: unknown): number {
  if (typeof value !== 'number') throw new TypeError(`${fn}: ${name} must be a number, got ${describe(value)}`);
  if (!Number.isFinite(value)) throw new RangeError(`${fn}: ${name} must be finite, got ${value}`);
  return value;
}

export function checkInteger(fn: string, name: string, value: unknown, min = -Infinity): number {
  if (typeof value !== 'number') throw new TypeError(`${fn}: ${name} must be an integer, got ${describe(value)}`);
  if (!Number.isInteger(value)) throw new RangeError(`${fn}: ${name} must be an integer, got ${value}`);
  if (value < min) throw new RangeError(`${fn}: ${name} must be an integer >= ${min}, got ${value}`);
  return value;
}

export function checkPositive(fn: string, name: string, value: unknown): number {
  const v = checkFinite(fn, name, value);
  if (!(v > 0)) throw new RangeError(`${fn}: ${name} must be > 0, got ${v}`);
  return v;
}

export function checkBoolean(fn: string, name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new TypeError(`${fn}: ${name} must be a boolean, got ${describe(value)}`);
  return value;
}

export function checkString(fn: string, name: string, value: unknown): string {
  if (typeof value !== 'string') throw new TypeError(`${fn}: ${name} must be a string, got ${describe(value)}`);
  return value;
}

export function checkFunction<F>(fn: string, name: string, value: unknown): F {
  if (typeof value !== 'function') throw new TypeError(`${fn}: ${name} must be a function, got ${describe(value)}`);
  return value as F;
}

/** `undefined` passes through; otherwise `check` applies. */
export function optional<T>(value: unknown, check: (v: unknown) => T): T | undefined {
  return value === undefined ? undefined : check(value);
}

export { describe };
