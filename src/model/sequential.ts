/**
 * A sequential model: a stack of layers trained with `compile` and `fit`, with the API of
 * tfjs-layers and Keras.
 *
 * Memory: all trainable weights live in one flat parameter buffer of the engine, the moving
 * statistics in one state buffer, and the optimizer's state in buffers of the parameters' size,
 * laid out once; each layer knows its float offsets. Training allocates its buffers once per
 * `fit` (for the batch size) and nothing per step.
 * @module
 */
import { engine, type Engine } from '../engine/engine';
import { f32_gather_rows, f32_gather_sum, x32_gather } from '../engine/kernels/f32_gather';
import { bytesToFloat32 } from '../data/dataset';
import { f32_find_nonfinite, f32_sum } from '../engine/kernels/f32_elementwise';
import { ACTIVATION, f32_activation, f32_softmax } from '../engine/kernels/f32_activation';
import { f32_clip_by_global_norm } from '../engine/kernels/f32_optimizer';
import { NonFiniteLossError, ShapeError, describe, divergenceError } from '../errors';
import { checkLoss, sparseLabels, type BuiltinLossFunction, type Loss, type LossName } from '../losses';
import { applyTrainability, configureLossFusion, layoutLayers } from './layout';
import { Activation } from '../layers/activation';
import { Dense } from '../layers/dense';
import type { Layer, LayerConfig, StepContext } from '../layers/layer';
import { Normalization } from '../layers/normalization';
import { Reshape } from '../layers/reshape';
import { layerFromConfig } from '../layers/index';
import { getOptimizer, type Optimizer } from '../optimizers/index';
import { Callback, hasBatchHooks, toCallback, type CallbackHooks, type FitParams, type Logs } from '../callbacks/callback';
import { History } from '../callbacks/history';
import { ProgressBar } from '../callbacks/progress';
import { deriveSeed, Random } from '../util/random';
import { checkKnownOptions, finiteNumber, nonNegativeInt, positiveInt } from '../util/options';
import { checkExamples, exampleWeights, nonFiniteError, toInputs, toLabels, type Labels } from './data';
import { EpochTally, batchLoss, parallelBackend, type BatchHooks, type EpochRunner, type FitData, type RunnerSpec } from './parallel';
import {
  allocateShard,
  forward,
  gatherInputs,
  inputFloats,
  freeShard,
  ModelMemory,
  modelMemoryRegistry,
  releaseEngineBytes,
  reportEngineBytes,
  optimizerStep,
  penaltyOnly,
  regularize,
  zeroFrozenGradients,
  trainShard,
  type ModelCore,
  type ShardBuffers,
} from './runtime';
import { loadModel, saveModel, type SaveOptions, type SaveResult } from '../io/io';
import { AugmentationPipeline } from '../data/augment';
import { compileMetrics, type CompiledMetric, type CompiledMetricKind } from '../metrics/compiled';
import { REGRESSION_ERROR, f32_regression_error_sum, type RegressionErrorKind } from '../engine/kernels/f32_metrics';
import { TargetScaler, fitTargetScaling, readTargetScaling, type TargetScaling } from './target';
import { HEALTH_EVERY, HealthRecorder, healthProbes, measureHealth, recordSize } from './health';

/** Options of {@link sequential}. */
export interface SequentialOptions {
  /** Shape of one example, without the batch dimension (e.g. [784]). Or give inputShape to the first layer. */
  inputShape?: number[];
  layers?: Layer[];
  /** Seeds initialization, shuffling and dropout: the same seed and data give bit-identical weights. */
  seed?: number;
  name?: string;
  /** Run the weight initializers (default true); false leaves zeros, for weights set right after. */
  initialize?: boolean;
}

/** Options of {@link Sequential.compile}. */
export interface CompileOptions {
  /** An optimizer object, or its name in any capitalization ('adam', 'Adam', 'RMSprop', ...). */
  optimizer: Optimizer | 'sgd' | 'momentum' | 'rmsprop' | 'adam' | 'adamw' | 'adagrad' | 'adamax' | 'nadam' | (string & {});
  /**
   * A loss name (any capitalization or snake_case: 'categoricalCrossentropy', 'categorical_crossentropy',
   * 'mse', 'mae', 'huber', 'logCosh', ...), a `knobs.losses` function, or a custom
   * {@link LossFunction} (see `src/losses.ts` for its contract).
   */
  loss: Loss | BuiltinLossFunction;
  /**
   * Metrics logged every epoch, under the names given (with `val_` versions on validation data):
   * `'accuracy'` (or `'acc'`) for classifiers; `'mae'`, `'mse'`, `'mape'` (or `'meanAbsoluteError'`,
   * `'meanSquaredError'`, `'meanAbsolutePercentageError'`, Keras' snake_case names) for any model
   * with per-output targets. The regression errors of the training set are measured after each
   * epoch with its final weights in inference mode (like their `val_` versions), not averaged over
   * the batches as Keras does. Accuracy on a regression model is an error. See knobs.metrics for
   * the others, on predictions.
   */
  metrics?: string[];
  /**
   * Regression only: `'standardize'` trains on targets standardized per output, `(y - mean) / std`,
   * with mean and std fitted on the training targets of the first fit (never on validation
   * data), as scikit-learn's TransformedTargetRegressor with a StandardScaler. `predict` returns
   * the original units, and so do the `mae`/`mse`/`mape` metrics of fit and evaluate; `loss` and
   * `val_loss` are the training objective, on the standardized targets. The statistics are kept
   * in `model.metadata.targetScaling` (`'standardize'` until the first fit fits them) and saved
   * with the model, so a loaded model, or a pool job, goes on scaling. Default: no scaling.
   */
  targetScaling?: 'standardize';
}

/** Options of {@link Sequential.fit}. */
export interface FitOptions {
  /** Default 32. 1 is stochastic gradient descent, the whole set is batch gradient descent. */
  batchSize?: number;
  /** Default 1. */
  epochs?: number;
  /** 0 silent, 1 progress bar (on a terminal), 2 one line per epoch. Default 1. */
  verbose?: number;
  /**
   * Callback objects (`knobs.callbacks.*`, subclasses of Callback) or plain objects of hooks
   * (`{ onEpochEnd(epoch, logs) {...} }`, tfjs' CustomCallbackArgs): one, or an array of them.
   */
  callbacks?: Callback | CallbackHooks | (Callback | CallbackHooks)[];
  /** [xDev, yDev] or [xDev, yDev, sampleWeight]. */
  validationData?: [unknown, unknown] | [unknown, unknown, unknown];
  /** Hold out the last fraction of x/y for validation (Keras' rule: the tail, before shuffling). */
  validationSplit?: number;
  /** Shuffle the training data every epoch. Default true. */
  shuffle?: boolean;
  /** Per-example weights s_i: the loss is sum(s_i L_i) / sum(s_i). */
  sampleWeight?: Float32Array | number[];
  /**
   * Class index -> weight, multiplied into the per-example weights; or 'balanced' (scikit-learn's
   * n_samples / (n_classes * class count), computed on the training labels).
   */
  classWeight?: Record<number, number> | 'balanced';
  /**
   * The epoch to start at (Keras' `initial_epoch`): fit runs epochs `initialEpoch` to
   * `epochs - 1`, numbered so in logs, callbacks and `history.epoch`. Default 0: every fit
   * trains `epochs` epochs, a second `fit(x, y, { epochs: 5 })` five more, as in Keras. To
   * resume a saved run where it stopped, give the epochs it completed:
   * `loaded.fit(x, y, { initialEpoch: loaded.epochsCompleted, epochs: 10 })` trains the
   * remaining epochs with the same shuffles, augmentation and schedule as an uninterrupted run.
   */
  initialEpoch?: number;
  /** Clip the gradient to this global L2 norm before each step. */
  clipNorm?: number;
  /** Cancels training between batches. */
  signal?: AbortSignal;
  /** Worker threads to split each batch across: 1 (default), n, or 'auto'. */
  workers?: number | 'auto';
  /**
   * Augments every training batch (never validation data) with a `knobs.data.augmentation`
   * pipeline, in WebAssembly, seeded by (model seed, epoch, example): the same batches whatever
   * the batch size's split across workers.
   */
  augment?: AugmentationPipeline;
  /**
   * Record the training health (per-layer gradient norms, dead ReLUs, saturated units) every
   * `every` steps into `history.health`. Default on, every 20 steps; false turns it off.
   */
  health?: boolean | { every: number };
}

/** What evaluate returns: the loss (with regularization) and each compiled metric, by the name it was compiled with. */
export type EvaluateResult = { loss: number; accuracy?: number; [metric: string]: number | undefined };

const FIT_OPTIONS = [
  'batchSize',
  'epochs',
  'verbose',
  'callbacks',
  'validationData',
  'validationSplit',
  'shuffle',
  'sampleWeight',
  'classWeight',
  'initialEpoch',
  'clipNorm',
  'signal',
  'workers',
  'augment',
  'health',
] as const;

/** Data copied into engine memory for one fit or evaluation. */
interface StagedData {
  rows: number;
  x: number;
  /** x holds one byte per value (read as byte / 255). */
  xBytes: boolean;
  labelsF32: number;
  labelsI32: number;
  weights: number;
  totalWeight: number;
}

/** A buffer set for a batch capacity. */
interface Runtime {
  rowsCap: number;
  shard: ShardBuffers;
}

/** The kernel's error for each compiled regression metric. */
const REGRESSION_KIND: Record<CompiledMetricKind, RegressionErrorKind> = {
  accuracy: REGRESSION_ERROR.absolute, // unused: accuracy is counted, not summed
  meanAbsoluteError: REGRESSION_ERROR.absolute,
  meanSquaredError: REGRESSION_ERROR.squared,
  meanAbsolutePercentageError: REGRESSION_ERROR.absolutePercentage,
};

/** The seed stream of augmentation (apart from initialization, shuffling and dropout). */
export const AUGMENT_STREAM = 0xa06;

const registry = modelMemoryRegistry;

let modelCount = 0;

/** A stack of layers. Create one with {@link sequential}. */
export class Sequential implements ModelCore {
  readonly name: string;
  readonly layers: Layer[];
  readonly seed: number;
  readonly inputShape: number[];
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
  /** Each layer's `trainable` as of the last compile, and whether fit already warned of a change since. */
  private compiledTrainable: boolean[] = [];
  private warnedTrainable = false;

  /** @internal byte offsets of the parameter and state buffers, and of the optimizer's slots */
  params = 0;
  /** @internal */
  state = 0;
  /** @internal */
  slots: number[] = [];
  private compiled: { optimizer: Optimizer; loss: Loss; metrics: CompiledMetric[]; sparse: boolean } | undefined;
  private disposed = false;
  private readonly e: Engine;
  /** Engine blocks freed by dispose() or after garbage collection (never references the model). */
  private readonly owned: ModelMemory;

  /**
   * Loads a saved model: the same as `knobs.loadModel`. Code that holds a model but not the
   * library it came from (the `knobs/tune` subpath's `babysit`, a bundle of its own) loads
   * through the model's class, so the new model gets the storage schemes and the engine of
   * that model's bundle.
   * @example
   * ```ts
   * const restored = await (model.constructor as typeof knobs.Sequential).load('file://./runs/mnist');
   * ```
   */
  static load(source: string | ArrayBuffer): Promise<Sequential> {
    return loadModel(source);
  }

  constructor(options: SequentialOptions = {}) {
    checkKnownOptions('sequential', options, ['inputShape', 'layers', 'seed', 'name', 'initialize']);
    this.e = engine();
    this.name = options.name ?? `sequential_${++modelCount}`;
    this.seed = options.seed === undefined ? (Math.random() * 2 ** 32) >>> 0 : nonNegativeInt('sequential', 'seed', options.seed);
    const layers = options.layers ?? [];
    if (!Array.isArray(layers) || layers.length === 0) throw new TypeError('sequential: options.layers must be a non-empty array of knobs.layers');
    const first = layers[0] as Layer & { inputShape?: number[] };
    const inputShape = options.inputShape ?? first.inputShape;
    if (!Array.isArray(inputShape) || inputShape.length === 0 || inputShape.some((d) => !Number.isInteger(d) || d <= 0)) {
      throw new TypeError(`sequential: inputShape must be an array of positive integers (e.g. [784]), got ${describe(inputShape)}`);
    }
    this.inputShape = inputShape.slice();
    this.layers = layers;
    this.owned = new ModelMemory(this.e);
    registry?.register(this, this.owned, this);
    this.build(options.initialize ?? true);
  }

  /** Builds the layers, lays out the weights and initializes them. */
  private build(initialize: boolean): void {
    const names = new Set<string>();
    const counts: Record<string, number> = {};
    this.layers.forEach((layer, i) => {
      if (!layer || typeof (layer as Layer).build !== 'function') throw new TypeError(`sequential: layers[${i}] is not a knobs layer, got ${describe(layer)}`);
      if (layer.index >= 0)
        throw new Error(
          `sequential: layer ${layer.name} already belongs to a model (its weights live in that model's buffers); create a new layer, ` +
            'and to reuse its trained weights copy them: newLayer.setWeights(oldModel.getLayer(name).getWeights()) once the new model is built',
        );
      if (!layer.name) {
        const base = layer.className.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
        const n = counts[base] ?? 0;
        counts[base] = n + 1;
        layer.name = n === 0 ? base : `${base}_${n}`;
      }
      if (names.has(layer.name)) throw new Error(`sequential: two layers are named ${JSON.stringify(layer.name)}`);
      names.add(layer.name);
    });
    const layout = layoutLayers(this.layers, this.inputShape);
    for (const layer of this.layers) layer.owner = this;
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
  }

  /** Freezes the layers whose `trainable` is false, for the step code (at build and at compile). */
  private applyTrainability(): void {
    const t = applyTrainability(this.layers);
    this.regularized = t.regularized;
    this.needsInputGrad = t.needsInputGrad;
    this.trainableRanges = t.trainableRanges;
    this.firstTrainable = t.firstTrainable;
    this.compiledTrainable = this.layers.map((l) => l.trainable);
    this.warnedTrainable = false;
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
    checkKnownOptions(W, options, ['optimizer', 'loss', 'metrics', 'targetScaling']);
    const optimizer = getOptimizer(W, options.optimizer);
    const loss = checkLoss(W, options.loss);
    const sparse = sparseLabels(loss);
    const last = this.layers[this.layers.length - 1];
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
    this.fused = configureLossFusion(this.layers, loss);
    // layer.trainable takes effect here, as in Keras
    this.applyTrainability();
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
    this.freeRuntimes();
  }

  /** Throws once the model is disposed: its weights are gone, and its buffers may belong to another model. */
  private alive(where: string): void {
    if (this.disposed) throw new Error(`${where}: model was disposed (its weights are freed); build or load the model again`);
  }

  /**
   * Keras ignores a change of `layer.trainable` until the next compile; so does knobs, but it
   * says so once rather than train silently otherwise than the user may think.
   */
  private warnTrainableChange(where: string): void {
    if (this.warnedTrainable) return;
    const changed = this.layers.filter((l, i) => l.trainable !== this.compiledTrainable[i]);
    if (changed.length === 0) return;
    this.warnedTrainable = true;
    console.warn(
      `knobs ${where}: trainable changed on ${changed.map((l) => `${l.name} (now ${l.trainable})`).join(', ')} since the model was compiled; ` +
        'as in Keras, the change takes effect at the next model.compile(...), and this fit trains the layers as compiled',
    );
  }

  private requireCompiled(where: string): NonNullable<Sequential['compiled']> {
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

  private writeLayerWeights(layer: Layer, weights: Float32Array[]): void {
    const f32 = this.e.f32;
    layer.weightSpecs().forEach((spec, i) => {
      f32.set(weights[i]!, ((spec.trainable ? this.params : this.state) >> 2) + layer.offsets[i]!);
    });
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
  adapt(x: Float32Array | Uint8Array | number[][]): void {
    this.alive('adapt');
    const { data } = this.inputs('adapt', 'x', x);
    const norm = this.layers[0];
    if (!(norm instanceof Normalization)) throw new Error('adapt: the model has no normalization layer first');
    norm.adapt(data instanceof Uint8Array ? bytesToFloat32(data) : data);
  }

  // ---- staging data and buffers

  /** x checked against the model's input: floats, bytes or rows. */
  private inputs(where: string, name: string, x: unknown): { data: Float32Array | Uint8Array; rows: number } {
    const first = this.layers[0]!;
    return toInputs(where, name, x, this.inputSize, this.inputShape, `${first.name} (${first.className})`);
  }

  private stage(where: string, x: unknown, y: unknown, sampleWeight: unknown, classWeight: Record<number, number> | 'balanced' | undefined): StagedData {
    const c = this.requireCompiled(where);
    const { data, rows } = this.inputs(where, 'x', x);
    const labels = toLabels(where, y, this.outputSize, c.sparse, c.loss);
    if (labels.rows !== rows) throw new ShapeError(`${where}: x has ${rows} examples but y has ${labels.rows}`);
    const w = exampleWeights(where, rows, labels, this.outputSize, sampleWeight, classWeight);
    checkExamples(
      where,
      rows,
      w,
      [sampleWeight !== undefined && 'options.sampleWeight', classWeight !== undefined && 'options.classWeight'].filter(Boolean).join(' x '),
    );
    const staged = this.stageArrays(where, data, rows, labels, w);
    const scaling = this.targetScaling(where);
    if (scaling && staged.labelsF32) this.withScaler(scaling, (t) => t.transform(staged.labelsF32, rows));
    return staged;
  }

  /** The model's fitted target scaling (model.metadata.targetScaling), checked; undefined when none. */
  private targetScaling(where: string): TargetScaling | undefined {
    return readTargetScaling(where, this.metadata, this.outputSize);
  }

  /** Runs f with the target scaling's statistics in engine memory. */
  private withScaler<T>(scaling: TargetScaling, f: (t: TargetScaler) => T): T {
    const t = new TargetScaler(this.e, scaling, this.outputSize);
    try {
      return f(t);
    } finally {
      t.free();
    }
  }

  private stageArrays(where: string, data: Float32Array | Uint8Array, rows: number, labels: Labels, w: Float32Array | undefined): StagedData {
    const e = this.e;
    // bytes stay bytes in engine memory (a quarter of the floats): batches are scaled as they are gathered
    const xBytes = data instanceof Uint8Array;
    const x = xBytes ? e.alloc(Math.max(1, rows * this.inputSize)) : e.allocF32(Math.max(1, rows * this.inputSize));
    if (xBytes) e.u8.set(data, x);
    else e.f32.set(data, x >> 2);
    const bad = rows && !xBytes ? f32_find_nonfinite(e, x, rows * this.inputSize) : -1;
    if (bad >= 0) {
      const v = data[bad]!;
      e.free(x);
      throw nonFiniteError(where, 'x', bad, v, this.inputSize);
    }
    let labelsF32 = 0,
      labelsI32 = 0,
      weights = 0,
      totalWeight = rows;
    if (labels.f32) {
      labelsF32 = e.allocF32(Math.max(1, labels.f32.length));
      e.f32.set(labels.f32, labelsF32 >> 2);
    }
    if (labels.i32) {
      labelsI32 = e.allocF32(Math.max(1, rows));
      e.i32.set(labels.i32, labelsI32 >> 2);
    }
    if (w) {
      weights = e.allocF32(Math.max(1, rows));
      e.f32.set(w, weights >> 2);
      totalWeight = w.reduce((a, b) => a + b, 0);
    }
    return { rows, x, xBytes, labelsF32, labelsI32, weights, totalWeight };
  }

  private unstage(d: StagedData): void {
    for (const p of [d.x, d.labelsF32, d.labelsI32, d.weights]) if (p) this.e.free(p);
  }

  /** The buffer set of predict, evaluate and computeGradients: one, sized for the largest batch so far. */
  private runtime(rows: number, sparse: boolean): Runtime {
    return this.owned.shard(this, rows, sparse);
  }

  private freeRuntimes(): void {
    this.owned.dropShard();
  }

  /**
   * Frees the model's engine memory now (it is also freed when the model is garbage-collected).
   * Every other method of a disposed model then throws; disposing again does nothing.
   */
  dispose(): void {
    this.disposed = true;
    this.freeRuntimes();
    for (const p of this.owned.ptrs) if (p) this.e.free(p);
    this.owned.ptrs = [];
    registry?.unregister(this);
    releaseEngineBytes(this);
    this.params = this.state = 0;
    this.slots = [];
  }

  /** A one-shard step context. */
  private context(sb: ShardBuffers, rows: number, training: boolean, step: number): StepContext {
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

  /** Copies rows [start, start + rows) of staged data (in order, or through `order`) into a shard. */
  private loadBatch(d: StagedData, sb: ShardBuffers, order: number, start: number, rows: number, sparse: boolean): number {
    const e = this.e;
    if (order) {
      const idx = order + start * 4;
      gatherInputs(e, d, idx, 0, rows, this.inputSize, sb.x);
      if (sparse) x32_gather(e, d.labelsI32, d.rows, idx, rows, sb.labelsI32);
      else f32_gather_rows(e, d.labelsF32, d.rows, idx, rows, this.outputSize, sb.labelsF32);
      if (d.weights) {
        x32_gather(e, d.weights, d.rows, idx, rows, sb.weights);
        return f32_gather_sum(e, d.weights, d.rows, idx, rows);
      }
      return rows;
    }
    const u8 = e.u8;
    gatherInputs(e, d, 0, start, rows, this.inputSize, sb.x);
    if (sparse) u8.copyWithin(sb.labelsI32, d.labelsI32 + start * 4, d.labelsI32 + (start + rows) * 4);
    else u8.copyWithin(sb.labelsF32, d.labelsF32 + start * this.outputSize * 4, d.labelsF32 + (start + rows) * this.outputSize * 4);
    if (d.weights) {
      u8.copyWithin(sb.weights, d.weights + start * 4, d.weights + (start + rows) * 4);
      return f32_sum(e, sb.weights, rows);
    }
    return rows;
  }

  // ---- training

  /**
   * Trains the model.
   * @example
   * ```ts
   * const history = await model.fit(x, y, { batchSize: 64, epochs: 10, validationData: [xDev, yDev],
   *   callbacks: [knobs.callbacks.earlyStopping({ monitor: 'val_loss', patience: 3, restoreBestWeights: true })] });
   * history.history.val_accuracy;
   * ```
   */
  async fit(x: Float32Array | Uint8Array | number[][], y: unknown, options: FitOptions = {}): Promise<History> {
    this.alive('fit');
    const W = 'fit';
    checkKnownOptions(W, options, FIT_OPTIONS);
    const c = this.requireCompiled(W);
    this.warnTrainableChange(W);
    const batchSize = positiveInt(W, 'options.batchSize', options.batchSize ?? 32);
    const epochs = nonNegativeInt(W, 'options.epochs', options.epochs ?? 1);
    const verbose = options.verbose ?? 1;
    // Keras: epochs are numbered from initialEpoch (default 0) in logs and callbacks; the model's own
    // epoch count (shuffles, augmentation, schedules) goes on from epochsCompleted unless the
    // caller says where the run stands by giving initialEpoch
    const initialEpoch = nonNegativeInt(W, 'options.initialEpoch', options.initialEpoch ?? 0);
    const firstRunEpoch = options.initialEpoch === undefined ? this.epochsCompleted : initialEpoch;
    const clipNorm = options.clipNorm === undefined ? undefined : finiteNumber(W, 'options.clipNorm', options.clipNorm);
    if (clipNorm !== undefined && clipNorm <= 0) throw new RangeError(`${W}: options.clipNorm must be > 0, got ${clipNorm}`);
    const workers = options.workers ?? 1;
    if (workers !== 'auto' && (!Number.isInteger(workers) || workers < 1))
      throw new RangeError(`${W}: options.workers must be a positive integer or 'auto', got ${describe(workers)}`);
    if (workers !== 1 && typeof c.loss === 'function')
      throw new RangeError(`${W}: a custom loss function trains on one thread (it cannot be sent to workers); use options.workers 1, got ${describe(workers)}`);
    const userCallbacks = callbackList(W, options.callbacks);
    const signal = options.signal;
    signal?.throwIfAborted?.();
    let augment = options.augment;
    if (augment !== undefined) {
      if (!(augment instanceof AugmentationPipeline))
        throw new TypeError(`${W}: options.augment must be a knobs.data.augmentation(...) pipeline, got ${describe(augment)}`);
      augment = this.augmentFor(W, augment);
    }

    // data: validation split first (Keras takes the tail, before any shuffling)
    let xs: unknown = x,
      ys: unknown = y,
      sw: unknown = options.sampleWeight;
    let validation = options.validationData;
    if (options.validationSplit !== undefined) {
      const f = finiteNumber(W, 'options.validationSplit', options.validationSplit);
      if (!(f > 0 && f < 1)) throw new RangeError(`${W}: options.validationSplit must be in (0, 1), got ${f}`);
      if (validation) throw new TypeError(`${W}: give validationData or validationSplit, not both`);
      const { data, rows } = this.inputs(W, 'x', x);
      const labels = toLabels(W, y, this.outputSize, c.sparse, c.loss);
      const nTrain = rows - Math.floor(rows * f);
      if (nTrain <= 0 || nTrain >= rows) throw new RangeError(`${W}: validationSplit ${f} of ${rows} examples leaves an empty set`);
      const sliceY = (a: number, b: number): unknown => (labels.i32 ? labels.i32.slice(a, b) : labels.f32!.slice(a * this.outputSize, b * this.outputSize));
      xs = data.slice(0, nTrain * this.inputSize);
      ys = sliceY(0, nTrain);
      const swArr = sw as Float32Array | number[] | undefined;
      validation = [data.slice(nTrain * this.inputSize), sliceY(nTrain, rows), ...(swArr ? [swArr.slice(nTrain)] : [])] as [unknown, unknown];
      sw = swArr?.slice(0, nTrain);
    }
    if (this.metadata.targetScaling === 'standardize') {
      // fitted once, on the training targets only (after validationSplit took its tail)
      const labels = toLabels(W, ys, this.outputSize, c.sparse, c.loss);
      if (labels.rows === 0) throw new RangeError(`${W}: targetScaling needs at least one training example`);
      this.metadata.targetScaling = fitTargetScaling(labels.f32!, this.outputSize);
    }
    const train = this.stage(W, xs, ys, sw, options.classWeight);
    let dev: StagedData | undefined;
    try {
      if (validation) {
        if (!Array.isArray(validation) || validation.length < 2)
          throw new TypeError(`${W}: options.validationData must be [xDev, yDev] or [xDev, yDev, sampleWeight]`);
        dev = this.stage(`${W}: options.validationData`, validation[0], validation[1], validation[2], undefined);
      }
      // a normalization layer that was not adapted learns its statistics from the training data only
      const norm = this.layers[0];
      if (norm instanceof Normalization && !norm.adapted) norm.adapt(inputFloats(this.e, train, this.inputSize));
      const health =
        options.health === false ? 0 : typeof options.health === 'object' ? positiveInt(W, 'options.health.every', options.health.every) : HEALTH_EVERY;
      return await this.trainLoop(train, dev, {
        batchSize,
        epochs,
        verbose,
        initialEpoch,
        firstRunEpoch,
        clipNorm,
        workers,
        signal,
        augment,
        health,
        shuffle: options.shuffle ?? true,
        callbacks: userCallbacks,
      });
    } finally {
      this.unstage(train);
      if (dev) this.unstage(dev);
    }
  }

  private async trainLoop(
    train: StagedData,
    dev: StagedData | undefined,
    o: {
      batchSize: number;
      epochs: number;
      verbose: number;
      initialEpoch: number;
      /** The model's own count of the first epoch run (seeds shuffles and augmentation, drives schedules). */
      firstRunEpoch: number;
      clipNorm: number | undefined;
      workers: number | 'auto';
      signal: AbortSignal | undefined;
      shuffle: boolean;
      callbacks: Callback[];
      augment: AugmentationPipeline | undefined;
      health: number;
    },
  ): Promise<History> {
    const c = this.compiled!;
    const e = this.e;
    const history = new History();
    const callbacks: Callback[] = [new ProgressBar(o.verbose), ...o.callbacks, history];
    const steps = Math.ceil(train.rows / o.batchSize);
    const params: FitParams = {
      epochs: o.epochs,
      initialEpoch: o.initialEpoch,
      steps,
      batchSize: o.batchSize,
      samples: train.rows,
      verbose: o.verbose,
      doValidation: dev !== undefined,
      metrics: ['loss', ...c.metrics.map((m) => m.name)],
    };
    for (const cb of callbacks) {
      cb.setModel(this);
      cb.setParams(params);
    }
    const batchHooks = callbacks.some(hasBatchHooks);
    const accuracyName = c.metrics.find((m) => m.kind === 'accuracy')?.name;
    // the progress bar only observes; user callbacks with batch hooks must run between steps
    const lockstep = o.callbacks.some(hasBatchHooks);
    const order = e.allocF32(Math.max(1, train.rows));
    const fitData: FitData = {
      rows: train.rows,
      x: train.x,
      xBytes: train.xBytes,
      labelsF32: train.labelsF32,
      labelsI32: train.labelsI32,
      weights: train.weights,
      order,
    };
    let runner: EpochRunner | undefined;
    this.stopTraining = false;
    try {
      const spec: RunnerSpec = {
        core: this,
        data: fitData,
        // buffers are sized by the batch: one larger than the data holds only the data (as Keras)
        batchSize: Math.min(o.batchSize, train.rows),
        sparse: c.sparse,
        useWeights: train.weights !== 0,
        countCorrect: c.metrics.some((m) => m.kind === 'accuracy'),
        clipNorm: o.clipNorm,
        seed: this.seed,
        workers: o.workers,
        augment: o.augment ? { pipeline: o.augment, seed: deriveSeed(this.seed, AUGMENT_STREAM) } : undefined,
        health: o.health ? { every: o.health, recorder: new HealthRecorder(healthProbes(this)) } : undefined,
      };
      history.health = spec.health?.recorder.health;
      if (o.workers !== 1) {
        const backend = parallelBackend();
        if (!backend) throw new Error("fit: options.workers needs the worker pool, which loads with knobs' Node or browser entry ('knobs')");
        runner = await backend.createRunner(this, spec);
      }
      runner ??= this.localRunner(spec);
      for (const cb of callbacks) await cb.onTrainBegin();
      // 0: the first batch yields to the event loop, so that the garbage collector's finalizers
      // (which free dropped models' engine memory) run even in a loop of short fits
      let lastYield = 0;
      for (let epoch = o.initialEpoch; epoch < o.epochs; epoch++) {
        const runEpoch = o.firstRunEpoch + (epoch - o.initialEpoch);
        if (c.optimizer.schedule) c.optimizer.learningRate = c.optimizer.schedule(runEpoch);
        for (const cb of callbacks) await cb.onEpochBegin(epoch);
        this.writeOrder(order, train.rows, runEpoch, o.shuffle);
        const hooks: BatchHooks = {
          lockstep,
          begin: async (b) => {
            if (batchHooks) for (const cb of callbacks) await cb.onBatchBegin(b, { batch: b, size: Math.min(o.batchSize, train.rows - b * o.batchSize) });
          },
          end: async (b, logs) => {
            if (batchHooks) {
              const { accuracy, ...rest } = logs;
              // the batch's accuracy under the name it was compiled with ('acc' or 'accuracy')
              const batchLogs: Logs = { batch: b, ...rest, ...(accuracyName && accuracy !== undefined ? { [accuracyName]: accuracy } : {}) };
              for (const cb of callbacks) await cb.onBatchEnd(b, batchLogs);
            }
            // let timers, I/O and abort signals through now and then
            if (Date.now() - lastYield > 100) {
              await yieldToEventLoop();
              lastYield = Date.now();
            }
          },
          check: () => {
            if (o.signal?.aborted) throw o.signal.reason ?? new Error('fit: aborted');
          },
        };
        const r = await runner.runEpoch(runEpoch, hooks);
        const logs: Logs = { loss: r.loss };
        // accuracy is the running count over the epoch's batches; the regression errors are
        // measured on the training set after the epoch (the same on every runner)
        const trainErrors = c.metrics.some((m) => m.kind !== 'accuracy') ? this.evaluateStaged(train, 256) : undefined;
        for (const m of c.metrics) logs[m.name] = m.kind === 'accuracy' ? r.accuracy : trainErrors![m.name]!;
        if (dev) {
          const v = this.evaluateStaged(dev, 256);
          logs.val_loss = v.loss;
          for (const m of c.metrics) logs[`val_${m.name}`] = v[m.name]!;
        }
        logs.lr = c.optimizer.learningRate;
        this.epochsCompleted = runEpoch + 1;
        for (const cb of callbacks) await cb.onEpochEnd(epoch, logs);
        if (this.stopTraining) break;
      }
      for (const cb of callbacks) await cb.onTrainEnd();
    } finally {
      await runner?.close();
      e.free(order);
    }
    return history;
  }

  /** Writes the epoch's example order: a permutation seeded by (seed, epoch), or 0..n-1. */
  private writeOrder(order: number, rows: number, epoch: number, shuffle: boolean): void {
    const idx = new Int32Array(rows);
    for (let i = 0; i < rows; i++) idx[i] = i;
    if (shuffle) new Random(deriveSeed(this.seed, 0x5eed, epoch)).shuffle(idx);
    this.e.i32.set(idx, order >> 2);
  }

  /** The single-threaded runner: one shard covering each whole batch. */
  private localRunner(spec: RunnerSpec): EpochRunner {
    const c = this.compiled!;
    const aug = spec.augment;
    const e = this.e;
    // this fit's own buffers, freed by close(): nothing outlives the fit
    const sb = allocateShard(e, this, spec.batchSize, spec.sparse, 0, 0, aug ? aug.pipeline.workspaceBytes(e) : 0);
    const d: StagedData = { ...spec.data, xBytes: spec.data.xBytes ?? false, totalWeight: 0 };
    const probes = spec.health ? healthProbes(this) : undefined;
    const record = probes ? new Float64Array(recordSize(probes)) : new Float64Array(0);
    // one context for the fit, updated in place each step
    const ctx = this.context(sb, 0, true, 0);
    zeroFrozenGradients(e, this, sb.grads);
    return {
      runEpoch: async (epoch, hooks) => {
        const tally = new EpochTally(spec.countCorrect);
        for (let b = 0, start = 0; start < d.rows; b++, start += spec.batchSize) {
          hooks.check();
          await hooks.begin(b);
          const rows = Math.min(spec.batchSize, d.rows - start);
          const batchWeight = this.loadBatch(d, sb, spec.data.order, start, rows, spec.sparse);
          const step = c.optimizer.iterations;
          ctx.rows = ctx.batchRows = rows;
          ctx.step = step;
          ctx.params = this.params;
          ctx.state = this.state;
          const scale = batchWeight > 0 ? 1 / batchWeight : 0;
          if (aug) aug.pipeline.apply(e, sb.x, sb.xAug, rows, { seed: aug.seed, epoch, exampleIndices: spec.data.order + start * 4, workspace: sb.augWs });
          const r = trainShard(ctx, this, sb, scale, spec.useWeights, true, spec.countCorrect, aug ? sb.xAug : sb.x);
          const penalty = regularize(e, this, this.params, sb.grads, 0, this.paramCount);
          const loss = batchLoss(r.lossSum, batchWeight, penalty);
          if (!Number.isFinite(loss)) throw this.divergence(epoch, b, loss);
          if (spec.clipNorm !== undefined) {
            const norm = f32_clip_by_global_norm(e, sb.grads, this.paramCount, spec.clipNorm);
            if (!Number.isFinite(norm)) throw this.divergence(epoch, b, norm, 'gradient norm');
          }
          if (spec.health && step % spec.health.every === 0) {
            measureHealth(e, this, probes!, sb, sb.grads, rows, record);
            spec.health.recorder.add(step, loss, record);
          }
          this.applyStep(ctx, sb);
          await hooks.end(b, tally.add(loss, r.correct, batchWeight, rows));
        }
        return tally.result();
      },
      close: async () => {
        freeShard(e, sb, true, true);
      },
    };
  }

  /** One optimizer step on the reduced gradient in sb.grads, then the layers' state updates. */
  private applyStep(ctx: StepContext, sb: ShardBuffers): void {
    const opt = this.compiled!.optimizer;
    opt.iterations++;
    optimizerStep(this.e, this, opt, this.params, sb.grads, this.slots, 0, this.paramCount, opt.iterations, opt.learningRate);
    for (const l of this.layers) l.updateState(ctx, sb.layers[l.index]!);
  }

  private divergence(epoch: number, batch: number, value: number, what: 'loss' | 'gradient norm' = 'loss'): NonFiniteLossError {
    return divergenceError(what, value, epoch, batch, this.compiled!.optimizer.learningRate);
  }

  // ---- evaluation and prediction

  private evaluateStaged(d: StagedData, batchSize: number): EvaluateResult {
    const c = this.compiled!;
    const rt = this.runtime(Math.min(batchSize, Math.max(1, d.rows)), c.sparse);
    const sb = rt.shard;
    const errors = c.metrics.filter((m) => m.kind !== 'accuracy');
    const errorSums = new Float64Array(errors.length);
    const scaling = errors.length ? this.targetScaling('evaluate') : undefined;
    const scaler = scaling ? new TargetScaler(this.e, scaling, this.outputSize) : undefined;
    let lossSum = 0,
      correct = 0,
      weightSum = 0;
    try {
      for (let start = 0; start < d.rows; start += rt.rowsCap) {
        const rows = Math.min(rt.rowsCap, d.rows - start);
        const w = this.loadBatch(d, sb, 0, start, rows, c.sparse);
        const useWeights = d.weights !== 0;
        const r = trainShard(
          this.context(sb, rows, false, 0),
          this,
          sb,
          0,
          useWeights,
          false,
          c.metrics.some((m) => m.kind === 'accuracy'),
        );
        errors.forEach((m, i) => {
          errorSums[i] += f32_regression_error_sum(
            this.e,
            REGRESSION_KIND[m.kind],
            r.predictions,
            sb.labelsF32,
            useWeights ? sb.weights : 0,
            rows,
            this.outputSize,
            1e-7,
            // with a target scaling, the errors are measured in the user's units
            scaler?.scale ?? 0,
            scaler?.mean ?? 0,
          );
        });
        lossSum += r.lossSum;
        correct += r.correct;
        weightSum += w;
      }
    } finally {
      scaler?.free();
    }
    const result: EvaluateResult = { loss: (weightSum > 0 ? lossSum / weightSum : 0) + penaltyOnly(this.e, this, this.params) };
    const mean = (sum: number): number => (weightSum > 0 ? sum / weightSum : 0);
    for (const m of c.metrics) {
      const i = errors.indexOf(m);
      // Keras reports the percentage error in percent
      result[m.name] = i < 0 ? mean(correct) : mean(errorSums[i]!) * (m.kind === 'meanAbsolutePercentageError' ? 100 : 1);
    }
    return result;
  }

  /**
   * The loss (with regularization, as Keras reports it) and the compiled metrics on a data set.
   * @example
   * ```ts
   * const { loss, accuracy } = model.evaluate(xTest, yTest);
   * ```
   */
  evaluate(
    x: Float32Array | Uint8Array | number[][],
    y: unknown,
    options: { batchSize?: number; sampleWeight?: Float32Array | number[] } = {},
  ): EvaluateResult {
    this.alive('evaluate');
    checkKnownOptions('evaluate', options, ['batchSize', 'sampleWeight']);
    const batchSize = positiveInt('evaluate', 'options.batchSize', options.batchSize ?? 256);
    const d = this.stage('evaluate', x, y, options.sampleWeight, undefined);
    try {
      return this.evaluateStaged(d, batchSize);
    } finally {
      this.unstage(d);
    }
  }

  /**
   * The model's outputs for x: a Float32Array with one row of `outputSize` values per example
   * (probabilities for a softmax or sigmoid output).
   */
  predict(x: Float32Array | Uint8Array | number[][], options: { batchSize?: number } = {}): Float32Array {
    this.alive('predict');
    checkKnownOptions('predict', options, ['batchSize']);
    const batchSize = positiveInt('predict', 'options.batchSize', options.batchSize ?? 256);
    const { data, rows } = this.inputs('predict', 'x', x);
    const e = this.e;
    const out = new Float32Array(rows * this.outputSize);
    if (rows === 0) return out;
    const rt = this.runtime(Math.min(batchSize, rows), this.compiled?.sparse ?? false);
    const sb = rt.shard;
    const scaling = this.targetScaling('predict');
    const scaler = scaling ? new TargetScaler(e, scaling, this.outputSize) : undefined;
    // bytes are staged whole (a quarter of the floats) and scaled a batch at a time by the kernel
    const bytes = data instanceof Uint8Array ? e.alloc(data.length) : 0;
    try {
      if (bytes) e.u8.set(data, bytes);
      for (let start = 0; start < rows; start += rt.rowsCap) {
        const n = Math.min(rt.rowsCap, rows - start);
        if (bytes) gatherInputs(e, { rows, x: bytes, xBytes: true }, 0, start, n, this.inputSize, sb.x);
        else {
          e.f32.set((data as Float32Array).subarray(start * this.inputSize, (start + n) * this.inputSize), sb.x >> 2);
          const bad = f32_find_nonfinite(e, sb.x, n * this.inputSize);
          if (bad >= 0) throw nonFiniteError('predict', 'x', start * this.inputSize + bad, data[start * this.inputSize + bad]!, this.inputSize);
        }
        const ctx = this.context(sb, n, false, 0);
        const { outputs } = forward(ctx, this, sb, sb.x);
        let res = outputs[outputs.length - 1]!;
        if (this.fused) {
          // the loss kernel normally applies the output activation; apply it here
          res = this.applyOutputActivation(res, sb.probs, n);
        }
        // back to the user's units (the output buffer is this batch's scratch)
        scaler?.invert(res, n);
        out.set(e.f32.subarray(res >> 2, (res >> 2) + n * this.outputSize), start * this.outputSize);
      }
    } finally {
      scaler?.free();
      if (bytes) e.free(bytes);
    }
    return out;
  }

  private applyOutputActivation(logits: number, dst: number, rows: number): number {
    const last = this.layers[this.layers.length - 1] as Dense | Activation;
    const e = this.e;
    if (last.activation === 'softmax') f32_softmax(e, logits, dst, rows, this.outputSize);
    else f32_activation(e, ACTIVATION.sigmoid, logits, dst, rows * this.outputSize, 0);
    return dst;
  }

  /**
   * The loss and the gradients of the trainable weights on one batch (training mode, as a
   * GradientTape over `model(x, training=True)`), in the order of the trainable weights of
   * getWeights(), leaving out the layers frozen at the last compile (Keras' `trainable_weights`).
   * The loss includes the regularization terms.
   */
  computeGradients(
    x: Float32Array | Uint8Array | number[][],
    y: unknown,
    options: { sampleWeight?: Float32Array | number[]; training?: boolean; step?: number } = {},
  ): { loss: number; grads: Float32Array[] } {
    this.alive('computeGradients');
    const W = 'computeGradients';
    checkKnownOptions(W, options, ['sampleWeight', 'training', 'step']);
    const c = this.requireCompiled(W);
    const d = this.stage(W, x, y, options.sampleWeight, undefined);
    try {
      const sb = this.runtime(Math.max(1, d.rows), c.sparse).shard;
      const w = this.loadBatch(d, sb, 0, 0, d.rows, c.sparse);
      const ctx = this.context(sb, d.rows, options.training ?? true, options.step ?? 0);
      zeroFrozenGradients(this.e, this, sb.grads);
      const r = trainShard(ctx, this, sb, w > 0 ? 1 / w : 0, d.weights !== 0, true, false);
      const penalty = regularize(this.e, this, this.params, sb.grads, 0, this.paramCount);
      const f32 = this.e.f32;
      const grads: Float32Array[] = [];
      for (const l of this.layers) {
        // Keras' trainable_weights: a frozen layer (as compiled) has none
        if (l.frozen) continue;
        l.weightSpecs().forEach((spec, i) => {
          if (!spec.trainable) return;
          const base = (sb.grads >> 2) + l.offsets[i]!;
          grads.push(f32.slice(base, base + spec.shape.reduce((a, b) => a * b, 1)));
        });
      }
      return { loss: (w > 0 ? r.lossSum / w : 0) + penalty, grads };
    } finally {
      this.unstage(d);
    }
  }

  /**
   * The pipeline for this model's images: one made without a shape takes [h, w, c] (or [h, w],
   * one channel) from the model's inputShape, or from a first reshape layer of flat rows; one
   * with a shape must match that image exactly, or a flat input in size.
   */
  private augmentFor(W: string, augment: AugmentationPipeline): AugmentationPipeline {
    // flat rows reshaped to images by the first layer count as images too
    const first = this.layers[0];
    const s = this.inputShape.length === 1 && first instanceof Reshape && first.outputShape.length === 3 ? first.outputShape : this.inputShape;
    const image = s.length === 3 ? { height: s[0]!, width: s[1]!, channels: s[2]! } : s.length === 2 ? { height: s[0]!, width: s[1]!, channels: 1 } : undefined;
    if (!augment.hasShape) {
      if (!image) {
        throw new ShapeError(
          `${W}: options.augment has no image shape and the model's inputShape [${s.join(', ')}] is not an image [height, width, channels]: ` +
            `give the pipeline {height, width, channels}, or build the model with an image inputShape`,
        );
      }
      return augment.withShape(image);
    }
    const { height, width, channels } = augment.shape;
    if (image ? image.height !== height || image.width !== width || image.channels !== channels : height * width * channels !== this.inputSize) {
      throw new ShapeError(
        `${W}: options.augment works on ${height} x ${width} x ${channels} images (${height * width * channels} values) but ` +
          `${s === this.inputShape ? "the model's inputShape is" : "the model's first layer reshapes its input to"} [${s.join(', ')}]`,
      );
    }
    return augment;
  }

  // ---- description and persistence

  /** Prints (and returns) a table of the layers, their output shapes and parameter counts. */
  summary(print: (line: string) => void = console.log): string {
    this.alive('summary');
    const rows: [string, string, string][] = [['Layer (type)', 'Output shape', 'Param #']];
    for (const l of this.layers) {
      const p = l.countParams();
      rows.push([`${l.name} (${l.className})`, `[null, ${l.outputShape.join(', ')}]`, String(p.trainable + p.nonTrainable)]);
    }
    // Keras counts a frozen layer's weights as non-trainable (as layer.trainable is now, before compile)
    const trainable = this.layers.reduce((n, l) => n + (l.trainable ? l.countParams().trainable : 0), 0);
    const w = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i]!.length)) + 2);
    const line = (r: string[]): string =>
      r
        .map((s, i) => s.padEnd(w[i]!))
        .join('')
        .trimEnd();
    const rule = '_'.repeat(w.reduce((a, b) => a + b, 0));
    const text = [
      `Model: "${this.name}"`,
      rule,
      line(rows[0]!),
      '='.repeat(rule.length),
      ...rows.slice(1).map(line),
      '='.repeat(rule.length),
      `Total params: ${this.countParams()}`,
      `Trainable params: ${trainable}`,
      `Non-trainable params: ${this.countParams() - trainable}`,
      rule,
    ].join('\n');
    for (const l of text.split('\n')) print(l);
    return text;
  }

  /** The model's architecture, as saved in model.json. */
  getConfig(): { name: string; seed: number; inputShape: number[]; layers: LayerConfig[] } {
    this.alive('getConfig');
    return {
      name: this.name,
      seed: this.seed,
      inputShape: this.inputShape,
      // trainable is written only when false, as the configs saved before frozen layers existed
      layers: this.layers.map((l) => ({ className: l.className, config: l.trainable ? l.getConfig() : { ...l.getConfig(), trainable: false } })),
    };
  }

  /** The compile configuration and training progress, as saved in model.json. */
  trainingState():
    | {
        loss: LossName;
        metrics: string[];
        optimizer: ReturnType<Optimizer['getConfig']>;
        iterations: number;
        epochsCompleted: number;
        slotNames: readonly string[];
      }
    | undefined {
    this.alive('trainingState');
    // a custom loss function cannot be written to model.json: such a model saves without its training state
    if (!this.compiled || typeof this.compiled.loss === 'function') return undefined;
    const o = this.compiled.optimizer;
    return {
      loss: this.compiled.loss,
      metrics: this.compiled.metrics.map((m) => m.name),
      optimizer: o.getConfig(),
      iterations: o.iterations,
      epochsCompleted: this.epochsCompleted,
      slotNames: o.slotNames,
    };
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
    return saveModel(this, url, Object.keys(this.metadata).length ? this.metadata : undefined, options);
  }
}

/**
 * Creates a sequential model.
 * @example
 * ```ts
 * const model = knobs.sequential({ inputShape: [784], seed: 42, layers: [
 *   knobs.layers.dense({ units: 128, activation: 'relu', kernelInitializer: 'heNormal' }),
 *   knobs.layers.dense({ units: 10, activation: 'softmax' }),
 * ]});
 * ```
 */
export function sequential(options: SequentialOptions): Sequential {
  return new Sequential(options);
}

/** Rebuilds a model from its configuration (architecture only; weights initialized from the seed). */
export function modelFromConfig(config: { name?: string; seed: number; inputShape: number[]; layers: LayerConfig[] }, initialize = true): Sequential {
  return new Sequential({
    name: config.name,
    seed: config.seed,
    inputShape: config.inputShape,
    layers: config.layers.map(layerFromConfig),
    initialize,
  } as SequentialOptions);
}

/** fit's callbacks option: one callback or hook object, or an array of them, as Callback objects. */
function callbackList(where: string, value: unknown): Callback[] {
  if (value === undefined) return [];
  if (value === null || typeof value !== 'object')
    throw new TypeError(`${where}: options.callbacks must be a callback, an object of hooks ({ onEpochEnd }) or an array of them, got ${describe(value)}`);
  return (Array.isArray(value) ? value : [value]).map((c) => toCallback(c as Callback | CallbackHooks));
}

/** Yields to the event loop (setImmediate in Node, a message in browsers): fast, unlike setTimeout(0). */
function yieldToEventLoop(): Promise<void> {
  const g = globalThis as { setImmediate?: (f: () => void) => void };
  if (g.setImmediate) return new Promise((r) => g.setImmediate!(r));
  if (typeof MessageChannel === 'function') {
    return new Promise((r) => {
      const ch = new MessageChannel();
      ch.port1.onmessage = () => {
        ch.port1.close();
        r();
      };
      ch.port2.postMessage(0);
    });
  }
  return new Promise((r) => setTimeout(r, 0));
}
