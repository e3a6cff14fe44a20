/**
 * Hyperparameter importance: which knobs mattered in a study.
 * @module
 */
export { getParamImportances, type ParamImportanceOptions } from './fanova';
