/**
 * `knobs.data`: datasets, loaders, splits, normalization, weighting and augmentation.
 *
 * This module is browser-safe: it uses no Node API. The Node entry adds file and streaming
 * loaders and the MNIST demo loader from `./node` (which re-exports all of this).
 *
 * @example
 * ```ts
 * import * as knobs from 'knobs';
 * const data = knobs.data.fromCsv(text, { labelColumn: 'species' });
 * const { train, dev, test } = knobs.data.trainDevTestSplit(data, { ratios: 'classic', seed: 1 });
 * const norm = knobs.data.standardize().fit(train);
 * console.log(knobs.data.splitReport({ train, dev, test }).text);
 * ```
 * @module
 */
export { Dataset, dataset, type DatasetInit, type Features, type DatasetOptions, type ImageShape, type Labels, type SourceAttribute, type XY } from './dataset';
export { fromCsv, CsvTokenizer, type CsvOptions, type CsvRecord } from './csv';
export { fromJsonRows, type JsonRowsOptions } from './json';
export { fromIdx, readIdx, type IdxArray, type IdxOptions } from './idx';
export { TabularDataset, type TableOptions, type TabularEncoding, type ColumnEncoding, type CategoricalEncoding } from './tabular';
export {
  trainDevTestSplit,
  trainDevSplit,
  kFold,
  stratifiedKFold,
  splitReport,
  chiSquareSurvival,
  classLabels,
  SPLIT_PRESETS,
  type TrainDevTestOptions,
  type TrainDevTestSplit,
  type TrainDevOptions,
  type TrainDevSplit,
  type Fold,
  type SplitPreset,
  type SplitReport,
  type SplitReportOptions,
  type SplitComparison,
  type Distribution,
} from './split';
export { standardize, minMax, normalizerFromJSON, type Normalizer, type NormalizerJSON, type NormalizerSpec, type NormalizeOptions } from './normalize';
export { classWeight, exampleWeights, oversample, attributeWeights, type ClassWeightMap, type OversampleOptions } from './weights';
export {
  augmentation,
  preview,
  AugmentationPipeline,
  type AugmentationSpec,
  type AugmentationOptions,
  type AugmentCall,
  type ApplyOptions,
  type ApplyToOptions,
  type PreviewOptions,
  type Range,
} from './augment';
export { FASHION_MNIST_CLASS_NAMES, FASHION_MNIST_HUMAN_LEVEL_ACCURACY, FASHION_MNIST_HUMAN_LEVEL_ERROR } from './fashion-mnist';
