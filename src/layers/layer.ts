/**
 * The base of every layer, and the context a layer's step code runs in.
 *
 * A layer has two sides. The user-facing side holds its configuration, infers its output size
 * and lists its weights. The step side (`forward`, `backward`) runs kernels on byte offsets in
 * the engine's memory, and nothing else: the same layer objects run on the main thread and,
 * rebuilt from their configuration, inside each worker of the pool, on shared memory.
 * @module
 */
import type { Engine } from '../engine/engine';
import type { Initializer } from '../initializers';
import type { Regularizer } from '../regularizers';

/** One weight of a layer. Trainable weights live in the model's parameter buffer, the others in its state buffer. */
export interface WeightSpec {
  /** Name within the layer (`kernel`, `bias`, `gamma`, `beta`, `movingMean`, `movingVariance`, ...). */
  name: string;
  shape: number[];
  trainable: boolean;
  initializer: Initializer;
  regularizer?: Regularizer | undefined;
  /** Fan-in and fan-out for the initializer. */
  fanIn: number;
  fanOut: number;
}

/** Per-shard buffers of one layer (byte offsets); sizes come from {@link Layer.scratchSpec}. */
export interface LayerScratch {
  /** Output rows (rowsCap x outputSize), or 0 when the layer passes its input through. */
  out: number;
  /** Extra named buffers. */
  extra: Record<string, number>;
}

/** What one shard of one step needs: the engine, the buffers and where the shard sits in the batch. */
export interface StepContext {
  e: Engine;
  /** Byte offset of the trainable parameters read this step. */
  params: number;
  /** Byte offset of the non-trainable state (moving statistics). */
  state: number;
  /** Byte offset of this shard's gradient slot (same layout as params). */
  grads: number;
  /** Training mode (dropout active, batch statistics) or inference. */
  training: boolean;
  /** Rows in this shard. */
  rows: number;
  /** Rows in the whole batch, over all shards. */
  batchRows: number;
  /** This shard's first row within the batch (keys dropout masks, so they do not depend on the thread). */
  rowOffset: number;
  /** Seed of the run and the global step number (dropout masks are keyed by both). */
  seed: number;
  step: number;
  /** This shard, and the number of shards working on the batch. */
  shard: number;
  shards: number;
  /** Rows of shard s (for merging statistics across shards). */
  shardRows(s: number): number;
  /** Layer `layer`'s scratch in shard s. */
  scratchOf(s: number, layer: number): LayerScratch;
  /** Waits until every shard reaches the same point (a no-op with one shard). */
  barrier(): void;
  /** Workspace for f32_gemm owned by this shard's thread. */
  gemmWs: number;
}

/** Serializable layer configuration, as in model.json. */
export interface LayerConfig {
  className: string;
  config: Record<string, unknown>;
}

export abstract class Layer {
  /** The layer's class, as in Keras (`Dense`, `Dropout`, ...). */
  abstract readonly className: string;
  /** Unique within a model; set by the model when not given. */
  name: string;
  /** Index within the model (set by the model). */
  index = -1;
  /** Flat input and output sizes (set by build). */
  inputSize = 0;
  outputSize = 0;
  /** Float offsets of this layer's weights within the parameter (trainable) or state buffer, in weightSpecs() order. */
  offsets: number[] = [];
  /** Output shape, without the batch dimension. */
  outputShape: number[] = [];

  /**
   * @param options the layer's options: `name`, and `trainable`, which only `true` may be given
   *   until frozen layers exist (issue 13).
   */
  constructor(options: { name?: string; trainable?: boolean } | undefined) {
    if (options !== null && typeof options === 'object' && 'trainable' in options && options.trainable !== true) {
      throw frozenLayerError(`layer option trainable: ${String(options.trainable)}`);
    }
    this.name = (options !== null && typeof options === 'object' ? options.name : undefined) ?? '';
  }

  /**
   * Always true: every weight of a knobs layer trains. Assigning false throws until frozen
   * layers exist (issue 13), rather than being silently ignored as it would be today.
   */
  get trainable(): boolean {
    return true;
  }

  set trainable(value: boolean) {
    if (value !== true) throw frozenLayerError(`${this.name || this.className}.trainable = ${String(value)}`);
  }

  /** Infers the output shape from the input shape; called once by the model. */
  abstract build(inputShape: number[]): void;

  /** The layer's weights, in getWeights() order. */
  weightSpecs(): WeightSpec[] {
    return [];
  }

  /** Buffers one shard needs for a batch of `rowsCap` rows. */
  scratchSpec(_rowsCap: number): { out: number; extra: Record<string, number> } {
    return { out: 0, extra: {} };
  }

  /** Computes the output for ctx.rows rows of `input`; returns the output's byte offset. */
  abstract forward(ctx: StepContext, sc: LayerScratch, input: number): number;

  /**
   * Given dOut, the loss gradient w.r.t. this layer's output (which it may overwrite), writes the
   * gradients of its weights into ctx.grads and, when `dIn` is non-zero, the gradient w.r.t. its
   * input. Returns the byte offset where the input gradient is (dIn, or dOut for layers that
   * pass gradients through).
   */
  abstract backward(ctx: StepContext, sc: LayerScratch, input: number, output: number, dOut: number, dIn: number): number;

  /** Called once per optimizer step after the gradients are reduced: updates the state (moving statistics). */
  updateState(_ctx: StepContext, _scratch: LayerScratch): void {}

  /** The configuration to rebuild this layer (Keras names). */
  abstract getConfig(): Record<string, unknown>;

  /**
   * Floating-point operations of one example's forward and backward pass (forward, weight
   * gradient and input gradient: 2 each per multiply-add). The default, 6 per trainable weight,
   * fits layers that use each weight once per example (dense); convolutions override it, since
   * they use each weight once per output pixel. `workers: 'auto'` sizes shards by it.
   */
  flopsPerExample(): number {
    return 6 * this.countParams().trainable;
  }

  /** Number of trainable and non-trainable floats. */
  countParams(): { trainable: number; nonTrainable: number } {
    let trainable = 0,
      nonTrainable = 0;
    for (const w of this.weightSpecs()) {
      const n = w.shape.reduce((a, b) => a * b, 1);
      if (w.trainable) trainable += n;
      else nonTrainable += n;
    }
    return { trainable, nonTrainable };
  }
}

/** The error for asking a layer to stop training (Keras' `layer.trainable = False`). */
function frozenLayerError(what: string): Error {
  return new Error(
    `${what}: frozen layers are not supported yet (every layer's weights train); to keep weights fixed, train a model without them and setWeights, or wait for issue 13`,
  );
}

/** Byte offset of float offset `floats` from base pointer `base`. */
export function at(base: number, floats: number): number {
  return base + floats * 4;
}
