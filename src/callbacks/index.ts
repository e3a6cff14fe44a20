/**
 * `knobs.callbacks`: early stopping, learning-rate control, checkpoints and progress, with
 * Keras' options and semantics.
 * @module
 */
import { checkKnownOptions, finiteNumber, nonNegativeInt, numberInRange } from '../util/options';
import { Callback, type Logs } from './callback';
import { Monitor, type Mode } from './monitor';

export { Callback, type CallbackHooks, type Logs, type FitParams, type CallbackModel } from './callback';
export { History } from './history';
export { ProgressBar } from './progress';

const warned = new WeakSet<object>();
function warnOnce(owner: object, msg: string): void {
  if (warned.has(owner)) return;
  warned.add(owner);
  console.warn(`knobs: ${msg}`);
}

/** Options of {@link earlyStopping}. */
export interface EarlyStoppingOptions {
  /** Default 'val_loss'. */
  monitor?: string;
  /** Smallest change that counts as an improvement. Default 0. */
  minDelta?: number;
  /** Epochs without improvement before stopping. Default 0. */
  patience?: number;
  /** Default 'auto' (maximize names with acc/auc/f1/precision/recall, minimize others). */
  mode?: Mode;
  /** Stop unless the metric beats this value within `patience` epochs. */
  baseline?: number;
  /** Restore the weights of the best epoch when stopping (and at the end of training). Default false. */
  restoreBestWeights?: boolean;
  /** Epochs to wait before monitoring starts. Default 0. */
  startFromEpoch?: number;
  verbose?: number;
}

/** Stops training when the monitored metric stops improving (Keras' EarlyStopping). */
export class EarlyStopping extends Callback {
  readonly monitor: Monitor;
  readonly patience: number;
  readonly baseline: number | undefined;
  readonly restoreBestWeights: boolean;
  readonly startFromEpoch: number;
  readonly verbose: number;
  wait = 0;
  /** The epoch training stopped at (0 when it ran to the end). */
  stoppedEpoch = 0;
  /** The best epoch so far. */
  bestEpoch = 0;
  private bestWeights: Float32Array[] | undefined;

  constructor(o: EarlyStoppingOptions = {}) {
    super();
    const W = 'callbacks.earlyStopping';
    checkKnownOptions(W, o, ['monitor', 'minDelta', 'patience', 'mode', 'baseline', 'restoreBestWeights', 'startFromEpoch', 'verbose']);
    this.monitor = new Monitor(W, o.monitor ?? 'val_loss', o.mode, finiteNumber(W, 'minDelta', o.minDelta ?? 0));
    this.patience = nonNegativeInt(W, 'patience', o.patience ?? 0);
    this.baseline = o.baseline === undefined ? undefined : finiteNumber(W, 'baseline', o.baseline);
    this.restoreBestWeights = o.restoreBestWeights ?? false;
    this.startFromEpoch = nonNegativeInt(W, 'startFromEpoch', o.startFromEpoch ?? 0);
    this.verbose = o.verbose ?? 0;
  }

  override onTrainBegin(): void {
    this.wait = 0;
    this.stoppedEpoch = 0;
    this.bestEpoch = 0;
    this.bestWeights = undefined;
    this.monitor.best = this.monitor.better(1, 0) ? -Infinity : Infinity;
    if (this.baseline !== undefined) this.monitor.best = this.baseline;
  }

  override onEpochEnd(epoch: number, logs?: Logs): void {
    const v = this.monitor.read(logs, (m) => warnOnce(this, `earlyStopping: ${m}`));
    if (v === undefined || epoch < this.startFromEpoch) return;
    if (this.restoreBestWeights && this.bestWeights === undefined) this.bestWeights = this.model!.getWeights();
    this.wait++;
    if (this.monitor.better(v, this.monitor.best)) {
      this.monitor.best = v;
      this.bestEpoch = epoch;
      if (this.restoreBestWeights) this.bestWeights = this.model!.getWeights();
      // a baseline must be beaten first; afterwards every improvement resets the wait
      this.wait = 0;
    }
    if (this.wait >= this.patience && epoch > 0) {
      this.stoppedEpoch = epoch;
      this.model!.stopTraining = true;
    }
  }

  override onTrainEnd(): void {
    if (this.restoreBestWeights && this.bestWeights) {
      if (this.verbose > 0) console.log(`knobs: restoring the weights of epoch ${this.bestEpoch + 1} (best ${this.monitor.name} ${this.monitor.best})`);
      this.model!.setWeights(this.bestWeights);
    }
    if (this.stoppedEpoch > 0 && this.verbose > 0) console.log(`knobs: early stopping at epoch ${this.stoppedEpoch + 1}`);
  }
}

/** Options of {@link reduceLROnPlateau}. */
export interface ReduceLROnPlateauOptions {
  monitor?: string;
  /** New rate = rate * factor. Default 0.1. */
  factor?: number;
  /** Default 10. */
  patience?: number;
  mode?: Mode;
  /** Default 1e-4. */
  minDelta?: number;
  /** Epochs to wait after a reduction. Default 0. */
  cooldown?: number;
  /** Default 0. */
  minLr?: number;
  verbose?: number;
}

/** Multiplies the learning rate by `factor` when the metric plateaus (Keras' ReduceLROnPlateau). */
export class ReduceLROnPlateau extends Callback {
  readonly monitor: Monitor;
  readonly factor: number;
  readonly patience: number;
  readonly cooldown: number;
  readonly minLr: number;
  readonly verbose: number;
  private wait = 0;
  private cooldownLeft = 0;

  constructor(o: ReduceLROnPlateauOptions = {}) {
    super();
    const W = 'callbacks.reduceLROnPlateau';
    checkKnownOptions(W, o, ['monitor', 'factor', 'patience', 'mode', 'minDelta', 'cooldown', 'minLr', 'verbose']);
    this.monitor = new Monitor(W, o.monitor ?? 'val_loss', o.mode, finiteNumber(W, 'minDelta', o.minDelta ?? 1e-4));
    this.factor = numberInRange(W, 'factor', o.factor ?? 0.1, 0, 1, true, true);
    this.patience = nonNegativeInt(W, 'patience', o.patience ?? 10);
    this.cooldown = nonNegativeInt(W, 'cooldown', o.cooldown ?? 0);
    this.minLr = numberInRange(W, 'minLr', o.minLr ?? 0, 0, Infinity);
    this.verbose = o.verbose ?? 0;
  }

  override onTrainBegin(): void {
    this.wait = 0;
    this.cooldownLeft = 0;
    this.monitor.best = this.monitor.better(1, 0) ? -Infinity : Infinity;
  }

  override onEpochEnd(epoch: number, logs?: Logs): void {
    const v = this.monitor.read(logs, (m) => warnOnce(this, `reduceLROnPlateau: ${m}`));
    if (v === undefined || !this.model?.optimizer) return;
    if (this.cooldownLeft > 0) this.cooldownLeft--;
    if (this.monitor.better(v, this.monitor.best)) {
      this.monitor.best = v;
      this.wait = 0;
    } else if (this.cooldownLeft === 0) {
      this.wait++;
      if (this.wait >= this.patience) {
        const opt = this.model.optimizer;
        const next = Math.max(opt.learningRate * this.factor, this.minLr);
        if (next < opt.learningRate) {
          opt.learningRate = next;
          if (this.verbose > 0) console.log(`knobs: epoch ${epoch + 1}: reducing the learning rate to ${next}`);
          this.cooldownLeft = this.cooldown;
          this.wait = 0;
        }
      }
    }
  }
}

/** Sets the learning rate at the start of every epoch from `schedule(epoch, currentRate)`. */
export class LearningRateScheduler extends Callback {
  constructor(
    readonly schedule: (epoch: number, lr: number) => number,
    readonly verbose = 0,
  ) {
    super();
    if (typeof schedule !== 'function') throw new TypeError('callbacks.learningRateScheduler: schedule must be a function (epoch, lr) => lr');
  }

  override onEpochBegin(epoch: number): void {
    const opt = this.model?.optimizer;
    if (!opt) return;
    const lr = this.schedule(epoch, opt.learningRate);
    if (typeof lr !== 'number' || !Number.isFinite(lr) || lr < 0) {
      throw new RangeError(`callbacks.learningRateScheduler: the schedule returned ${lr} for epoch ${epoch}; it must return a finite number >= 0`);
    }
    opt.learningRate = lr;
    if (this.verbose > 0) console.log(`knobs: epoch ${epoch + 1}: learning rate ${lr}`);
  }
}

/** Options of {@link modelCheckpoint}. */
export interface ModelCheckpointOptions {
  /** Where to save: 'file://dir' in Node, 'indexeddb://name' in browsers. */
  filepath: string;
  monitor?: string;
  /** Save only when the monitored metric improves. Default true. */
  saveBestOnly?: boolean;
  mode?: Mode;
  verbose?: number;
}

/** Saves the model (with its optimizer state) after epochs where the monitored metric improved. */
export class ModelCheckpoint extends Callback {
  readonly monitor: Monitor;
  readonly filepath: string;
  readonly saveBestOnly: boolean;
  readonly verbose: number;
  /** Epochs at which the model was saved. */
  saved: number[] = [];

  constructor(o: ModelCheckpointOptions) {
    super();
    const W = 'callbacks.modelCheckpoint';
    checkKnownOptions(W, o, ['filepath', 'monitor', 'saveBestOnly', 'mode', 'verbose']);
    if (!o || typeof o.filepath !== 'string') throw new TypeError(`${W}: filepath is required, e.g. 'file://./runs/best'`);
    this.filepath = o.filepath;
    this.monitor = new Monitor(W, o.monitor ?? 'val_loss', o.mode, 0);
    this.saveBestOnly = o.saveBestOnly ?? true;
    this.verbose = o.verbose ?? 0;
  }

  override onTrainBegin(): void {
    this.monitor.best = this.monitor.better(1, 0) ? -Infinity : Infinity;
  }

  override async onEpochEnd(epoch: number, logs?: Logs): Promise<void> {
    if (this.saveBestOnly) {
      const v = this.monitor.read(logs, (m) => warnOnce(this, `modelCheckpoint: ${m}`));
      if (v === undefined || !this.monitor.better(v, this.monitor.best)) return;
      this.monitor.best = v;
    }
    await this.model!.save(this.filepath);
    this.saved.push(epoch);
    if (this.verbose > 0) console.log(`knobs: epoch ${epoch + 1}: saved the model to ${this.filepath}`);
  }
}

/** Stops training when the monitored metric stops improving. */
export const earlyStopping = (options: EarlyStoppingOptions = {}): EarlyStopping => new EarlyStopping(options);
/** Reduces the learning rate when the monitored metric plateaus. */
export const reduceLROnPlateau = (options: ReduceLROnPlateauOptions = {}): ReduceLROnPlateau => new ReduceLROnPlateau(options);
/** Sets the learning rate every epoch from a schedule: `(epoch, lr) => newLr`, or a `knobs.schedules` function. */
export const learningRateScheduler = (schedule: (epoch: number, lr: number) => number, verbose = 0): LearningRateScheduler =>
  new LearningRateScheduler(schedule, verbose);
/** Saves the best model seen so far. */
export const modelCheckpoint = (options: ModelCheckpointOptions): ModelCheckpoint => new ModelCheckpoint(options);
