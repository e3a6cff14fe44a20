/**
 * The worker pools' errors, apart from the runners that throw them: the entries export them
 * without loading the runners (issue 15).
 * @module
 */

/** A worker failed: which one, and when. */
export class WorkerFailedError extends Error {
  override name = 'WorkerFailedError';
  constructor(
    message: string,
    readonly worker: number,
    readonly epoch: number,
    readonly batch: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
