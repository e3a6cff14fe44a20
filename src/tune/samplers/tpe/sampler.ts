/**
 * `tpeSampler`: the Tree-structured Parzen Estimator (Bergstra et al. 2011), as Optuna's
 * TPESampler (3.x) does it.
 *
 * After `nStartupTrials` random trials, for each parameter:
 * 1. the finished trials are ranked (COMPLETE by objective; PRUNED after them, those that
 *    got further first, by their last reported value; with constraints, feasible trials
 *    first and infeasible ones by how much they violate) and split into the best
 *    `gamma(n)` = min(ceil(0.1 n), 25) ("below") and the rest ("above");
 * 2. a Parzen estimator l(x) is fitted to the values "below" and g(x) to those "above"
 *    (see `parzenEstimator.ts`), on the parameter's scale;
 * 3. `nEiCandidates` (24) candidates are drawn from l, and the one with the highest
 *    l(x) / g(x) is chosen: that ratio is monotone in the expected improvement.
 *
 * Define-by-run spaces: a parameter is modelled on the trials that have it, so the units of a
 * third layer are learned from the trials with three layers only.
 *
 * `multivariate: true` models parameters jointly (one kernel per trial over all of them)
 * on the intersection of the finished trials' spaces, or with `group: true` on each group of
 * parameters that always occur together, which keeps joint modelling in conditional spaces;
 * parameters outside those are sampled as above. `constantLiar: true` counts running trials
 * as bad ones, so concurrent trials do not all crowd the same spot.
 *
 * Several objectives: trials are split by nondomination rank, and within the rank that
 * straddles the split by crowding distance (Optuna uses hypervolume contributions there and
 * for the weights of "below"; knobs keeps uniform weights).
 *
 * Randomness is keyed by (seed, trial number, parameter), see `../../random.ts`.
 * @module
 */
import { type Distribution, type ParamValue, distributionsEqual } from '../../distributions';
import type { StudyDirection, TrialState } from '../../frozenTrial';
import { lastStep } from '../../frozenTrial';
import { Rng, randomSeed } from '../../random';
import { CONSTRAINTS_KEY, nondominationRanks, violation } from '../../ranking';
import { checkBoolean, checkFinite, checkFunction, checkInteger, checkOptions } from '../../validate';
import type { SampleContext, Sampler, StudyView } from '../base';
import { randomValue } from '../random';
import { groupDecomposedSearchSpace, intersectionSearchSpace } from '../searchSpace';
import { ParzenEstimator, type ParzenEstimatorParameters, defaultWeights } from './parzenEstimator';

export { defaultWeights };

/**
 * Optuna's default gamma: the best 10% of trials, at most 25, form "below".
 *
 * @example
 * ```ts
 * tune.defaultGamma(40); // 4
 * const sampler = tune.tpeSampler({ gamma: (n) => Math.ceil(0.2 * n) }); // a greedier split
 * ```
 */
export function defaultGamma(n: number): number {
  return Math.min(Math.ceil(0.1 * n), 25);
}

/**
 * hyperopt's gamma: ceil(0.25 sqrt(n)), at most 25.
 *
 * @example
 * ```ts
 * const sampler = tune.tpeSampler({ gamma: tune.hyperoptDefaultGamma, nStartupTrials: 20 });
 * ```
 */
export function hyperoptDefaultGamma(n: number): number {
  return Math.min(Math.ceil(0.25 * Math.sqrt(n)), 25);
}

/** Options of {@link tpeSampler} (Optuna's TPESampler arguments, camelCased). */
export interface TpeSamplerOptions {
  seed?: number;
  /** Random trials before TPE starts (default 10). */
  nStartupTrials?: number;
  /** Candidates drawn from l(x) per parameter (default 24). */
  nEiCandidates?: number;
  /** How many of n trials are "below" (default {@link defaultGamma}). */
  gamma?: (n: number) => number;
  /** Kernel weights for n observations in time order (default {@link defaultWeights}). */
  weights?: (n: number) => number[];
  /** Add a prior kernel over the whole range (default true). */
  considerPrior?: boolean;
  /** Weight of the prior kernel (default 1). */
  priorWeight?: number;
  /** Clip bandwidths from below by range / min(100, n + 1) (default true). */
  considerMagicClip?: boolean;
  /** Let the range ends widen the outermost kernels (default false). */
  considerEndpoints?: boolean;
  /** Model parameters jointly (default false). */
  multivariate?: boolean;
  /** With multivariate: model each group of co-occurring parameters jointly (default false). */
  group?: boolean;
  /** Count running trials as the worst, for concurrent studies (default false). */
  constantLiar?: boolean;
}

type Score = [stepKey: number, losses: number[]];

interface Observations {
  values: Record<string, (number | null)[]>;
  scores: Score[];
  violations: number[] | null;
}

/** Optuna's `_get_observation_pairs`: each usable trial's parameter values and rank key. */
function observationPairs(study: StudyView, names: readonly string[], constantLiar: boolean): Observations {
  const directions = study.directions;
  const multi = directions.length > 1;
  const signs = directions.map((d: StudyDirection) => (d === 'minimize' ? 1 : -1));
  const states: TrialState[] = constantLiar ? ['COMPLETE', 'PRUNED', 'RUNNING'] : ['COMPLETE', 'PRUNED'];
  const trials = study.getTrials({ states });
  const constrained = trials.some((t) => t.state !== 'RUNNING' && CONSTRAINTS_KEY in t.systemAttrs);
  const values: Record<string, (number | null)[]> = Object.fromEntries(names.map((n) => [n, []]));
  const scores: Score[] = [];
  const violations: number[] | null = constrained ? [] : null;
  for (const t of trials) {
    let score: Score;
    if (t.state === 'COMPLETE') {
      if (!t.values) continue;
      score = [-Infinity, t.values.map((v, i) => signs[i]! * v)];
    } else if (t.state === 'PRUNED') {
      if (multi) continue;
      const step = lastStep(t);
      if (step === null) score = [1, [0]];
      else {
        const v = t.intermediateValues[step]!;
        score = [-step, [Number.isNaN(v) ? Infinity : signs[0]! * v]];
      }
    } else {
      if (multi) continue;
      score = [Infinity, [signs[0]! * Infinity]];
    }
    scores.push(score);
    for (const name of names) {
      const d = t.distributions[name];
      values[name]!.push(d && name in t.params ? d.toInternal(t.params[name]) : null);
    }
    if (violations) {
      violations.push(t.state === 'RUNNING' ? Infinity : CONSTRAINTS_KEY in t.systemAttrs ? violation(t) : Infinity);
    }
  }
  return { values, scores, violations };
}

function argsortStable(n: number, cmp: (a: number, b: number) => number): number[] {
  return Array.from({ length: n }, (_, i) => i).sort((a, b) => cmp(a, b) || a - b);
}

/** Crowding distance of points (losses) within one front. */
function crowding(points: number[][]): number[] {
  const n = points.length;
  const d = new Array<number>(n).fill(0);
  if (n <= 2) return d.fill(Infinity);
  for (let m = 0; m < points[0]!.length; m++) {
    const order = argsortStable(n, (a, b) => points[a]![m]! - points[b]![m]!);
    const lo = points[order[0]!]![m]!,
      hi = points[order[n - 1]!]![m]!;
    d[order[0]!] = d[order[n - 1]!] = Infinity;
    if (hi === lo) continue;
    for (let i = 1; i < n - 1; i++) d[order[i]!]! += (points[order[i + 1]!]![m]! - points[order[i - 1]!]![m]!) / (hi - lo);
  }
  return d;
}

/** Optuna's `_split_observation_pairs`: indices of "below" and "above", each in time order. */
function split(scores: Score[], nBelow: number, violations: number[] | null): [number[], number[]] {
  if (violations) {
    const idx = argsortStable(violations.length, (a, b) => violations[a]! - violations[b]!);
    if (nBelow >= idx.length || violations[idx[nBelow]!]! > 0) {
      return [idx.slice(0, nBelow).sort((a, b) => a - b), idx.slice(nBelow).sort((a, b) => a - b)];
    }
    const feasible = violations.map((v, i) => (v === 0 ? i : -1)).filter((i) => i >= 0);
    const infeasible = violations.map((v, i) => (v > 0 ? i : -1)).filter((i) => i >= 0);
    const [b, a] = split(
      feasible.map((i) => scores[i]!),
      nBelow,
      null,
    );
    return [b.map((i) => feasible[i]!).sort((x, y) => x - y), [...a.map((i) => feasible[i]!), ...infeasible].sort((x, y) => x - y)];
  }
  const nObj = scores.length ? scores[0]![1].length : 1;
  if (nObj <= 1) {
    const order = argsortStable(scores.length, (a, b) => {
      const [sa, va] = scores[a]!,
        [sb, vb] = scores[b]!;
      if (sa !== sb) return sa < sb ? -1 : 1;
      const x = va[0]!,
        y = vb[0]!;
      return x === y ? 0 : x < y ? -1 : 1;
    });
    return [order.slice(0, nBelow).sort((a, b) => a - b), order.slice(nBelow).sort((a, b) => a - b)];
  }
  const losses = scores.map((s) => s[1]);
  const ranks = nondominationRanks(losses);
  const below: number[] = [];
  for (let r = 0; below.length < nBelow; r++) {
    const front = ranks.map((x, i) => (x === r ? i : -1)).filter((i) => i >= 0);
    if (below.length + front.length <= nBelow) {
      below.push(...front);
      continue;
    }
    const dist = crowding(front.map((i) => losses[i]!));
    const byCrowding = argsortStable(front.length, (a, b) => dist[b]! - dist[a]!);
    below.push(...byCrowding.slice(0, nBelow - below.length).map((k) => front[k]!));
  }
  const inBelow = new Set(below);
  return [below.sort((a, b) => a - b), scores.map((_, i) => i).filter((i) => !inBelow.has(i))];
}

/**
 * The TPE sampler.
 *
 * @example
 * ```ts
 * const study = tune.createStudy({ direction: 'maximize', sampler: tune.tpeSampler({ seed: 1 }) });
 * await study.optimize((trial) => {
 *   const lr = trial.suggestFloat('lr', 1e-5, 1e-1, { log: true });
 *   return -((Math.log10(lr) + 2.5) ** 2);
 * }, { nTrials: 40 });
 * study.bestParams.lr; // close to 10^-2.5
 * ```
 */
export function tpeSampler(options: TpeSamplerOptions = {}): Sampler & { readonly seed: number } {
  const fn = 'tpeSampler';
  const o = checkOptions(fn, options, [
    'seed',
    'nStartupTrials',
    'nEiCandidates',
    'gamma',
    'weights',
    'considerPrior',
    'priorWeight',
    'considerMagicClip',
    'considerEndpoints',
    'multivariate',
    'group',
    'constantLiar',
  ]);
  const seed = o.seed === undefined ? randomSeed() : checkInteger(fn, 'options.seed', o.seed);
  const nStartupTrials = o.nStartupTrials === undefined ? 10 : checkInteger(fn, 'options.nStartupTrials', o.nStartupTrials, 0);
  const nEiCandidates = o.nEiCandidates === undefined ? 24 : checkInteger(fn, 'options.nEiCandidates', o.nEiCandidates, 1);
  const gamma = o.gamma === undefined ? defaultGamma : checkFunction<(n: number) => number>(fn, 'options.gamma', o.gamma);
  const bool = (k: string, dflt: boolean) => (o[k] === undefined ? dflt : checkBoolean(fn, `options.${k}`, o[k]));
  const priorWeight = o.priorWeight === undefined ? 1 : checkFinite(fn, 'options.priorWeight', o.priorWeight);
  if (!(priorWeight > 0)) throw new RangeError(`${fn}: options.priorWeight must be > 0, got ${priorWeight}`);
  const multivariate = bool('multivariate', false);
  const group = bool('group', false);
  if (group && !multivariate) throw new RangeError(`${fn}: options.group needs multivariate: true, got group=true, multivariate=false`);
  const constantLiar = bool('constantLiar', false);
  const pe: ParzenEstimatorParameters = {
    considerPrior: bool('considerPrior', true),
    priorWeight,
    considerMagicClip: bool('considerMagicClip', true),
    considerEndpoints: bool('considerEndpoints', false),
    weights: o.weights === undefined ? defaultWeights : checkFunction<(n: number) => number[]>(fn, 'options.weights', o.weights),
    multivariate: false,
  };

  const nBelowOf = (n: number): number => {
    const g = gamma(n);
    if (!Number.isInteger(g) || g < 0) throw new RangeError(`${fn}: gamma(${n}) must return an integer >= 0, got ${g}`);
    return Math.min(g, n);
  };

  /** Samples `space` jointly (or one parameter) from the history; null during startup. */
  function sampleFrom(study: StudyView, space: Record<string, Distribution>, rng: Rng, multi: boolean): Record<string, number> | null {
    const names = Object.keys(space);
    const obs = observationPairs(study, names, constantLiar);
    const n = obs.scores.filter((s) => s[0] < Infinity).length;
    if (n < nStartupTrials || n === 0) return null;
    const [below, above] = split(obs.scores, nBelowOf(n), obs.violations);
    // Trials without the parameter(s) are left out (conditional parameters).
    const first = obs.values[names[0]!]!;
    const pick = (idx: number[]) => {
      const keep = idx.filter((i) => first[i] !== null);
      return Object.fromEntries(names.map((name) => [name, keep.map((i) => obs.values[name]![i]!)]));
    };
    const params = { ...pe, multivariate: multi };
    const l = new ParzenEstimator(pick(below), space, params);
    const g = new ParzenEstimator(pick(above), space, params);
    const candidates = l.sample(rng, nEiCandidates);
    const ll = l.logPdf(candidates),
      lg = g.logPdf(candidates);
    let best = 0,
      bestScore = -Infinity;
    for (let i = 0; i < ll.length; i++) {
      const s = ll[i]! - lg[i]!;
      if (s > bestScore) {
        bestScore = s;
        best = i;
      }
    }
    return Object.fromEntries(names.map((name) => [name, candidates[name]![best]!]));
  }

  interface Relative {
    space: Record<string, Distribution>;
    params: Record<string, number>;
  }

  function relative(ctx: SampleContext): Relative {
    const cached = ctx.cache.get('tpe:relative') as Relative | undefined;
    if (cached) return cached;
    const rel: Relative = { space: {}, params: {} };
    const finished = ctx.study.getTrials({ states: ['COMPLETE', 'PRUNED'] });
    const spaces = group ? groupDecomposedSearchSpace(finished) : [intersectionSearchSpace(finished)];
    spaces.forEach((s, gi) => {
      const space = Object.fromEntries(Object.entries(s).filter(([, d]) => !d.single()));
      if (Object.keys(space).length === 0) return;
      const rng = new Rng(seed, 'tpe:relative', ctx.trial.number, gi, Object.keys(space).join(','));
      const params = sampleFrom(ctx.study, space, rng, true);
      if (!params) return;
      Object.assign(rel.space, space);
      Object.assign(rel.params, params);
    });
    ctx.cache.set('tpe:relative', rel);
    return rel;
  }

  return {
    seed,
    sample(ctx: SampleContext, name: string, distribution: Distribution): ParamValue {
      if (multivariate) {
        const rel = relative(ctx);
        const d = rel.space[name];
        if (d && distributionsEqual(d, distribution) && name in rel.params) return distribution.toExternal(rel.params[name]!);
      }
      const rng = new Rng(seed, 'tpe', ctx.trial.number, name);
      const params = sampleFrom(ctx.study, { [name]: distribution }, rng, false);
      if (!params) return randomValue(seed, 'tpe:startup', ctx.trial.number, name, distribution);
      return distribution.toExternal(params[name]!);
    },
  };
}
