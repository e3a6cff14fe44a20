/**
 * Callbacks with Keras' hooks and log names (`loss`, each compiled metric under the name given
 * to compile, e.g. `accuracy` or `acc`, their `val_` versions, and `lr`).
 * Every hook may return a promise; `fit` awaits it.
 * @module
 */

/** Logs passed to the hooks: metric name -> value. */
export type Logs = Record<string, number>;

/** The model as callbacks see it (the parts Keras callbacks use). */
export interface CallbackModel {
  /** Set to true to stop `fit` after the current epoch. */
  stopTraining: boolean;
  getWeights(): Float32Array[];
  setWeights(weights: Float32Array[]): void;
  /** The compiled optimizer, whose learningRate callbacks may change. */
  readonly optimizer: { learningRate: number } | undefined;
  save(url: string): Promise<unknown>;
}

/** Parameters of the current fit, given to callbacks before training. */
export interface FitParams {
  epochs: number;
  initialEpoch: number;
  /** Batches per epoch. */
  steps: number;
  batchSize: number;
  samples: number;
  verbose: number;
  doValidation: boolean;
  metrics: string[];
}

/** Base class: override the hooks you need. */
export class Callback {
  model: CallbackModel | undefined;
  params: FitParams | undefined;

  setModel(model: CallbackModel): void {
    this.model = model;
  }

  setParams(params: FitParams): void {
    this.params = params;
  }

  onTrainBegin(_logs?: Logs): void | Promise<void> {}
  onTrainEnd(_logs?: Logs): void | Promise<void> {}
  onEpochBegin(_epoch: number, _logs?: Logs): void | Promise<void> {}
  onEpochEnd(_epoch: number, _logs?: Logs): void | Promise<void> {}
  onBatchBegin(_batch: number, _logs?: Logs): void | Promise<void> {}
  onBatchEnd(_batch: number, _logs?: Logs): void | Promise<void> {}
}

/** Hooks as a plain object (tfjs' CustomCallbackArgs). */
export interface CallbackHooks {
  onTrainBegin?: (logs?: Logs) => void | Promise<void>;
  onTrainEnd?: (logs?: Logs) => void | Promise<void>;
  onEpochBegin?: (epoch: number, logs?: Logs) => void | Promise<void>;
  onEpochEnd?: (epoch: number, logs?: Logs) => void | Promise<void>;
  onBatchBegin?: (batch: number, logs?: Logs) => void | Promise<void>;
  onBatchEnd?: (batch: number, logs?: Logs) => void | Promise<void>;
}

const HOOKS = ['onTrainBegin', 'onTrainEnd', 'onEpochBegin', 'onEpochEnd', 'onBatchBegin', 'onBatchEnd'] as const;

/**
 * Wraps hook objects so fit can treat every callback alike: a plain object of hooks (tfjs'
 * CustomCallbackArgs, `{ onEpochEnd(epoch, logs) {...} }`) or an instance of a class with hook
 * methods. Hooks are called with `this` bound to the object, as tfjs does.
 */
export function toCallback(c: Callback | CallbackHooks): Callback {
  if (c instanceof Callback) return c;
  if (c === null || typeof c !== 'object' || Array.isArray(c))
    throw new TypeError('fit: options.callbacks must hold Callback objects or objects of hook functions ({ onEpochEnd(epoch, logs) {...} })');
  const proto = Object.getPrototypeOf(c) as object | null;
  if (proto === Object.prototype || proto === null) {
    // a plain object: a misspelt hook would be silently never called
    for (const key of Object.keys(c)) {
      if (!(HOOKS as readonly string[]).includes(key))
        throw new TypeError(`fit: unknown callback hook ${JSON.stringify(key)}; known hooks are ${HOOKS.join(', ')}`);
    }
  }
  const cb = new Callback();
  let found = 0;
  for (const h of HOOKS) {
    const fn = (c as Record<string, unknown>)[h];
    if (fn === undefined) continue;
    if (typeof fn !== 'function') throw new TypeError(`fit: callback hook ${h} must be a function, got ${typeof fn}`);
    (cb as unknown as Record<string, unknown>)[h] = fn.bind(c);
    found++;
  }
  if (found === 0) throw new TypeError(`fit: a callback object must have at least one hook (${HOOKS.join(', ')})`);
  return cb;
}

/** True when the callback overrides a per-batch hook (fit skips the per-batch awaits otherwise). */
export function hasBatchHooks(c: Callback): boolean {
  return c.onBatchBegin !== Callback.prototype.onBatchBegin || c.onBatchEnd !== Callback.prototype.onBatchEnd;
}
