/**
 * The step engine of a model: per-shard buffers, and the forward, loss, backward and update
 * code of one optimizer step, on byte offsets only.
 *
 * Nothing here knows about threads. The single-threaded `fit` runs one shard covering the whole
 * batch; the worker pool (workers/) runs the same functions in each worker over shared memory,
 * one shard per worker, with a real barrier in the StepContext.
 * @module
 */
import type { Engine } from '../engine/engine';
import { f32_count_correct } from '../engine/kernels/f32_accuracy';
import { f32_l1l2 } from '../engine/kernels/f32_elementwise';
import { runLoss, type LossName } from '../losses';
import type { Layer, LayerScratch, StepContext } from '../layers/layer';

/** What the step code needs to know about a compiled model. */
export interface ModelCore {
  layers: Layer[];
  inputSize: number;
  outputSize: number;
  /** Trainable floats (the parameter buffer and each gradient slot). */
  paramCount: number;
  /** Non-trainable floats (moving statistics). */
  stateCount: number;
  loss: LossName;
  /** The output layer's softmax/sigmoid is computed by the loss kernel. */
  fused: boolean;
  /** Regularized weight regions: float offset, length, factors. */
  regularized: { offset: number; length: number; l1: number; l2: number }[];
  /** For each layer, whether backward must produce the gradient w.r.t. its input. */
  needsInputGrad: boolean[];
}

/** One shard's buffers (byte offsets). */
export interface ShardBuffers {
  /** Input rows (rowsCap x inputSize), labels and weights of this shard. */
  x: number;
  /** Augmented input rows (rowsCap x inputSize) when training augments, else 0. */
  xAug: number;
  /** Workspace of the augmentation pipeline, else 0. */
  augWs: number;
  labelsF32: number;
  labelsI32: number;
  weights: number;
  /** Output probabilities (rowsCap x outputSize) when the loss is fused. */
  probs: number;
  /** Two gradient buffers of rowsCap x the widest layer, used in turn. */
  dA: [number, number];
  layers: LayerScratch[];
  gemmWs: number;
  /** This shard's gradient slot (paramCount floats). */
  grads: number;
}

/** Byte sizes a shard needs, per buffer. */
export function shardSizes(core: ModelCore, rowsCap: number, sparse: boolean): Record<string, number> {
  let widest = core.inputSize;
  for (const l of core.layers) widest = Math.max(widest, l.outputSize);
  return {
    x: rowsCap * core.inputSize * 4,
    labelsF32: sparse ? 0 : rowsCap * core.outputSize * 4,
    labelsI32: sparse ? rowsCap * 4 : 0,
    weights: rowsCap * 4,
    probs: rowsCap * core.outputSize * 4,
    dA: rowsCap * widest * 4,
  };
}

/** Allocates one shard's buffers. `grads` 0 allocates a gradient slot; `gemmWs` 0 allocates a workspace. */
export function allocateShard(e: Engine, core: ModelCore, rowsCap: number, sparse: boolean, grads = 0, gemmWs = 0, augWsBytes = 0): ShardBuffers {
  const s = shardSizes(core, rowsCap, sparse);
  const take = (bytes: number): number => (bytes > 0 ? e.allocF32(Math.ceil(bytes / 4)) : 0);
  const layers = core.layers.map((l) => {
    const spec = l.scratchSpec(rowsCap);
    const sc: LayerScratch = { out: take(spec.out * 4), extra: {} };
    for (const [k, n] of Object.entries(spec.extra)) sc.extra[k] = take(n * 4);
    (l as { initScratch?: (ctx: { e: Engine }, sc: LayerScratch) => void }).initScratch?.({ e }, sc);
    return sc;
  });
  return {
    x: take(s.x!),
    xAug: augWsBytes ? take(s.x!) : 0,
    augWs: augWsBytes ? e.alloc(augWsBytes) : 0,
    labelsF32: take(s.labelsF32!),
    labelsI32: take(s.labelsI32!),
    weights: take(s.weights!),
    probs: take(s.probs!),
    dA: [take(s.dA!), take(s.dA!)],
    layers,
    gemmWs: gemmWs || e.alloc(e.gemmWorkspaceBytes),
    grads: grads || e.allocF32(Math.max(1, core.paramCount)),
  };
}

/** Frees a shard's buffers, except the gradient slot and workspace when they were given. */
export function freeShard(e: Engine, sb: ShardBuffers, ownGrads: boolean, ownWs: boolean): void {
  const ptrs = [sb.x, sb.xAug, sb.augWs, sb.labelsF32, sb.labelsI32, sb.weights, sb.probs, sb.dA[0], sb.dA[1]];
  for (const sc of sb.layers) ptrs.push(sc.out, ...Object.values(sc.extra));
  if (ownGrads) ptrs.push(sb.grads);
  if (ownWs) ptrs.push(sb.gemmWs);
  for (const p of ptrs) if (p) e.free(p);
}

/** Runs the layers forward on ctx.rows rows of `input`; returns each layer's input and output. */
export function forward(ctx: StepContext, core: ModelCore, sb: ShardBuffers, input: number): { inputs: number[]; outputs: number[] } {
  const inputs: number[] = [],
    outputs: number[] = [];
  let cur = input;
  for (let i = 0; i < core.layers.length; i++) {
    inputs.push(cur);
    cur = core.layers[i]!.forward(ctx, sb.layers[i]!, cur);
    outputs.push(cur);
  }
  return { inputs, outputs };
}

/** Where a forward pass's predictions are: the probabilities of a fused loss, or the last output. */
export function predictionsOf(core: ModelCore, sb: ShardBuffers, outputs: number[]): number {
  return core.fused ? sb.probs : outputs[outputs.length - 1]!;
}

/** Result of one shard's forward + loss (+ backward). */
export interface ShardResult {
  /** Weighted sum of the per-example losses (without regularization). */
  lossSum: number;
  /** Weighted count of correct predictions. */
  correct: number;
  /** Byte offset of the predictions (rows x outputSize); valid only without the backward pass, which may overwrite them. */
  predictions: number;
}

/**
 * Forward, loss and, when `backward`, the backward pass of one shard: writes this shard's
 * gradient into sb.grads (scaled by `scale`, 1 / the whole batch's weight, so that the shards'
 * gradients add up to the batch gradient).
 */
export function trainShard(
  ctx: StepContext,
  core: ModelCore,
  sb: ShardBuffers,
  scale: number,
  useWeights: boolean,
  backward: boolean,
  countCorrect: boolean,
  input: number = sb.x,
): ShardResult {
  const e = ctx.e,
    rows = ctx.rows,
    cols = core.outputSize;
  const { inputs, outputs } = forward(ctx, core, sb, input);
  const out = outputs[outputs.length - 1]!;
  const lossSum =
    rows === 0
      ? 0
      : runLoss(e, core.loss, core.fused, {
          output: out,
          labelsF32: sb.labelsF32,
          labelsI32: sb.labelsI32,
          weights: useWeights ? sb.weights : 0,
          rows,
          cols,
          probs: core.fused ? sb.probs : 0,
          grad: backward ? sb.dA[0] : 0,
          scale,
        });
  const correct =
    countCorrect && rows > 0 ? f32_count_correct(e, predictionsOf(core, sb, outputs), rows, cols, sb.labelsI32, sb.labelsF32, useWeights ? sb.weights : 0) : 0;
  if (backward) {
    let d = sb.dA[0],
      spare = sb.dA[1];
    for (let i = core.layers.length - 1; i >= 0; i--) {
      const dIn = core.needsInputGrad[i] ? spare : 0;
      const res = core.layers[i]!.backward(ctx, sb.layers[i]!, inputs[i]!, outputs[i]!, d, dIn);
      if (res !== d && res !== 0) {
        spare = d;
        d = res;
      }
    }
  }
  return { lossSum, correct, predictions: predictionsOf(core, sb, outputs) };
}

/**
 * Adds the regularization gradients of the parameters in floats [from, to) to `grads` and
 * returns their penalty (Keras semantics: `l2 * sum(w^2) + l1 * sum(|w|)`).
 */
export function regularize(e: Engine, core: ModelCore, params: number, grads: number, from: number, to: number): number {
  let penalty = 0;
  for (const r of core.regularized) {
    const a = Math.max(from, r.offset),
      b = Math.min(to, r.offset + r.length);
    if (b > a) penalty += f32_l1l2(e, params + a * 4, grads + a * 4, b - a, r.l1, r.l2);
  }
  return penalty;
}

/** The regularization penalty alone (for reporting the loss of evaluate). */
export function penaltyOnly(e: Engine, core: ModelCore, params: number): number {
  let penalty = 0;
  for (const r of core.regularized) penalty += f32_l1l2(e, params + r.offset * 4, 0, r.length, r.l1, r.l2);
  return penalty;
}
