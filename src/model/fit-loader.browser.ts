/**
 * The browser builds' fit-loader: the training loop is part of the library that loads with the
 * page. As a chunk loaded by the first `fit`, it cost a page two more round trips (the chunk,
 * then the chunk it imports) at the moment the user waits for training to start: about 30 ms of
 * a first epoch in Chromium, for about 9 KB gzip of JavaScript (issue 15, BENCHMARKS.md).
 * @module
 */
import * as fit from './fit';

export type FitModule = typeof fit;

/** The training loop's module, already loaded. */
export function loadFitModule(): Promise<FitModule> {
  return Promise.resolve(fit);
}
