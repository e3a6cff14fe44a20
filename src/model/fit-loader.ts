/**
 * How a model reaches its training loop (src/model/fit.ts). In Node, and when knobs runs from its
 * sources, the loop is a chunk of its own, loaded by the first `fit`: importing knobs parses less
 * (issue 15). The browser builds put fit-loader.browser.ts in this module's place.
 * @module
 */
export type FitModule = typeof import('./fit');

/** The training loop's module, loaded on first use. */
export function loadFitModule(): Promise<FitModule> {
  return import('./fit');
}
