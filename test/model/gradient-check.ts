// One finite-difference check of a model's gradients, shared by the model tests: computeGradients
// against a 4-point central difference of the model's own loss, at picked weights of every
// weight the model trains (frozen layers and moving statistics have no gradient).
import { expect } from 'vitest';
import type { ModelInput } from '../../src/model/options';
import type { LayersModel } from '../../src/model/layers-model';
import { rng } from '../helpers';

export interface GradientCheckOptions {
  /** Weights checked per tensor: a count drawn at random (default 10), or a function giving the indices. */
  picks?: number | ((length: number) => number[]);
  /** Seed of the random picks (one stream over all tensors, in order). Default 99. */
  seed?: number;
  /** Finite-difference step, relative to the weight (at least this much absolute). Default 1e-2. */
  step?: number;
  /** Passed to computeGradients (per-example weights). */
  sampleWeight?: Float32Array;
  tol?: { rtol: number; atol: number };
}

/**
 * Checks the model's analytic gradients against finite differences; fails naming the weight.
 * Returns how many weights were checked (at least one, asserted).
 */
export function checkGradients(model: LayersModel, x: ModelInput, y: unknown, o: GradientCheckOptions = {}): number {
  const tol = o.tol ?? { rtol: 3e-2, atol: 2e-3 };
  const opts = o.sampleWeight ? { sampleWeight: o.sampleWeight } : {};
  const { grads } = model.computeGradients(x, y, opts);
  const weights = model.getWeights();
  const trains = model.layers.flatMap((l) => l.weightSpecs().map((s) => s.trainable && !l.frozen));
  const names = model.weightNames();
  const r = rng(o.seed ?? 99);
  const picks = o.picks ?? 10;
  const pick =
    typeof picks === 'function'
      ? picks
      : (length: number): number[] => {
          const set = new Set<number>();
          while (set.size < Math.min(picks, length)) set.add(Math.floor(r() * length));
          return [...set];
        };
  let gi = 0,
    checked = 0;
  weights.forEach((w, wi) => {
    if (!trains[wi]) return;
    const g = grads[gi++]!;
    expect(g.length, names[wi]).toBe(w.length);
    for (const i of pick(w.length)) {
      const h = (o.step ?? 1e-2) * Math.max(1, Math.abs(w[i]!));
      const old = w[i]!;
      const f = (v: number): number => {
        w[i] = v;
        model.setWeights(weights);
        return model.computeGradients(x, y, opts).loss;
      };
      // float64 difference of float32 losses: a wide step and a 4-point stencil
      const d = (8 * (f(old + h) - f(old - h)) - (f(old + 2 * h) - f(old - 2 * h))) / (12 * h);
      w[i] = old;
      model.setWeights(weights);
      if (!(Math.abs(d - g[i]!) <= tol.atol + tol.rtol * Math.abs(d))) expect.fail(`${names[wi]}[${i}]: analytic ${g[i]}, finite difference ${d}`);
      checked++;
    }
  });
  expect(gi).toBe(grads.length);
  expect(checked).toBeGreaterThan(0);
  return checked;
}
