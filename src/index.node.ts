/**
 * The Node.js entry of knobs: everything in the common entry, plus `file://` model storage.
 * @module
 */
import './node/file-io';

export * from './index';
// the Node data module adds file, streaming and MNIST loaders to knobs.data
export * as data from './data/node/index';
