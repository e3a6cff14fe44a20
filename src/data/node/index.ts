/**
 * `knobs.data` in Node: everything of `src/data/index.ts`, plus file loaders (CSV by path,
 * streaming CSV, IDX files, the MNIST demo digits, Fashion-MNIST) and a preview that writes its PNG.
 * `fromCsv` and `preview` here accept a `path` and override the browser-safe ones.
 * @module
 */
export * from '../index';
export { fromCsv, streamCsv, fitCsvEncoding, type StreamCsvOptions } from './csv';
export { loadIdx } from './idx';
export { loadMnist, mnistCachePath, MNIST_COUNT, type MnistOptions } from './mnist';
export { preview } from './preview';
export { loadFashionMnist, FASHION_MNIST_DIR, type FashionMnistOptions } from './fashion-mnist';
