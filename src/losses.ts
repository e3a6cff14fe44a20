/**
 * Losses, each fused with its gradient in one kernel, each taking per-example weights.
 *
 * | name (aliases) | labels | output layer |
 * |---|---|---|
 * | `categoricalCrossentropy` | one-hot (or soft) rows | softmax (fused) or any probabilities |
 * | `sparseCategoricalCrossentropy` | integer class indices | softmax (fused) |
 * | `binaryCrossentropy` | 0/1 targets per output (Float32Array, Int32Array or number[]) | sigmoid (fused) or any probabilities |
 * | `meanSquaredError` (`mse`) | targets | any |
 * | `meanAbsoluteError` (`mae`) | targets | any |
 * | `huber` (delta 1, as Keras) | targets | any |
 * | `logCosh` | targets | any |
 *
 * Names match in any capitalization and in Keras' snake_case (`'categorical_crossentropy'`,
 * `'MeanSquaredError'`), and the functions of `knobs.losses` stand for their names too.
 *
 * With a softmax (or sigmoid) output and the matching cross-entropy, the activation and the loss
 * are computed together from the logits: stable for any logits, and the gradient is
 * `p - y`, not a ratio of small probabilities. Otherwise probabilities are clipped to
 * [1e-7, 1 - 1e-7], as Keras does.
 *
 * With per-example weights s_i the loss of a batch is the weighted mean `sum(s_i L_i) / sum(s_i)`,
 * as in the lecture; without them, the plain mean.
 *
 * ## Custom losses
 *
 * `compile({ loss: fn })` takes a {@link LossFunction}: knobs calls it once per batch with the
 * labels and the predictions as row-major Float32Arrays (copies: changing them has no effect) and
 * the batch's shape, and it returns the per-example losses, one per row, and optionally their
 * gradient (`grad[i * cols + j]` = dL_i / d yPred[i, j]). Each L_i must depend on row i only.
 * Without `grad`, knobs takes central differences, perturbing one column of every row at once:
 * 2 * cols more calls per training batch, and gradients good to about 1e-3 relative in float32.
 * knobs applies the example weights and the mean over the batch itself. A custom loss trains on
 * one thread (fit rejects `workers` other than 1 for it: a function cannot be sent to a worker),
 * and a model compiled with one saves without its training configuration (compile it again after
 * loading).
 * @module
 */
import type { Engine } from './engine/engine';
import {
  f32_binary_cross_entropy_probs,
  f32_cross_entropy_probs,
  f32_custom_loss_reduce,
  f32_huber,
  f32_log_cosh,
  f32_mean_absolute_error,
  f32_mean_squared_error,
  f32_sigmoid_binary_cross_entropy,
  f32_softmax_cross_entropy,
  f32_softmax_cross_entropy_sparse,
} from './engine/kernels/f32_loss';
import { ShapeError, describe } from './errors';
import { NameTable } from './util/names';

export type LossName =
  'categoricalCrossentropy' | 'sparseCategoricalCrossentropy' | 'binaryCrossentropy' | 'meanSquaredError' | 'meanAbsoluteError' | 'huber' | 'logCosh';

export const LOSSES: readonly LossName[] = [
  'categoricalCrossentropy',
  'sparseCategoricalCrossentropy',
  'binaryCrossentropy',
  'meanSquaredError',
  'meanAbsoluteError',
  'huber',
  'logCosh',
];

/** What a {@link LossFunction} returns: per-example losses and, optionally, their gradient. */
export interface LossFunctionResult {
  /** One loss per row (example). */
  loss: ArrayLike<number>;
  /** rows x cols, row-major: dL_i / d yPred[i, j]. Omitted: knobs takes central differences. */
  grad?: ArrayLike<number>;
}

/**
 * A user's loss: per-example losses (and optionally their gradient) of one batch. See the
 * module's documentation for the contract.
 * @example
 * ```ts
 * // mean squared error written by hand, with its gradient
 * const mse: knobs.LossFunction = (yTrue, yPred, { rows, cols }) => {
 *   const loss = new Float32Array(rows), grad = new Float32Array(rows * cols);
 *   for (let i = 0; i < rows * cols; i++) {
 *     const d = yPred[i]! - yTrue[i]!;
 *     loss[Math.floor(i / cols)] += (d * d) / cols;
 *     grad[i] = (2 * d) / cols;
 *   }
 *   return { loss, grad };
 * };
 * model.compile({ optimizer: 'adam', loss: mse });
 * ```
 */
export type LossFunction = (yTrue: Float32Array, yPred: Float32Array, shape: { rows: number; cols: number }) => LossFunctionResult | ArrayLike<number>;

/** A loss as a model holds it: a built-in's name, or a user's function. */
export type Loss = LossName | LossFunction;

/** The shape of a `knobs.losses` function (mean loss of labels and predictions), which compile takes for its name. */
export type BuiltinLossFunction = (yTrue: never, yPred: never, options?: never) => number;

const TABLE = new NameTable<LossName>(
  LOSSES.map((n) => [n, n] as const),
  { mse: 'meanSquaredError', mae: 'meanAbsoluteError', huberLoss: 'huber' },
);

/** The functions of `knobs.losses`, which stand for their names when given to compile (filled by loss-functions.ts). */
const BUILTIN = new Map<unknown, LossName>();

/** @internal Registers a `knobs.losses` function as its built-in loss. */
export function registerBuiltinLoss(fn: unknown, name: LossName): void {
  BUILTIN.set(fn, name);
}

/** Resolves a loss name (any capitalization, snake_case) or function; throws a RangeError listing the names. */
export function checkLoss(where: string, value: unknown): Loss {
  const hit = TABLE.get(value);
  if (hit) return hit.value;
  if (typeof value === 'function') return BUILTIN.get(value) ?? (value as LossFunction);
  throw new RangeError(
    `${where}: unknown loss ${describe(value)}; expected one of ${LOSSES.join(', ')}, or a loss function (yTrue, yPred, shape) => { loss, grad }`,
  );
}

/** The name a loss goes by in messages. */
export function lossLabel(loss: Loss): string {
  return typeof loss === 'function' ? `the custom loss ${loss.name ? JSON.stringify(loss.name) : 'function'}` : loss;
}

/** Whether the labels of a loss are integer class indices. */
export function sparseLabels(loss: Loss): boolean {
  return loss === 'sparseCategoricalCrossentropy';
}

/** The output activation a loss can absorb (the fused case). */
export function fusableActivation(loss: Loss): 'softmax' | 'sigmoid' | undefined {
  if (loss === 'categoricalCrossentropy' || loss === 'sparseCategoricalCrossentropy') return 'softmax';
  if (loss === 'binaryCrossentropy') return 'sigmoid';
  return undefined;
}

const EPSILON = 1e-7;
/** Keras' default delta of the Huber loss. */
export const HUBER_DELTA = 1;

/** Buffers of one loss evaluation (byte offsets; 0 for none). */
export interface LossArgs {
  /** The output layer's result: logits when fused, else its activations. */
  output: number;
  labelsF32: number;
  labelsI32: number;
  weights: number;
  rows: number;
  cols: number;
  /** Receives the probabilities (fused case) for metrics and predictions. */
  probs: number;
  /** Receives scale * w_i * dL_i/d(output). */
  grad: number;
  scale: number;
}

/** Runs the loss kernel; returns the weighted sum of the per-example losses. */
export function runLoss(e: Engine, loss: Loss, fused: boolean, a: LossArgs): number {
  if (typeof loss === 'function') return runCustomLoss(e, loss, a);
  switch (loss) {
    case 'categoricalCrossentropy':
      return fused
        ? f32_softmax_cross_entropy(e, a.output, a.labelsF32, a.weights, a.rows, a.cols, a.probs, a.grad, a.scale)
        : f32_cross_entropy_probs(e, a.output, a.labelsF32, a.weights, a.rows, a.cols, a.grad, a.scale, EPSILON);
    case 'sparseCategoricalCrossentropy':
      if (!fused) throw new Error('sparseCategoricalCrossentropy needs a softmax output layer');
      return f32_softmax_cross_entropy_sparse(e, a.output, a.labelsI32, a.weights, a.rows, a.cols, a.probs, a.grad, a.scale);
    case 'binaryCrossentropy':
      return fused
        ? f32_sigmoid_binary_cross_entropy(e, a.output, a.labelsF32, a.weights, a.rows, a.cols, a.probs, a.grad, a.scale)
        : f32_binary_cross_entropy_probs(e, a.output, a.labelsF32, a.weights, a.rows, a.cols, a.grad, a.scale, EPSILON);
    case 'meanSquaredError':
      return f32_mean_squared_error(e, a.output, a.labelsF32, a.weights, a.rows, a.cols, a.grad, a.scale);
    case 'meanAbsoluteError':
      return f32_mean_absolute_error(e, a.output, a.labelsF32, a.weights, a.rows, a.cols, a.grad, a.scale);
    case 'huber':
      return f32_huber(e, a.output, a.labelsF32, a.weights, a.rows, a.cols, a.grad, a.scale, HUBER_DELTA);
    case 'logCosh':
      return f32_log_cosh(e, a.output, a.labelsF32, a.weights, a.rows, a.cols, a.grad, a.scale);
  }
}

/** Calls a user's loss and checks what it returned. */
function callLoss(
  fn: LossFunction,
  yTrue: Float32Array,
  yPred: Float32Array,
  rows: number,
  cols: number,
): { loss: ArrayLike<number>; grad?: ArrayLike<number> } {
  const r = fn(yTrue, yPred, { rows, cols });
  const W = 'custom loss';
  const res: LossFunctionResult = r !== null && typeof r === 'object' && 'loss' in r ? (r as LossFunctionResult) : { loss: r as ArrayLike<number> };
  const { loss, grad } = res;
  if (loss === null || typeof loss !== 'object' || typeof loss.length !== 'number') {
    throw new TypeError(`${W}: must return the per-example losses (an array of ${rows}) or { loss, grad }, got ${describe(r)}`);
  }
  if (loss.length !== rows) throw new ShapeError(`${W}: returned ${loss.length} losses for a batch of ${rows} examples (one loss per example)`);
  if (grad !== undefined && (grad === null || typeof grad !== 'object' || grad.length !== rows * cols)) {
    throw new ShapeError(`${W}: grad must hold rows x cols = ${rows * cols} values, got ${describe(grad)}`);
  }
  return grad === undefined ? { loss } : { loss, grad };
}

/**
 * A user's loss on one batch: its per-example losses, and its gradient (or central differences,
 * one column of every row at a time), weighted and scaled in engine memory by
 * f32_custom_loss_reduce as the built-in kernels do.
 */
function runCustomLoss(e: Engine, fn: LossFunction, a: LossArgs): number {
  const { rows, cols } = a;
  const n = rows * cols;
  const yTrue = e.f32.slice(a.labelsF32 >> 2, (a.labelsF32 >> 2) + n);
  const yPred = e.f32.slice(a.output >> 2, (a.output >> 2) + n);
  const { loss, grad } = callLoss(fn, yTrue, yPred.slice(), rows, cols);
  if (a.grad !== 0) {
    if (grad !== undefined) e.f32.set(grad, a.grad >> 2);
    else e.f32.set(numericalGrad(fn, yTrue, yPred, rows, cols), a.grad >> 2);
  }
  const losses = e.allocF32(Math.max(1, rows));
  try {
    e.f32.set(loss, losses >> 2);
    return f32_custom_loss_reduce(e, losses, a.weights, rows, cols, a.grad, a.scale);
  } finally {
    e.free(losses);
  }
}

/**
 * Central differences of per-example losses: every row's column j moves at once (L_i depends on
 * row i only), so the gradient costs 2 * cols calls. The step is 1e-3 * max(1, |p|) (float32
 * predictions: a smaller step would drown in rounding).
 */
function numericalGrad(fn: LossFunction, yTrue: Float32Array, yPred: Float32Array, rows: number, cols: number): Float32Array {
  const grad = new Float32Array(rows * cols);
  const plus = yPred.slice(),
    minus = yPred.slice();
  const h = new Float64Array(rows);
  for (let j = 0; j < cols; j++) {
    for (let i = 0; i < rows; i++) {
      const k = i * cols + j,
        p = yPred[k]!;
      const step = 1e-3 * Math.max(1, Math.abs(p));
      plus[k] = p + step;
      minus[k] = p - step;
      // the steps actually taken, after rounding to float32
      h[i] = plus[k]! - minus[k]!;
    }
    const lp = callLoss(fn, yTrue, plus.slice(), rows, cols).loss;
    const lm = callLoss(fn, yTrue, minus.slice(), rows, cols).loss;
    for (let i = 0; i < rows; i++) {
      const k = i * cols + j;
      grad[k] = (lp[i]! - lm[i]!) / h[i]!;
      plus[k] = minus[k] = yPred[k]!;
    }
  }
  return grad;
}
