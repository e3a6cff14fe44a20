/**
 * The options and results of a sequential model's methods (`sequential`, `compile`, `fit`,
 * `evaluate`), and what `compile` settles.
 * @module
 */
import type { AugmentationPipeline } from '../data/augment';
import type { Callback, CallbackHooks } from '../callbacks/callback';
import type { Layer } from '../layers/layer';
import type { BuiltinLossFunction, Loss } from '../losses';
import type { CompiledMetric } from '../metrics/compiled';
import type { Optimizer } from '../optimizers/index';
import type { Head } from './heads';
import type { CollectedGraph } from './graph';
import type { LayersModel } from './layers-model';

/**
 * A model's input data: a row-major Float32Array (one example per row), a Uint8Array of pixel
 * bytes (read as byte / 255) or number[][]; for a model with several inputs, an array of those,
 * one per input in the model's input order.
 */
export type ModelInput = Float32Array | Uint8Array | number[][] | (Float32Array | Uint8Array | number[][])[];

/** Options of {@link sequential}. */
export interface SequentialOptions {
  /** Shape of one example, without the batch dimension (e.g. [784]). Or give inputShape to the first layer. */
  inputShape?: number[];
  /**
   * The layers, bottom first. A built model may stand among them for its own layers (Keras'
   * `Sequential([base, Dense(...)])`): a chain of layers with one input and one output, whose
   * layers and weights the new model shares with it (see `model.inputs` for the sharing rule).
   */
  layers?: (Layer | LayersModel)[];
  /** Seeds initialization, shuffling and dropout: the same seed and data give bit-identical weights. */
  seed?: number;
  name?: string;
  /** Run the weight initializers (default true); false leaves zeros, for weights set right after. */
  initialize?: boolean;
}

/** @internal What the LayersModel constructor takes: a chain's options, or a graph (knobs.model). */
export interface LayersModelOptions extends SequentialOptions {
  /** A graph model's layers and connectivity; `layers` and `inputShape` are then unused. */
  graph?: CollectedGraph;
}

/**
 * One loss as compile takes it: a name (the aliases and any capitalization or snake_case too,
 * checked when compiling), a `knobs.losses` function, or a custom loss function.
 */
export type LossOption = Loss | BuiltinLossFunction | 'mse' | 'mae' | (string & {});

/** Options of {@link LayersModel.compile}. */
export interface CompileOptions {
  /** An optimizer object, or its name in any capitalization ('adam', 'Adam', 'RMSprop', ...). */
  optimizer: Optimizer | 'sgd' | 'momentum' | 'rmsprop' | 'adam' | 'adamw' | 'adagrad' | 'adamax' | 'nadam' | (string & {});
  /**
   * A loss name (any capitalization or snake_case: 'categoricalCrossentropy', 'categorical_crossentropy',
   * 'mse', 'mae', 'huber', 'logCosh', ...), a `knobs.losses` function, or a custom
   * {@link LossFunction} (see `src/losses.ts` for its contract).
   */
  loss: LossOption | LossOption[] | Record<string, LossOption>;
  /**
   * A model with several outputs: each output's weight in the total loss (an array in output
   * order, or an object keyed by output layer name; default 1 each). The total is
   * `sum_k lossWeights[k] * loss_k`, as Keras' `loss_weights`. With several outputs, `loss` may
   * be one loss for all, an array or an object keyed by output name, and `metrics` apply to each
   * output, logged as `<output>_<metric>` (e.g. `head_accuracy`, `val_head_accuracy`) with each
   * output's loss as `<output>_loss`; these per-output logs of the training set are measured after
   * each epoch in inference mode, as the regression metrics are. An output with a softmax may take
   * `'sparseCategoricalCrossentropy'`: its targets are then one integer class label per example
   * (`Int32Array` or `number[]`), and `'accuracy'` on it compares the label with the argmax, as
   * Keras' sparse categorical accuracy.
   */
  lossWeights?: number[] | Record<string, number>;
  /**
   * Metrics logged every epoch, under the names given (with `val_` versions on validation data):
   * `'accuracy'` (or `'acc'`) for classifiers; `'mae'`, `'mse'`, `'mape'` (or `'meanAbsoluteError'`,
   * `'meanSquaredError'`, `'meanAbsolutePercentageError'`, Keras' snake_case names) for any model
   * with per-output targets. The regression errors of the training set are measured after each
   * epoch with its final weights in inference mode (like their `val_` versions), not averaged over
   * the batches as Keras does. Accuracy on a regression model is an error. See knobs.metrics for
   * the others, on predictions.
   */
  metrics?: string[] | Record<string, string[]>;
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

/** Options of {@link LayersModel.fit}. */
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

/** The options fit knows. */
export const FIT_OPTIONS = [
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

/** What compile settles: the optimizer, the loss, the metrics, and whether labels are class indices. */
export interface CompiledModel {
  optimizer: Optimizer;
  loss: Loss;
  metrics: CompiledMetric[];
  sparse: boolean;
  /** A model with several outputs: each output's loss, weight and metrics (then `loss` is a placeholder). */
  heads?: Head[];
}
