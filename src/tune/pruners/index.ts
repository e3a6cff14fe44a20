/**
 * Pruners: which running trials to stop early.
 * @module
 */
export { nopPruner, type Pruner } from './base';
export { hyperbandPruner, type HyperbandPrunerOptions } from './hyperband';
export { medianPruner, percentilePruner, type MedianPrunerOptions, type PercentilePrunerOptions } from './median';
export { ashaPruner, successiveHalvingPruner, type AshaPrunerOptions, type SuccessiveHalvingPrunerOptions } from './successiveHalving';
