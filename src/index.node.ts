/**
 * The Node.js entry of knobs: everything in the common entry, plus `file://` model storage.
 * @module
 */
import { ready } from './engine/engine';
import './node/file-io';

export * from './index';

await ready();
