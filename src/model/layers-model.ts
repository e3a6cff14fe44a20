/**
 * The model class every knobs model is (tfjs-layers' `LayersModel`, Keras' `Model`): layers
 * connected as a chain or a graph, trained with `compile` and `fit`. `knobs.model()` returns one
 * for a graph (the functional API); {@link Sequential} (sequential.ts) is the chain, adding
 * `add` and `pop`. This file holds the class: building the layers and their buffers, compile,
 * the weights, and the model's lifetime. Its other methods delegate by concern:
 * options.ts (the options and results), staging.ts (data into engine memory), fit.ts (training),
 * step.ts (the training step every runner shares), evaluate.ts (evaluate, predict,
 * computeGradients) and config.ts (summary, and what model.json keeps).
 *
 * Memory: all trainable weights live in one flat parameter buffer of the engine, the moving
 * statistics in one state buffer, and the optimizer's state in buffers of the parameters' size,
 * laid out once; each layer knows its float offsets. Training allocates its buffers once per
 * `fit` (for the batch size) and nothing per step.
 * @module
 */
import { engine, type Engine } from '../engine/engine';
import { fit } from './fit';
import { bytesToFloat32 } from '../data/dataset';
import { ShapeError, describe } from '../errors';
import { checkLoss, sparseLabels, type BuiltinLossFunction, type Loss } from '../losses';
import { applyTrainability, configureLossFusion, layoutLayers } from './layout';
import { Activation } from '../layers/activation';
import { Dense } from '../layers/dense';
import type { Layer, StepContext } from '../layers/layer';
import { Normalization } from '../layers/normalization';
import { getOptimizer, type Optimizer } from '../optimizers/index';
import type { History } from '../callbacks/history';
import { deriveSeed } from '../util/random';
import { checkKnownOptions, nonNegativeInt } from '../util/options';
import { ModelMemory, modelMemoryRegistry, releaseEngineBytes, reportEngineBytes, type ModelCore, type ShardBuffers } from './runtime';
import type { SaveOptions, SaveResult } from '../io/io';
import { compileMetrics } from '../metrics/compiled';
import { modelInputs } from './staging';
import { computeGradients, evaluate, predict } from './evaluate';
import { modelConfig, summary, trainingState, type ModelConfig, type TrainingState } from './config';
import type { CompileOptions, CompiledModel, EvaluateResult, FitOptions, LayersModelOptions, ModelInput } from './options';
import { graphFromTensors, graphInputShape, nodeLayer, type Graph } from './graph';
import {
  applyModel,
  claimLayers,
  layoutWithReused,
  chainLayers,
  makeSymbolic,
  markShared,
  recordPlacements,
  releaseLayers,
  type Placement,
  type SymbolicGraph,
} from './reuse';
import type { SymbolicTensor } from '../layers/symbolic';
import { InputLayer } from '../layers/input-layer';
import { compileHeads, type Head } from './heads';

/** A buffer set for a batch capacity. @internal */
export interface Runtime {
  rowsCap: number;
  shard: ShardBuffers;
}

const registry = modelMemoryRegistry;

let modelCount = 0;
/**
 * A model: layers connected as a chain or a graph, with compile, fit, evaluate, predict, save and
 * the weights (tfjs' `tf.LayersModel`). `knobs.model({ inputs, outputs })` makes one from a graph
 * of layers; `knobs.sequential()` makes its subclass {@link Sequential}, a chain that grows with
 * `add`. `knobs.loadModel` returns the class of what was saved.
 * @example
 * ```ts
 * const x = knobs.input({ shape: [4] });
 * const y = knobs.layers.dense({ units: 2, activation: 'softmax' }).apply(knobs.layers.dense({ units: 8, activation: 'relu' }).apply(x));
 * const model = knobs.model({ inputs: x, outputs: y, seed: 1 });
 * model instanceof knobs.LayersModel;  // true (and not a knobs.Sequential: a graph has no add/pop)
 * ```
 */
export class LayersModel implements ModelCore {
  readonly name: string;
  readonly layers: Layer[];
  readonly seed: number;
  /** Shape of one example (set by the first layer's inputShape when the model starts empty). */
  inputShape: number[];
  /** A graph model's connectivity (the functional API); undefined for a stack. @internal */
  readonly graph: Graph | undefined;
  inputSize = 0;
  outputSize = 0;
  paramCount = 0;
  stateCount = 0;
  /** Set by callbacks to stop fit after the current epoch. */
  stopTraining = false;
  /**
   * Epochs trained over all fits (saved with the model). It seeds each epoch's shuffle and
   * augmentation and feeds an optimizer's learning-rate schedule, so that fit(5) then fit(5)
   * trains as fit(10); give it as fit's `initialEpoch` to resume a loaded model.
   */
  epochsCompleted = 0;
  /**
   * Anything to keep with the model (JSON): saved in model.json and restored by loadModel. For
   * example a data normalization from knobs.data: `model.metadata.normalizer = norm.toJSON()`.
   */
  metadata: Record<string, unknown> = {};

  // ModelCore
  loss: Loss = 'meanSquaredError';
  fused = false;
  regularized: { offset: number; length: number; l1: number; l2: number; frozen?: boolean }[] = [];
  needsInputGrad: boolean[] = [];
  trainableRanges: { offset: number; length: number }[] = [];
  firstTrainable = 0;
  /** Several outputs, as compiled: each output's loss, weight and metrics. @internal */
  heads: Head[] | undefined;
  /** Each layer's `trainable` as of the last compile, and whether fit already warned of a change since. */
  private compiledTrainable: boolean[] = [];
  private warnedTrainable = false;

  /** @internal byte offsets of the parameter and state buffers, and of the optimizer's slots */
  params = 0;
  /** @internal */
  state = 0;
  /** @internal */
  slots: number[] = [];
  /**
   * Counts writes of weights through setWeights (model or layer): a data-parallel fit, which
   * keeps two copies of the weights, copies them into both when a callback wrote them between
   * steps. @internal
   */
  weightWrites = 0;
  /** What compile settled. @internal */
  compiled: CompiledModel | undefined;
  private disposed = false;
  /** Each layer's placement in this model (layers can be shared with other models: see reuse.ts). @internal */
  readonly placements = new Map<Layer, Placement>();
  /** The model's symbolic tensors, made when first asked for (see {@link LayersModel.inputs}). @internal */
  symbolic: SymbolicGraph | undefined;
  /** The tensors a knobs.model graph was written with, one per node. */
  private readonly written: SymbolicTensor[] | undefined;
  /** @internal */
  protected readonly e: Engine;
  /** Engine blocks freed by dispose() or after garbage collection (never references the model). @internal */
  protected readonly owned: ModelMemory;

  /**
   * Loads a saved model: the same as `knobs.loadModel`. Code that holds a model but not the
   * library it came from (the `knobs/tune` subpath's `babysit`, a bundle of its own) loads
   * through the model's class, so the new model gets the storage schemes and the engine of
   * that model's bundle.
   * @example
   * ```ts
   * const restored = await (model.constructor as typeof knobs.LayersModel).load('file://./runs/mnist');
   * ```
   */
  static async load(source: string | ArrayBuffer): Promise<LayersModel> {
    return (await modelStorage()).loadModel(source);
  }

  /**
   * Models are made by knobs.model, knobs.sequential and knobs.loadModel; `new
   * knobs.LayersModel({ inputs, outputs, name?, seed? })` is the same as `knobs.model(...)`
   * (Keras' `Model(inputs, outputs)`).
   */
  constructor(
    options: LayersModelOptions | { inputs: SymbolicTensor | SymbolicTensor[]; outputs: SymbolicTensor | SymbolicTensor[]; name?: string; seed?: number } = {},
  ) {
    if (options !== null && typeof options === 'object' && ('inputs' in options || 'outputs' in options)) {
      checkKnownOptions('LayersModel', options, ['inputs', 'outputs', 'name', 'seed']);
      const { inputs, outputs, ...rest } = options as { inputs: unknown; outputs: unknown };
      options = { ...rest, graph: graphFromTensors('LayersModel', inputs, outputs) };
    }
    const collected = (options as LayersModelOptions).graph;
    const W = collected ? 'model' : 'sequential';
    checkKnownOptions(W, options, ['inputShape', 'layers', 'seed', 'name', 'initialize', 'graph']);
    options = options as LayersModelOptions;
    this.written = collected?.tensors;
    this.e = engine();
    if (options.name !== undefined && (typeof options.name !== 'string' || options.name === ''))
      throw new TypeError(`${W}: options.name must be a non-empty string, got ${describe(options.name)}`);
    this.name = options.name ?? `${W}_${++modelCount}`;
    this.seed = options.seed === undefined ? (Math.random() * 2 ** 32) >>> 0 : nonNegativeInt(W, 'seed', options.seed);
    this.graph = collected?.graph;
    const given = collected ? collected.layers : (options.layers ?? []);
    if (!Array.isArray(given)) throw new TypeError(`sequential: options.layers must be an array of knobs.layers, got ${describe(given)}`);
    // a model among a stack's layers stands for its own layers (Keras' Sequential([base, Dense(...)]))
    const layers: Layer[] = (given as unknown[]).flatMap((l) => (!collected && l instanceof LayersModel ? chainLayers(l, 'sequential') : [l as Layer]));
    const firstModel = !collected && given[0] instanceof LayersModel ? (given[0] as LayersModel) : undefined;
    this.owned = new ModelMemory(this.e);
    registry?.register(this, this.owned, this);
    this.initialize = options.initialize ?? true;
    this.layers = layers;
    // tfjs' tf.sequential() then model.add(layer): an empty stack is built at its first add
    if (layers.length === 0) {
      this.inputShape = options.inputShape === undefined ? [] : checkInputShape(options.inputShape);
      return;
    }
    const first = layers[0] as Layer & { inputShape?: number[] };
    const inputShape = collected ? graphInputShape(collected.layers, collected.graph) : (options.inputShape ?? firstModel?.inputShape ?? first.inputShape);
    if (!Array.isArray(inputShape) || inputShape.length === 0 || inputShape.some((d) => !Number.isInteger(d) || d <= 0)) {
      throw new TypeError(`sequential: inputShape must be an array of positive integers (e.g. [784]), got ${describe(inputShape)}`);
    }
    this.inputShape = inputShape.slice();
    this.build(this.initialize);
  }

  /** Whether the weights are initialized when the model is built (SequentialOptions.initialize). @internal */
  protected readonly initialize: boolean;

  /** Builds the layers, lays out the weights and initializes them. @internal */
  protected build(initialize: boolean): void {
    const names = new Set<string>();
    const counts: Record<string, number> = {};
    const W = this.graph ? 'model' : 'sequential';
    this.layers.forEach((layer, i) => {
      if (!layer || typeof (layer as Layer).build !== 'function') throw new TypeError(`${W}: layers[${i}] is not a knobs layer, got ${describe(layer)}`);
      if (!layer.name) return;
      if (names.has(layer.name)) throw new Error(`${W}: two layers are named ${JSON.stringify(layer.name)}`);
      names.add(layer.name);
    });
    const unnamed = this.layers.filter((l) => !l.name);
    for (const layer of unnamed) {
      // Keras names a graph's inputs input, input_1, ...; a name a layer already has (one reused from a built model) is skipped
      const base = layer instanceof InputLayer ? 'input' : layer.className.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
      let n = counts[base] ?? 0;
      while (names.has(n === 0 ? base : `${base}_${n}`)) n++;
      counts[base] = n + 1;
      layer.name = n === 0 ? base : `${base}_${n}`;
      names.add(layer.name);
    }
    // layers of another built model, reused here (reuse.ts): their weights come from that model
    const adopted = layoutWithReused(W, this, () => layoutLayers(this.layers, this.inputShape, this.graph));
    const layout = adopted.layout;
    for (const layer of this.layers) if (!adopted.reused.has(layer)) layer.owner = this;
    // no loss fusion until compile (a reused layer may come fused from its other model's compile)
    this.fused = false;
    for (const l of this.layers) if (l instanceof Dense || l instanceof Activation) l.fusedWithLoss = false;
    this.inputSize = layout.inputSize;
    this.outputSize = layout.outputSize;
    this.paramCount = layout.paramCount;
    this.stateCount = layout.stateCount;
    this.applyTrainability();
    this.params = this.e.allocF32(Math.max(1, this.paramCount));
    this.state = this.e.allocF32(Math.max(1, this.stateCount));
    this.owned.ptrs.push(this.params, this.state);
    reportEngineBytes(this, (Math.max(1, this.paramCount) + Math.max(1, this.stateCount)) * 4);
    for (const { layer, spec, offset, index } of initialize ? layout.weights : []) {
      if (adopted.reused.has(layer)) continue;
      const values = new Float32Array(spec.shape.reduce((a, b) => a * b, 1));
      spec.initializer.fill(values, spec.fanIn, spec.fanOut, deriveSeed(this.seed, layer.index, index));
      this.e.f32.set(values, ((spec.trainable ? this.params : this.state) >> 2) + offset);
    }
    for (const layer of this.layers) {
      if (layer instanceof Normalization) {
        layer.writer = (l, w) => this.writeLayerWeights(l, w);
        if (layer.pending) {
          this.writeLayerWeights(layer, [layer.pending.mean, layer.pending.variance]);
          layer.pending = undefined;
        }
      }
    }
    recordPlacements(this);
    for (const l of adopted.reused) markShared(l);
    // the reused layers' current weights, copied from the model that holds them
    this.claim();
  }

  /**
   * Makes this model the one its layers run in: its own placement of each layer, and the
   * current weights of the layers it shares with other models (reuse.ts). Every public method
   * calls it (through alive), and fit again after callbacks. @internal
   */
  claim(): void {
    claimLayers(this, (m) => m instanceof LayersModel && !m.disposed);
  }

  /** Builds the model's symbolic tensors, once (see {@link LayersModel.inputs}). @internal */
  ensureSymbolic(): void {
    this.symbolic ??= makeSymbolic(this, this.written);
  }

  /**
   * The model's input tensors (symbolic, tfjs' `model.inputs`, Keras' `model.inputs`): with
   * layers' {@link Layer.output}, what builds a new model on this one's layers. A Sequential
   * model gets an input of its input shape (tfjs' Sequential has one too). A model built from
   * them shares this model's layers and their weights (see `src/model/reuse.ts` for the rule).
   * @example
   * ```ts
   * const feat = base.getLayer('flat').output;
   * const transfer = knobs.model({ inputs: base.inputs, outputs: knobs.layers.dense({ units: 5, activation: 'softmax' }).apply(feat) });
   * ```
   */
  get inputs(): SymbolicTensor[] {
    this.alive('inputs');
    this.ensureSymbolic();
    return this.symbolic!.inputs.slice();
  }

  /** The model's output tensors (symbolic, tfjs' `model.outputs`). */
  get outputs(): SymbolicTensor[] {
    this.alive('outputs');
    this.ensureSymbolic();
    return this.symbolic!.outputs.slice();
  }

  /**
   * The model used as a layer (Keras' nested model, tfjs' `model.apply`): its outputs computed
   * from new symbolic inputs, one tensor per model input in order and of the same shapes (a
   * ShapeError names a mismatch). Its layers are applied again, so a model built on the result
   * shares them, and their weights, with this model (inlined: the outer model lists them as
   * its own layers). Returns one tensor, or an array for several outputs or an array given
   * (`model.apply<knobs.SymbolicTensor[]>(x)` in TypeScript).
   * @example
   * ```ts
   * const a = knobs.input({ shape: [16] });
   * const enc = knobs.model({ inputs: a, outputs: knobs.layers.dense({ units: 8, activation: 'tanh' }).apply(a) });
   * const x = knobs.input({ shape: [16] });
   * const y = knobs.layers.dense({ units: 2, activation: 'softmax' }).apply(enc.apply(x));
   * ```
   */
  apply<T extends SymbolicTensor | SymbolicTensor[] = SymbolicTensor>(inputs: SymbolicTensor | SymbolicTensor[]): NoInfer<T> {
    this.alive('apply');
    return applyModel(this, inputs) as T;
  }

  /** Freezes the layers whose `trainable` is false, for the step code (at build and at compile). */
  private applyTrainability(): void {
    const t = applyTrainability(this.layers, this.graph);
    this.regularized = t.regularized;
    this.needsInputGrad = t.needsInputGrad;
    this.trainableRanges = t.trainableRanges;
    this.firstTrainable = t.firstTrainable;
    this.compiledTrainable = this.layers.map((l) => l.trainable);
    this.warnedTrainable = false;
    // this model's frozen layers and loss fusion, put back in the layers whenever it runs (reuse.ts)
    recordPlacements(this);
  }

  /**
   * Whether fit trains the model's layers (tfjs' and Keras' `model.trainable`): true when any
   * layer is trainable. Setting it sets every layer's `trainable`, so `base.trainable = false`
   * freezes a base reused in another model, from that model's next `compile` (Keras' rule).
   */
  get trainable(): boolean {
    return this.layers.some((l) => l.trainable);
  }

  set trainable(value: boolean) {
    if (typeof value !== 'boolean') throw new TypeError(`${this.name}.trainable must be a boolean, got ${describe(value)}`);
    for (const l of this.layers) l.trainable = value;
  }

  /** The engine whose memory holds this model's buffers. @internal */
  get engine(): Engine {
    return this.e;
  }

  /** The compiled optimizer (callbacks change its learningRate). */
  get optimizer(): Optimizer | undefined {
    return this.compiled?.optimizer;
  }

  /**
   * Chooses the optimizer, the loss and the metrics.
   * @example
   * ```ts
   * model.compile({ optimizer: knobs.optimizers.adam({ learningRate: 1e-3 }),
   *                 loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
   * ```
   */
  compile(options: CompileOptions): void {
    this.alive('compile');
    const W = 'compile';
    if (options === null || typeof options !== 'object') throw new TypeError(`${W}: options {optimizer, loss} are required`);
    checkKnownOptions(W, options, ['optimizer', 'loss', 'metrics', 'targetScaling', 'lossWeights']);
    const optimizer = getOptimizer(W, options.optimizer);
    if (this.graph && this.graph.outputs.length > 1) return this.compileHeads(optimizer, options);
    if (options.lossWeights !== undefined) throw new TypeError(`${W}: options.lossWeights weighs the losses of several outputs; this model has one`);
    const loss = checkLoss(W, options.loss as Loss | BuiltinLossFunction);
    const sparse = sparseLabels(loss);
    // a graph's output layer (the last layer of a stack)
    const last = this.graph ? nodeLayer(this.layers, this.graph, this.graph.outputs[0]!) : this.layers[this.layers.length - 1];
    // Keras reduces a cross-entropy over the last axis and averages over the pixels of an image
    // output; knobs' cross-entropies take one row of classes per example, so refuse rather than differ
    if ((loss === 'categoricalCrossentropy' || loss === 'sparseCategoricalCrossentropy') && last && last.outputShape.length > 1) {
      throw new ShapeError(
        `${W}: ${loss} needs the model's output to be one vector of classes per example, but the last layer ${last.name} outputs [${last.outputShape.join(', ')}]; add layers.flatten() or layers.globalAveragePooling2d() and a dense layer before the softmax`,
      );
    }
    const outputActivation = last instanceof Dense || last instanceof Activation ? last.activation : undefined;
    const metrics = compileMetrics(W, options.metrics, { loss, outputActivation, sparse });
    // the last layer's softmax/sigmoid joins the cross-entropy when they match
    this.fused = configureLossFusion(this.layers, loss, this.graph);
    // layer.trainable takes effect here, as in Keras
    this.applyTrainability();
    if (sparse && !this.fused && last && this.graph && this.graph.nodeLayers.filter((l) => this.layers[l] === last).length > 1)
      throw new RangeError(
        `${W}: sparseCategoricalCrossentropy computes the output's softmax in the loss, but the output layer ${last.name} is shared (applied more than once), so it keeps its own softmax; use categoricalCrossentropy with one-hot targets, or give the output a layer of its own`,
      );
    if (sparse && !this.fused) throw new RangeError(`${W}: sparseCategoricalCrossentropy needs a softmax output layer`);
    for (const p of this.slots) this.e.free(p);
    this.owned.ptrs = this.owned.ptrs.filter((p) => !this.slots.includes(p));
    this.slots = optimizer.slotNames.map(() => this.e.allocF32(Math.max(1, this.paramCount)));
    this.owned.ptrs.push(...this.slots);
    reportEngineBytes(this, this.slots.length * Math.max(1, this.paramCount) * 4);
    this.loss = loss;
    const scaleTargets = options.targetScaling !== undefined;
    if (scaleTargets && options.targetScaling !== 'standardize')
      throw new RangeError(`${W}: options.targetScaling must be 'standardize' (or left out), got ${describe(options.targetScaling)}`);
    if ((scaleTargets || this.metadata.targetScaling !== undefined) && /crossentropy/i.test(String(loss)))
      throw new RangeError(
        `${W}: ${scaleTargets ? 'options.targetScaling' : "the model's metadata.targetScaling"} standardizes regression targets, but loss ${describe(loss)} takes class labels`,
      );
    // 'standardize' marks the scaling as asked but not fitted yet: saved like the fitted one, so a
    // model saved, loaded or sent to a pool worker before its first fit still scales its targets
    if (scaleTargets && this.metadata.targetScaling === undefined) this.metadata.targetScaling = 'standardize';
    this.compiled = { optimizer, loss, metrics, sparse };
    this.heads = undefined;
    this.freeRuntimes();
  }

  /** compile for a graph with several outputs: a loss, weight and metrics per output (src/model/heads.ts). */
  private compileHeads(optimizer: Optimizer, options: CompileOptions): void {
    const W = 'compile';
    if (options.targetScaling !== undefined || this.metadata.targetScaling !== undefined)
      throw new RangeError(`${W}: targetScaling standardizes the targets of a model with one output; this model has ${this.graph!.outputs.length}`);
    const heads = compileHeads(W, this.layers, this.graph!, options.loss, options.lossWeights, options.metrics);
    this.fused = false;
    this.applyTrainability();
    for (const p of this.slots) this.e.free(p);
    this.owned.ptrs = this.owned.ptrs.filter((p) => !this.slots.includes(p));
    this.slots = optimizer.slotNames.map(() => this.e.allocF32(Math.max(1, this.paramCount)));
    this.owned.ptrs.push(...this.slots);
    reportEngineBytes(this, this.slots.length * Math.max(1, this.paramCount) * 4);
    // the heads carry the losses; 'meanSquaredError' only checks that the joined targets are finite
    this.loss = 'meanSquaredError';
    this.heads = heads;
    this.compiled = { optimizer, loss: 'meanSquaredError', metrics: [], sparse: false, heads };
    this.freeRuntimes();
  }

  /** Throws once the model is disposed: its weights are gone, and its buffers may belong to another model. @internal */
  alive(where: string, emptyIsFine = false): void {
    if (this.disposed) throw new Error(`${where}: model was disposed (its weights are freed); build or load the model again`);
    if (!emptyIsFine && this.layers.length === 0) throw new Error(`${where}: the model has no layers yet; add them with model.add(layer)`);
    this.claim();
  }

  /**
   * Keras ignores a change of `layer.trainable` until the next compile; so does knobs, but it
   * says so once rather than train silently otherwise than the user may think. @internal
   */
  warnTrainableChange(where: string): void {
    if (this.warnedTrainable) return;
    const changed = this.layers.filter((l, i) => l.trainable !== this.compiledTrainable[i]);
    if (changed.length === 0) return;
    this.warnedTrainable = true;
    console.warn(
      `knobs ${where}: trainable changed on ${changed.map((l) => `${l.name} (now ${l.trainable})`).join(', ')} since the model was compiled; ` +
        'as in Keras, the change takes effect at the next model.compile(...), and this fit trains the layers as compiled',
    );
  }

  /** The compiled state, or an error that says to compile first. @internal */
  requireCompiled(where: string): CompiledModel {
    if (!this.compiled) throw new Error(`${where}: call model.compile({optimizer, loss}) first`);
    return this.compiled;
  }

  // ---- weights

  /** The weights, in layer order (dense: kernel fanIn x units row-major, bias; batch norm: gamma, beta, moving mean, moving variance). */
  getWeights(): Float32Array[] {
    this.alive('getWeights');
    const f32 = this.e.f32;
    const out: Float32Array[] = [];
    for (const l of this.layers) {
      l.weightSpecs().forEach((spec, i) => {
        const n = spec.shape.reduce((a, b) => a * b, 1);
        const base = ((spec.trainable ? this.params : this.state) >> 2) + l.offsets[i]!;
        out.push(f32.slice(base, base + n));
      });
    }
    return out;
  }

  /** Sets every weight, in getWeights() order. */
  setWeights(weights: Float32Array[]): void {
    this.alive('setWeights');
    const specs = this.layers.flatMap((l) => l.weightSpecs().map((spec, i) => ({ l, spec, i })));
    if (!Array.isArray(weights) || weights.length !== specs.length) {
      throw new ShapeError(`setWeights: expected ${specs.length} arrays, got ${Array.isArray(weights) ? weights.length : describe(weights)}`);
    }
    specs.forEach(({ l, spec }, k) => {
      const n = spec.shape.reduce((a, b) => a * b, 1);
      const w = weights[k];
      if (!(w instanceof Float32Array) || w.length !== n) {
        throw new ShapeError(`setWeights: ${l.name}/${spec.name} needs a Float32Array of ${n} values (shape [${spec.shape.join(', ')}]), got ${describe(w)}`);
      }
    });
    const f32 = this.e.f32;
    specs.forEach(({ l, spec, i }, k) => f32.set(weights[k]!, ((spec.trainable ? this.params : this.state) >> 2) + l.offsets[i]!));
    this.weightWrites++;
  }

  /**
   * A layer by name or by index (Keras' `get_layer`, tfjs' `getLayer`).
   * @example
   * ```ts
   * head.getLayer('conv1').setWeights(base.getLayer('conv1').getWeights());
   * ```
   */
  getLayer(nameOrIndex: string | number): Layer {
    this.alive('getLayer');
    if (typeof nameOrIndex === 'number') {
      if (!Number.isInteger(nameOrIndex)) throw new TypeError(`getLayer: index must be an integer, got ${describe(nameOrIndex)}`);
      const l = this.layers[nameOrIndex];
      if (!l) throw new RangeError(`getLayer: index ${nameOrIndex} is out of range: the model has ${this.layers.length} layers`);
      return l;
    }
    if (typeof nameOrIndex !== 'string') throw new TypeError(`getLayer: give a layer name or index, got ${describe(nameOrIndex)}`);
    const l = this.layers.find((x) => x.name === nameOrIndex);
    if (!l) throw new RangeError(`getLayer: no layer named ${JSON.stringify(nameOrIndex)} (the layers are ${this.layers.map((x) => x.name).join(', ')})`);
    return l;
  }

  /** One layer's weights (copies), in its weightSpecs() order: what `layer.getWeights()` returns. @internal */
  layerWeights(layer: Layer): Float32Array[] {
    this.alive('getWeights');
    const f32 = this.e.f32;
    return layer.weightSpecs().map((spec, i) => {
      const base = ((spec.trainable ? this.params : this.state) >> 2) + layer.offsets[i]!;
      return f32.slice(base, base + spec.shape.reduce((a, b) => a * b, 1));
    });
  }

  /** Sets one layer's weights, checked first (nothing is written when one is wrong): `layer.setWeights()`. @internal */
  setLayerWeights(layer: Layer, weights: Float32Array[]): void {
    this.alive('setWeights');
    const specs = layer.weightSpecs();
    const W = `${layer.name}.setWeights`;
    if (!Array.isArray(weights) || weights.length !== specs.length) {
      throw new ShapeError(
        `${W}: expected ${specs.length} arrays (${specs.map((s) => s.name).join(', ')}), got ${Array.isArray(weights) ? weights.length : describe(weights)}`,
      );
    }
    specs.forEach((spec, k) => {
      const n = spec.shape.reduce((a, b) => a * b, 1);
      const w = weights[k];
      if (!(w instanceof Float32Array) || w.length !== n) {
        throw new ShapeError(`${W}: ${spec.name} needs a Float32Array of ${n} values (shape [${spec.shape.join(', ')}]), got ${describe(w)}`);
      }
    });
    this.writeLayerWeights(layer, weights);
  }

  /** @internal */
  protected writeLayerWeights(layer: Layer, weights: Float32Array[]): void {
    const f32 = this.e.f32;
    layer.weightSpecs().forEach((spec, i) => {
      f32.set(weights[i]!, ((spec.trainable ? this.params : this.state) >> 2) + layer.offsets[i]!);
    });
    this.weightWrites++;
  }

  /** Names of the weights, in getWeights() order (`dense/kernel`, ...). */
  weightNames(): string[] {
    this.alive('weightNames');
    return this.layers.flatMap((l) => l.weightSpecs().map((s) => `${l.name}/${s.name}`));
  }

  /** Total trainable and non-trainable parameters. */
  countParams(): number {
    this.alive('countParams');
    return this.paramCount + this.stateCount;
  }

  /** Adapts every Normalization layer on training inputs (fit does it on its x when needed). */
  adapt(x: ModelInput): void {
    this.alive('adapt');
    const { data } = modelInputs(this, 'adapt', 'x', x);
    const norm = this.layers[0];
    if (!(norm instanceof Normalization)) throw new Error('adapt: the model has no normalization layer first');
    norm.adapt(data instanceof Uint8Array ? bytesToFloat32(data) : data);
  }

  /**
   * The buffer set of predict, evaluate (`training` false: the forward pass's buffers only) and
   * computeGradients: one, sized for the largest batch so far. @internal
   */
  runtime(rows: number, sparse: boolean, training: boolean): Runtime {
    return this.owned.shard(this, rows, sparse, 0, training);
  }

  /** @internal */
  protected freeRuntimes(): void {
    this.owned.dropShard();
  }

  /**
   * Frees the model's engine memory now (it is also freed when the model is garbage-collected).
   * Every other method of a disposed model then throws; disposing again does nothing.
   */
  dispose(): void {
    if (!this.disposed) releaseLayers(this);
    this.disposed = true;
    this.freeRuntimes();
    for (const p of this.owned.ptrs) if (p) this.e.free(p);
    this.owned.ptrs = [];
    registry?.unregister(this);
    releaseEngineBytes(this);
    this.params = this.state = 0;
    this.slots = [];
  }

  /** A one-shard step context. @internal */
  context(sb: ShardBuffers, rows: number, training: boolean, step: number): StepContext {
    const ctx: StepContext = {
      e: this.e,
      params: this.params,
      state: this.state,
      grads: sb.grads,
      training,
      rows,
      batchRows: rows,
      rowOffset: 0,
      seed: this.seed,
      step,
      shard: 0,
      shards: 1,
      shardRows: () => ctx.rows,
      scratchOf: (_s, l) => sb.layers[l]!,
      barrier: () => {},
      gemmWs: sb.gemmWs,
    };
    return ctx;
  }

  // ---- training, evaluation and prediction (fit.ts, evaluate.ts)

  /**
   * Trains the model.
   * @example
   * ```ts
   * const history = await model.fit(x, y, { batchSize: 64, epochs: 10, validationData: [xDev, yDev],
   *   callbacks: [knobs.callbacks.earlyStopping({ monitor: 'val_loss', patience: 3, restoreBestWeights: true })] });
   * history.history.val_accuracy;
   * ```
   */
  async fit(x: ModelInput, y: unknown, options: FitOptions = {}): Promise<History> {
    this.alive('fit');
    return fit(this, x, y, options);
  }

  /**
   * The loss (with regularization, as Keras reports it) and the compiled metrics on a data set.
   * @example
   * ```ts
   * const { loss, accuracy } = model.evaluate(xTest, yTest);
   * ```
   */
  evaluate(x: ModelInput, y: unknown, options: { batchSize?: number; sampleWeight?: Float32Array | number[] } = {}): EvaluateResult {
    this.alive('evaluate');
    return evaluate(this, x, y, options);
  }

  /**
   * The model's outputs for x: a Float32Array with one row of `outputSize` values per example
   * (probabilities for a softmax or sigmoid output). A model with several outputs returns an
   * array of them, one per output in output order (`model.predict<Float32Array[]>(x)` in TypeScript).
   */
  predict<T extends Float32Array | Float32Array[] = Float32Array>(x: ModelInput, options: { batchSize?: number } = {}): NoInfer<T> {
    this.alive('predict');
    return predict(this, x, options) as T;
  }

  /**
   * The loss and the gradients of the trainable weights on one batch (training mode, as a
   * GradientTape over `model(x, training=True)`), in the order of the trainable weights of
   * getWeights(), leaving out the layers frozen at the last compile (Keras' `trainable_weights`).
   * The loss includes the regularization terms.
   */
  computeGradients(
    x: ModelInput,
    y: unknown,
    options: { sampleWeight?: Float32Array | number[]; training?: boolean; step?: number } = {},
  ): { loss: number; grads: Float32Array[] } {
    this.alive('computeGradients');
    return computeGradients(this, x, y, options);
  }

  // ---- description and persistence (config.ts)

  /** Prints (and returns) a table of the layers, their output shapes and parameter counts. */
  summary(print: (line: string) => void = console.log): string {
    this.alive('summary');
    return summary(this, print);
  }

  /** The model's architecture, as saved in model.json. */
  getConfig(): ModelConfig {
    this.alive('getConfig');
    return modelConfig(this);
  }

  /**
   * The model's topology as knobs' model.json holds it, `{ className, config }` (`'Sequential'`
   * for a chain, `'Model'` for a graph, with Keras' functional config), as a JSON string, or the
   * object with `returnString` false: tfjs' `model.toJSON(unused, returnString)`.
   * `JSON.stringify(model)` writes the string, as in tfjs.
   */
  toJSON(_unused?: unknown, returnString = true): string | { className: 'Sequential' | 'Model'; config: ModelConfig } {
    this.alive('toJSON');
    const topology = { className: this.graph ? ('Model' as const) : ('Sequential' as const), config: modelConfig(this) };
    return returnString ? JSON.stringify(topology) : topology;
  }

  /** The compile configuration and training progress, as saved in model.json. */
  trainingState(): TrainingState | undefined {
    this.alive('trainingState');
    return trainingState(this);
  }

  /** The optimizer's state buffers (copies), in slotNames order. */
  getOptimizerState(): Float32Array[] {
    this.alive('getOptimizerState');
    const f32 = this.e.f32;
    return this.slots.map((p) => f32.slice(p >> 2, (p >> 2) + this.paramCount));
  }

  /** Restores the optimizer's state buffers. */
  setOptimizerState(slots: Float32Array[], iterations: number): void {
    this.alive('setOptimizerState');
    const c = this.requireCompiled('setOptimizerState');
    if (slots.length !== this.slots.length)
      throw new ShapeError(`setOptimizerState: the optimizer has ${this.slots.length} state buffers, got ${slots.length}`);
    slots.forEach((s, i) => {
      if (s.length !== this.paramCount) throw new ShapeError(`setOptimizerState: state buffer ${i} needs ${this.paramCount} values, got ${s.length}`);
      this.e.f32.set(s, this.slots[i]! >> 2);
    });
    c.optimizer.iterations = iterations;
  }

  /**
   * Saves the architecture, the weights, and the optimizer's state and progress, so that a
   * loaded model resumes `fit` exactly. `file://dir` in Node; `indexeddb://name` in browsers.
   * Saving is atomic: a crash while saving leaves the previous save readable.
   *
   * `{ format: 'tfjs' }` writes TensorFlow.js' layers format instead, which `tf.loadLayersModel`
   * reads (architecture, weights and batch-norm statistics, and Adam's or plain SGD's state).
   * @example
   * ```ts
   * await model.save('file://./runs/mnist');                        // knobs' format: resumes exactly
   * await model.save('file://./web_model', { format: 'tfjs' });     // for tf.loadLayersModel
   * ```
   */
  async save(url: string, options?: SaveOptions): Promise<SaveResult> {
    this.alive('save');
    return (await modelStorage()).saveModel(this, url, Object.keys(this.metadata).length ? this.metadata : undefined, options);
  }
}

/** A model's inputShape, checked. @internal */
export function checkInputShape(inputShape: unknown): number[] {
  if (!Array.isArray(inputShape) || inputShape.length === 0 || inputShape.some((d) => !Number.isInteger(d) || d <= 0)) {
    throw new TypeError(`sequential: inputShape must be an array of positive integers (e.g. [784]), got ${describe(inputShape)}`);
  }
  return inputShape.slice();
}

/**
 * Loading and saving: io.ts, imported on the first save or load. Not statically: io.ts makes
 * Sequential models, and Sequential extends LayersModel, so a static import here would let
 * sequential.ts run before this class exists whenever this file is the first of the three to be
 * imported; and io.ts rebuilds any layer class from a save, which an app that never saves or
 * loads need not load (issue 15: bundlers make it a chunk of its own).
 */
function modelStorage(): Promise<typeof import('../io/io')> {
  return import('../io/io');
}
