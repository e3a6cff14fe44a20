/**
 * `knobs.analyze`: error analysis.
 * @module
 */
export { type Predictor, argmaxRows } from './predictor';
