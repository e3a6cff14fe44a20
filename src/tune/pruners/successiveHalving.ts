/**
 * Successive halving: trials climb rungs at steps r, r eta, r eta^2, ... (r = `minResource`,
 * eta = `reductionFactor`, offset by eta^`minEarlyStoppingRate`); at each rung only about
 * the best 1/eta go on.
 *
 * - `ashaPruner`: asynchronous successive halving (Li et al. 2020), exactly Optuna's
 *   SuccessiveHalvingPruner: a trial reaching a rung records its value there (system attribute
 *   `completed_rung_<k>`, as Optuna) and goes on iff it ranks in the top floor(k / eta) of the
 *   k values recorded at that rung so far, itself included (the best one while k < eta).
 *   Nothing waits, so concurrent trials never idle; early trials are judged against few.
 * - `successiveHalvingPruner`: successive halving with the budget of the synchronous
 *   algorithm. Trials form brackets of `bracketSize` consecutive numbers; of a bracket's n
 *   trials at most max(1, floor(n / eta^(k+1))) go past rung k, as when the synchronous
 *   algorithm keeps the top 1/eta of n/eta^k. Because knobs does not pause trials, a trial is
 *   judged when it reaches the rung: it goes on iff it passes the ASHA rule within its bracket
 *   and the rung's quota is not used up (promotions are recorded as
 *   `knobs:promoted_rung_<k>`).
 * @module
 */
import { type FrozenTrial, lastStep } from '../frozenTrial';
import type { StudyView } from '../samplers/base';
import { checkInteger, checkOptions, describe } from '../validate';
import type { Pruner } from './base';

/** Options of {@link ashaPruner}. */
export interface AshaPrunerOptions {
  /** Steps before the first rung, or 'auto' (1% of the longest completed trial) (default 'auto'). */
  minResource?: number | 'auto';
  /** eta: the fraction 1/eta goes on at each rung (default 4, as Optuna). */
  reductionFactor?: number;
  /** s: the first rung is at minResource * eta^s (default 0). */
  minEarlyStoppingRate?: number;
  /** A trial is pruned at a rung until more than this many trials recorded there (default 0). */
  bootstrapCount?: number;
}

/** Options of {@link successiveHalvingPruner}. */
export interface SuccessiveHalvingPrunerOptions extends AshaPrunerOptions {
  /** Trials per bracket (default eta^3). */
  bracketSize?: number;
}

export const rungKey = (rung: number) => `completed_rung_${rung}`;
const promotedKey = (rung: number) => `knobs:promoted_rung_${rung}`;

function currentRung(trial: FrozenTrial): number {
  let rung = 0;
  while (rungKey(rung) in trial.systemAttrs) rung++;
  return rung;
}

/** Optuna's `_estimate_min_resource`: 1% of the longest completed trial, at least 1. */
function estimateMinResource(trials: readonly FrozenTrial[]): number | null {
  let longest: number | null = null;
  for (const t of trials) {
    if (t.state !== 'COMPLETE') continue;
    const s = lastStep(t);
    if (s !== null && (longest === null || s > longest)) longest = s;
  }
  return longest === null ? null : Math.max(Math.floor(longest / 100), 1);
}

/** Optuna's `_is_trial_promotable_to_next_rung`. */
function promotable(value: number, competing: number[], eta: number, maximize: boolean): boolean {
  let idx = Math.floor(competing.length / eta) - 1;
  if (idx === -1) idx = 0;
  const sorted = [...competing].sort((a, b) => a - b);
  return maximize ? value >= sorted[sorted.length - 1 - idx]! : value <= sorted[idx]!;
}

interface Config {
  minResource: number | null;
  eta: number;
  s: number;
  bootstrap: number;
}

function parse(fn: string, o: Record<string, unknown>, defaultEta: number): Config {
  let minResource: number | null = null;
  if (o.minResource !== undefined && o.minResource !== 'auto') {
    minResource = checkInteger(fn, 'options.minResource', o.minResource);
    if (minResource < 1) throw new RangeError(`${fn}: options.minResource must be an integer >= 1 or 'auto', got ${minResource}`);
  } else if (typeof o.minResource === 'string' && o.minResource !== 'auto') {
    throw new RangeError(`${fn}: options.minResource must be an integer >= 1 or 'auto', got ${describe(o.minResource)}`);
  }
  const eta = o.reductionFactor === undefined ? defaultEta : checkInteger(fn, 'options.reductionFactor', o.reductionFactor, 2);
  const s = o.minEarlyStoppingRate === undefined ? 0 : checkInteger(fn, 'options.minEarlyStoppingRate', o.minEarlyStoppingRate, 0);
  const bootstrap = o.bootstrapCount === undefined ? 0 : checkInteger(fn, 'options.bootstrapCount', o.bootstrapCount, 0);
  if (bootstrap > 0 && minResource === null) throw new RangeError(`${fn}: options.bootstrapCount > 0 needs an integer minResource, got minResource='auto'`);
  return { minResource, eta, s, bootstrap };
}

/**
 * The shared climb: for each rung the trial has reached since it last asked, decide.
 * `gate(rung, value, trials)` adds the synchronous quota (or nothing for ASHA).
 */
function climb(
  c: Config,
  study: StudyView,
  trial: FrozenTrial,
  gate: (rung: number, trials: readonly FrozenTrial[]) => boolean,
  onPromote: (rung: number) => void,
): boolean {
  if (study.directions.length !== 1) throw new RangeError(`successive halving needs a single objective, got ${study.directions.length} directions`);
  const step = lastStep(trial);
  if (step === null) return false;
  let rung = currentRung(trial);
  const value = trial.intermediateValues[step]!;
  let trials: readonly FrozenTrial[] | null = null;
  for (;;) {
    if (c.minResource === null) {
      trials ??= study.getTrials();
      c.minResource = estimateMinResource(trials);
      if (c.minResource === null) return false;
    }
    const promotionStep = c.minResource * c.eta ** (c.s + rung);
    if (step < promotionStep) return false;
    if (Number.isNaN(value)) return true;
    // The trials as they were before this call (Optuna reads them once, before writing).
    trials ??= study.getTrials();
    study.setTrialSystemAttr(trial.trialId, rungKey(rung), value);
    const competing = trials.filter((t) => t.trialId !== trial.trialId && rungKey(rung) in t.systemAttrs).map((t) => t.systemAttrs[rungKey(rung)] as number);
    competing.push(value);
    if (competing.length <= c.bootstrap) return true;
    if (!promotable(value, competing, c.eta, study.directions[0] === 'maximize')) return true;
    if (!gate(rung, trials)) return true;
    onPromote(rung);
    rung++;
  }
}

/**
 * Asynchronous successive halving (Optuna's SuccessiveHalvingPruner).
 *
 * @example
 * ```ts
 * const study = tune.createStudy({ direction: 'maximize', pruner: tune.ashaPruner({ minResource: 1, reductionFactor: 3 }) });
 * ```
 */
export function ashaPruner(options: AshaPrunerOptions = {}): Pruner {
  const fn = 'ashaPruner';
  const c = parse(fn, checkOptions(fn, options, ['minResource', 'reductionFactor', 'minEarlyStoppingRate', 'bootstrapCount']), 4);
  return {
    prune: (study, trial) =>
      climb(
        c,
        study,
        trial,
        () => true,
        () => {},
      ),
  };
}

/**
 * Successive halving with each bracket's budget capped as in the synchronous algorithm.
 *
 * @example
 * ```ts
 * // Brackets of 9 trials: at most 3 go past the first rung (step 1), 1 past the second (step 3).
 * const pruner = tune.successiveHalvingPruner({ minResource: 1, reductionFactor: 3, bracketSize: 9 });
 * ```
 */
export function successiveHalvingPruner(options: SuccessiveHalvingPrunerOptions = {}): Pruner {
  const fn = 'successiveHalvingPruner';
  const o = checkOptions(fn, options, ['minResource', 'reductionFactor', 'minEarlyStoppingRate', 'bootstrapCount', 'bracketSize']);
  const c = parse(fn, o, 3);
  const bracketSize = o.bracketSize === undefined ? c.eta ** 3 : checkInteger(fn, 'options.bracketSize', o.bracketSize, 1);
  const quota = (rung: number) => Math.max(1, Math.floor(bracketSize / c.eta ** (rung + 1)));
  return {
    prune(study, trial) {
      if (c.minResource === null) {
        // Estimated on the whole study, as the asynchronous rule does.
        c.minResource = estimateMinResource(study.getTrials());
        if (c.minResource === null) return false;
      }
      const bracket = Math.floor(trial.number / bracketSize);
      const view: StudyView = {
        studyName: study.studyName,
        directions: study.directions,
        getTrials: (opts) => study.getTrials(opts).filter((t) => Math.floor(t.number / bracketSize) === bracket),
        setTrialSystemAttr: (id, key, value) => study.setTrialSystemAttr(id, key, value),
        stop: () => study.stop(),
      };
      return climb(
        c,
        view,
        trial,
        (rung, trials) => trials.filter((t) => t.trialId !== trial.trialId && promotedKey(rung) in t.systemAttrs).length < quota(rung),
        (rung) => study.setTrialSystemAttr(trial.trialId, promotedKey(rung), true),
      );
    },
  };
}
