/**
 * The browser entry of knobs. It uses no Node API; the kernels (`knobs.wasm`, beside the
 * bundle) are fetched by `await knobs.ready()`, which a page calls once before its first model
 * or op. Adds `indexeddb://` model storage.
 * @module
 */
import './browser/indexeddb-io';

export * from './index';
