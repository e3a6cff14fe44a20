/**
 * Hyperparameter importance by fANOVA (Hutter et al. 2014), as Optuna's default
 * `FanovaImportanceEvaluator`.
 *
 * Method: a random forest (regression trees on bootstrap samples, every parameter a split
 * candidate, split by the largest drop in squared error) is fitted to the COMPLETE trials,
 * with each parameter in its search coordinates scaled to [0, 1] (log scale for log
 * parameters; a categorical's choices as equal slices). A regression tree is a piecewise-
 * constant function over boxes, so its functional ANOVA is exact: under the uniform measure
 * on the unit cube, the main effect of parameter i is the variance over x_i of the tree's
 * mean over all other parameters, and its importance is that variance as a fraction of the
 * tree's total variance. The fractions are averaged over the trees and normalized to sum
 * to 1. Interactions are not attributed to any single parameter; they are why the raw
 * fractions sum to less than 1.
 * @module
 */
import type { Distribution } from '../distributions';
import type { FrozenTrial, StudyDirection } from '../frozenTrial';
import { Rng } from '../random';
import { intersectionSearchSpace } from '../samplers/searchSpace';
import { unitPosition } from '../samplers/space';
import { checkFunction, checkInteger, checkOptions } from '../validate';

/** Options of {@link getParamImportances}. */
export interface ParamImportanceOptions {
  /** Parameters to rate (default: those every COMPLETE trial has). */
  params?: readonly string[];
  /** What to explain (default: the objective; required for several objectives). */
  target?: (trial: FrozenTrial) => number;
  /** Trees in the forest (default 64). */
  nTrees?: number;
  /** Depth limit of each tree (default 64). */
  maxDepth?: number;
  /** Seed of the bootstrap samples (default 0). */
  seed?: number;
}

export type TreeNode = { leaf: true; value: number } | { leaf: false; dim: number; threshold: number; left: TreeNode; right: TreeNode };

function buildTree(X: number[][], y: number[], rows: number[], depth: number, maxDepth: number): TreeNode {
  let mean = 0;
  for (const r of rows) mean += y[r]!;
  mean /= rows.length;
  if (rows.length < 2 || depth >= maxDepth) return { leaf: true, value: mean };
  let sse = 0;
  for (const r of rows) sse += (y[r]! - mean) ** 2;
  if (sse <= 1e-12 * Math.max(1, mean * mean)) return { leaf: true, value: mean };
  let best: { gain: number; dim: number; threshold: number } | undefined;
  const d = X[0]!.length;
  for (let dim = 0; dim < d; dim++) {
    const sorted = [...rows].sort((a, b) => X[a]![dim]! - X[b]![dim]!);
    // Prefix sums for the squared error of each split point.
    let sumL = 0,
      sqL = 0;
    let sumR = 0,
      sqR = 0;
    for (const r of sorted) {
      sumR += y[r]!;
      sqR += y[r]! ** 2;
    }
    for (let i = 0; i < sorted.length - 1; i++) {
      const v = y[sorted[i]!]!;
      sumL += v;
      sqL += v * v;
      sumR -= v;
      sqR -= v * v;
      const a = X[sorted[i]!]![dim]!,
        b = X[sorted[i + 1]!]![dim]!;
      if (a === b) continue;
      const nL = i + 1,
        nR = sorted.length - nL;
      const err = sqL - (sumL * sumL) / nL + sqR - (sumR * sumR) / nR;
      const gain = sse - err;
      if (!best || gain > best.gain) best = { gain, dim, threshold: (a + b) / 2 };
    }
  }
  if (!best || best.gain <= 0) return { leaf: true, value: mean };
  const left = rows.filter((r) => X[r]![best!.dim]! <= best!.threshold);
  const right = rows.filter((r) => X[r]![best!.dim]! > best!.threshold);
  return {
    leaf: false,
    dim: best.dim,
    threshold: best.threshold,
    left: buildTree(X, y, left, depth + 1, maxDepth),
    right: buildTree(X, y, right, depth + 1, maxDepth),
  };
}

interface Leaf {
  value: number;
  lo: number[];
  hi: number[];
}

function leaves(node: TreeNode, lo: number[], hi: number[], out: Leaf[]): Leaf[] {
  if (node.leaf) {
    out.push({ value: node.value, lo, hi });
    return out;
  }
  const t = Math.min(hi[node.dim]!, Math.max(lo[node.dim]!, node.threshold));
  const hiL = [...hi],
    loR = [...lo];
  hiL[node.dim] = t;
  loR[node.dim] = t;
  leaves(node.left, lo, hiL, out);
  leaves(node.right, loR, hi, out);
  return out;
}

/** Main-effect variance fraction of each dimension for one tree (exact fANOVA). */
export function treeMainEffects(tree: TreeNode, d: number): number[] {
  const ls = leaves(tree, new Array<number>(d).fill(0), new Array<number>(d).fill(1), []).filter((l) => l.lo.every((x, i) => l.hi[i]! > x));
  const vol = (l: Leaf, skip = -1) => l.lo.reduce((p, x, i) => (i === skip ? p : p * (l.hi[i]! - x)), 1);
  let mean = 0;
  for (const l of ls) mean += vol(l) * l.value;
  let total = 0;
  for (const l of ls) total += vol(l) * (l.value - mean) ** 2;
  if (!(total > 0)) return new Array<number>(d).fill(0);
  const out: number[] = [];
  for (let i = 0; i < d; i++) {
    const cuts = [...new Set([0, 1, ...ls.flatMap((l) => [l.lo[i]!, l.hi[i]!])])].sort((a, b) => a - b);
    let vi = 0;
    for (let k = 0; k < cuts.length - 1; k++) {
      const a = cuts[k]!,
        b = cuts[k + 1]!;
      if (b <= a) continue;
      const mid = (a + b) / 2;
      let m = 0;
      for (const l of ls) if (l.lo[i]! <= mid && mid < l.hi[i]!) m += l.value * vol(l, i);
      vi += (b - a) * (m - mean) ** 2;
    }
    out.push(vi / total);
  }
  return out;
}

/** @internal The features of trials: unit positions of each parameter. */
export function features(trials: readonly FrozenTrial[], names: readonly string[], space: Record<string, Distribution>): number[][] {
  return trials.map((t) => names.map((n) => Math.min(1, Math.max(0, unitPosition(space[n]!, t.params[n])))));
}

/**
 * Parameter importances by fANOVA on a random forest (see the module documentation), from
 * most to least important, summing to 1.
 *
 * @example
 * ```ts
 * const importances = tune.getParamImportances(study);
 * // { lr: 0.71, units: 0.22, dropout: 0.07 }
 * ```
 */
export function getParamImportances(
  study: { readonly directions: readonly StudyDirection[]; getTrials(o?: { states?: readonly 'COMPLETE'[] }): readonly FrozenTrial[] },
  options: ParamImportanceOptions = {},
): Record<string, number> {
  const fn = 'getParamImportances';
  const o = checkOptions(fn, options, ['params', 'target', 'nTrees', 'maxDepth', 'seed']);
  if (study.directions.length > 1 && o.target === undefined) throw new RangeError(`${fn}: a study with several objectives needs options.target`);
  const target = o.target === undefined ? (t: FrozenTrial) => t.values![0]! : checkFunction<(t: FrozenTrial) => number>(fn, 'options.target', o.target);
  const nTrees = o.nTrees === undefined ? 64 : checkInteger(fn, 'options.nTrees', o.nTrees, 1);
  const maxDepth = o.maxDepth === undefined ? 64 : checkInteger(fn, 'options.maxDepth', o.maxDepth, 1);
  const seed = o.seed === undefined ? 0 : checkInteger(fn, 'options.seed', o.seed);
  const trials = study.getTrials({ states: ['COMPLETE'] }).filter((t) => t.values);
  if (trials.length === 0) throw new RangeError(`${fn}: no trial has completed yet`);
  const space = intersectionSearchSpace(trials);
  let names = Object.keys(space).filter((n) => !space[n]!.single());
  if (o.params !== undefined) {
    if (!Array.isArray(o.params)) throw new TypeError(`${fn}: options.params must be an array of names`);
    for (const n of o.params)
      if (!(n in space)) throw new RangeError(`${fn}: parameter ${JSON.stringify(n)} is not in every completed trial (have: ${names.join(', ')})`);
    names = [...(o.params as string[])];
  }
  if (names.length === 0) return {};
  const X = features(trials, names, space);
  const y = trials.map(target);
  if (y.some((v) => typeof v !== 'number' || !Number.isFinite(v))) throw new RangeError(`${fn}: the target must be a finite number for every completed trial`);
  const rng = new Rng(seed, 'fanova');
  const sums = new Array<number>(names.length).fill(0);
  for (let t = 0; t < nTrees; t++) {
    const rows = Array.from({ length: trials.length }, () => rng.int(trials.length));
    const tree = buildTree(X, y, rows, 0, maxDepth);
    treeMainEffects(tree, names.length).forEach((v, i) => (sums[i]! += v / nTrees));
  }
  const total = sums.reduce((a, b) => a + b, 0);
  const result = names.map((n, i) => [n, total > 0 ? sums[i]! / total : 1 / names.length] as const);
  result.sort((a, b) => b[1] - a[1]);
  return Object.fromEntries(result);
}
