/**
 * Which trials are better: feasibility under constraints, single-objective order, Pareto
 * dominance. Shared by the study (`bestTrial`, `bestTrials`), samplers and plots.
 *
 * Constraints follow Optuna's `constraints_func`: a finished trial carries the list of its
 * constraint values in the system attribute `constraints`; it is feasible when every value
 * is <= 0, and its violation is the sum of the positive ones.
 * @internal
 */
import type { FrozenTrial, StudyDirection } from './frozenTrial';

/** The system attribute that holds a trial's constraint values (Optuna's `_CONSTRAINTS_KEY`). */
export const CONSTRAINTS_KEY = 'constraints';

/** The sum of a trial's positive constraint values: 0 when feasible or unconstrained. */
export function violation(trial: FrozenTrial): number {
  const c = trial.systemAttrs[CONSTRAINTS_KEY];
  if (!Array.isArray(c)) return 0;
  let v = 0;
  for (const x of c) {
    if (typeof x !== 'number' || Number.isNaN(x)) return Infinity;
    if (x > 0) v += x;
  }
  return v;
}

export function isFeasible(trial: FrozenTrial): boolean {
  return violation(trial) === 0;
}

/** Whether objective vector `a` dominates `b` (no worse everywhere, better somewhere). */
export function dominates(a: readonly number[], b: readonly number[], directions: readonly StudyDirection[]): boolean {
  let better = false;
  for (let i = 0; i < directions.length; i++) {
    const x = directions[i] === 'maximize' ? -a[i]! : a[i]!;
    const y = directions[i] === 'maximize' ? -b[i]! : b[i]!;
    if (x > y) return false;
    if (x < y) better = true;
  }
  return better;
}

/** The trials no other trial dominates (the first Pareto front), in number order. */
export function paretoFront<T extends FrozenTrial>(trials: readonly T[], directions: readonly StudyDirection[]): T[] {
  return trials.filter((t) => t.values && !trials.some((u) => u !== t && u.values && dominates(u.values, t.values!, directions)));
}

/** Nondomination rank of each point (0 = Pareto front), for loss vectors (lower is better). */
export function nondominationRanks(losses: readonly (readonly number[])[]): number[] {
  const n = losses.length;
  const ranks = new Array<number>(n).fill(-1);
  const dom = (a: readonly number[], b: readonly number[]) => {
    let better = false;
    for (let i = 0; i < a.length; i++) {
      if (a[i]! > b[i]!) return false;
      if (a[i]! < b[i]!) better = true;
    }
    return better;
  };
  let rank = 0,
    left = n;
  while (left > 0) {
    const front: number[] = [];
    for (let i = 0; i < n; i++) {
      if (ranks[i] !== -1) continue;
      let dominated = false;
      for (let j = 0; j < n && !dominated; j++) if (j !== i && ranks[j] === -1 && dom(losses[j]!, losses[i]!)) dominated = true;
      if (!dominated) front.push(i);
    }
    for (const i of front) ranks[i] = rank;
    left -= front.length;
    rank++;
  }
  return ranks;
}

/** The objective of a single-objective trial as a loss (lower is better). */
export function loss(value: number, direction: StudyDirection): number {
  return direction === 'maximize' ? -value : value;
}

/**
 * COMPLETE trials best first: feasible ones by objective (single objective) or by
 * nondomination rank (several), then infeasible ones by violation. Ties keep number order.
 */
export function completedOrder(
  study: { readonly directions: readonly StudyDirection[]; getTrials(o?: { states?: readonly 'COMPLETE'[] }): readonly FrozenTrial[] },
  filter: (t: FrozenTrial) => boolean = () => true,
): FrozenTrial[] {
  const trials = study.getTrials({ states: ['COMPLETE'] }).filter((t) => t.values && filter(t));
  const dirs = study.directions;
  const key = new Map<FrozenTrial, number>();
  if (dirs.length === 1) {
    for (const t of trials) key.set(t, loss(t.values![0]!, dirs[0]!));
  } else {
    const ranks = nondominationRanks(trials.map((t) => t.values!.map((v, i) => loss(v, dirs[i]!))));
    trials.forEach((t, i) => key.set(t, ranks[i]!));
  }
  return [...trials].sort((a, b) => {
    const va = violation(a),
      vb = violation(b);
    if (va !== vb) return va - vb;
    return key.get(a)! - key.get(b)! || a.number - b.number;
  });
}
