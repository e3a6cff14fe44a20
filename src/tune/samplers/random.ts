/**
 * `randomSampler`: every parameter independently and uniformly at random on its scale
 * (uniform in log space for log parameters).
 *
 * Random search is the method's baseline, and beats a grid: with a grid of 5 x 5 over two
 * parameters of which one does not matter, 25 trials try 5 values of the one that does;
 * random search tries 25.
 * @module
 */
import { type Distribution, type ParamValue } from '../distributions';
import { Rng, randomSeed } from '../random';
import { checkInteger, checkOptions } from '../validate';
import type { SampleContext, Sampler } from './base';
import { uniformValue } from './space';

/** Options of {@link randomSampler}. */
export interface RandomSamplerOptions {
  /** Seed for reproducible studies. */
  seed?: number;
}

/** A value of `distribution` for trial `number`, from `seed` only. @internal */
export function randomValue(seed: number, purpose: string, number: number, name: string, distribution: Distribution): ParamValue {
  return uniformValue(distribution, new Rng(seed, purpose, number, name).random());
}

/**
 * Samples every parameter uniformly on its scale.
 *
 * @example
 * ```ts
 * const study = tune.createStudy({ sampler: tune.randomSampler({ seed: 42 }) });
 * ```
 */
export function randomSampler(options: RandomSamplerOptions = {}): Sampler & { readonly seed: number } {
  const o = checkOptions('randomSampler', options, ['seed']);
  const seed = o.seed === undefined ? randomSeed() : checkInteger('randomSampler', 'options.seed', o.seed);
  return {
    seed,
    sample(ctx: SampleContext, name: string, distribution: Distribution): ParamValue {
      return randomValue(seed, 'random', ctx.trial.number, name, distribution);
    },
  };
}
