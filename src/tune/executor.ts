/**
 * Executors: where `study.optimize` runs each trial's objective.
 *
 * The default runs the objective in this thread; `concurrency` then overlaps trials whose
 * objectives await (I/O, workers). To train each trial single-threaded in its own worker
 * (the method's "caviar" strategy: many models in parallel), plug in an executor that
 * forwards the trial to a worker pool: the trial's methods (`suggestFloat`, `report`,
 * `shouldPrune`, ...) stay on this side, next to the storage, and the worker calls them
 * through its channel; a worker that prunes rethrows an error named `TrialPruned`.
 * @module
 */
import type { Trial } from './trial';

/** What an objective returns: one value per direction of the study. */
export type ObjectiveValue = number | readonly number[];

/** An objective run in this thread. */
export type Objective = (trial: Trial) => ObjectiveValue | Promise<ObjectiveValue>;

/**
 * Runs trials. `O` is what the executor understands as an objective: a function for the
 * in-process executor, perhaps a module URL and an export name for a worker pool.
 *
 * @example
 * ```ts
 * // An executor that times every trial:
 * const timed: tune.Executor = {
 *   async run(objective, trial) {
 *     const t0 = performance.now();
 *     try { return await objective(trial); } finally { trial.setUserAttr('ms', performance.now() - t0); }
 *   },
 * };
 * await study.optimize(objective, { nTrials: 10, executor: timed });
 * ```
 */
export interface Executor<O = Objective> {
  /** Runs one trial; resolves with its value(s), rejects with TrialPruned to prune it. */
  run(objective: O, trial: Trial): Promise<ObjectiveValue>;
}

/**
 * Runs the objective in this thread (the default executor).
 *
 * @example
 * ```ts
 * await study.optimize(objective, { executor: tune.inProcessExecutor, concurrency: 4 });
 * ```
 */
export const inProcessExecutor: Executor<Objective> = {
  async run(objective, trial) {
    return objective(trial);
  },
};
