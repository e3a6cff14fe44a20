/**
 * Weight regularizers with Keras semantics: `l2(c)` adds `c * sum(W^2)` to the loss, `l1(c)`
 * adds `c * sum(|W|)`, `l1l2({l1, l2})` both.
 *
 * The lecture writes the L2 penalty as `lambda / (2m) * ||W||_F^2`; that is `l2(lambda / (2 * m))`
 * here, with m the number of training examples:
 *
 * ```ts
 * const lambda = 0.7, m = 8000;
 * knobs.layers.dense({ units: 64, kernelRegularizer: knobs.regularizers.l2(lambda / (2 * m)) });
 * ```
 * @module
 */
import { describe } from './errors';
import { checkKnownOptions, finiteNumber } from './util/options';
import { NameTable } from './util/names';

/** A penalty on a weight: `l1 * sum|w| + l2 * sum w^2`. */
export interface Regularizer {
  readonly l1: number;
  readonly l2: number;
}

function make(where: string, l1: number, l2: number): Regularizer {
  finiteNumber(where, 'l1', l1);
  finiteNumber(where, 'l2', l2);
  if (l1 < 0 || l2 < 0) throw new RangeError(`${where}: factors must be >= 0, got l1=${l1}, l2=${l2}`);
  return Object.freeze({ l1, l2 });
}

/** `c * sum(|W|)`. */
export function l1(c = 0.01): Regularizer {
  return make('regularizers.l1', c, 0);
}

/** `c * sum(W^2)` (Keras' definition; the lecture's lambda/(2m) form is `l2(lambda / (2 * m))`). */
export function l2(c = 0.01): Regularizer {
  return make('regularizers.l2', 0, c);
}

/** `l1 * sum(|W|) + l2 * sum(W^2)`. */
export function l1l2(options: { l1?: number; l2?: number } = {}): Regularizer {
  checkKnownOptions('regularizers.l1l2', options, ['l1', 'l2']);
  return make('regularizers.l1l2', options.l1 ?? 0.01, options.l2 ?? 0.01);
}

/** Regularizers by name (Keras' `kernel_regularizer='l2'`), with their default factors 0.01. */
const BY_NAME = new NameTable<() => Regularizer>([
  ['l1', () => l1()],
  ['l2', () => l2()],
  ['l1l2', () => l1l2()],
]);

/** Validates a regularizer given by a user (an object of knobs.regularizers, or 'l1', 'l2', 'l1l2' in any capitalization) or read from model.json. */
export function getRegularizer(where: string, value: unknown): Regularizer | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') {
    const hit = BY_NAME.get(value);
    if (!hit)
      throw new RangeError(`${where}: unknown regularizer ${describe(value)}; expected one of ${BY_NAME.names.join(', ')} or a knobs.regularizers object`);
    return hit.value();
  }
  if (typeof value === 'object' && 'l1' in value && 'l2' in value) {
    const r = value as Regularizer;
    return make(where, r.l1, r.l2);
  }
  throw new TypeError(`${where}: expected a regularizer from knobs.regularizers, got ${describe(value)}`);
}
