/**
 * The browser entry of knobs. It uses no Node API and loads the kernels from the bundle
 * itself, with no network request. Adds `indexeddb://` model storage.
 * @module
 */
import { ready } from './engine/engine';
import './browser/indexeddb-io';

export * from './index';
// the report: reportData, html, and render(element, data) into a page
export * as report from './report/index';

// Browsers' main threads may not compile a large module synchronously: load it on import.
await ready();
