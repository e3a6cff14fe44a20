/**
 * `tune.plotData`: the data behind Optuna's standard plots, as plain arrays and
 * objects for any charting library (or a terminal): optimization history, learning curves
 * (intermediate values), parallel coordinates, a slice per parameter, the Pareto front and
 * parameter importances.
 * @module
 */
import type { ParamValue } from '../distributions';
import type { FrozenTrial, StudyDirection, TrialState } from '../frozenTrial';
import { reportedSteps } from '../frozenTrial';
import { getParamImportances, type ParamImportanceOptions } from '../importance/fanova';
import { isFeasible, paretoFront as front } from '../ranking';
import { checkFunction, checkOptions } from '../validate';

/** What the plots read from a study. */
export interface PlotStudy {
  readonly directions: readonly StudyDirection[];
  getTrials(options?: { states?: readonly TrialState[] }): readonly FrozenTrial[];
}

/** Options shared by the plots of one objective. */
export interface TargetOptions {
  /** What to plot (default: the objective; required for several objectives). */
  target?: (trial: FrozenTrial) => number;
  /** The name of the target (default "Objective Value"). */
  targetName?: string;
}

function targetOf(
  fn: string,
  study: PlotStudy,
  o: Record<string, unknown>,
): { target: (t: FrozenTrial) => number; name: string; direction: StudyDirection | null } {
  if (o.target === undefined && study.directions.length > 1) throw new RangeError(`${fn}: a study with several objectives needs options.target`);
  const target = o.target === undefined ? (t: FrozenTrial) => t.values![0]! : checkFunction<(t: FrozenTrial) => number>(fn, 'options.target', o.target);
  return { target, name: (o.targetName as string | undefined) ?? 'Objective Value', direction: o.target === undefined ? study.directions[0]! : null };
}

/** One point of the optimization history. */
export interface HistoryPoint {
  number: number;
  value: number;
  /** The best feasible value up to this trial (null before the first feasible one). */
  best: number | null;
  feasible: boolean;
}

/**
 * The objective of each COMPLETE trial in order, and the best so far (Optuna's
 * `plot_optimization_history`).
 *
 * @example
 * ```ts
 * const { points } = tune.plotData.optimizationHistory(study);
 * // points: [{ number: 0, value: 0.81, best: 0.81, feasible: true }, ...]
 * ```
 */
export function optimizationHistory(
  study: PlotStudy,
  options: TargetOptions = {},
): { targetName: string; direction: StudyDirection | null; points: HistoryPoint[] } {
  const o = checkOptions('optimizationHistory', options, ['target', 'targetName']);
  const { target, name, direction } = targetOf('optimizationHistory', study, o);
  const better = (a: number, b: number) => (direction === 'maximize' ? a > b : a < b);
  let best: number | null = null;
  const points = study
    .getTrials({ states: ['COMPLETE'] })
    .filter((t) => t.values)
    .map((t) => {
      const value = target(t);
      const feasible = isFeasible(t);
      if (feasible && (best === null || better(value, best))) best = value;
      return { number: t.number, value, best, feasible };
    });
  return { targetName: name, direction, points };
}

/**
 * The learning curve each trial reported, pruned ones included (Optuna's
 * `plot_intermediate_values`).
 *
 * @example
 * ```ts
 * for (const c of tune.plotData.intermediateValues(study)) console.log(c.number, c.state, c.values);
 * ```
 */
export function intermediateValues(study: PlotStudy): { number: number; state: TrialState; steps: number[]; values: number[] }[] {
  return study
    .getTrials()
    .filter((t) => Object.keys(t.intermediateValues).length > 0)
    .map((t) => {
      const steps = reportedSteps(t);
      return { number: t.number, state: t.state, steps, values: steps.map((s) => t.intermediateValues[s]!) };
    });
}

/** One axis of a parallel-coordinates plot. */
export interface Axis {
  name: string;
  /** 'log' for log-scaled parameters, 'categorical' for choices. */
  scale: 'linear' | 'log' | 'categorical';
  /** One value per trial in `numbers` (null when the trial lacks the parameter). */
  values: (ParamValue | null)[];
  /** The range of the numeric values, or the choices. */
  range: [number, number] | null;
  categories: ParamValue[] | null;
}

function axisFor(name: string, trials: readonly FrozenTrial[]): Axis {
  const d = trials.find((t) => t.distributions[name])?.distributions[name];
  const values = trials.map((t) => (name in t.params ? t.params[name]! : null));
  if (d?.type === 'categorical') return { name, scale: 'categorical', values, range: null, categories: [...d.choices] };
  const nums = values.filter((v): v is number => typeof v === 'number');
  return { name, scale: d && d.log ? 'log' : 'linear', values, range: nums.length ? [Math.min(...nums), Math.max(...nums)] : null, categories: null };
}

/**
 * One line per COMPLETE trial across the parameters and the objective (Optuna's
 * `plot_parallel_coordinate`).
 *
 * @example
 * ```ts
 * const pc = tune.plotData.parallelCoordinate(study, { params: ['lr', 'units'] });
 * // pc.axes[0] = { name: 'Objective Value', values: [...] }, pc.axes[1] = { name: 'lr', scale: 'log', ... }
 * ```
 */
export function parallelCoordinate(study: PlotStudy, options: TargetOptions & { params?: readonly string[] } = {}): { numbers: number[]; axes: Axis[] } {
  const o = checkOptions('parallelCoordinate', options, ['target', 'targetName', 'params']);
  const { target, name } = targetOf('parallelCoordinate', study, o);
  const trials = study.getTrials({ states: ['COMPLETE'] }).filter((t) => t.values);
  const names = (o.params as string[] | undefined) ?? [...new Set(trials.flatMap((t) => Object.keys(t.params)))].sort();
  const objective = trials.map(target);
  const objectiveAxis: Axis = {
    name,
    scale: 'linear',
    values: objective,
    range: objective.length ? [Math.min(...objective), Math.max(...objective)] : null,
    categories: null,
  };
  return { numbers: trials.map((t) => t.number), axes: [objectiveAxis, ...names.map((n) => axisFor(n, trials))] };
}

/**
 * For each parameter, the objective against the parameter's value (Optuna's `plot_slice`).
 *
 * @example
 * ```ts
 * const s = tune.plotData.slice(study);
 * // s.lr = { scale: 'log', points: [{ x: 0.003, y: 0.91, number: 4 }, ...] }
 * ```
 */
export function slice(
  study: PlotStudy,
  options: TargetOptions & { params?: readonly string[] } = {},
): Record<string, { scale: Axis['scale']; points: { x: ParamValue; y: number; number: number }[] }> {
  const o = checkOptions('slice', options, ['target', 'targetName', 'params']);
  const { target } = targetOf('slice', study, o);
  const trials = study.getTrials({ states: ['COMPLETE'] }).filter((t) => t.values);
  const names = (o.params as string[] | undefined) ?? [...new Set(trials.flatMap((t) => Object.keys(t.params)))].sort();
  const out: Record<string, { scale: Axis['scale']; points: { x: ParamValue; y: number; number: number }[] }> = {};
  for (const n of names) {
    const withParam = trials.filter((t) => n in t.params);
    const d = withParam[0]?.distributions[n];
    out[n] = {
      scale: d?.type === 'categorical' ? 'categorical' : d?.log ? 'log' : 'linear',
      points: withParam.map((t) => ({ x: t.params[n]!, y: target(t), number: t.number })),
    };
  }
  return out;
}

/**
 * The Pareto front of a study with several objectives, the other feasible trials, and the
 * infeasible ones (Optuna's `plot_pareto_front`).
 *
 * @example
 * ```ts
 * const pf = tune.plotData.paretoFront(study);
 * // pf.best: [{ number: 3, values: [0.95, 12.5] }, ...]
 * ```
 */
export function paretoFront(study: PlotStudy): {
  directions: readonly StudyDirection[];
  best: { number: number; values: number[] }[];
  others: { number: number; values: number[] }[];
  infeasible: { number: number; values: number[] }[];
} {
  const done = study.getTrials({ states: ['COMPLETE'] }).filter((t) => t.values);
  const feasible = done.filter(isFeasible);
  const best = new Set(front(feasible, study.directions));
  const point = (t: FrozenTrial) => ({ number: t.number, values: [...t.values!] });
  return {
    directions: study.directions,
    best: feasible.filter((t) => best.has(t)).map(point),
    others: feasible.filter((t) => !best.has(t)).map(point),
    infeasible: done.filter((t) => !isFeasible(t)).map(point),
  };
}

/**
 * Parameter importances as bars, most important first (Optuna's `plot_param_importances`).
 *
 * @example
 * ```ts
 * tune.plotData.paramImportances(study); // [{ name: 'lr', importance: 0.7 }, ...]
 * ```
 */
export function paramImportances(study: PlotStudy, options: ParamImportanceOptions = {}): { name: string; importance: number }[] {
  return Object.entries(getParamImportances(study, options)).map(([name, importance]) => ({ name, importance }));
}
