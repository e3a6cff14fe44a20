/**
 * Gives `fit({ workers })` the browser worker pool, loaded with the first fit that asks for
 * workers: an app that trains on one thread never loads the pool, comlink or the parallel
 * runners (a bundler makes them a chunk of their own; issue 15). Imported for this side effect
 * by the browser entry.
 * @module
 */
import { registerParallelBackend } from '../src/model/parallel';

registerParallelBackend({
  async createRunner(model, spec) {
    return (await import('./browser-runner')).createBrowserRunner(model, spec);
  },
});
