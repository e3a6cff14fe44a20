/**
 * The pruner interface: one method, `prune`, which says whether a running trial should stop
 * now, from what it and the other trials reported (Optuna's `BasePruner`).
 * @module
 */
import type { FrozenTrial } from '../frozenTrial';
import type { StudyView } from '../samplers/base';

/**
 * Decides whether a trial should stop early. `trial.shouldPrune()` calls `prune` with the
 * latest record of the trial.
 *
 * @example
 * ```ts
 * // Stop any trial whose reported loss exceeds 10:
 * const threshold: tune.Pruner = {
 *   prune: (_study, trial) => Object.values(trial.intermediateValues).some((v) => v > 10),
 * };
 * ```
 */
export interface Pruner {
  prune(study: StudyView, trial: FrozenTrial): boolean;
  /**
   * The part of the study a trial competes in (Hyperband's bracket). Samplers see the same
   * part, as in Optuna.
   */
  filterStudy?(study: StudyView, trial: FrozenTrial): StudyView;
}

/**
 * A pruner that never prunes (the default).
 *
 * @example
 * ```ts
 * const study = tune.createStudy({ pruner: tune.nopPruner() });
 * ```
 */
export function nopPruner(): Pruner {
  return { prune: () => false };
}
