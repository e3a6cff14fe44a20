/**
 * A Parzen estimator: a weighted mixture with one kernel per observation plus a prior kernel
 * over the whole range (Optuna's `_ParzenEstimator`, as in Bergstra et al. 2011 and, for the
 * multivariate kernels, Falkner et al. 2018).
 *
 * Numeric parameters get truncated-normal kernels in search coordinates (log scale for log
 * parameters, see `../space.ts`); discrete ones integrate the kernel over their grid cell.
 * Categorical parameters get a kernel that puts extra mass on the observed choice.
 * Bandwidths:
 * - univariate: the larger distance to the neighbouring observations (hyperopt's rule),
 *   clipped to [range / min(100, n + 1), range] (the "magic clip");
 * - multivariate: Scott's rule, 0.2 n^(-1/(d+4)) of the range, the same for every kernel.
 * Kernel weights: 1 each for the last 25 observations and a ramp down to 1/n for older ones
 * (older trials were sampled from a worse model), plus the prior's weight.
 * @internal
 */
import type { CategoricalDistribution, Distribution, FloatDistribution, IntDistribution } from '../../distributions';
import type { Rng } from '../../random';
import { type NumericSpace, numericSpace } from '../space';
import { logGaussMass, truncnormPpf } from './truncnorm';

const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

export interface ParzenEstimatorParameters {
  considerPrior: boolean;
  priorWeight: number;
  considerMagicClip: boolean;
  considerEndpoints: boolean;
  weights: (n: number) => number[];
  multivariate: boolean;
}

interface NumericKernel {
  kind: 'numeric';
  dist: FloatDistribution | IntDistribution;
  space: NumericSpace;
  mus: number[];
  sigmas: number[];
}
interface CategoricalKernel {
  kind: 'categorical';
  dist: CategoricalDistribution;
  /** weights[component][choice], rows sum to 1. */
  weights: number[][];
}

/**
 * Optuna's default weights: flat for the last 25 observations, a ramp before them.
 *
 * @example
 * ```ts
 * tune.defaultWeights(3); // [1, 1, 1]
 * const sampler = tune.tpeSampler({ weights: (n) => new Array(n).fill(1) }); // no ramp
 * ```
 */
export function defaultWeights(n: number): number[] {
  if (n === 0) return [];
  if (n < 25) return new Array<number>(n).fill(1);
  const ramp = n - 25;
  const out: number[] = [];
  // numpy.linspace(1/n, 1, num=n-25)
  for (let i = 0; i < ramp; i++) out.push(ramp === 1 ? 1 / n : 1 / n + ((1 - 1 / n) * i) / (ramp - 1));
  for (let i = 0; i < 25; i++) out.push(1);
  return out;
}

export class ParzenEstimator {
  private readonly kernels = new Map<string, NumericKernel | CategoricalKernel>();
  /** Normalized weights of the components (observations, then the prior). */
  readonly weights: number[];

  /**
   * @param observations internal values (categorical: choice indices) per parameter, all of
   *   the same length, in chronological order
   */
  constructor(observations: Record<string, number[]>, space: Record<string, Distribution>, params: ParzenEstimatorParameters, predeterminedWeights?: number[]) {
    const names = Object.keys(space);
    const n = names.length ? observations[names[0]!]!.length : 0;
    const considerPrior = params.considerPrior || n === 0;

    let w = predeterminedWeights ? predeterminedWeights.slice(0, n) : params.weights(n).slice(0, n);
    if (w.some((x) => !(x >= 0) || !Number.isFinite(x)))
      throw new RangeError(`tpeSampler: weights(${n}) must return finite values >= 0, got ${JSON.stringify(w)}`);
    if (considerPrior) w = [...w, params.priorWeight];
    const total = w.reduce((a, b) => a + b, 0);
    this.weights = w.map((x) => x / total);

    const sigma0 = params.multivariate ? 0.2 * Math.max(n, 1) ** (-1 / (names.length + 4)) : 0;
    for (const name of names) {
      const dist = space[name]!;
      const obs = observations[name]!;
      if (dist.type === 'categorical') {
        const k = dist.choices.length;
        const rows = considerPrior ? n + 1 : n;
        const fill = params.priorWeight / rows;
        const weights: number[][] = [];
        for (let i = 0; i < rows; i++) {
          const row = new Array<number>(k).fill(fill);
          if (i < n) row[Math.trunc(obs[i]!)]! += 1;
          const s = row.reduce((a, b) => a + b, 0);
          weights.push(row.map((x) => x / s));
        }
        this.kernels.set(name, { kind: 'categorical', dist, weights });
        continue;
      }
      const sp = numericSpace(dist);
      const { low, high } = sp;
      const mus = obs.map((x) => sp.toSearch(x));
      if (considerPrior) mus.push(0.5 * (low + high));
      let sigmas: number[];
      if (params.multivariate) {
        sigmas = mus.map(() => sigma0 * (high - low));
      } else {
        const order = mus.map((_, i) => i).sort((a, b) => mus[a]! - mus[b]!);
        const sorted = [low, ...order.map((i) => mus[i]!), high];
        const sortedSigmas: number[] = [];
        for (let i = 1; i < sorted.length - 1; i++) sortedSigmas.push(Math.max(sorted[i]! - sorted[i - 1]!, sorted[i + 1]! - sorted[i]!));
        if (!params.considerEndpoints && sorted.length >= 4) {
          sortedSigmas[0] = sorted[2]! - sorted[1]!;
          sortedSigmas[sortedSigmas.length - 1] = sorted[sorted.length - 2]! - sorted[sorted.length - 3]!;
        }
        sigmas = new Array<number>(mus.length);
        order.forEach((i, rank) => (sigmas[i] = sortedSigmas[rank]!));
      }
      const maxSigma = high - low;
      const minSigma = params.considerMagicClip ? (high - low) / Math.min(100, 1 + mus.length) : 1e-12;
      sigmas = sigmas.map((s) => Math.min(maxSigma, Math.max(minSigma, s)));
      if (considerPrior) sigmas[sigmas.length - 1] = high - low;
      this.kernels.set(name, { kind: 'numeric', dist, space: sp, mus, sigmas });
    }
  }

  /** `size` joint samples (internal values per parameter). */
  sample(rng: Rng, size: number): Record<string, number[]> {
    const active: number[] = [];
    for (let i = 0; i < size; i++) active.push(rng.choice(this.weights));
    const out: Record<string, number[]> = {};
    for (const [name, k] of this.kernels) {
      if (k.kind === 'categorical') {
        out[name] = active.map((c) => rng.choice(k.weights[c]!));
        continue;
      }
      const { low, high } = k.space;
      out[name] = active.map((c) => {
        const mu = k.mus[c]!,
          sigma = k.sigmas[c]!;
        const t = truncnormPpf(rng.random(), (low - mu) / sigma, (high - mu) / sigma) * sigma + mu;
        return k.space.fromSearch(t);
      });
    }
    return out;
  }

  /** log density (mass, for discrete parameters) of each joint sample. */
  logPdf(samples: Record<string, number[]>): number[] {
    const names = [...this.kernels.keys()];
    const size = names.length ? samples[names[0]!]!.length : 0;
    const nComp = this.weights.length;
    // comp[s * nComp + c]: log weight of component c plus its log density at sample s.
    const comp = new Float64Array(size * nComp);
    const logW = this.weights.map(Math.log);
    for (let s = 0; s < size; s++) comp.set(logW, s * nComp);
    for (const [name, k] of this.kernels) {
      const xs = samples[name]!;
      if (k.kind === 'categorical') {
        for (let s = 0; s < size; s++) {
          const idx = Math.trunc(xs[s]!);
          for (let c = 0; c < nComp; c++) comp[s * nComp + c]! += Math.log(k.weights[c]![idx]!);
        }
        continue;
      }
      const { low, high, q } = k.space;
      // Per component: the log of its mass inside [low, high] (and of sigma), shared by all samples.
      const logAccept = k.mus.map((mu, c) => logGaussMass((low - mu) / k.sigmas[c]!, (high - mu) / k.sigmas[c]!));
      const logSigma = k.sigmas.map(Math.log);
      for (let s = 0; s < size; s++) {
        const t = k.space.toSearch(xs[s]!);
        for (let c = 0; c < nComp; c++) {
          const mu = k.mus[c]!,
            sigma = k.sigmas[c]!;
          let lp: number;
          if (q === null) {
            if (t < low || t > high) lp = -Infinity;
            else {
              const z = (t - mu) / sigma;
              lp = -0.5 * z * z - LOG_SQRT_2PI - logSigma[c]! - logAccept[c]!;
            }
          } else {
            const upper = Math.min(t + q / 2, high),
              lower = Math.max(t - q / 2, low);
            lp = logGaussMass((lower - mu) / sigma, (upper - mu) / sigma) - logAccept[c]!;
          }
          comp[s * nComp + c]! += lp;
        }
      }
    }
    const out: number[] = [];
    for (let s = 0; s < size; s++) {
      let m = -Infinity;
      for (let c = 0; c < nComp; c++) if (comp[s * nComp + c]! > m) m = comp[s * nComp + c]!;
      if (m === -Infinity) {
        out.push(-Infinity);
        continue;
      }
      let sum = 0;
      for (let c = 0; c < nComp; c++) sum += Math.exp(comp[s * nComp + c]! - m);
      out.push(m + Math.log(sum));
    }
    return out;
  }
}
