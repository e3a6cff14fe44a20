/**
 * The optimizer step of a fit, defined once for every runner: the single-threaded runner
 * (src/model/fit.ts), the workers on shared memory (workers/session.ts, each stepping its own
 * range of the parameters) and the message-passing fallback (workers/transfer-parallel.ts, the
 * main thread stepping every range).
 *
 * After the shards' forward and backward passes, every runner takes the same steps in the same
 * order:
 *
 * 1. the regularization penalty of the weights ({@link stepPenalty}, each part its own range,
 *    summed over the parts in part order);
 * 2. the batch's loss, `lossSum / weight + penalty`: when it is not finite nothing moves and the
 *    step reports {@link STEP_NONFINITE_LOSS} ({@link stepUpdate} checks it first);
 * 3. the shards' gradient slots reduced in slot order, and the regularization gradient added;
 * 4. with `clipNorm`, the global norm over every part's range: when it is not finite nothing
 *    moves and the step reports {@link STEP_NONFINITE_NORM}; else the gradient is scaled by
 *    `clipNorm / (norm + 1e-6)` when that is below 1;
 * 5. the optimizer over the trainable ranges (frozen weights and their optimizer state never
 *    move);
 * 6. the layers' state (batch-norm moving statistics) with {@link updateLayerStates}, or, in
 *    the message fallback, from the shards' merged batch statistics.
 *
 * A runner records the training health from the gradient as step 4 leaves it, for steps that
 * pass. How a runner reports a divergence is its own: the one-thread and message runners throw
 * at once, the workers return the status so that every worker skips the step alike.
 * @module
 */
import type { Engine } from '../engine/engine';
import { f32_l1l2, f32_reduce_slots, f32_scale, f32_sum_squares } from '../engine/kernels/f32_elementwise';
import type { LayerScratch, StepContext } from '../layers/layer';
import type { Optimizer } from '../optimizers/optimizer';
import { regularize, type ModelCore } from './runtime';

/** The step ran. */
export const STEP_OK = 0;
/** The batch's loss (with the penalty) was not finite: nothing moved. */
export const STEP_NONFINITE_LOSS = 1;
/** The gradient's global norm was not finite (checked when clipping): nothing moved. */
export const STEP_NONFINITE_NORM = 2;
/** What {@link stepUpdate} returns. */
export type StepStatus = typeof STEP_OK | typeof STEP_NONFINITE_LOSS | typeof STEP_NONFINITE_NORM;

/** One runner's part of the step, set up once per fit and reused every step (no allocation per step). */
export interface StepPart {
  e: Engine;
  core: ModelCore;
  optimizer: Optimizer;
  /** The float range [from, to) of the parameter buffer this part steps. */
  from: number;
  to: number;
  clipNorm: number | undefined;
  /** The gradient: `slots` shard slots of `stride` floats from byte offset `grads`; the step reduces its range into the first. */
  grads: number;
  stride: number;
  slots: number;
  /**
   * Sums a value over every part, in part order, giving each part the same sum (the workers on
   * shared memory exchange it at a barrier); a part that steps the whole range returns it.
   */
  sumParts: (value: number) => number;
  /** The value that was not finite when the last step did not run (the loss or the norm). */
  diverged: number;
  /** Scratch for the optimizer state's offsets at a range. */
  slotAt: number[];
}

/** A step part; `sumParts` defaults to a lone part's (the value itself). */
export function stepPart(o: Omit<StepPart, 'diverged' | 'slotAt' | 'sumParts'> & { sumParts?: (value: number) => number }): StepPart {
  return { ...o, sumParts: o.sumParts ?? ((v) => v), diverged: 0, slotAt: o.optimizer.slotNames.map(() => 0) };
}

/**
 * This part's share of the regularization penalty (Keras semantics: `l2 * sum(w^2) + l1 * sum(|w|)`,
 * a frozen layer's included), over its range of the parameters at `params`. It reads only the
 * weights, so a worker computes it before the shards' gradients are complete.
 */
export function stepPenalty(p: StepPart, params: number): number {
  let penalty = 0;
  for (const r of p.core.regularized) {
    const a = Math.max(p.from, r.offset),
      b = Math.min(p.to, r.offset + r.length);
    if (b > a) penalty += f32_l1l2(p.e, params + a * 4, 0, b - a, r.l1, r.l2);
  }
  return penalty;
}

/**
 * Steps 2 to 5 of the step on this part's range: checks the batch's `loss` (with the penalty,
 * the same value in every part), reduces the gradient slots, adds the regularization gradient,
 * clips, and runs the optimizer from `params` with its state at `optSlots`, at step `t` (1-based)
 * and learning rate `lr`, writing to `params + out` (0: in place). Returns {@link STEP_OK}, or
 * the divergence (then nothing moved and `p.diverged` holds the value).
 */
export function stepUpdate(p: StepPart, loss: number, params: number, optSlots: readonly number[], t: number, lr: number, out = 0): StepStatus {
  if (!Number.isFinite(loss)) {
    p.diverged = loss;
    return STEP_NONFINITE_LOSS;
  }
  const { e, from, to } = p,
    n = to - from,
    g = p.grads + from * 4;
  if (n > 0 && p.slots > 1) f32_reduce_slots(e, g, p.stride, p.slots, g, n);
  regularize(e, p.core, params, p.grads, from, to);
  if (p.clipNorm !== undefined) {
    const norm = Math.sqrt(p.sumParts(n > 0 ? f32_sum_squares(e, g, n) : 0));
    if (!Number.isFinite(norm)) {
      p.diverged = norm;
      return STEP_NONFINITE_NORM;
    }
    const coef = p.clipNorm / (norm + 1e-6);
    if (coef < 1 && n > 0) f32_scale(e, g, g, n, coef);
  }
  for (const r of p.core.trainableRanges) {
    const a = Math.max(from, r.offset),
      b = Math.min(to, r.offset + r.length);
    if (b <= a) continue;
    for (let k = 0; k < optSlots.length; k++) p.slotAt[k] = optSlots[k]! + a * 4;
    p.optimizer.step(e, params + a * 4, p.grads + a * 4, p.slotAt, b - a, t, lr, out);
  }
  return STEP_OK;
}

/** Step 6: every layer's state update (batch norm's moving statistics) from this step's scratch, into `ctx.state`. */
export function updateLayerStates(ctx: StepContext, core: ModelCore, scratch: readonly LayerScratch[]): void {
  for (const l of core.layers) l.updateState(ctx, scratch[l.index]!);
}
