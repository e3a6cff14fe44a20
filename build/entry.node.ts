// The package's Node entry: the library (src/) plus the worker pool (workers/), which src/ never
// imports. Bundled by build/build.mjs into build/dist/node/knobs.js.
export * from '../src/index.node';
export { WorkerPool, workerPool, shutdown, defaultPool, useWorkerPool, type WorkerPoolOptions, type RemoteFitArgs } from '../workers/node-pool';
export { WorkerFailedError } from '../workers/data-parallel';
