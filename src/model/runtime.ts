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
import { InputLayer } from '../layers/input-layer';
import { backwardGraph, forwardGraph, nodeLayer, sharedGradientFloats, type Graph } from './graph';
import { targetCols, type Head } from './heads';
import { f32_strided_copy } from '../engine/kernels/f32_strided_copy';
import { f32_l1l2 } from '../engine/kernels/f32_elementwise';
import { BYTE_DIVISOR, f32_gather_rows, u8_gather_rows_f32, u8_to_f32 } from '../engine/kernels/f32_gather';
import { runLoss, type Loss } from '../losses';
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
  /** A built-in loss's name, or a user's loss function (single-threaded fits only). */
  loss: Loss;
  /** The output layer's softmax/sigmoid is computed by the loss kernel. */
  fused: boolean;
  /**
   * Regularized weight regions: float offset, length, factors; `frozen` ones (of layers frozen at
   * compile) count in the loss, as Keras counts a frozen layer's losses, but add no gradient.
   */
  regularized: { offset: number; length: number; l1: number; l2: number; frozen?: boolean }[];
  /** For each layer, whether backward must produce the gradient w.r.t. its input. */
  needsInputGrad: boolean[];
  /**
   * Float ranges of the parameter buffer the optimizer updates: every trainable weight of the
   * layers not frozen at compile. Frozen ranges keep a zero gradient and are never stepped.
   */
  trainableRanges: { offset: number; length: number }[];
  /** The lowest layer with weights to train (layers.length when none): backward stops there. */
  firstTrainable: number;
  /** The connectivity of a graph model (the functional API); undefined for a chain (a stack). */
  graph?: Graph | undefined;
  /** A graph with several outputs: each output's loss, weight and target columns (then `loss` and `fused` are unused). */
  heads?: Head[] | undefined;
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
  /**
   * Two gradient buffers, used in turn by the backward pass, each as wide as the widest gradient
   * it receives ({@link gradientWidths}); [0, 0] in an inference set.
   */
  dA: [number, number];
  /** Per layer of a stack, per node of a graph (a shared layer has one scratch per application). */
  layers: LayerScratch[];
  gemmWs: number;
  /** This shard's gradient slot (paramCount floats); 0 in an inference set. */
  grads: number;
  /** Graphs only: each node's output gradient (rowsCap x its outputSize; 0 for inputs). */
  g: number[];
  /** Graphs with shared layers: the spare weight gradient of a shared layer's later nodes (see backwardGraph), else 0. */
  sharedGrads: number;
  /** Graphs with several inputs: each input's columns, copied out of the staged rows. */
  inputBufs: number[];
  /** Several outputs: each output's targets (copied out of the joined rows) and fused probabilities. */
  headLabels: number[];
  headProbs: number[];
  /**
   * A stack's inference set's two activation buffers of rowsCap x the widest layer output: each
   * layer writes into the one that does not hold its input (a layer's input is dead once the next
   * layer has consumed it), so the layers' own `out` buffers are not allocated. Absent in a
   * training set, whose backward pass needs every layer's input and output, and in a graph's sets
   * (a layer's output may be read by several layers, later).
   */
  pingPong?: [number, number];
  /** Every block this set allocated, except the gradient slot and the gemm workspace. */
  blocks: number[];
}

/** Byte sizes a shard needs, per buffer. */
export function shardSizes(core: ModelCore, rowsCap: number, sparse: boolean): Record<string, number> {
  const [g0, g1] = gradientWidths(core);
  let widestOutput = 0;
  for (const l of core.layers) widestOutput = Math.max(widestOutput, l.outputSize);
  return {
    x: rowsCap * core.inputSize * 4,
    labelsF32: sparse ? 0 : rowsCap * targetCols(core) * 4,
    labelsI32: sparse ? rowsCap * 4 : 0,
    weights: rowsCap * 4,
    probs: rowsCap * core.outputSize * 4,
    activation: rowsCap * widestLayer(core) * 4,
    dA0: rowsCap * g0 * 4,
    // the training-health probes count dead columns with one float per column of dA[1]
    dA1: Math.max(rowsCap * g1, widestOutput) * 4,
  };
}

/**
 * Floats per example each of the two gradient buffers must hold: the backward pass starts with
 * the loss gradient in buffer 0 and moves to the other buffer at each layer that writes its
 * input gradient apart ({@link Layer.gradientInPlace} false), so a buffer needs only the widest
 * gradient that lands in it. For conv - batch norm - relu - pool blocks, the full-size
 * gradients (batch norm's and relu's, in place) all land in one buffer; the other holds the
 * pooled ones, a quarter of the size.
 */
export function gradientWidths(core: ModelCore): [number, number] {
  // a graph's backward pass hands any layer's input gradient through dA[0] (its own buffers hold the rest)
  if (core.graph) return [Math.max(core.outputSize, widestLayer(core)), widestLayer(core)];
  const widths: [number, number] = [core.outputSize, 0];
  let cur = 0;
  for (let i = core.layers.length - 1; i >= core.firstTrainable && core.needsInputGrad[i]; i--) {
    const l = core.layers[i]!;
    if (!l.gradientInPlace()) cur = 1 - cur;
    widths[cur] = Math.max(widths[cur], l.inputSize);
  }
  return widths;
}

/** The widest of the model's input and its layers' outputs, in floats per example. */
function widestLayer(core: ModelCore): number {
  let widest = core.inputSize;
  for (const l of core.layers) widest = Math.max(widest, l.outputSize);
  return widest;
}

/**
 * Which layers write their output over their input in a training set: an element-wise layer
 * that can ({@link Layer.runsInPlace}) after a layer whose own output buffer nothing reads once
 * the next layer has it ({@link Layer.outputOverwritable}), as batch norm then relu. Both
 * backward passes then still find what they read (batch norm its input, relu its output), and
 * the activation buffer of the element-wise layer is not allocated.
 */
export function inPlaceLayers(core: ModelCore): boolean[] {
  return core.layers.map((l, i) => i > 0 && l.runsInPlace() && core.layers[i - 1]!.outputOverwritable());
}

/**
 * Allocates one shard's buffers. `grads` 0 allocates a gradient slot; `gemmWs` 0 allocates a
 * workspace. All or nothing: when one allocation fails (out of memory), the blocks taken so far
 * are freed before the error propagates.
 *
 * A training set (`training`, the default) keeps every layer's output for the backward pass,
 * except where a layer runs in place ({@link inPlaceLayers}). An inference set (predict,
 * evaluate) has no gradient buffers and no gradient slot, only the scratch the forward pass
 * needs, and two activation buffers shared by all layers ({@link ShardBuffers.pingPong}).
 */
export function allocateShard(
  e: Engine,
  core: ModelCore,
  rowsCap: number,
  sparse: boolean,
  grads = 0,
  gemmWs = 0,
  augWsBytes = 0,
  training = true,
): ShardBuffers {
  const s = shardSizes(core, rowsCap, sparse);
  const taken: number[] = [];
  const keep = (ptr: number): number => {
    taken.push(ptr);
    return ptr;
  };
  const take = (bytes: number): number => (bytes > 0 ? keep(e.allocF32(Math.ceil(bytes / 4))) : 0);
  try {
    // a graph's layers keep their own outputs (one may be read by several layers, later)
    const chain = !core.graph;
    const inPlace = training && chain ? inPlaceLayers(core) : [];
    const layers: LayerScratch[] = [];
    const graph = core.graph;
    // a graph's scratch is per node: a shared layer keeps each application's activations
    const steps = graph ? graph.nodeLayers.map((l) => core.layers[l]!) : core.layers;
    steps.forEach((l, i) => {
      const spec = l.scratchSpec(rowsCap, training);
      const out = !training && chain ? 0 : inPlace[i] ? layers[i - 1]!.out : take(spec.out * 4);
      const sc: LayerScratch = { out, extra: {} };
      for (const [k, n] of Object.entries(spec.extra)) sc.extra[k] = take(n * 4);
      (l as { initScratch?: (ctx: { e: Engine }, sc: LayerScratch) => void }).initScratch?.({ e }, sc);
      layers.push(sc);
    });
    const g = graph && training ? steps.map((l) => (l instanceof InputLayer ? 0 : take(rowsCap * l.outputSize * 4))) : [];
    const sharedGrads = graph && training ? take(sharedGradientFloats(core.layers, graph) * 4) : 0;
    const inputBufs = graph && graph.inputs.length > 1 ? graph.inputs.map((i) => take(rowsCap * nodeLayer(core.layers, graph, i).outputSize * 4)) : [];
    const heads = core.heads ?? [];
    const headLabels = heads.map((h) => take(rowsCap * h.labelCols * 4));
    const headProbs = heads.map((h) => (h.fused ? take(rowsCap * h.cols * 4) : 0));
    const pingPong: [number, number] | undefined = training || graph ? undefined : [take(s.activation!), take(s.activation!)];
    const sb: ShardBuffers = {
      g,
      sharedGrads,
      inputBufs,
      headLabels,
      headProbs,
      x: take(s.x!),
      xAug: augWsBytes ? take(s.x!) : 0,
      augWs: augWsBytes ? keep(e.alloc(augWsBytes)) : 0,
      labelsF32: take(s.labelsF32!),
      labelsI32: take(s.labelsI32!),
      weights: take(s.weights!),
      probs: take(s.probs!),
      dA: training ? [take(s.dA0!), take(s.dA1!)] : [0, 0],
      layers,
      gemmWs: 0,
      grads: 0,
      ...(pingPong ? { pingPong } : {}),
      blocks: taken.slice(),
    };
    sb.gemmWs = gemmWs || keep(e.alloc(e.gemmWorkspaceBytes));
    // an inference set computes no gradient
    if (grads) sb.grads = grads;
    else if (training) sb.grads = keep(e.allocF32(Math.max(1, core.paramCount)));
    return sb;
  } catch (err) {
    for (const p of taken) e.free(p);
    throw err;
  }
}

/** Frees a shard's buffers, except the gradient slot and workspace when they were given. */
export function freeShard(e: Engine, sb: ShardBuffers, ownGrads: boolean, ownWs: boolean): void {
  const ptrs = sb.blocks.slice();
  if (ownGrads && sb.grads) ptrs.push(sb.grads);
  if (ownWs) ptrs.push(sb.gemmWs);
  for (const p of ptrs) if (p) e.free(p);
}

/** One buffer set of {@link ModelMemory}, and the sizes it was allocated for. */
interface CachedShard {
  rowsCap: number;
  sparse: boolean;
  augWsBytes: number;
  /** A training set (computeGradients); it also serves inference. */
  training: boolean;
  shard: ShardBuffers;
}

/**
 * The engine blocks one model owns: its parameters, moving statistics and optimizer slots
 * (`ptrs`), and the one buffer set that `predict`, `evaluate` and `computeGradients` reuse.
 *
 * The model frees them in `dispose()`; when it is never disposed, {@link modelMemoryRegistry}
 * frees them after the garbage collector has reclaimed the model. That is why this object holds
 * only the engine and byte offsets, never the model (a held value that reaches the model would
 * keep it alive forever).
 *
 * The buffer set is bounded to one: it is sized for the largest batch asked so far and serves
 * every smaller batch (a layer's scratch is a capacity; each call passes its own row count), so
 * calls with many distinct batch sizes cost one set, not one per size. `predict` and `evaluate`
 * ask for an inference set (the forward pass's buffers only); `computeGradients` for a training
 * set, which then serves inference too. `fit` does not use it: it allocates its own set for its
 * batch size when it starts and frees it when it ends.
 */
export class ModelMemory {
  /** Blocks freed with the model (parameters, state, optimizer slots). */
  ptrs: number[] = [];
  private cached: CachedShard | undefined;

  constructor(readonly e: Engine) {}

  /**
   * A buffer set for at least `rows` rows (grown to the largest batch seen; reallocated when the
   * label kind or the augmentation workspace differ, or when training needs the backward
   * buffers an inference set lacks).
   */
  shard(core: ModelCore, rows: number, sparse: boolean, augWsBytes = 0, training = true): { rowsCap: number; shard: ShardBuffers } {
    const c = this.cached;
    if (c && c.sparse === sparse && c.rowsCap >= rows && c.augWsBytes >= augWsBytes && (c.training || !training)) return c;
    const rowsCap = c && c.sparse === sparse ? Math.max(c.rowsCap, rows) : rows;
    const aug = c ? Math.max(c.augWsBytes, augWsBytes) : augWsBytes;
    // a training set stays one: an inference call that outgrows it gets a larger training set
    const kind = training || (c?.training ?? false);
    this.dropShard();
    const before = this.e.allocatedBytes;
    const shard = allocateShard(this.e, core, rowsCap, sparse, 0, 0, aug, kind);
    this.cached = { rowsCap, sparse, augWsBytes: aug, training: kind, shard };
    reportEngineBytes(core, this.e.allocatedBytes - before);
    return this.cached;
  }

  /** Frees the cached buffer set (after compile changes the layers' scratch, and on dispose). */
  dropShard(): void {
    if (this.cached) freeShard(this.e, this.cached.shard, true, true);
    this.cached = undefined;
  }

  /** Frees every block. */
  freeAll(): void {
    this.dropShard();
    for (const p of this.ptrs) if (p) this.e.free(p);
    this.ptrs = [];
  }
}

/**
 * Frees the engine blocks of models that were garbage-collected without `dispose()`. Where the
 * platform has no FinalizationRegistry, only `dispose()` frees them.
 */
export const modelMemoryRegistry: FinalizationRegistry<ModelMemory> | undefined =
  typeof FinalizationRegistry === 'function'
    ? new FinalizationRegistry<ModelMemory>((m) => {
        try {
          m.freeAll();
        } catch {
          // a throw here would end the process from a garbage-collection task; the blocks are
          // tracked exactly, so this is never expected
        }
      })
    : undefined;

/**
 * Engine bytes that long-lived objects took since the last pressure token, and the tokens.
 *
 * The garbage collector cannot see engine memory: a model of a few hundred bytes of JavaScript
 * can hold megabytes of it, so a loop that drops models without `dispose()` makes almost no
 * JavaScript garbage, and V8 may never run the full collection that would let
 * {@link modelMemoryRegistry} free them (measured: 150 dropped MNIST MLPs, 770 MB RSS, not one
 * full collection). Native code reports such memory to V8 (AdjustAmountOfExternalAllocatedMemory);
 * JavaScript can only hold an ArrayBuffer, which V8 counts as external memory. So each time
 * models have taken another {@link PRESSURE_EVERY} bytes, the model that crosses the mark is
 * given one {@link PRESSURE_TOKEN}-byte ArrayBuffer that is never written: above glibc's largest
 * mmap threshold (32 MiB) it is mapped fresh, costing address space (twice the engine memory
 * kept), not resident memory; it dies with its model, so V8 runs a full collection soon after
 * dropped models add up to some tens of MiB (BENCHMARKS.md, Memory: 1,000 dropped MNIST MLPs
 * peak at about 120 MiB RSS). A disposed model gives its tokens back at once.
 */
let pressureBytes = 0;
const tokens = new WeakMap<object, ArrayBuffer[]>();
/** Bytes of engine memory per pressure token. */
export const PRESSURE_EVERY = 32 << 20;
/** Size of one pressure token (never written). */
export const PRESSURE_TOKEN = 64 << 20;

/** Counts `bytes` of engine memory that `owner` keeps until it is disposed or collected. */
export function reportEngineBytes(owner: object, bytes: number): void {
  pressureBytes += Math.max(0, bytes);
  if (pressureBytes < PRESSURE_EVERY) return;
  pressureBytes = 0;
  let list = tokens.get(owner);
  if (!list) tokens.set(owner, (list = []));
  try {
    list.push(new ArrayBuffer(PRESSURE_TOKEN));
  } catch {
    // no address space for the token: the collection it would prompt is only an optimization
  }
}

/** Gives back the owner's pressure tokens (it freed its engine memory itself: `dispose()`). */
export function releaseEngineBytes(owner: object): void {
  tokens.delete(owner);
}

/** Inputs staged in engine memory: `rows` rows of floats, or of bytes when `xBytes` (read as byte / 255). */
export interface StagedInputs {
  rows: number;
  x: number;
  xBytes?: boolean;
}

/**
 * Copies `count` input rows of staged data into `dst` as floats: the rows idx[0..count) (an i32
 * array in engine memory), or when `idx` is 0 the rows from `start` on. Byte inputs are scaled
 * to byte / 255 by the kernel here, a batch at a time: the full set stays at one byte a value.
 */
export function gatherInputs(e: Engine, d: StagedInputs, idx: number, start: number, count: number, cols: number, dst: number): void {
  if (d.xBytes) {
    if (idx) u8_gather_rows_f32(e, d.x, d.rows, idx, count, cols, BYTE_DIVISOR, dst);
    else u8_to_f32(e, d.x + start * cols, count * cols, BYTE_DIVISOR, dst);
  } else if (idx) f32_gather_rows(e, d.x, d.rows, idx, count, cols, dst);
  else e.u8.copyWithin(dst, d.x + start * cols * 4, d.x + (start + count) * cols * 4);
}

/** All staged input rows as a new Float32Array (byte inputs as byte / 255), outside engine memory. */
export function inputFloats(e: Engine, d: StagedInputs, cols: number): Float32Array {
  const n = d.rows * cols;
  if (!d.xBytes) return e.f32.slice(d.x >> 2, (d.x >> 2) + n);
  const tmp = e.allocF32(Math.max(1, n));
  try {
    gatherInputs(e, d, 0, 0, d.rows, cols, tmp);
    return e.f32.slice(tmp >> 2, (tmp >> 2) + n);
  } finally {
    e.free(tmp);
  }
}

/**
 * Runs the layers forward on ctx.rows rows of `input`; returns each layer's input and output.
 * In a stack's inference set ({@link ShardBuffers.pingPong}) each layer writes into the
 * activation buffer that does not hold its input, so only the last output stays valid.
 */
export function forward(ctx: StepContext, core: ModelCore, sb: ShardBuffers, input: number): { inputs: number[]; outputs: number[]; inputLists?: number[][] } {
  if (core.graph) return forwardGraph(ctx, core, sb.layers, sb.inputBufs, input);
  const inputs: number[] = [],
    outputs: number[] = [];
  const pp = sb.pingPong;
  let cur = input;
  for (let i = 0; i < core.layers.length; i++) {
    const sc = sb.layers[i]!;
    if (pp) sc.out = cur === pp[0] ? pp[1] : pp[0];
    inputs.push(cur);
    cur = core.layers[i]!.forward(ctx, sc, cur);
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
  /** Several outputs: each output's weighted loss sum (before its loss weight), correct count and predictions (the total is in lossSum). */
  heads?: { lossSum: number; correct: number; predictions: number; labels: number }[];
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
  // an inference set keeps no layer's output and no gradient buffer for a backward pass
  if (backward && (sb.pingPong || !sb.dA[0])) throw new Error('trainShard: the backward pass needs a training buffer set');
  const fwd = forward(ctx, core, sb, input);
  const { inputs, outputs } = fwd;
  const graph = core.graph;
  if (core.heads && graph) {
    // several outputs: each loss on its output and its columns of the targets; the total is
    // sum_k weight_k * loss_k, so each output's gradient is scaled by its weight
    let lossSum = 0;
    const targets = targetCols(core);
    const heads = core.heads.map((h, k) => {
      const labels = sb.headLabels[k]!;
      // (a sparse output's one column holds int32 labels: copied as words, read as int32 below)
      f32_strided_copy(e, sb.labelsF32 + h.labelCol * 4, targets, labels, h.labelCols, rows, h.labelCols);
      const l =
        rows === 0
          ? 0
          : runLoss(e, h.loss, h.fused, {
              output: outputs[h.layer]!,
              labelsF32: h.sparse ? 0 : labels,
              labelsI32: h.sparse ? labels : 0,
              weights: useWeights ? sb.weights : 0,
              rows,
              cols: h.cols,
              probs: h.fused ? sb.headProbs[k]! : 0,
              grad: backward ? sb.g[h.layer]! : 0,
              scale: scale * h.weight,
            });
      lossSum += h.weight * l;
      const predictions = h.fused ? sb.headProbs[k]! : outputs[h.layer]!;
      const correct =
        countCorrect && rows > 0 && h.metrics.some((m) => m.kind === 'accuracy')
          ? f32_count_correct(e, predictions, rows, h.cols, h.sparse ? labels : 0, h.sparse ? 0 : labels, useWeights ? sb.weights : 0)
          : 0;
      return { lossSum: l, correct, predictions, labels };
    });
    if (backward) backwardGraph(ctx, core, sb.layers, sb.g, sb.dA[0], fwd as Required<typeof fwd>, sb.sharedGrads);
    return { lossSum, correct: heads[0]!.correct, predictions: heads[0]!.predictions, heads };
  }
  // a graph's (single) output is the last node of its order; its gradient has its own buffer
  const out = outputs[outputs.length - 1]!;
  const lossGrad = graph ? sb.g[graph.outputs[0]!]! : sb.dA[0];
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
          grad: backward ? lossGrad : 0,
          scale,
        });
  const correct =
    countCorrect && rows > 0 ? f32_count_correct(e, predictionsOf(core, sb, outputs), rows, cols, sb.labelsI32, sb.labelsF32, useWeights ? sb.weights : 0) : 0;
  if (backward && graph) backwardGraph(ctx, core, sb.layers, sb.g, sb.dA[0], fwd as Required<typeof fwd>, sb.sharedGrads);
  else if (backward) {
    let d = sb.dA[0],
      spare = sb.dA[1];
    // below the lowest trainable layer nothing needs a gradient: the backward pass stops there
    for (let i = core.layers.length - 1; i >= core.firstTrainable; i--) {
      const dIn = core.needsInputGrad[i] ? spare : 0;
      const layer = core.layers[i]!;
      const res = layer.backward(ctx, sb.layers[i]!, inputs[i]!, outputs[i]!, d, dIn);
      // the gradient buffers are sized by what each layer declares (gradientWidths)
      if (res !== 0 && (res === d) !== layer.gradientInPlace()) {
        throw new Error(
          `${layer.name} (${layer.className}): backward wrote its input gradient ${res === d ? 'in place' : 'apart'}, not as gradientInPlace() says`,
        );
      }
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
    if (b > a) penalty += f32_l1l2(e, params + a * 4, r.frozen ? 0 : grads + a * 4, b - a, r.l1, r.l2);
  }
  return penalty;
}

/** Zeroes the gradient of the frozen weights in a gradient slot (their backward never writes it). */
export function zeroFrozenGradients(e: Engine, core: ModelCore, grads: number): void {
  let at = 0;
  const f32 = e.f32;
  for (const r of [...core.trainableRanges, { offset: core.paramCount, length: 0 }]) {
    if (r.offset > at) f32.fill(0, (grads >> 2) + at, (grads >> 2) + r.offset);
    at = r.offset + r.length;
  }
}

/** The regularization penalty alone (for reporting the loss of evaluate). */
export function penaltyOnly(e: Engine, core: ModelCore, params: number): number {
  let penalty = 0;
  for (const r of core.regularized) penalty += f32_l1l2(e, params + r.offset * 4, 0, r.length, r.l1, r.l2);
  return penalty;
}
