/**
 * `knobs/tune`: hyperparameter search with Optuna's API and words: studies, trials,
 * samplers, pruners, storages.
 *
 * @example
 * ```ts
 * import * as tune from 'knobs/tune';
 * const study = tune.createStudy({ direction: 'maximize', sampler: tune.tpeSampler({ seed: 1 }),
 *   pruner: tune.ashaPruner(), storage: 'journal:./study.jsonl', studyName: 'mnist-mlp' });
 * await study.optimize(async (trial) => {
 *   const lr = trial.suggestFloat('lr', 1e-5, 1e-1, { log: true });
 *   const units = trial.suggestInt('units', 32, 512, { log: true });
 *   let valAccuracy = 0;
 *   for (let epoch = 0; epoch < 10; epoch++) {
 *     valAccuracy = await trainEpoch({ lr, units });
 *     trial.report(valAccuracy, epoch);
 *     if (trial.shouldPrune()) throw new tune.TrialPruned();
 *   }
 *   return valAccuracy;
 * }, { nTrials: 60, concurrency: 2 });
 * study.bestParams;
 * ```
 * @module
 */
export {
  CategoricalDistribution,
  FloatDistribution,
  IntDistribution,
  distributionToJson,
  jsonToDistribution,
  type CategoricalChoice,
  type Distribution,
  type ParamValue,
} from './distributions';
export { DuplicatedStudyError, StorageError, TrialPruned } from './errors';
export { inProcessExecutor, type Executor, type Objective, type ObjectiveValue } from './executor';
export { TrialState, type FrozenTrial, type JsonValue, type StudyDirection, type TrialTemplate } from './frozenTrial';
export * from './pruners';
export * from './samplers';
export * from './storages';
export {
  Study,
  createStudy,
  deleteStudy,
  getAllStudies,
  loadStudy,
  maxTrialsCallback,
  type ConstraintsFunc,
  type CreateStudyOptions,
  type LoadStudyOptions,
  type OptimizeCallback,
  type OptimizeOptions,
  type TellOptions,
} from './study';
export { Trial, type SuggestFloatOptions, type SuggestIntOptions } from './trial';
export { getParamImportances, type ParamImportanceOptions } from './importance';
export { type TrialsTableAttr, type TrialsTableOptions } from './table';
export * as plotData from './visualization';
export { babysit, Babysitter, type BabysitOptions, type BabysitChange, type Stretch } from './babysit';
