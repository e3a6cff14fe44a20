/**
 * One number per classifier from its per-class scores, to compare classifiers across classes
 * (the lecture's table of classifiers A-F over classes A-D): the arithmetic mean, and the
 * harmonic mean, which a single weak class pulls down more.
 * @module
 */
import { describe } from '../errors';
import { tied } from './validate';

/** The means of per-class scores. */
export interface ClassMeans {
  arithmetic: number;
  /** n / sum(1 / s): 0 when a class scores 0. */
  harmonic: number;
  /** The weakest class's score. */
  min: number;
}

function checkPerClass(fn: string, name: string, scores: unknown): ArrayLike<number> {
  if (!Array.isArray(scores) && !ArrayBuffer.isView(scores))
    throw new TypeError(`${fn}: ${name} must be an array of per-class scores, got ${describe(scores)}`);
  const a = scores as ArrayLike<unknown>;
  if (a.length === 0) throw new RangeError(`${fn}: ${name} must hold at least one score, got an empty array`);
  for (let i = 0; i < a.length; i++) {
    const v = a[i];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new RangeError(`${fn}: ${name}[${i}] must be a finite score >= 0, got ${describe(v)}`);
  }
  return a as ArrayLike<number>;
}

/**
 * The arithmetic and harmonic means (and the minimum) of per-class scores, e.g. the recall or
 * F1 of each class. Values are not rounded.
 *
 * @example
 * ```ts
 * classMeans([0.95, 0.90, 0.94, 0.99]); // { arithmetic: 0.945, harmonic: 0.943914..., min: 0.9 }
 * ```
 */
export function classMeans(perClass: ArrayLike<number>): ClassMeans {
  const s = checkPerClass('classMeans', 'perClass', perClass);
  let sum = 0,
    inv = 0,
    min = Infinity,
    zero = false;
  for (let i = 0; i < s.length; i++) {
    const v = s[i]!;
    sum += v;
    if (v === 0) zero = true;
    else inv += 1 / v;
    min = Math.min(min, v);
  }
  return { arithmetic: sum / s.length, harmonic: zero ? 0 : s.length / inv, min };
}

/** A classifier and its per-class scores, for {@link rankClassifiers}. */
export interface ClassifierScores {
  name: string;
  perClass: ArrayLike<number>;
}

/** One row of {@link rankClassifiers}: the means, and the rank (1 = best). */
export interface RankedClassifier extends ClassMeans {
  name: string;
  rank: number;
  /** Names of classifiers that round to the same value at 2 decimals of a percent but rank differently. */
  tiedAtTwoDecimals: string[];
}

/**
 * Ranks classifiers by a mean of their per-class scores, best first, on the unrounded values:
 * two classifiers can show the same mean at two decimals (94.39% and 94.39%) and still differ.
 * Ties (equal up to rounding noise) keep the input order and share a rank.
 *
 * @example
 * ```ts
 * rankClassifiers([
 *   { name: 'A', perClass: [0.95, 0.90, 0.94, 0.99] },
 *   { name: 'F', perClass: [0.99, 0.91, 0.96, 0.92] },
 * ]).map((r) => r.name); // ['F', 'A']: 94.3925% against 94.3914%, both "94.39%"
 * ```
 */
export function rankClassifiers(candidates: ClassifierScores[], options: { by?: 'harmonic' | 'arithmetic' | 'min' } = {}): RankedClassifier[] {
  const fn = 'rankClassifiers';
  if (!Array.isArray(candidates)) throw new TypeError(`${fn}: candidates must be an array of { name, perClass }, got ${describe(candidates)}`);
  const by = options.by ?? 'harmonic';
  if (!['harmonic', 'arithmetic', 'min'].includes(by)) throw new RangeError(`${fn}: options.by must be 'harmonic', 'arithmetic' or 'min', got ${describe(by)}`);
  const rows = candidates.map((c, i) => {
    if (c === null || typeof c !== 'object' || typeof c.name !== 'string')
      throw new TypeError(`${fn}: candidates[${i}] must be { name: string, perClass: number[] }, got ${describe(c)}`);
    return { name: c.name, ...classMeans(checkPerClass(fn, `candidates[${i}].perClass`, c.perClass)), order: i };
  });
  const same = tied;
  rows.sort((x, y) => y[by] - x[by]);
  const groups: (typeof rows)[] = [];
  for (const r of rows) {
    const g = groups[groups.length - 1];
    if (g && same(g[0]![by], r[by])) g.push(r);
    else groups.push([r]);
  }
  const pct2 = (v: number): string => (v * 100).toFixed(2);
  let rank = 1;
  const out: RankedClassifier[] = [];
  for (const g of groups) {
    g.sort((x, y) => x.order - y.order);
    for (const r of g) {
      const tied = rows.filter((o) => !same(o[by], r[by]) && pct2(o[by]) === pct2(r[by])).map((o) => o.name);
      out.push({ name: r.name, arithmetic: r.arithmetic, harmonic: r.harmonic, min: r.min, rank, tiedAtTwoDecimals: tied });
    }
    rank += g.length;
  }
  return out;
}
