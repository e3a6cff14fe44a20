/**
 * `medianPruner` and `percentilePruner` (Optuna's MedianPruner and PercentilePruner, same
 * rules): at a step, a trial is pruned when the best value it reported so far is worse than
 * the given percentile (the median: 50) of the values COMPLETE trials reported at that step.
 *
 * Not before `nStartupTrials` trials completed, not before step `nWarmupSteps`, only at
 * the first report in each window of `intervalSteps` after the warm-up, and only when at least
 * `nMinTrials` completed trials reported at that step.
 * @module
 */
import { type FrozenTrial, lastStep } from '../frozenTrial';
import type { StudyView } from '../samplers/base';
import { checkFinite, checkInteger, checkOptions } from '../validate';
import type { Pruner } from './base';

/** Options of {@link medianPruner}. */
export interface MedianPrunerOptions {
  /** No pruning until this many trials completed (default 5). */
  nStartupTrials?: number;
  /** No pruning before this step (default 0). */
  nWarmupSteps?: number;
  /** Check once per this many steps after the warm-up (default 1). */
  intervalSteps?: number;
  /** Completed trials that must have reported at the step (default 1). */
  nMinTrials?: number;
}

/** Options of {@link percentilePruner}. */
export interface PercentilePrunerOptions extends MedianPrunerOptions {
  /** The percentile to keep, in [0, 100] (25: keep the top quarter). */
  percentile: number;
}

/** numpy.nanpercentile with linear interpolation. */
function percentileOf(values: number[], q: number): number {
  const v = values.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const pos = (q / 100) * (v.length - 1);
  const lo = Math.floor(pos),
    hi = Math.ceil(pos);
  return v[lo]! + (v[hi]! - v[lo]!) * (pos - lo);
}

/** Optuna's `_is_first_in_interval_step`. */
function isFirstInIntervalStep(step: number, steps: number[], warmup: number, interval: number): boolean {
  const nearestLower = Math.floor((step - warmup) / interval) * interval + warmup;
  let secondLast = -1;
  for (const s of steps) if (s > secondLast && s !== step) secondLast = s;
  return secondLast < nearestLower;
}

function percentileRule(fn: string, o: Record<string, unknown>, percentile: number): Pruner {
  const nStartupTrials = o.nStartupTrials === undefined ? 5 : checkInteger(fn, 'options.nStartupTrials', o.nStartupTrials, 0);
  const nWarmupSteps = o.nWarmupSteps === undefined ? 0 : checkInteger(fn, 'options.nWarmupSteps', o.nWarmupSteps, 0);
  const intervalSteps = o.intervalSteps === undefined ? 1 : checkInteger(fn, 'options.intervalSteps', o.intervalSteps, 1);
  const nMinTrials = o.nMinTrials === undefined ? 1 : checkInteger(fn, 'options.nMinTrials', o.nMinTrials, 1);
  return {
    prune(study: StudyView, trial: FrozenTrial): boolean {
      if (study.directions.length !== 1) throw new RangeError(`${fn}: pruning needs a single objective, got ${study.directions.length} directions`);
      const completed = study.getTrials({ states: ['COMPLETE'] });
      if (completed.length === 0 || completed.length < nStartupTrials) return false;
      const step = lastStep(trial);
      if (step === null || step < nWarmupSteps) return false;
      const steps = Object.keys(trial.intermediateValues).map(Number);
      if (!isFirstInIntervalStep(step, steps, nWarmupSteps, intervalSteps)) return false;
      const maximize = study.directions[0] === 'maximize';
      const own = Object.values(trial.intermediateValues).filter((v) => !Number.isNaN(v));
      if (own.length === 0) return true;
      const best = maximize ? Math.max(...own) : Math.min(...own);
      const others = completed.filter((t) => step in t.intermediateValues).map((t) => t.intermediateValues[step]!);
      if (others.length < nMinTrials) return false;
      const p = percentileOf(others, maximize ? 100 - percentile : percentile);
      if (Number.isNaN(p)) return false;
      return maximize ? best < p : best > p;
    },
  };
}

/**
 * Prunes a trial whose best value so far is worse than the median of the completed trials at
 * the same step.
 *
 * @example
 * ```ts
 * const study = tune.createStudy({ direction: 'maximize', pruner: tune.medianPruner({ nWarmupSteps: 2 }) });
 * ```
 */
export function medianPruner(options: MedianPrunerOptions = {}): Pruner {
  const o = checkOptions('medianPruner', options, ['nStartupTrials', 'nWarmupSteps', 'intervalSteps', 'nMinTrials']);
  return percentileRule('medianPruner', o, 50);
}

/**
 * Prunes a trial whose best value so far is worse than the given percentile of the completed
 * trials at the same step.
 *
 * @example
 * ```ts
 * const pruner = tune.percentilePruner({ percentile: 25, nStartupTrials: 5 });
 * ```
 */
export function percentilePruner(options: PercentilePrunerOptions): Pruner {
  const o = checkOptions('percentilePruner', options, ['percentile', 'nStartupTrials', 'nWarmupSteps', 'intervalSteps', 'nMinTrials']);
  const percentile = checkFinite('percentilePruner', 'options.percentile', o.percentile);
  if (percentile < 0 || percentile > 100) throw new RangeError(`percentilePruner: options.percentile must be in [0, 100], got ${percentile}`);
  return percentileRule('percentilePruner', o, percentile);
}
