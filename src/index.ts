/**
 * knobs: train, diagnose and tune neural networks on plain CPUs wherever JavaScript runs.
 *
 * This is the part common to every build; `index.node.ts` and `index.browser.ts` add what
 * is specific to each platform.
 * @module
 */
export * as ops from './ops';
export { ready, simdSupported, sharedMemorySupported } from './engine/engine';
export { ShapeError, NonFiniteLossError } from './errors';
