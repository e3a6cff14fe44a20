/**
 * `gridSampler`: every combination of given values, each once, in a seeded random order
 * (Optuna's GridSampler, and its `grid_id` / `search_space` trial attributes, so a study
 * continued by Optuna's GridSampler skips the points knobs visited). When every point has
 * been visited the study stops by itself.
 *
 * The method prefers random search to a grid (a grid spends trials on repeated values of the
 * parameters that matter); a grid is for small, discrete spaces and for reproducing a table.
 * @module
 */
import type { CategoricalChoice, Distribution, ParamValue } from '../distributions';
import type { FrozenTrial, JsonValue, TrialState } from '../frozenTrial';
import { isFinished } from '../frozenTrial';
import { Rng, randomSeed } from '../random';
import { checkInteger, checkOptions, describe } from '../validate';
import type { SampleContext, Sampler, StudyView } from './base';

/** Options of {@link gridSampler}. */
export interface GridSamplerOptions {
  /** Seed of the order in which points are visited. */
  seed?: number;
}

function sameValue(a: unknown, b: unknown): boolean {
  return a === b || (typeof a === 'number' && typeof b === 'number' && Number.isNaN(a) && Number.isNaN(b));
}

/**
 * Visits every combination of the given values once.
 *
 * @example
 * ```ts
 * const sampler = tune.gridSampler({ lr: [1e-3, 1e-2], units: [64, 128, 256] });
 * const study = tune.createStudy({ sampler });
 * await study.optimize((t) => t.suggestFloat('lr', 1e-4, 1e-1, { log: true }) * t.suggestInt('units', 64, 256));
 * study.trials.length; // 6: the study stopped when the grid was done
 * ```
 */
export function gridSampler(
  searchSpace: Record<string, readonly CategoricalChoice[]>,
  options: GridSamplerOptions = {},
): Sampler & { readonly gridSize: number } {
  if (typeof searchSpace !== 'object' || searchSpace === null || Array.isArray(searchSpace)) {
    throw new TypeError(`gridSampler: searchSpace must be an object of value lists, got ${describe(searchSpace)}`);
  }
  const o = checkOptions('gridSampler', options, ['seed']);
  const seed = o.seed === undefined ? randomSeed() : checkInteger('gridSampler', 'options.seed', o.seed);
  // Optuna sorts the names and takes the product in that order, so grid ids agree.
  const names = Object.keys(searchSpace).sort();
  const space: Record<string, CategoricalChoice[]> = {};
  for (const name of names) {
    const values = searchSpace[name];
    if (!Array.isArray(values) || values.length === 0)
      throw new RangeError(`gridSampler: searchSpace.${name} must be a non-empty array, got ${describe(values)}`);
    for (const v of values) {
      if (v !== null && typeof v !== 'number' && typeof v !== 'string' && typeof v !== 'boolean') {
        throw new TypeError(`gridSampler: searchSpace.${name} values must be numbers, strings, booleans or null, got ${describe(v)}`);
      }
    }
    space[name] = [...values];
  }
  const gridSize = names.reduce((n, k) => n * space[k]!.length, 1);
  const point = (id: number): Record<string, CategoricalChoice> => {
    // itertools.product order: the last name varies fastest.
    const out: Record<string, CategoricalChoice> = {};
    for (let i = names.length - 1; i >= 0; i--) {
      const values = space[names[i]!]!;
      out[names[i]!] = values[id % values.length]!;
      id = Math.floor(id / values.length);
    }
    return out;
  };
  const sameSpace = (other: JsonValue | undefined): boolean => {
    if (typeof other !== 'object' || other === null || Array.isArray(other)) return false;
    const keys = Object.keys(other);
    if (keys.length !== names.length || !names.every((n) => keys.includes(n))) return false;
    return names.every((n) => {
      const a = other[n];
      return Array.isArray(a) && a.length === space[n]!.length && a.every((v, i) => sameValue(v, space[n]![i]));
    });
  };
  /** Grid ids not visited, and not being visited unless every unvisited one is (then `busy`). */
  const unvisited = (study: StudyView): number[] => unvisitedOrBusy(study).ids;
  const unvisitedOrBusy = (study: StudyView): { ids: number[]; busy: boolean } => {
    const visited = new Set<number>(),
      running = new Set<number>();
    for (const t of study.getTrials()) {
      const id = t.systemAttrs.grid_id;
      if (typeof id !== 'number' || !sameSpace(t.systemAttrs.search_space)) continue;
      if (isFinished(t.state)) visited.add(id);
      else if (t.state === 'RUNNING') running.add(id);
    }
    const free: number[] = [];
    for (let i = 0; i < gridSize; i++) if (!visited.has(i) && !running.has(i)) free.push(i);
    if (free.length) return { ids: free, busy: false };
    for (let i = 0; i < gridSize; i++) if (!visited.has(i)) free.push(i);
    return { ids: free, busy: true };
  };
  const gridIdOf = (ctx: SampleContext): number => {
    const cached = ctx.cache.get('grid_id');
    if (typeof cached === 'number') return cached;
    const existing = ctx.trial.systemAttrs.grid_id;
    if (typeof existing === 'number') return existing;
    if ('fixed_params' in ctx.trial.systemAttrs) {
      throw new RangeError('gridSampler: an enqueued trial must fix every parameter of the grid');
    }
    const { ids, busy } = unvisitedOrBusy(ctx.study);
    const targets = ids.length ? ids : Array.from({ length: gridSize }, (_, i) => i);
    const id = targets[new Rng(seed, 'grid', ctx.trial.number).int(targets.length)]!;
    // The last free point is taken: start no more trials (concurrent ones would repeat points).
    if (busy || ids.length <= 1) ctx.study.stop();
    ctx.study.setTrialSystemAttr(ctx.trial.trialId, 'search_space', space);
    ctx.study.setTrialSystemAttr(ctx.trial.trialId, 'grid_id', id);
    ctx.cache.set('grid_id', id);
    return id;
  };
  return {
    gridSize,
    sample(ctx: SampleContext, name: string, _distribution: Distribution): ParamValue {
      if (!(name in space)) throw new RangeError(`gridSampler: parameter ${JSON.stringify(name)} is not in the grid (grid parameters: ${names.join(', ')})`);
      return point(gridIdOf(ctx))[name]!;
    },
    afterTrial(study: StudyView, trial: FrozenTrial, _state: TrialState): void {
      const left = unvisited(study);
      if (left.length === 0 || (left.length === 1 && left[0] === trial.systemAttrs.grid_id)) study.stop();
    },
  };
}
