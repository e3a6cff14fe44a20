/**
 * `knobs.analyze`: error analysis. Where the errors are (confusions, each class's share and
 * ceiling, hesitant predictions, suspected mislabels, tagged categories, a gallery of the
 * misclassified images), and acting on it (error-focused example weights, a cleaning loop
 * that keeps the original labels).
 *
 * The model-facing parts take a {@link Predictor} or callbacks, so they work with any model;
 * the model-level forms ({@link suspectMislabels}, `cleaningLoop(buildModel, ...)`,
 * `errorFocusedWeights(model, ...)`) train fresh models from a {@link BuildModel}.
 *
 * @example
 * ```ts
 * import { analyze } from 'knobs';
 * const a = analyze.analyze(model, xTest, yTest, { images: { height: 28, width: 28 } });
 * analyze.tagTally(a.topConfusions[0].indices, myTags).text;
 * ```
 * @module
 */
export { type Predictor, argmaxRows } from './predictor';
export { analyze, type Analysis, type AnalyzeOptions } from './analyze';
export { topConfusions, errorsByClass, type ConfusionGroup, type ClassErrors, type ErrorsByClass } from './confusions';
export { hesitantPredictions, type HesitantPrediction, type HesitantOptions } from './hesitant';
export {
  rankSuspectedMislabels,
  outOfFoldProbabilities,
  suspectMislabels,
  type SuspectedMislabel,
  type TrainAndPredict,
  type SuspectMislabelsOptions,
} from './mislabels';
export type { TrainableModel, BuildModel, LabeledSet } from './trainable';
export { kFolds, seededPermutation, type Fold } from './folds';
export { tagTally, type Tags, type TagShare, type TagTally } from './tags';
export { misclassifiedGallery, type Gallery, type GalleryOptions, type ImageShape } from './gallery';
export { drawText, textWidth, GLYPHS } from './font';
export { errorFocusedWeights, type ErrorFocusedOptions, type ModelErrorFocusedOptions } from './weights';
export {
  cleaningLoop,
  confidentRelabel,
  type CleaningOptions,
  type ModelCleaningOptions,
  type CleaningResult,
  type CleaningRound,
  type CleaningState,
  type Decision,
  type Suspect,
} from './cleaning';
