/**
 * knobs: train, diagnose and tune neural networks on plain CPUs wherever JavaScript runs.
 *
 * This is the part common to every build; `index.node.ts` and `index.browser.ts` add what
 * is specific to each platform.
 *
 * The ONNX exporter, the report and the tuner are not here: they are the package's subpaths
 * `knobs/onnx`, `knobs/report` and `knobs/tune` (build/entry.onnx.ts, build/entry.report*.ts,
 * build/entry.tune*.ts), so that apps which never export, draw a report or tune do not load
 * protobufjs, uPlot, the report page and the study machinery (more than half of the bundle,
 * and ~45 ms of Node start-up for the first two).
 * @module
 */
export * as ops from './ops';
export * as layers from './layers/index';
export * as optimizers from './optimizers/index';
export * as schedules from './schedules';
export * as callbacks from './callbacks/index';
export * as regularizers from './regularizers';
export { initializers, type Initializer, type InitializerName } from './initializers';
export { sequential, Sequential, type SequentialOptions, type CompileOptions, type FitOptions, type EvaluateResult } from './model/sequential';
export { LayersModel } from './model/layers-model';
export { model, type ModelOptions } from './model/functional';
export { input, type InputOptions } from './layers/input-layer';
export { SymbolicTensor } from './layers/symbolic';
export type { ModelConfig, ModelInput } from './model/sequential';
export { loadModel } from './io/load';
export { toArrayBuffer } from './io/artifacts';
export { registerIOScheme } from './io/schemes';
export type { IOHandler, ModelArtifacts, ModelJson, SaveOptions, SaveResult } from './io/io';
export type { TfjsModelJson, TfjsWeightGroup, TfjsWeightEntry } from './io/tfjs';
export * as losses from './loss-functions';
export type { LossName, Loss, LossFunction, LossFunctionResult } from './losses';
export * as data from './data/index';
export * as metrics from './metrics/index';
export * as analyze from './analyze/index';
export { measureLatency, selectModel, type Latency, type Candidate, type Selection } from './metrics/index';
export type { Predictor } from './analyze/index';
export {
  diagnose,
  formatDiagnosis,
  diagnoseBySource,
  diagnoseHealth,
  learningCurve,
  KNOBS,
  HEALTH_KNOBS,
  DEFAULT_THRESHOLDS,
  DEFAULT_HEALTH_THRESHOLDS,
  type Diagnosis,
  type DiagnoseErrors,
  type DiagnoseOptions,
  type DiagnoseThresholds,
  type Knob,
  type Focus,
  type TrainingHealth,
  type LayerHealth,
  type HealthReport,
  type HealthFlag,
  type HealthThresholds,
  type SourceBreakdown,
  type LearningCurve,
  type LabeledSet,
  type ModelSets,
  type TrainDevData,
  type ModelLearningCurveOptions,
} from './diagnose/index';
export type { BuildModel, TrainableModel } from './analyze/index';
export { ready, simdSupported, sharedMemorySupported, type ReadyOptions } from './engine/engine';
export { ShapeError, NonFiniteLossError } from './errors';
