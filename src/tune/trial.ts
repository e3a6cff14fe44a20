/**
 * `Trial`: one run of the objective, handed to it by `optimize` or by `study.ask()`. The
 * objective asks the trial for hyperparameters (`suggestFloat`, `suggestInt`,
 * `suggestCategorical`), reports its learning curve (`report`) and asks whether to stop
 * early (`shouldPrune`), with Optuna's names and rules.
 *
 * Spaces are define-by-run: what is suggested can depend on what was suggested before, so
 * `units_2` exists only in trials that chose 3 layers. A parameter suggested twice in a trial
 * returns the same value.
 * @module
 */
import {
  type CategoricalChoice,
  CategoricalDistribution,
  type Distribution,
  FloatDistribution,
  IntDistribution,
  type ParamValue,
  checkDistributionCompatibility,
  singleValue,
} from './distributions';
import type { FrozenTrial, JsonValue } from './frozenTrial';
import type { Pruner } from './pruners/base';
import type { Sampler, StudyView } from './samplers/base';
import type { Storage } from './storages/base';
import { checkFinite, checkInteger, checkOptions, describe } from './validate';

/** What a trial needs from its study. @internal */
export interface TrialHost {
  readonly storage: Storage;
  readonly sampler: Sampler;
  readonly pruner: Pruner;
  readonly view: StudyView;
  readonly directions: readonly string[];
}

/** Options of {@link Trial.suggestFloat}. */
export interface SuggestFloatOptions {
  /** Grid step (not with log). */
  step?: number;
  /**
   * Log scale: `true` samples log(x) (learning rates: low > 0); `'oneMinus'` samples
   * log(1 - x) (momentum and Adam betas: 0.9 .. 0.999 spread as evenly as 0.1 .. 0.001).
   */
  log?: boolean | 'oneMinus';
}

/** Options of {@link Trial.suggestInt}. */
export interface SuggestIntOptions {
  /** Grid step (default 1; must be 1 with log). */
  step?: number;
  /** Log scale (low >= 1). */
  log?: boolean;
}

function checkName(fn: string, name: unknown): string {
  if (typeof name !== 'string' || name === '') throw new TypeError(`${fn}: name must be a non-empty string, got ${describe(name)}`);
  return name;
}

/**
 * A running trial.
 *
 * @example
 * ```ts
 * await study.optimize(async (trial) => {
 *   const layers = trial.suggestInt('layers', 1, 3);
 *   const units = Array.from({ length: layers }, (_, i) => trial.suggestInt(`units_${i}`, 16, 256, { log: true }));
 *   const lr = trial.suggestFloat('lr', 1e-5, 1e-1, { log: true });
 *   const beta1 = trial.suggestFloat('beta1', 0.8, 0.999, { log: 'oneMinus' });
 *   const act = trial.suggestCategorical('activation', ['relu', 'tanh']);
 *   return train({ units, lr, beta1, act });
 * }, { nTrials: 50 });
 * ```
 */
export class Trial {
  /** Scratch space samplers keep for this trial (joint sampling). @internal */
  readonly cache = new Map<string, unknown>();

  /** @internal Trials are made by `study.ask()` and `study.optimize()`. */
  constructor(
    private readonly host: TrialHost,
    /** The storage's id of the trial. */
    readonly trialId: number,
    /** The trial's index in its study. */
    readonly number: number,
  ) {}

  /** The record of this trial as stored now. */
  get frozen(): FrozenTrial {
    return this.host.storage.getTrial(this.trialId);
  }

  get params(): Readonly<Record<string, ParamValue>> {
    return this.frozen.params;
  }

  get distributions(): Readonly<Record<string, Distribution>> {
    return this.frozen.distributions;
  }

  get userAttrs(): Readonly<Record<string, JsonValue>> {
    return this.frozen.userAttrs;
  }

  get systemAttrs(): Readonly<Record<string, JsonValue>> {
    return this.frozen.systemAttrs;
  }

  get intermediateValues(): Readonly<Record<number, number>> {
    return this.frozen.intermediateValues;
  }

  get datetimeStart(): Date | null {
    return this.frozen.datetimeStart;
  }

  /**
   * A float in [low, high], on a linear or log scale, or on a grid of `step`.
   *
   * @example
   * ```ts
   * const lr = trial.suggestFloat('lr', 1e-5, 1e-1, { log: true });
   * const dropout = trial.suggestFloat('dropout', 0, 0.5, { step: 0.1 });
   * const beta2 = trial.suggestFloat('beta2', 0.9, 0.9999, { log: 'oneMinus' });
   * ```
   */
  suggestFloat(name: string, low: number, high: number, options?: SuggestFloatOptions): number {
    const fn = 'suggestFloat';
    checkName(fn, name);
    const o = checkOptions(fn, options, ['step', 'log']);
    const log = o.log ?? false;
    if (log !== true && log !== false && log !== 'oneMinus') throw new TypeError(`${fn}: options.log must be true, false or 'oneMinus', got ${describe(log)}`);
    const step = o.step === undefined || o.step === null ? null : checkFinite(fn, 'options.step', o.step);
    const d = new FloatDistribution(low, high, { log: log === true, step, oneMinusLog: log === 'oneMinus' }, fn);
    return this.suggest(name, d) as number;
  }

  /**
   * An integer in [low, high], on a linear or log scale, with a step.
   *
   * @example
   * ```ts
   * const units = trial.suggestInt('units', 32, 512, { log: true });
   * const batchSize = trial.suggestInt('batchSize', 32, 256, { step: 32 });
   * ```
   */
  suggestInt(name: string, low: number, high: number, options?: SuggestIntOptions): number {
    const fn = 'suggestInt';
    checkName(fn, name);
    const o = checkOptions(fn, options, ['step', 'log']);
    const step = o.step === undefined ? 1 : checkInteger(fn, 'options.step', o.step);
    if (o.log !== undefined && typeof o.log !== 'boolean') throw new TypeError(`${fn}: options.log must be a boolean, got ${describe(o.log)}`);
    const d = new IntDistribution(low, high, { log: (o.log as boolean | undefined) ?? false, step }, fn);
    return this.suggest(name, d) as number;
  }

  /**
   * One of the choices.
   *
   * @example
   * ```ts
   * const optimizer = trial.suggestCategorical('optimizer', ['sgd', 'momentum', 'adam']);
   * ```
   */
  suggestCategorical<T extends CategoricalChoice>(name: string, choices: readonly T[]): T {
    checkName('suggestCategorical', name);
    return this.suggest(name, new CategoricalDistribution(choices, 'suggestCategorical')) as T;
  }

  /** Suggests a parameter from a ready-made distribution (`study.ask(fixedDistributions)`). @internal */
  suggest(name: string, distribution: Distribution): ParamValue {
    const storage = this.host.storage;
    const frozen = storage.getTrial(this.trialId);
    const previous = frozen.distributions[name];
    if (previous) {
      checkDistributionCompatibility(name, previous, distribution);
      return frozen.params[name]!;
    }
    let value: unknown;
    const fixed = frozen.systemAttrs.fixed_params;
    if (fixed && typeof fixed === 'object' && !Array.isArray(fixed) && name in fixed) {
      value = fixed[name];
    } else if (distribution.single()) {
      value = singleValue(distribution);
    } else {
      const study = this.host.pruner.filterStudy?.(this.host.view, frozen) ?? this.host.view;
      value = this.host.sampler.sample({ study, trial: frozen, cache: this.cache }, name, distribution);
    }
    let internal: number;
    try {
      internal = distribution.toInternal(value);
    } catch (e) {
      throw new RangeError(`parameter ${JSON.stringify(name)}: ${(e as Error).message}`);
    }
    storage.setTrialParam(this.trialId, name, internal, distribution);
    return distribution.toExternal(internal);
  }

  /**
   * Reports the objective's value at a step (an epoch, say), for pruners and learning-curve
   * plots. A step reported twice keeps its first value, as in Optuna.
   *
   * @example
   * ```ts
   * trial.report(valAccuracy, epoch);
   * ```
   */
  report(value: number, step: number): void {
    if (this.host.directions.length > 1)
      throw new RangeError(`report: intermediate values are for single-objective studies; this study has ${this.host.directions.length} directions`);
    if (typeof value !== 'number') throw new TypeError(`report: value must be a number, got ${describe(value)}`);
    checkInteger('report', 'step', step, 0);
    if (step in this.frozen.intermediateValues) return;
    this.host.storage.setTrialIntermediateValue(this.trialId, step, value);
  }

  /**
   * Whether the pruner says to stop this trial now. Throw {@link TrialPruned} when it does.
   *
   * @example
   * ```ts
   * if (trial.shouldPrune()) throw new tune.TrialPruned();
   * ```
   */
  shouldPrune(): boolean {
    if (this.host.directions.length > 1)
      throw new RangeError(`shouldPrune: pruning is for single-objective studies; this study has ${this.host.directions.length} directions`);
    const frozen = this.frozen;
    const study = this.host.pruner.filterStudy?.(this.host.view, frozen) ?? this.host.view;
    return this.host.pruner.prune(study, frozen);
  }

  /**
   * Records a value with the trial (a measured latency, the model size, a path to a
   * checkpoint). Values must be JSON.
   *
   * @example
   * ```ts
   * trial.setUserAttr('latencyMs', 42.5);
   * ```
   */
  setUserAttr(key: string, value: JsonValue): void {
    if (typeof key !== 'string') throw new TypeError(`setUserAttr: key must be a string, got ${describe(key)}`);
    this.host.storage.setTrialUserAttr(this.trialId, key, value);
  }
}
