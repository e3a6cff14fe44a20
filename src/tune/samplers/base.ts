/**
 * The sampler interface: one method, `sample`, which picks the value of one parameter of one
 * trial (Optuna's `BaseSampler.sample_independent`; relative, multivariate sampling fits in
 * the same method with the per-trial `cache`, see the TPE sampler).
 * @module
 */
import type { Distribution, ParamValue } from '../distributions';
import type { FrozenTrial, JsonValue, StudyDirection, TrialState } from '../frozenTrial';

/**
 * What samplers and pruners see of a study: its trials and directions, and the few writes
 * they make (a trial's system attributes; stopping the study).
 */
export interface StudyView {
  readonly studyName: string;
  readonly directions: readonly StudyDirection[];
  /** The study's trials in number order (of some states only, if given). */
  getTrials(options?: { states?: readonly TrialState[] }): readonly FrozenTrial[];
  /** Records a system attribute on a trial (rungs of pruners, grid ids of samplers). */
  setTrialSystemAttr(trialId: number, key: string, value: JsonValue): void;
  /** Stops `optimize` after the running trials (a grid sampler that visited every point). */
  stop(): void;
}

/** What a sampler gets for one parameter. */
export interface SampleContext {
  readonly study: StudyView;
  /** The trial being sampled, with the parameters it has so far. */
  readonly trial: FrozenTrial;
  /** Per-trial scratch space that lives as long as the trial (for joint sampling). */
  readonly cache: Map<string, unknown>;
}

/**
 * Chooses parameter values. Implement `sample`; the rest is optional.
 *
 * @example
 * ```ts
 * // A sampler that always proposes the middle of a numeric range:
 * const middle: tune.Sampler = {
 *   sample: (_ctx, _name, d) => (d.type === 'categorical' ? d.choices[0]! : d.snap((d.low + d.high) / 2)),
 * };
 * ```
 */
export interface Sampler {
  sample(context: SampleContext, name: string, distribution: Distribution): ParamValue;
  /** Called when a trial finishes, before its state is stored. */
  afterTrial?(study: StudyView, trial: FrozenTrial, state: TrialState, values: readonly number[] | null): void;
}
