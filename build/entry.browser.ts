// The package's browser entry: the library (src/) plus the Web Worker pool (workers/), which
// src/ never imports. Bundled by build/build.mjs into build/dist/browser/knobs.js, next to
// browser-worker.js.
export * from '../src/index.browser';
import '../workers/browser-backend';
export { BrowserWorkerPool, workerPool, shutdown, useWorkerPool, type BrowserPoolOptions } from '../workers/browser-pool';
export { WorkerFailedError } from '../workers/errors';
