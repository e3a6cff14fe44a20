/**
 * `knobs.optimizers`. The update rules of sgd, momentum, rmsprop, adam and adamw are PyTorch's,
 * those of adagrad, adamax and nadam Keras' (documented on each), so trajectories can be
 * compared with a reference implementation; the default hyperparameters are the usual ones.
 * Every optimizer takes `learningRate` as a number or as a schedule (`knobs.schedules`), either
 * in an options object or, as tfjs' `tf.train.*`, positionally: `adam(0.01)`,
 * `adam(0.01, 0.9, 0.999, 1e-7)`.
 * @module
 */
import type { Engine } from '../engine/engine';
import { f32_adagrad, f32_adam, f32_adamax, f32_nadam, f32_rmsprop, f32_sgd, f32_sgd_momentum, nadamCoefficients } from '../engine/kernels/f32_optimizer';
import { NameTable } from '../util/names';
import { describe } from '../errors';
import type { Schedule } from '../schedules';
import { bool, checkKnownOptions, numberInRange } from '../util/options';
import { Optimizer, type OptimizerConfig } from './optimizer';

export { Optimizer, type OptimizerConfig } from './optimizer';

/** Options of {@link sgd}. */
export interface SgdOptions {
  /** Default 0.01. */
  learningRate?: number | Schedule;
  /** Default 0 (plain gradient descent). */
  momentum?: number;
  /** Default 0. */
  dampening?: number;
  /** Default false. */
  nesterov?: boolean;
  /** Coupled L2: adds weightDecay * p to the gradient. Default 0. */
  weightDecay?: number;
}

/**
 * Stochastic gradient descent, PyTorch's rule: `d = g + weightDecay * p`; with momentum,
 * `buf = d` on the first step, then `buf = momentum * buf + (1 - dampening) * d`, and the step is
 * `nesterov ? d + momentum * buf : buf`; `p -= lr * step`.
 */
export class Sgd extends Optimizer {
  readonly className = 'SGD';
  readonly slotNames: readonly string[];
  readonly momentum: number;
  readonly dampening: number;
  readonly nesterov: boolean;
  readonly weightDecay: number;

  constructor(o: SgdOptions = {}) {
    const W = 'optimizers.sgd';
    checkKnownOptions(W, o, ['learningRate', 'momentum', 'dampening', 'nesterov', 'weightDecay']);
    super(W, o.learningRate as number | Schedule, 0.01);
    this.momentum = numberInRange(W, 'momentum', o.momentum ?? 0, 0, Infinity);
    this.dampening = numberInRange(W, 'dampening', o.dampening ?? 0, 0, 1);
    this.nesterov = bool(W, 'nesterov', o.nesterov ?? false);
    this.weightDecay = numberInRange(W, 'weightDecay', o.weightDecay ?? 0, 0, Infinity);
    if (this.nesterov && (this.momentum <= 0 || this.dampening !== 0)) {
      throw new RangeError(`${W}: nesterov needs momentum > 0 and dampening 0, got momentum=${this.momentum}, dampening=${this.dampening}`);
    }
    this.slotNames = this.momentum > 0 ? ['momentumBuffer'] : [];
  }

  step(e: Engine, p: number, g: number, slots: number[], n: number, t: number, lr: number, out = 0): void {
    if (this.momentum > 0) f32_sgd_momentum(e, p, g, slots[0]!, n, lr, this.momentum, this.dampening, this.nesterov, this.weightDecay, t === 1, out);
    else f32_sgd(e, p, g, n, lr, this.weightDecay, out);
  }

  getConfig(): OptimizerConfig {
    return {
      className: this.className,
      config: { learningRate: this.learningRate, momentum: this.momentum, dampening: this.dampening, nesterov: this.nesterov, weightDecay: this.weightDecay },
    };
  }
}

/** Options of {@link momentum}. */
export interface MomentumOptions {
  /** Default 0.1 (the lecture's typical value). */
  learningRate?: number | Schedule;
  /** Default 0.9. */
  beta?: number;
}

/**
 * Gradient descent with momentum in the lecture's form: `v = beta * v + (1 - beta) * g` from
 * `v = 0`, then `p -= lr * v` (an exponentially weighted average of the gradients, without
 * bias correction).
 */
export class Momentum extends Optimizer {
  readonly className = 'Momentum';
  readonly slotNames = ['velocity'] as const;
  readonly beta: number;

  constructor(o: MomentumOptions = {}) {
    const W = 'optimizers.momentum';
    checkKnownOptions(W, o, ['learningRate', 'beta']);
    super(W, o.learningRate as number | Schedule, 0.1);
    this.beta = numberInRange(W, 'beta', o.beta ?? 0.9, 0, 1, false, true);
  }

  step(e: Engine, p: number, g: number, slots: number[], n: number, _t: number, lr: number, out = 0): void {
    // PyTorch's kernel with dampening = momentum = beta and no first-step copy is exactly this rule
    f32_sgd_momentum(e, p, g, slots[0]!, n, lr, this.beta, this.beta, false, 0, false, out);
  }

  getConfig(): OptimizerConfig {
    return { className: this.className, config: { learningRate: this.learningRate, beta: this.beta } };
  }
}

/** Options of {@link rmsprop}. */
export interface RmspropOptions {
  /** Default 0.001. */
  learningRate?: number | Schedule;
  /** Decay of the squared-gradient average (PyTorch's alpha). Default 0.9. */
  rho?: number;
  /** Added to the root mean square (outside the square root, as PyTorch). Default 1e-7. */
  epsilon?: number;
  /** Default 0. */
  momentum?: number;
  /** Divide by the centered second moment (an estimate of the variance). Default false. */
  centered?: boolean;
  /** Coupled L2. Default 0. */
  weightDecay?: number;
}

/**
 * RMSprop, PyTorch's rule: `d = g + weightDecay * p`; `s = rho * s + (1 - rho) * d^2`;
 * `avg = sqrt(s - mean^2) + eps` when centered (mean a running average of d), else
 * `sqrt(s) + eps`; with momentum `buf = momentum * buf + d / avg`, `p -= lr * buf`; else
 * `p -= lr * d / avg`. Defaults are Keras' (rho 0.9, epsilon 1e-7, learning rate 0.001).
 */
export class Rmsprop extends Optimizer {
  readonly className = 'RMSprop';
  readonly slotNames: readonly string[];
  readonly rho: number;
  readonly epsilon: number;
  readonly momentum: number;
  readonly centered: boolean;
  readonly weightDecay: number;

  constructor(o: RmspropOptions = {}) {
    const W = 'optimizers.rmsprop';
    checkKnownOptions(W, o, ['learningRate', 'rho', 'epsilon', 'momentum', 'centered', 'weightDecay']);
    super(W, o.learningRate as number | Schedule, 0.001);
    this.rho = numberInRange(W, 'rho', o.rho ?? 0.9, 0, 1, false, true);
    this.epsilon = numberInRange(W, 'epsilon', o.epsilon ?? 1e-7, 0, Infinity);
    this.momentum = numberInRange(W, 'momentum', o.momentum ?? 0, 0, Infinity);
    this.centered = bool(W, 'centered', o.centered ?? false);
    this.weightDecay = numberInRange(W, 'weightDecay', o.weightDecay ?? 0, 0, Infinity);
    this.slotNames = ['squareAverage', ...(this.momentum > 0 ? ['momentumBuffer'] : []), ...(this.centered ? ['gradAverage'] : [])];
  }

  step(e: Engine, p: number, g: number, slots: number[], n: number, _t: number, lr: number, out = 0): void {
    const mom = this.momentum > 0 ? slots[1]! : 0;
    const gavg = this.centered ? slots[this.momentum > 0 ? 2 : 1]! : 0;
    f32_rmsprop(e, p, g, slots[0]!, mom, gavg, n, lr, this.rho, this.epsilon, this.weightDecay, this.momentum, this.centered, out);
  }

  getConfig(): OptimizerConfig {
    return {
      className: this.className,
      config: {
        learningRate: this.learningRate,
        rho: this.rho,
        epsilon: this.epsilon,
        momentum: this.momentum,
        centered: this.centered,
        weightDecay: this.weightDecay,
      },
    };
  }
}

/** Options of {@link adam} and {@link adamw}. */
export interface AdamOptions {
  /** Default 0.001. */
  learningRate?: number | Schedule;
  /** Default 0.9. */
  beta1?: number;
  /** Default 0.999. */
  beta2?: number;
  /** Default 1e-8 (the lecture's and PyTorch's value). */
  epsilon?: number;
  /** Adam: coupled L2 (added to the gradient), default 0. AdamW: decoupled decay, default 0.01. */
  weightDecay?: number;
}

/**
 * Adam, PyTorch's rule with bias correction: `d = g + weightDecay * p` (coupled L2);
 * `m = b1 m + (1 - b1) d`; `v = b2 v + (1 - b2) d^2`;
 * `p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)`. AdamW instead shrinks the
 * weights directly, `p *= 1 - lr * weightDecay`, and leaves the gradient alone (decoupled).
 */
export class Adam extends Optimizer {
  readonly className: string;
  readonly slotNames = ['m', 'v'] as const;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly weightDecay: number;
  readonly decoupled: boolean;

  constructor(o: AdamOptions = {}, decoupled = false) {
    const W = decoupled ? 'optimizers.adamw' : 'optimizers.adam';
    checkKnownOptions(W, o, ['learningRate', 'beta1', 'beta2', 'epsilon', 'weightDecay']);
    super(W, o.learningRate as number | Schedule, 0.001);
    this.className = decoupled ? 'AdamW' : 'Adam';
    this.decoupled = decoupled;
    this.beta1 = numberInRange(W, 'beta1', o.beta1 ?? 0.9, 0, 1, false, true);
    this.beta2 = numberInRange(W, 'beta2', o.beta2 ?? 0.999, 0, 1, false, true);
    this.epsilon = numberInRange(W, 'epsilon', o.epsilon ?? 1e-8, 0, Infinity);
    this.weightDecay = numberInRange(W, 'weightDecay', o.weightDecay ?? (decoupled ? 0.01 : 0), 0, Infinity);
  }

  step(e: Engine, p: number, g: number, slots: number[], n: number, t: number, lr: number, out = 0): void {
    const bc1 = 1 - Math.pow(this.beta1, t),
      bc2 = 1 - Math.pow(this.beta2, t);
    f32_adam(e, p, g, slots[0]!, slots[1]!, n, lr, this.beta1, this.beta2, this.epsilon, this.weightDecay, this.decoupled, bc1, bc2, out);
  }

  getConfig(): OptimizerConfig {
    return {
      className: this.className,
      config: { learningRate: this.learningRate, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon, weightDecay: this.weightDecay },
    };
  }
}

/** Options of {@link adagrad}. */
export interface AdagradOptions {
  /** Default 0.001 (Keras). */
  learningRate?: number | Schedule;
  /** Starting value of the accumulated squared gradients. Default 0.1 (Keras, tfjs). */
  initialAccumulatorValue?: number;
  /** Added inside the square root. Default 1e-7 (Keras). */
  epsilon?: number;
}

/**
 * Adagrad, Keras' rule: `acc = acc + g^2` from `acc = initialAccumulatorValue`, then
 * `p -= lr * g / sqrt(acc + epsilon)`.
 */
export class Adagrad extends Optimizer {
  readonly className = 'Adagrad';
  readonly slotNames = ['accumulator'] as const;
  readonly initialAccumulatorValue: number;
  readonly epsilon: number;

  constructor(o: AdagradOptions = {}) {
    const W = 'optimizers.adagrad';
    checkKnownOptions(W, o, ['learningRate', 'initialAccumulatorValue', 'epsilon']);
    super(W, o.learningRate as number | Schedule, 0.001);
    this.initialAccumulatorValue = numberInRange(W, 'initialAccumulatorValue', o.initialAccumulatorValue ?? 0.1, 0, Infinity);
    this.epsilon = numberInRange(W, 'epsilon', o.epsilon ?? 1e-7, 0, Infinity);
  }

  step(e: Engine, p: number, g: number, slots: number[], n: number, t: number, lr: number, out = 0): void {
    f32_adagrad(e, p, g, slots[0]!, n, lr, this.epsilon, this.initialAccumulatorValue, t === 1, out);
  }

  getConfig(): OptimizerConfig {
    return {
      className: this.className,
      config: { learningRate: this.learningRate, initialAccumulatorValue: this.initialAccumulatorValue, epsilon: this.epsilon },
    };
  }
}

/** Options of {@link adamax} and {@link nadam}. */
export interface AdamaxOptions {
  /** Default 0.001 (Keras). */
  learningRate?: number | Schedule;
  /** Default 0.9. */
  beta1?: number;
  /** Default 0.999. */
  beta2?: number;
  /** Default 1e-7 (Keras). */
  epsilon?: number;
}

/**
 * Adamax, Keras' rule: `m = b1 m + (1 - b1) g`; `u = max(b2 u, |g|)`;
 * `p -= lr / (1 - b1^t) * m / (u + epsilon)`.
 */
export class Adamax extends Optimizer {
  readonly className = 'Adamax';
  readonly slotNames = ['m', 'u'] as const;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;

  constructor(o: AdamaxOptions = {}, where = 'optimizers.adamax') {
    checkKnownOptions(where, o, ['learningRate', 'beta1', 'beta2', 'epsilon']);
    super(where, o.learningRate as number | Schedule, 0.001);
    this.beta1 = numberInRange(where, 'beta1', o.beta1 ?? 0.9, 0, 1, false, true);
    this.beta2 = numberInRange(where, 'beta2', o.beta2 ?? 0.999, 0, 1, false, true);
    this.epsilon = numberInRange(where, 'epsilon', o.epsilon ?? 1e-7, 0, Infinity);
  }

  step(e: Engine, p: number, g: number, slots: number[], n: number, t: number, lr: number, out = 0): void {
    f32_adamax(e, p, g, slots[0]!, slots[1]!, n, lr, this.beta1, this.beta2, this.epsilon, 1 - Math.pow(this.beta1, t), out);
  }

  getConfig(): OptimizerConfig {
    return { className: this.className, config: { learningRate: this.learningRate, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon } };
  }
}

/**
 * Nadam (Adam with Nesterov momentum), Keras' rule with Dozat's momentum schedule
 * `mu_t = b1 (1 - 0.5 * 0.96^t)` and `P_t = mu_1 ... mu_t`: `m = b1 m + (1 - b1) g`;
 * `v = b2 v + (1 - b2) g^2`; `mhat = mu_{t+1} m / (1 - P_{t+1}) + (1 - mu_t) g / (1 - P_t)`;
 * `p -= lr * mhat / (sqrt(v / (1 - b2^t)) + epsilon)`. (PyTorch's NAdam is the same rule with
 * `momentum_decay = 1`; its default 0.004 slows the schedule down.)
 */
export class Nadam extends Optimizer {
  readonly className = 'Nadam';
  readonly slotNames = ['m', 'v'] as const;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  // P_{t-1} and P_t of the last step, so a step costs O(1); a step number out of sequence
  // (a worker joining late, a restored model) recomputes the product
  private last = { t: 0, before: 1, at: 1 };

  constructor(o: AdamaxOptions = {}) {
    const W = 'optimizers.nadam';
    checkKnownOptions(W, o, ['learningRate', 'beta1', 'beta2', 'epsilon']);
    super(W, o.learningRate as number | Schedule, 0.001);
    this.beta1 = numberInRange(W, 'beta1', o.beta1 ?? 0.9, 0, 1, false, true);
    this.beta2 = numberInRange(W, 'beta2', o.beta2 ?? 0.999, 0, 1, false, true);
    this.epsilon = numberInRange(W, 'epsilon', o.epsilon ?? 1e-7, 0, Infinity);
  }

  step(e: Engine, p: number, g: number, slots: number[], n: number, t: number, lr: number, out = 0): void {
    const l = this.last;
    const before = t === l.t ? l.before : t === l.t + 1 ? l.at : undefined;
    const c = nadamCoefficients(this.beta1, t, before);
    this.last = { t, before: c.before, at: c.product };
    f32_nadam(e, p, g, slots[0]!, slots[1]!, n, lr, this.beta1, this.beta2, this.epsilon, c.coefM, c.coefG, 1 - Math.pow(this.beta2, t), out);
  }

  getConfig(): OptimizerConfig {
    return { className: this.className, config: { learningRate: this.learningRate, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon } };
  }
}

/**
 * Turns tfjs' positional form (`adam(0.01, 0.9)`) into an options object; an options object (or
 * nothing) passes through. `names` lists the positional parameters after the learning rate.
 */
function positional<T extends object>(where: string, first: unknown, rest: unknown[], names: readonly string[]): T {
  if (typeof first === 'number' || typeof first === 'function') {
    if (rest.length > names.length) {
      throw new TypeError(
        `${where}: takes at most ${names.length + 1} positional arguments (${['learningRate', ...names].join(', ')}), got ${rest.length + 1}`,
      );
    }
    const o: Record<string, unknown> = { learningRate: first };
    rest.forEach((v, i) => {
      if (v !== undefined) o[names[i]!] = v;
    });
    return o as T;
  }
  if (rest.length > 0) throw new TypeError(`${where}: give an options object or positional numbers (${['learningRate', ...names].join(', ')}), not both`);
  if (first === undefined) return {} as T;
  if (first === null || typeof first !== 'object') throw new TypeError(`${where}: expected an options object or a learning rate, got ${describe(first)}`);
  return first as T;
}

/**
 * Mini-batch SGD (with optional momentum/Nesterov, PyTorch's form).
 * @example
 * ```ts
 * knobs.optimizers.sgd(0.1); // tfjs' tf.train.sgd(learningRate)
 * knobs.optimizers.sgd({ learningRate: 0.1, momentum: 0.9, nesterov: true });
 * ```
 */
export const sgd = (options?: SgdOptions | number | Schedule, ...rest: never[]): Sgd => new Sgd(positional('optimizers.sgd', options, rest, []));
/** The lecture's momentum: `v = beta v + (1 - beta) g`, `p -= lr v`. Positional: `(learningRate, beta)`. */
export const momentum = (options?: MomentumOptions | number | Schedule, ...rest: (number | undefined)[]): Momentum =>
  new Momentum(positional('optimizers.momentum', options, rest, ['beta']));
/** RMSprop. Positional as tfjs' `tf.train.rmsprop`: `(learningRate, rho, momentum, epsilon, centered)`. */
export const rmsprop = (options?: RmspropOptions | number | Schedule, ...rest: (number | boolean | undefined)[]): Rmsprop =>
  new Rmsprop(positional('optimizers.rmsprop', options, rest, ['rho', 'momentum', 'epsilon', 'centered']));
/**
 * Adam with coupled L2 (`weightDecay`). Positional as tfjs' `tf.train.adam`:
 * `(learningRate, beta1, beta2, epsilon)`.
 * @example
 * ```ts
 * model.compile({ optimizer: knobs.optimizers.adam(0.01), loss: 'categoricalCrossentropy' });
 * ```
 */
export const adam = (options?: AdamOptions | number | Schedule, ...rest: (number | undefined)[]): Adam =>
  new Adam(positional('optimizers.adam', options, rest, ['beta1', 'beta2', 'epsilon']), false);
/** AdamW: Adam with decoupled weight decay. Positional as Keras' AdamW: `(learningRate, weightDecay, beta1, beta2, epsilon)`. */
export const adamw = (options?: AdamOptions | number | Schedule, ...rest: (number | undefined)[]): Adam =>
  new Adam(positional('optimizers.adamw', options, rest, ['weightDecay', 'beta1', 'beta2', 'epsilon']), true);
/** Adagrad (Keras' rule and defaults). Positional as tfjs' `tf.train.adagrad`: `(learningRate, initialAccumulatorValue)`. */
export const adagrad = (options?: AdagradOptions | number | Schedule, ...rest: (number | undefined)[]): Adagrad =>
  new Adagrad(positional('optimizers.adagrad', options, rest, ['initialAccumulatorValue', 'epsilon']));
/** Adamax (Keras' rule and defaults). Positional as tfjs' `tf.train.adamax`: `(learningRate, beta1, beta2, epsilon)`. */
export const adamax = (options?: AdamaxOptions | number | Schedule, ...rest: (number | undefined)[]): Adamax =>
  new Adamax(positional('optimizers.adamax', options, rest, ['beta1', 'beta2', 'epsilon']));
/** Nadam (Keras' rule and defaults). Positional: `(learningRate, beta1, beta2, epsilon)`. */
export const nadam = (options?: AdamaxOptions | number | Schedule, ...rest: (number | undefined)[]): Nadam =>
  new Nadam(positional('optimizers.nadam', options, rest, ['beta1', 'beta2', 'epsilon']));

/** Optimizers by name (any capitalization): `'adam'`, `'Adam'`, `'RMSprop'`, ... */
const BY_NAME = new NameTable<() => Optimizer>([
  ['sgd', () => sgd()],
  ['momentum', () => momentum()],
  ['rmsprop', () => rmsprop()],
  ['adam', () => adam()],
  ['adamw', () => adamw()],
  ['adagrad', () => adagrad()],
  ['adamax', () => adamax()],
  ['nadam', () => nadam()],
]);

/** Rebuilds an optimizer from model.json. */
export function optimizerFromConfig(c: OptimizerConfig): Optimizer {
  const o = c.config as Record<string, never>;
  switch (c.className) {
    case 'SGD':
      return sgd(o);
    case 'Momentum':
      return momentum(o);
    case 'RMSprop':
      return rmsprop(o);
    case 'Adam':
      return adam(o);
    case 'AdamW':
      return adamw(o);
    case 'Adagrad':
      return adagrad(o);
    case 'Adamax':
      return adamax(o);
    case 'Nadam':
      return nadam(o);
    default:
      throw new RangeError(`unknown optimizer class ${describe(c.className)}`);
  }
}

/** Resolves an optimizer given by name ('adam', 'Adam', 'sgd', ...) or as an object. */
export function getOptimizer(where: string, value: unknown): Optimizer {
  if (value instanceof Optimizer) return value;
  const hit = BY_NAME.get(value);
  if (hit) return hit.value();
  throw new (typeof value === 'string' ? RangeError : TypeError)(
    `${where}: optimizer must be one of ${BY_NAME.names.map((n) => `'${n}'`).join(', ')} or a knobs.optimizers object, got ${describe(value)}`,
  );
}
