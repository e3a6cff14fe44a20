/**
 * Samplers: how the next trial's hyperparameters are chosen.
 * @module
 */
export type { SampleContext, Sampler, StudyView } from './base';
export { coarseToFineSampler, type CoarseToFineSamplerOptions } from './coarseToFine';
export { gridSampler, type GridSamplerOptions } from './grid';
export { randomSampler, type RandomSamplerOptions } from './random';
export { defaultGamma, defaultWeights, hyperoptDefaultGamma, tpeSampler, type TpeSamplerOptions } from './tpe/sampler';
