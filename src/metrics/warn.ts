/**
 * Warnings of undefined metrics (scikit-learn's `UndefinedMetricWarning`): printed with
 * `console.warn`, which works in Node and in browsers. Pass `zeroDivision: 0` (or 1, or NaN)
 * to choose the value yourself and silence them.
 * @module
 */

/** Prints a warning about an ill-defined metric. */
export function warnUndefined(message: string): void {
  console.warn(`knobs.metrics: ${message}`);
}
