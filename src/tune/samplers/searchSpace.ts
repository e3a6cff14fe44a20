/**
 * Search spaces inferred from finished trials, for samplers that model parameters jointly in
 * define-by-run studies (Optuna's `IntersectionSearchSpace` and `_GroupDecomposedSearchSpace`).
 *
 * - The intersection: the parameters every finished trial has, with the same distribution.
 * - The group decomposition: the parameters split into groups that always occur together,
 *   e.g. `{layers}`, `{units_0}`, `{units_1, dropout_1}` when `units_1` and `dropout_1` exist
 *   only in trials with two layers. Each group can be modelled jointly on the trials that
 *   have it, which is how conditional spaces get a multivariate model.
 * @internal
 */
import { type Distribution, distributionsEqual } from '../distributions';
import type { FrozenTrial } from '../frozenTrial';

export function intersectionSearchSpace(trials: readonly FrozenTrial[]): Record<string, Distribution> {
  let space: Record<string, Distribution> | undefined;
  for (const t of trials) {
    if (!space) {
      space = { ...t.distributions };
      continue;
    }
    for (const name of Object.keys(space)) {
      const d = t.distributions[name];
      if (!d || !distributionsEqual(d, space[name]!)) delete space[name];
    }
  }
  return Object.fromEntries(Object.entries(space ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export function groupDecomposedSearchSpace(trials: readonly FrozenTrial[]): Record<string, Distribution>[] {
  let groups: Record<string, Distribution>[] = [];
  for (const t of trials) {
    const names = new Set(Object.keys(t.distributions));
    const next: Record<string, Distribution>[] = [];
    for (const g of groups) {
      const inter: Record<string, Distribution> = {},
        diff: Record<string, Distribution> = {};
      for (const [name, d] of Object.entries(g)) {
        if (names.has(name)) inter[name] = d;
        else diff[name] = d;
        names.delete(name);
      }
      if (Object.keys(inter).length) next.push(inter);
      if (Object.keys(diff).length) next.push(diff);
    }
    const rest: Record<string, Distribution> = {};
    for (const name of names) rest[name] = t.distributions[name]!;
    if (Object.keys(rest).length) next.push(rest);
    groups = next;
  }
  return groups.map((g) => Object.fromEntries(Object.entries(g).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));
}
