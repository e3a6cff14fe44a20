/**
 * Errors of `knobs/tune`, named as in Optuna (`optuna.exceptions`).
 *
 * Wrong types throw `TypeError` and wrong values `RangeError` (see `src/errors.ts`); the
 * classes here are the tuning-specific conditions.
 * @module
 */

/**
 * Thrown by an objective to say that its trial was pruned: the study records the trial as
 * `PRUNED`, with the curve it reported so far. Errors that crossed a thread boundary are
 * recognised by their `name` too, so a worker may rethrow a plain `Error` named `TrialPruned`.
 *
 * @example
 * ```ts
 * await study.optimize(async (trial) => {
 *   for (let epoch = 0; epoch < 20; epoch++) {
 *     const accuracy = await trainOneEpoch();
 *     trial.report(accuracy, epoch);
 *     if (trial.shouldPrune()) throw new tune.TrialPruned();
 *   }
 *   return accuracy;
 * });
 * ```
 */
export class TrialPruned extends Error {
  override name = 'TrialPruned';
  constructor(message = 'the trial was pruned') {
    super(message);
  }
}

/** True for a {@link TrialPruned}, including one rebuilt from another thread by name. */
export function isTrialPruned(error: unknown): boolean {
  return error instanceof TrialPruned || (typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'TrialPruned');
}

/**
 * Thrown when a study of that name already exists in the storage and `loadIfExists` is false.
 *
 * @example
 * ```ts
 * try { tune.createStudy({ storage, studyName: 'a', loadIfExists: false }); }
 * catch (e) { if (e instanceof tune.DuplicatedStudyError) console.log('already there'); }
 * ```
 */
export class DuplicatedStudyError extends Error {
  override name = 'DuplicatedStudyError';
}

/**
 * Thrown when a storage cannot do what was asked: a study or trial that does not exist, a
 * finished trial that is written to, or a journal that cannot be parsed.
 *
 * @example
 * ```ts
 * try { await tune.loadStudy({ storage, studyName: 'missing' }); }
 * catch (e) { if (e instanceof tune.StorageError) console.log(e.message); }
 * ```
 */
export class StorageError extends Error {
  override name = 'StorageError';
}
