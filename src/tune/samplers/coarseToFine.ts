/**
 * `coarseToFineSampler`: the method's "coarse to fine" random search. Trials run in rounds
 * of `trialsPerRound`; the first round samples the whole space at random (on each parameter's
 * scale, so log-scaled learning rates spread over decades); every later round samples at
 * random inside the box around the best trials finished so far (the best
 * `keepFraction * trialsPerRound` of them, at least 2), widened by `margin` of its width on
 * each side. As better trials gather, the box shrinks around them. Categorical parameters keep
 * the choices those best trials used.
 *
 * A round's box depends only on the trials numbered before the round, so a seeded study is
 * reproducible, and one resumed from its journal continues the same way.
 * @module
 */
import type { Distribution, ParamValue } from '../distributions';
import { Rng, randomSeed } from '../random';
import { checkFinite, checkInteger, checkOptions } from '../validate';
import type { SampleContext, Sampler, StudyView } from './base';
import { numericSpace, unitPosition, uniformValue } from './space';
import { completedOrder } from '../ranking';

/** Options of {@link coarseToFineSampler}. */
export interface CoarseToFineSamplerOptions {
  seed?: number;
  /** Trials per round (default 10). */
  trialsPerRound?: number;
  /** The box is around the best keepFraction * trialsPerRound trials (default 0.3). */
  keepFraction?: number;
  /** Widening of the box on each side, as a fraction of its width (default 0.5). */
  margin?: number;
  /** Smallest box width, as a fraction of the whole range (default 0.02). */
  minWidth?: number;
}

interface Region {
  /** Numeric parameters: [lo, hi] fractions of the range in search coordinates. */
  box: Map<string, [number, number]>;
  /** Categorical parameters: the indices still sampled. */
  choices: Map<string, number[]>;
}

/**
 * Random search in rounds that tighten around the best trials.
 *
 * @example
 * ```ts
 * const sampler = tune.coarseToFineSampler({ seed: 1, trialsPerRound: 20 });
 * const study = tune.createStudy({ direction: 'maximize', sampler });
 * await study.optimize((t) => -((Math.log10(t.suggestFloat('lr', 1e-5, 1, { log: true })) + 3) ** 2), { nTrials: 60 });
 * ```
 */
export function coarseToFineSampler(options: CoarseToFineSamplerOptions = {}): Sampler & { region(study: StudyView, round: number): Region } {
  const fn = 'coarseToFineSampler';
  const o = checkOptions(fn, options, ['seed', 'trialsPerRound', 'keepFraction', 'margin', 'minWidth']);
  const seed = o.seed === undefined ? randomSeed() : checkInteger(fn, 'options.seed', o.seed);
  const perRound = o.trialsPerRound === undefined ? 10 : checkInteger(fn, 'options.trialsPerRound', o.trialsPerRound, 1);
  const keep = o.keepFraction === undefined ? 0.3 : checkFinite(fn, 'options.keepFraction', o.keepFraction);
  if (!(keep > 0 && keep <= 1)) throw new RangeError(`${fn}: options.keepFraction must be in (0, 1], got ${keep}`);
  const margin = o.margin === undefined ? 0.5 : checkFinite(fn, 'options.margin', o.margin);
  if (margin < 0) throw new RangeError(`${fn}: options.margin must be >= 0, got ${margin}`);
  const minWidth = o.minWidth === undefined ? 0.02 : checkFinite(fn, 'options.minWidth', o.minWidth);
  if (!(minWidth > 0 && minWidth <= 1)) throw new RangeError(`${fn}: options.minWidth must be in (0, 1], got ${minWidth}`);

  function region(study: StudyView, round: number): Region {
    const r: Region = { box: new Map(), choices: new Map() };
    if (round === 0) return r;
    const ranked = completedOrder(study, (t) => t.number < round * perRound);
    if (ranked.length === 0) return r;
    const top = ranked.slice(0, Math.max(2, Math.ceil(keep * perRound)));
    const names = new Set(top.flatMap((t) => Object.keys(t.params)));
    for (const name of names) {
      const withParam = top.filter((t) => name in t.params);
      const d = withParam[0]!.distributions[name]!;
      if (d.type === 'categorical') {
        r.choices.set(
          name,
          [...new Set(withParam.map((t) => d.toInternal(t.params[name])))].sort((a, b) => a - b),
        );
        continue;
      }
      const us = withParam.map((t) => unitPosition(d, t.params[name]));
      let lo = Math.min(...us),
        hi = Math.max(...us);
      const pad = margin * (hi - lo);
      lo -= pad;
      hi += pad;
      if (hi - lo < minWidth) {
        const mid = (lo + hi) / 2;
        lo = mid - minWidth / 2;
        hi = mid + minWidth / 2;
      }
      if (lo < 0) [lo, hi] = [0, Math.min(1, hi - lo)];
      if (hi > 1) [lo, hi] = [Math.max(0, lo - (hi - 1)), 1];
      r.box.set(name, [lo, hi]);
    }
    return r;
  }

  return {
    region,
    sample(ctx: SampleContext, name: string, distribution: Distribution): ParamValue {
      const round = Math.floor(ctx.trial.number / perRound);
      let reg = ctx.cache.get('coarseToFine') as Region | undefined;
      if (!reg) ctx.cache.set('coarseToFine', (reg = region(ctx.study, round)));
      const u = new Rng(seed, 'coarseToFine', ctx.trial.number, name).random();
      if (distribution.type === 'categorical') {
        const allowed = (reg.choices.get(name) ?? []).filter((i) => i < distribution.choices.length);
        if (allowed.length === 0) return uniformValue(distribution, u);
        return distribution.choices[allowed[Math.min(allowed.length - 1, Math.floor(u * allowed.length))]!]!;
      }
      const [lo, hi] = reg.box.get(name) ?? [0, 1];
      // A box from an earlier range of this parameter may fall outside the current one.
      const s = numericSpace(distribution);
      if (!(s.high > s.low)) return distribution.low;
      return uniformValue(distribution, u, Math.max(0, lo), Math.min(1, hi));
    },
  };
}
