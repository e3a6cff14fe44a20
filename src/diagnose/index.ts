/**
 * The orthogonalized diagnosis: where a model stands (avoidable bias, variance, data
 * mismatch, overfitting of the dev set, against human-level error), the one thing to work on
 * first, and the knobs that act on it; per source of the data; training health; learning
 * curves.
 *
 * @example
 * ```ts
 * import { diagnose, formatDiagnosis } from 'knobs';
 * const d = diagnose({ humanLevelError: 0.007, trainError: 0.01, devError: 0.05 });
 * d.focus; // 'variance'
 * console.log(formatDiagnosis(d));
 * ```
 * @module
 */
export {
  diagnose,
  DEFAULT_THRESHOLDS,
  type DiagnoseErrors,
  type DiagnoseOptions,
  type DiagnoseThresholds,
  type Diagnosis,
  type Level,
  type ErrorIntervals,
  type GapIntervals,
} from './diagnose';
export { wilsonInterval, differenceInterval, type Interval } from './interval';
export {
  readModelSettings,
  knobsForModel,
  healthKnobsForModel,
  type ModelSettings,
  type ConfiguredModel,
  type OmittedKnob,
  type DenseSettings,
} from './settings';
export { formatDiagnosis } from './format';
export { KNOBS, HEALTH_KNOBS, type Knob, type Focus } from './knobs';
export { diagnoseBySource, type BySourceOptions, type SourceBreakdown, type SourceError, type SourcedSet, type SetName } from './bySource';
export {
  diagnoseHealth,
  DEFAULT_HEALTH_THRESHOLDS,
  type TrainingHealth,
  type LayerHealth,
  type HealthThresholds,
  type HealthFlag,
  type HealthProblem,
  type HealthReport,
} from './health';
export {
  learningCurve,
  type LearningCurve,
  type LearningCurveOptions,
  type LearningCurvePoint,
  type TrainAndEvaluate,
  type TrainDevData,
  type ModelLearningCurveOptions,
} from './learningCurve';
export type { LabeledSet, ModelSets } from './model';
