/**
 * `hyperbandPruner`: Hyperband (Li et al. 2018) over asynchronous successive halving, as
 * Optuna's HyperbandPruner.
 *
 * Successive halving must guess how early to judge: too early prunes slow starters, too
 * late wastes budget. Hyperband hedges with several brackets, bracket s judging first at
 * minResource * eta^s, for s = 0 .. floor(log_eta(maxResource / minResource)). Each trial
 * belongs to one bracket, chosen by hashing the study name and trial number (crc32, as
 * Optuna, so both put a trial in the same bracket), with the brackets sized as in the paper
 * (bracket s gets ceil(nBrackets * eta^(nBrackets-1-s) / (nBrackets-s)) of the budget); it
 * competes, and samplers learn, only within its bracket.
 * @module
 */
import type { FrozenTrial } from '../frozenTrial';
import { lastStep } from '../frozenTrial';
import type { StudyView } from '../samplers/base';
import { checkInteger, checkOptions, describe } from '../validate';
import type { Pruner } from './base';
import { ashaPruner } from './successiveHalving';
import { crc32 } from '../../util/crc32';

/** Options of {@link hyperbandPruner}. */
export interface HyperbandPrunerOptions {
  /** Steps before the first rung of the most aggressive bracket (default 1). */
  minResource?: number;
  /** The last step of a full trial + 1, or 'auto' (from the first completed trial) (default 'auto'). */
  maxResource?: number | 'auto';
  /** eta (default 3). */
  reductionFactor?: number;
  /** See ashaPruner (default 0). */
  bootstrapCount?: number;
}

/**
 * Hyperband.
 *
 * @example
 * ```ts
 * const study = tune.createStudy({
 *   direction: 'maximize',
 *   pruner: tune.hyperbandPruner({ minResource: 1, maxResource: 27, reductionFactor: 3 }),
 * });
 * ```
 */
export function hyperbandPruner(options: HyperbandPrunerOptions = {}): Pruner & { bracketOf(studyName: string, trialNumber: number): number | null } {
  const fn = 'hyperbandPruner';
  const o = checkOptions(fn, options, ['minResource', 'maxResource', 'reductionFactor', 'bootstrapCount']);
  const minResource = o.minResource === undefined ? 1 : checkInteger(fn, 'options.minResource', o.minResource, 1);
  let maxResource: number | null = null;
  if (o.maxResource !== undefined && o.maxResource !== 'auto') maxResource = checkInteger(fn, 'options.maxResource', o.maxResource, 1);
  else if (typeof o.maxResource === 'string' && o.maxResource !== 'auto')
    throw new RangeError(`${fn}: options.maxResource must be an integer or 'auto', got ${describe(o.maxResource)}`);
  const eta = o.reductionFactor === undefined ? 3 : checkInteger(fn, 'options.reductionFactor', o.reductionFactor, 2);
  const bootstrapCount = o.bootstrapCount === undefined ? 0 : checkInteger(fn, 'options.bootstrapCount', o.bootstrapCount, 0);
  if (bootstrapCount > 0 && maxResource === null) throw new RangeError(`${fn}: options.bootstrapCount > 0 needs an integer maxResource, got 'auto'`);

  let pruners: Pruner[] = [];
  let budgets: number[] = [];
  let total = 0;

  const init = (study: StudyView): boolean => {
    if (pruners.length) return true;
    if (maxResource === null) {
      const steps = study
        .getTrials({ states: ['COMPLETE'] })
        .map(lastStep)
        .filter((s): s is number => s !== null);
      if (steps.length === 0) return false;
      maxResource = Math.max(...steps) + 1;
    }
    // floor(log_eta(max/min)) + 1, counted exactly (floating logs are an ulp off at exact
    // powers: Python's math.log(243, 3) is 4.999999999999999).
    let n = 1;
    while (minResource * eta ** n <= maxResource) n++;
    pruners = [];
    budgets = [];
    total = 0;
    for (let b = 0; b < n; b++) {
      const s = n - 1 - b;
      const budget = Math.ceil((n * eta ** s) / (s + 1));
      budgets.push(budget);
      total += budget;
      pruners.push(ashaPruner({ minResource, reductionFactor: eta, minEarlyStoppingRate: b, bootstrapCount }));
    }
    return true;
  };

  const bracketOf = (studyName: string, trialNumber: number): number | null => {
    if (!pruners.length) return null;
    let n = crc32(`${studyName}_${trialNumber}`) % total;
    for (let b = 0; b < budgets.length; b++) {
      n -= budgets[b]!;
      if (n < 0) return b;
    }
    return budgets.length - 1;
  };

  const bracketStudy = (study: StudyView, bracket: number): StudyView => ({
    studyName: study.studyName,
    directions: study.directions,
    getTrials: (opts) => study.getTrials(opts).filter((t) => bracketOf(study.studyName, t.number) === bracket),
    setTrialSystemAttr: (id, key, value) => study.setTrialSystemAttr(id, key, value),
    stop: () => study.stop(),
  });

  return {
    bracketOf,
    prune(study: StudyView, trial: FrozenTrial): boolean {
      if (!init(study)) return false;
      const b = bracketOf(study.studyName, trial.number)!;
      return pruners[b]!.prune(bracketStudy(study, b), trial);
    },
    filterStudy(study: StudyView, trial: FrozenTrial): StudyView {
      if (!pruners.length) return study;
      return bracketStudy(study, bracketOf(study.studyName, trial.number)!);
    },
  };
}
