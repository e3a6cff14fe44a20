/**
 * Checks of class-probability matrices (rows x classes, row-major) and of their labels.
 * @module
 */
import { describe } from '../errors';
import { checkLabels, checkPositiveInt, type Labels } from '../metrics/validate';

/** Checks `probs` holds rows x classes finite values; returns the number of rows. */
export function checkProbabilities(fn: string, name: string, probs: unknown, classes: number): number {
  checkPositiveInt(fn, 'classes', classes);
  if (!(probs instanceof Float32Array) && !(probs instanceof Float64Array) && !Array.isArray(probs)) {
    throw new TypeError(`${fn}: ${name} must be a Float32Array of rows x classes probabilities, got ${describe(probs)}`);
  }
  const p = probs as ArrayLike<number>;
  if (p.length % classes !== 0) throw new RangeError(`${fn}: ${name} must hold rows x ${classes} values, got length ${p.length}`);
  for (let i = 0; i < p.length; i++) {
    if (typeof p[i] !== 'number' || !Number.isFinite(p[i])) throw new RangeError(`${fn}: ${name}[${i}] must be a finite probability, got ${describe(p[i])}`);
  }
  return p.length / classes;
}

/** Checks labels are classes in [0, classes) and there is one per row. */
export function checkClassLabels(fn: string, name: string, labels: unknown, rows: number, classes: number): Labels {
  const l = checkLabels(fn, name, labels);
  if (l.length !== rows) throw new RangeError(`${fn}: ${name} must have one label per row (${rows}), got ${l.length}`);
  for (let i = 0; i < l.length; i++) {
    if (l[i]! < 0 || l[i]! >= classes) throw new RangeError(`${fn}: ${name}[${i}] = ${l[i]} is not a class in [0, ${classes})`);
  }
  return l;
}

/** The two most probable classes of row `i`: first index wins ties. */
export function topTwo(probs: ArrayLike<number>, classes: number, i: number): { first: number; p1: number; second: number; p2: number } {
  let first = 0,
    p1 = probs[i * classes]!,
    second = -1,
    p2 = -Infinity;
  for (let j = 1; j < classes; j++) {
    const v = probs[i * classes + j]!;
    if (v > p1) {
      second = first;
      p2 = p1;
      first = j;
      p1 = v;
    } else if (v > p2) {
      second = j;
      p2 = v;
    }
  }
  return { first, p1, second, p2 };
}
