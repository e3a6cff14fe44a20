// A small entry for apps that use the compute engine alone: `ops` (the kernels on plain
// Float32Arrays) and `metrics`, without the trainer, layers, tuning or worker pool. Bundled by
// build/build.mjs into build/dist/browser/ops.js (the package export 'knobs/ops').
export * as ops from '../src/ops';
export * as metrics from '../src/metrics/index';
export { ready, simdSupported, sharedMemorySupported, type ReadyOptions } from '../src/engine/engine';
export { ShapeError } from '../src/errors';
