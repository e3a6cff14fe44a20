/**
 * Losses, each fused with its gradient in one kernel, each taking per-example weights.
 *
 * | name | labels | output layer |
 * |---|---|---|
 * | `categoricalCrossentropy` | one-hot (or soft) rows | softmax (fused) or any probabilities |
 * | `sparseCategoricalCrossentropy` | integer class indices | softmax (fused) |
 * | `binaryCrossentropy` | 0/1 targets per output | sigmoid (fused) or any probabilities |
 * | `meanSquaredError` | targets | any |
 *
 * With a softmax (or sigmoid) output and the matching cross-entropy, the activation and the loss
 * are computed together from the logits: stable for any logits, and the gradient is
 * `p - y`, not a ratio of small probabilities. Otherwise probabilities are clipped to
 * [1e-7, 1 - 1e-7], as Keras does.
 *
 * With per-example weights s_i the loss of a batch is the weighted mean `sum(s_i L_i) / sum(s_i)`,
 * as in the lecture; without them, the plain mean.
 * @module
 */
import type { Engine } from './engine/engine';
import {
  f32_binary_cross_entropy_probs,
  f32_cross_entropy_probs,
  f32_mean_squared_error,
  f32_sigmoid_binary_cross_entropy,
  f32_softmax_cross_entropy,
  f32_softmax_cross_entropy_sparse,
} from './engine/kernels/f32_loss';
import { describe } from './errors';

export type LossName = 'categoricalCrossentropy' | 'sparseCategoricalCrossentropy' | 'binaryCrossentropy' | 'meanSquaredError';

export const LOSSES: readonly LossName[] = ['categoricalCrossentropy', 'sparseCategoricalCrossentropy', 'binaryCrossentropy', 'meanSquaredError'];

/** Keras' snake_case aliases. */
const ALIASES: Record<string, LossName> = {
  categorical_crossentropy: 'categoricalCrossentropy',
  sparse_categorical_crossentropy: 'sparseCategoricalCrossentropy',
  binary_crossentropy: 'binaryCrossentropy',
  mean_squared_error: 'meanSquaredError',
  mse: 'meanSquaredError',
};

export function checkLoss(where: string, value: unknown): LossName {
  if (typeof value === 'string') {
    if ((LOSSES as readonly string[]).includes(value)) return value as LossName;
    if (ALIASES[value]) return ALIASES[value];
  }
  throw new RangeError(`${where}: unknown loss ${describe(value)}; expected one of ${LOSSES.join(', ')}`);
}

/** Whether the labels of a loss are integer class indices. */
export function sparseLabels(loss: LossName): boolean {
  return loss === 'sparseCategoricalCrossentropy';
}

/** The output activation a loss can absorb (the fused case). */
export function fusableActivation(loss: LossName): 'softmax' | 'sigmoid' | undefined {
  if (loss === 'categoricalCrossentropy' || loss === 'sparseCategoricalCrossentropy') return 'softmax';
  if (loss === 'binaryCrossentropy') return 'sigmoid';
  return undefined;
}

const EPSILON = 1e-7;

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
export function runLoss(e: Engine, loss: LossName, fused: boolean, a: LossArgs): number {
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
  }
}
