/**
 * The Node.js entry of knobs.
 * @module
 */
import { ready } from './engine/engine';

export * from './index';

await ready();
