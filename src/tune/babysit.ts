/**
 * Babysitting one model (the lecture's "panda" strategy, for when there is compute for only one
 * model at a time): train a few epochs with a checkpoint after each stretch, look at the curves,
 * change one hyperparameter (the learning rate, say) and go on from the checkpoint; or go back to
 * a checkpoint from before a change that did not help. The study records the whole life of the
 * model as one trial: its curve as intermediate values, and every change, with its reason and
 * the epoch it took effect, in the trial's `history` user attribute.
 *
 * @example
 * ```ts
 * const study = tune.createStudy({ direction: 'maximize', studyName: 'panda' });
 * const panda = await tune.babysit(model, { study, checkpoint: 'file://./runs/panda' });
 * await panda.fit(x, y, { epochs: 5, validationData: [xDev, yDev] });
 * panda.curve;                                    // [{ epoch, logs }, ...]: look at it
 * await panda.change({ learningRate: 1e-4 }, 'the dev loss plateaued');
 * await panda.fit(x, y, { epochs: 5, validationData: [xDev, yDev] });
 * await panda.restore(0);                         // back to the end of the first stretch
 * await panda.finish();                           // the trial completes with the last monitored value
 * ```
 * @module
 */
import { describe } from '../errors';
// types only: this module is part of the 'knobs/tune' bundle, which carries no model or engine
import type { FitOptions } from '../model/options';
import type { LayersModel } from '../model/layers-model';
import type { History } from '../callbacks/history';
import type { JsonValue } from './frozenTrial';
import type { Study } from './study';
import type { Trial } from './trial';

/** Options of {@link babysit}. */
export interface BabysitOptions {
  /** The study that records the model's life as a trial. */
  study: Study;
  /** Where the checkpoints go ('file://dir' in Node, 'indexeddb://name' in browsers); stretch k goes to `<checkpoint>/stretch-<k>`. */
  checkpoint?: string;
  /** The metric reported to the study each epoch. Default 'val_accuracy' when validation data is given, else 'loss'. */
  monitor?: string;
}

/** What can change between stretches. */
export interface BabysitChange {
  /** The optimizer's learning rate from now on. */
  learningRate?: number;
  /** Batch size of the following stretches. */
  batchSize?: number;
}

/** One stretch of training with fixed hyperparameters. */
export interface Stretch {
  fromEpoch: number;
  toEpoch: number;
  learningRate: number;
  batchSize: number | undefined;
  /** Why the hyperparameters changed before this stretch. */
  reason?: string;
  /** Where it was saved, when checkpoints are on. */
  checkpoint?: string;
}

/** A model under supervision: see {@link babysit}. */
export class Babysitter {
  /** The trial recording this model. */
  readonly trial: Trial;
  /** Every epoch's logs, in order. */
  readonly curve: { epoch: number; logs: Record<string, number> }[] = [];
  /** The stretches trained so far. */
  readonly stretches: Stretch[] = [];
  private pending: { change: BabysitChange; reason?: string } | undefined;
  private batchSize: number | undefined;

  /** @internal */
  constructor(
    public model: LayersModel,
    private readonly options: BabysitOptions,
    trial: Trial,
  ) {
    this.trial = trial;
  }

  private record(): void {
    this.trial.setUserAttr('history', this.stretches.map((s) => ({ ...s })) as unknown as JsonValue);
  }

  /** Trains `options.epochs` more epochs, reports each epoch to the study, then saves a checkpoint. */
  async fit(x: Float32Array | number[][], y: unknown, options: FitOptions & { epochs: number }): Promise<History> {
    const W = 'babysit.fit';
    if (!options || !Number.isInteger(options.epochs) || options.epochs < 1)
      throw new RangeError(`${W}: options.epochs (more epochs to train) must be a positive integer, got ${describe(options?.epochs)}`);
    const opt = this.model.optimizer;
    if (!opt) throw new Error(`${W}: compile the model first`);
    const batchSize = options.batchSize ?? this.batchSize;
    this.batchSize = batchSize;
    const from = this.model.epochsCompleted;
    const monitor = this.options.monitor ?? (options.validationData ? 'val_accuracy' : 'loss');
    const stretch: Stretch = {
      fromEpoch: from,
      toEpoch: from,
      learningRate: opt.learningRate,
      batchSize,
      ...(this.pending?.reason ? { reason: this.pending.reason } : {}),
    };
    this.pending = undefined;
    this.stretches.push(stretch);
    const history = await this.model.fit(x as Float32Array, y, {
      ...options,
      ...(batchSize !== undefined ? { batchSize } : {}),
      epochs: from + options.epochs,
      initialEpoch: from,
      callbacks: [
        ...(options.callbacks === undefined ? [] : Array.isArray(options.callbacks) ? options.callbacks : [options.callbacks]),
        {
          onEpochEnd: (epoch: number, logs?: Record<string, number>) => {
            this.curve.push({ epoch, logs: { ...logs } });
            const v = logs?.[monitor];
            if (v !== undefined && Number.isFinite(v)) this.trial.report(v, epoch);
            stretch.toEpoch = epoch + 1;
          },
        },
      ],
    });
    if (this.options.checkpoint) {
      stretch.checkpoint = `${this.options.checkpoint}/stretch-${this.stretches.length - 1}`;
      await this.model.save(stretch.checkpoint);
    }
    this.record();
    return history;
  }

  /** Changes hyperparameters for the following stretches, recording why. */
  async change(change: BabysitChange, reason?: string): Promise<void> {
    const W = 'babysit.change';
    if (change === null || typeof change !== 'object')
      throw new TypeError(`${W}: change must be an object such as { learningRate: 1e-4 }, got ${describe(change)}`);
    for (const k of Object.keys(change))
      if (k !== 'learningRate' && k !== 'batchSize')
        throw new TypeError(`${W}: unknown change ${JSON.stringify(k)}; babysitting changes learningRate and batchSize`);
    if (change.learningRate !== undefined) {
      if (!(change.learningRate >= 0) || !Number.isFinite(change.learningRate))
        throw new RangeError(`${W}: learningRate must be a finite number >= 0, got ${describe(change.learningRate)}`);
      this.model.optimizer!.learningRate = change.learningRate;
    }
    if (change.batchSize !== undefined) {
      if (!Number.isInteger(change.batchSize) || change.batchSize < 1)
        throw new RangeError(`${W}: batchSize must be a positive integer, got ${describe(change.batchSize)}`);
      this.batchSize = change.batchSize;
    }
    this.pending = { change, ...(reason ? { reason } : {}) };
  }

  /**
   * Goes back to the checkpoint saved after stretch `index` (by default the last), replacing the
   * model (weights, optimizer state and progress). Later stretches stay in the history.
   */
  async restore(index = this.stretches.length - 1): Promise<LayersModel> {
    const s = this.stretches[index];
    if (!s?.checkpoint) throw new RangeError(`babysit.restore: stretch ${index} has no checkpoint (give options.checkpoint to babysit)`);
    const old = this.model;
    // through the model's class: the checkpoint loads with the storage schemes and engine of the
    // bundle the model came from ('knobs'), not a copy of its own
    this.model = await (old.constructor as typeof LayersModel).load(s.checkpoint);
    old.dispose();
    this.pending = { change: {}, reason: `restored the checkpoint of stretch ${index} (epoch ${s.toEpoch})` };
    return this.model;
  }

  /** Completes the trial with `value`, by default the last value reported. */
  async finish(value?: number): Promise<void> {
    const iv = this.trial.intermediateValues;
    const steps = Object.keys(iv).map(Number);
    const last = steps.length ? iv[Math.max(...steps)] : undefined;
    const v = value ?? last;
    if (v === undefined) throw new Error('babysit.finish: no value: train first, or pass the final value');
    this.record();
    await this.options.study.tell(this.trial, v);
  }
}

/** Starts babysitting a compiled model: a new trial of the study records its life. */
export async function babysit(model: LayersModel, options: BabysitOptions): Promise<Babysitter> {
  if (!options || typeof options !== 'object' || !options.study) throw new TypeError('babysit: options.study is required');
  const trial = await options.study.ask();
  return new Babysitter(model, options, trial);
}
