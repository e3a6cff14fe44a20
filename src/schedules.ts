/**
 * Learning-rate schedules: functions from the (0-based) epoch index to a learning rate, as
 * Keras' LearningRateScheduler calls them. Give one as an optimizer's `learningRate`, or to
 * `callbacks.learningRateScheduler`.
 *
 * ```ts
 * knobs.optimizers.sgd({ learningRate: knobs.schedules.inverseTimeDecay({ initialLearningRate: 0.2, decayRate: 1 }) });
 * ```
 * @module
 */
import { checkKnownOptions, finiteNumber, positiveInt } from './util/options';

/** epoch (0-based) -> learning rate. */
export type Schedule = (epoch: number) => number;

function a0(where: string, v: unknown): number {
  const x = finiteNumber(where, 'initialLearningRate', v);
  if (x <= 0) throw new RangeError(`${where}: initialLearningRate must be > 0, got ${x}`);
  return x;
}

function rate(where: string, name: string, v: unknown): number {
  const x = finiteNumber(where, name, v);
  if (x < 0) throw new RangeError(`${where}: ${name} must be >= 0, got ${x}`);
  return x;
}

/** The lecture's `a0 / (1 + decayRate * epoch)`. */
export function inverseTimeDecay(o: { initialLearningRate: number; decayRate: number }): Schedule {
  const W = 'schedules.inverseTimeDecay';
  checkKnownOptions(W, o, ['initialLearningRate', 'decayRate']);
  const a = a0(W, o.initialLearningRate),
    d = rate(W, 'decayRate', o.decayRate);
  return (epoch) => a / (1 + d * epoch);
}

/** `a0 * exp(-decayRate * epoch)`. */
export function exponentialDecay(o: { initialLearningRate: number; decayRate: number }): Schedule {
  const W = 'schedules.exponentialDecay';
  checkKnownOptions(W, o, ['initialLearningRate', 'decayRate']);
  const a = a0(W, o.initialLearningRate),
    d = rate(W, 'decayRate', o.decayRate);
  return (epoch) => a * Math.exp(-d * epoch);
}

/** `k * a0 / sqrt(epoch)` for epoch >= 1; `a0` at epoch 0, where the formula is undefined. */
export function inverseSqrtDecay(o: { initialLearningRate: number; k?: number }): Schedule {
  const W = 'schedules.inverseSqrtDecay';
  checkKnownOptions(W, o, ['initialLearningRate', 'k']);
  const a = a0(W, o.initialLearningRate),
    k = rate(W, 'k', o.k ?? 1);
  return (epoch) => (epoch >= 1 ? (k * a) / Math.sqrt(epoch) : a);
}

/** The staircase: `a0 * factor^floor(epoch / every)` (e.g. halve every 10 epochs). */
export function stepDecay(o: { initialLearningRate: number; factor?: number; every: number }): Schedule {
  const W = 'schedules.stepDecay';
  checkKnownOptions(W, o, ['initialLearningRate', 'factor', 'every']);
  const a = a0(W, o.initialLearningRate),
    f = rate(W, 'factor', o.factor ?? 0.5),
    every = positiveInt(W, 'every', o.every);
  return (epoch) => a * Math.pow(f, Math.floor(epoch / every));
}

/** Cosine decay from a0 to `alpha * a0` over `decayEpochs`, then flat. */
export function cosineDecay(o: { initialLearningRate: number; decayEpochs: number; alpha?: number }): Schedule {
  const W = 'schedules.cosineDecay';
  checkKnownOptions(W, o, ['initialLearningRate', 'decayEpochs', 'alpha']);
  const a = a0(W, o.initialLearningRate),
    n = positiveInt(W, 'decayEpochs', o.decayEpochs),
    alpha = rate(W, 'alpha', o.alpha ?? 0);
  return (epoch) => a * ((1 - alpha) * 0.5 * (1 + Math.cos((Math.PI * Math.min(epoch, n)) / n)) + alpha);
}
