/**
 * `knobs.metrics`: classification and regression metrics with scikit-learn's names (in camelCase) and
 * results, options in a last object. `*Score` is higher-better, `*Loss` lower-better. Labels
 * are integer class labels in any array (`number[]`, `Int32Array`, `Float32Array`); scores
 * and probabilities are row-major (n x classes).
 *
 * @example
 * ```ts
 * import { metrics } from 'knobs';
 * metrics.f1Score([0, 1, 1, 0, 1], [0, 1, 0, 0, 1]);                      // 0.8
 * metrics.confusionMatrix([0, 1, 2, 2], [0, 2, 2, 1]);                     // [[1, 0, 0], [0, 0, 1], [0, 1, 1]]
 * console.log(metrics.classificationReport([0, 1, 2, 2], [0, 2, 2, 1]));
 * ```
 * @module
 */
export { confusionMatrix, type ConfusionMatrixOptions } from './confusion';
export { accuracyScore, balancedAccuracyScore, topKAccuracy, topKAccuracyScore, type AccuracyOptions, type TopKOptions } from './accuracy';
export { matthewsCorrcoef, cohenKappaScore, type KappaOptions } from './agreement';
export {
  precisionRecallFscoreSupport,
  precisionScore,
  recallScore,
  f1Score,
  fbetaScore,
  type Average,
  type ZeroDivision,
  type PrfOptions,
  type PerClassPrfs,
  type AveragedPrfs,
} from './fscore';
export { classificationReport, type ClassificationReportOptions, type ClassificationReportDict, type ReportRow } from './report';
export { binaryRates, ratesFromCounts, type BinaryRates, type ClassRates, type BinaryRatesOptions } from './rates';
export { classMeans, rankClassifiers, type ClassMeans, type ClassifierScores, type RankedClassifier } from './means';
export { logLoss, type LogLossOptions } from './loss';
export {
  r2Score,
  meanSquaredError,
  meanAbsoluteError,
  meanAbsolutePercentageError,
  type RegressionTargets,
  type RegressionOptions,
  type R2Options,
  type Multioutput,
} from './regression';
export { rocCurve, rocAucScore, precisionRecallCurve, type RocCurve, type RocAucOptions, type PrecisionRecallCurve, type CurveOptions } from './ranking';
export { measureLatency, type Latency, type LatencyOptions } from './latency';
export { selectModel, type Candidate, type Constraint, type SelectModelOptions, type Selection, type Rejection } from './select';
export type { Labels, SampleWeight } from './validate';
