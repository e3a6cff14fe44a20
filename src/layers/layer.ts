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
import { ShapeError, describe } from '../errors';
import { SymbolicTensor, takesList } from './symbolic';

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
  /**
   * The scratch of node `node` in shard s: a layer passes `ctx.node ?? this.index` (its own
   * index in a stack, where a layer and its node are one).
   */
  scratchOf(s: number, node: number): LayerScratch;
  /**
   * In a graph, the node (the application of the layer) being run: the index of its scratch,
   * set by the graph executor before each layer call. A shared layer runs once per node, each
   * with its own scratch. Undefined in a stack.
   */
  node?: number | undefined;
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

  /** What the user asked for (see {@link Layer.trainable}). */
  private wantsTraining: boolean;
  /**
   * Whether this layer's weights are frozen in the model as last compiled: the step code reads
   * this, never {@link Layer.trainable}, so that a change takes effect at the next `compile`
   * (Keras' rule). Set by the model's compile and by the workers from the compiled model.
   * @internal
   */
  frozen = false;

  /**
   * @param options the layer's options: `name`, and `trainable` (default true; false freezes
   *   the layer's weights, see {@link Layer.trainable}).
   */
  constructor(options: { name?: string; trainable?: boolean } | undefined) {
    const o = options !== null && typeof options === 'object' ? options : undefined;
    const trainable = o?.trainable ?? true;
    if (typeof trainable !== 'boolean') throw new TypeError(`layer option trainable must be a boolean, got ${describe(trainable)}`);
    this.wantsTraining = trainable;
    this.frozen = !trainable;
    this.name = o?.name ?? '';
  }

  /**
   * Whether fit trains this layer's weights (Keras' `layer.trainable`). False freezes the layer:
   * its weights do not change in fit (no optimizer update, no regularization, no optimizer state
   * drift), their gradients are not computed, and a frozen BatchNormalization runs in inference
   * mode (it normalizes with its moving statistics and does not update them, Keras' rule since
   * TensorFlow 2.0). As in Keras, a change takes effect at the model's next `compile`; until
   * then fit trains as compiled (and warns once). `summary()` counts the requested state.
   */
  get trainable(): boolean {
    return this.wantsTraining;
  }

  set trainable(value: boolean) {
    if (typeof value !== 'boolean') throw new TypeError(`${this.name || this.className}.trainable must be a boolean, got ${describe(value)}`);
    this.wantsTraining = value;
  }

  /**
   * The model that holds this layer's current weights (set when a model is built). A layer can
   * belong to several models (a built model's layers reused in another: see
   * `src/model/reuse.ts`); then this is the one that last ran, trained or wrote them.
   * @internal
   */
  owner: { layerWeights(layer: Layer): Float32Array[]; setLayerWeights(layer: Layer, weights: Float32Array[]): void } | undefined;

  /**
   * The model whose placement of this layer (index, weight offsets, frozen state, loss fusion)
   * the layer's fields hold now; another model that shares the layer puts its own back before
   * it runs (`src/model/reuse.ts`). Undefined until a model is built with the layer.
   * @internal
   */
  placedFor: { ensureSymbolic(): void } | undefined;

  /**
   * The layer's weights, kept by the layer itself when the model that held them was disposed
   * while other models still share the layer; the next of them to run takes them back.
   * @internal
   */
  stash: Float32Array[] | undefined;

  /**
   * Every application of the layer, in order (Keras' inbound nodes): the output tensor of each,
   * which records its inputs. A layer of a built model that was never applied by hand (a
   * Sequential's) gets its nodes when the model's symbolic tensors are first asked for.
   * @internal
   */
  nodes: SymbolicTensor[] = [];

  /**
   * The layer's weights (copies), in the order of {@link Layer.weightSpecs} (dense: kernel, bias;
   * batch norm: gamma, beta, moving mean, moving variance), as Keras' `layer.get_weights()`.
   * The layer must belong to a model, which holds them.
   */
  getWeights(): Float32Array[] {
    if (!this.owner && this.stash) return this.stash.map((w) => w.slice());
    if (!this.owner) throw new Error(`${this.name || this.className}.getWeights: the layer belongs to no model yet (its weights live in its model's buffers)`);
    return this.owner.layerWeights(this);
  }

  /**
   * Sets the layer's weights, in {@link Layer.getWeights} order, with the same shapes: the way to
   * reuse trained layers in a new model (`newModel.getLayer(i).setWeights(base.getLayer(i).getWeights())`).
   */
  setWeights(weights: Float32Array[]): void {
    if (
      !this.owner &&
      this.stash &&
      Array.isArray(weights) &&
      weights.length === this.stash.length &&
      weights.every((w, i) => w instanceof Float32Array && w.length === this.stash![i]!.length)
    ) {
      this.stash = weights.map((w) => w.slice());
      return;
    }
    if (!this.owner) throw new Error(`${this.name || this.className}.setWeights: the layer belongs to no model yet (its weights live in its model's buffers)`);
    this.owner.setLayerWeights(this, weights);
  }

  /**
   * The tensors this layer was first applied to (functional API, or its built model's graph);
   * undefined until it is applied. Each application is a node: its symbolic output, in
   * {@link Layer.nodes}, records its inputs.
   * @internal
   */
  get inbound(): readonly SymbolicTensor[] | undefined {
    return this.nodes[0]?.inputs;
  }

  /**
   * Connects the layer to a symbolic tensor (or, for a merge layer, a list of them) and returns
   * its output: Keras' `layer(x)`, tfjs' `layer.apply(x)`. The output shape is inferred now.
   *
   * Applying the same layer again (to another tensor of the same shape) shares the layer: the
   * model keeps one set of its weights, and each application is a node with its own activations
   * in the forward and backward passes; the weight gradient is the sum over the applications
   * (a siamese net, or `d.apply(d.apply(x))`). An application to another shape is a
   * ShapeError: the first input shape sized the weights.
   * @example
   * ```ts
   * const x = knobs.input({ shape: [16] });
   * const h = knobs.layers.dense({ units: 16, activation: 'relu' }).apply(x);
   * const y = knobs.layers.add().apply([x, h]);
   * // a shared encoder: one dense layer, applied to two inputs
   * const encode = knobs.layers.dense({ units: 8, activation: 'tanh' });
   * const [a, b] = [knobs.input({ shape: [16] }), knobs.input({ shape: [16] })];
   * const both = knobs.layers.concatenate().apply([encode.apply(a), encode.apply(b)]);
   * ```
   */
  apply(inputs: SymbolicTensor | SymbolicTensor[]): SymbolicTensor {
    const who = `${this.name || this.className}.apply`;
    const list = Array.isArray(inputs) ? inputs : [inputs];
    if (list.length === 0 || list.some((t) => !(t instanceof SymbolicTensor))) {
      throw new TypeError(`${who}: give a symbolic tensor (from knobs.input(...) or another layer's apply(...)) or an array of them, got ${describe(inputs)}`);
    }
    const many = takesList(this);
    if (many && list.length < 2) throw new TypeError(`${who}: a ${this.className} layer merges an array of at least 2 tensors, got ${list.length}`);
    if (!many && list.length !== 1) throw new TypeError(`${who}: a ${this.className} layer takes one tensor, got an array of ${list.length}`);
    const shapes = list.map((t) => t.dims.slice());
    const show = (ss: readonly (readonly number[])[]): string => ss.map((d) => `[${d.join(', ')}]`).join(', ');
    // a layer of a built model (e.g. a Sequential's): its first node, from the model, fixes its input shape
    if (!this.inbound && this.placedFor) this.placedFor.ensureSymbolic();
    if (this.inbound) {
      // a shared layer: another node on the same shapes (Keras' rule), with the same output shape
      const before = this.inbound.map((t) => t.dims);
      if (show(before) !== show(shapes)) {
        throw new ShapeError(
          `${who}: the layer was already applied to an input of shape ${show(before)} and cannot also take ${show(shapes)} ` +
            '(a shared layer has one input shape, which sizes its weights): create another layer for the second input',
        );
      }
      return this.addNode(list);
    }
    try {
      if (many) this.buildMany(shapes);
      else this.build(shapes[0]!);
    } catch (err) {
      // name the layer when the build's own message does not
      if (err instanceof Error && !err.message.includes(this.name || this.className)) err.message = `${who}: input ${show(shapes)}: ${err.message}`;
      throw err;
    }
    return this.addNode(list);
  }

  /**
   * Records one more application of the built layer, to `inputs`, and returns its output.
   * @internal
   */
  addNode(inputs: SymbolicTensor[]): SymbolicTensor {
    const t = new SymbolicTensor(this, inputs, this.outputShape);
    this.nodes.push(t);
    return t;
  }

  /** This layer's nodes, from its model if a built model has not listed them yet. */
  private nodeList(): SymbolicTensor[] {
    if (this.nodes.length === 0 && this.placedFor) this.placedFor.ensureSymbolic();
    return this.nodes;
  }

  private oneNode(what: string): SymbolicTensor {
    const who = this.name || this.className;
    const nodes = this.nodeList();
    if (nodes.length === 0)
      throw new Error(`${who}.${what}: the layer has no ${what} yet: apply it to a symbolic tensor (layer.apply(knobs.input(...))) or build a model with it`);
    if (nodes.length > 1)
      throw new Error(
        `${who}.${what}: the layer is applied ${nodes.length} times (it has ${nodes.length} nodes), so its ${what} is ambiguous; use getOutputAt(nodeIndex) or getInputAt(nodeIndex)`,
      );
    return nodes[0]!;
  }

  private nodeAt(where: string, nodeIndex: number): SymbolicTensor {
    const who = `${this.name || this.className}.${where}`;
    if (!Number.isInteger(nodeIndex) || nodeIndex < 0) throw new TypeError(`${who}: nodeIndex must be an integer >= 0, got ${describe(nodeIndex)}`);
    const nodes = this.nodeList();
    const t = nodes[nodeIndex];
    if (!t) throw new RangeError(`${who}: the layer has ${nodes.length} node(s) (applications), so nodeIndex ${nodeIndex} is out of range`);
    return t;
  }

  /**
   * The symbolic output of the layer (tfjs' `layer.output`, Keras' `layer.output`): of its one
   * application in a graph, or in the built model it belongs to (a Sequential's layers too), so
   * that a trained model's layers can feed a new head:
   * `knobs.model({ inputs: base.inputs, outputs: head.apply(base.getLayer('flat').output) })`.
   * A layer applied more than once (a shared layer) has no single output: this throws, and
   * {@link Layer.getOutputAt} picks one.
   */
  get output(): SymbolicTensor {
    return this.oneNode('output');
  }

  /**
   * The symbolic input of the layer's one application (an array for a merge layer); throws for
   * a layer applied more than once (see {@link Layer.getInputAt}).
   */
  get input(): SymbolicTensor | SymbolicTensor[] {
    const t = this.oneNode('input');
    return takesList(this) ? t.inputs.slice() : (t.inputs[0] ?? t);
  }

  /** The output of the layer's `nodeIndex`-th application (tfjs' `getOutputAt`). */
  getOutputAt(nodeIndex: number): SymbolicTensor {
    return this.nodeAt('getOutputAt', nodeIndex);
  }

  /** The input of the layer's `nodeIndex`-th application (an array for a merge layer; tfjs' `getInputAt`). */
  getInputAt(nodeIndex: number): SymbolicTensor | SymbolicTensor[] {
    const t = this.nodeAt('getInputAt', nodeIndex);
    return takesList(this) ? t.inputs.slice() : (t.inputs[0] ?? t);
  }

  /** Infers the output shape from the input shape; called once by the model. */
  abstract build(inputShape: number[]): void;

  /** The layer's weights, in getWeights() order. */
  weightSpecs(): WeightSpec[] {
    return [];
  }

  /**
   * Buffers one shard needs for a batch of `rowsCap` rows, in floats: the output and named extras.
   * With `training` false (predict, evaluate) only what the forward pass needs: the runtime
   * then gives the layer a shared output buffer instead of its own.
   */
  scratchSpec(_rowsCap: number, _training = true): { out: number; extra: Record<string, number> } {
    return { out: 0, extra: {} };
  }

  /**
   * Whether, in training, this layer's output may be written over its input: it works element
   * by element (its kernel may read and write the same buffer) and its backward pass reads its
   * output, not its input. The runtime does so when the previous layer allows it
   * ({@link Layer.outputOverwritable}).
   */
  runsInPlace(): boolean {
    return false;
  }

  /**
   * Whether `backward` writes the gradient w.r.t. its input over `dOut` and returns `dOut` (same
   * size: element-wise layers, flatten, reshape), rather than into `dIn`. The runtime sizes its
   * two gradient buffers from it, and checks it at every step.
   */
  gradientInPlace(): boolean {
    return false;
  }

  /**
   * Whether, in training, this layer writes its output into its own buffer and its backward
   * pass never reads that output, so that the next layer may overwrite it
   * ({@link Layer.runsInPlace}).
   */
  outputOverwritable(): boolean {
    return false;
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

/** Byte offset of float offset `floats` from base pointer `base`. */
export function at(base: number, floats: number): number {
  return base + floats * 4;
}
