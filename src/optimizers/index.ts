/**
 * `knobs.optimizers`. The update rules are PyTorch's (documented on each), so trajectories can be
 * compared with a reference implementation; the default hyperparameters are the usual ones.
 * Every optimizer takes `learningRate` as a number or as a schedule (`knobs.schedules`).
 * @module
 */
import type { Engine } from '../engine/engine';
import { f32_adam, f32_rmsprop, f32_sgd, f32_sgd_momentum } from '../engine/kernels/f32_optimizer';
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

/** Mini-batch SGD (with optional momentum/Nesterov, PyTorch's form). */
export const sgd = (options: SgdOptions = {}): Sgd => new Sgd(options);
/** The lecture's momentum: `v = beta v + (1 - beta) g`, `p -= lr v`. */
export const momentum = (options: MomentumOptions = {}): Momentum => new Momentum(options);
/** RMSprop. */
export const rmsprop = (options: RmspropOptions = {}): Rmsprop => new Rmsprop(options);
/** Adam with coupled L2 (`weightDecay`). */
export const adam = (options: AdamOptions = {}): Adam => new Adam(options, false);
/** AdamW: Adam with decoupled weight decay. */
export const adamw = (options: AdamOptions = {}): Adam => new Adam(options, true);

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
    default:
      throw new RangeError(`unknown optimizer class ${describe(c.className)}`);
  }
}

/** Resolves an optimizer given by name ('adam', 'sgd', ...) or as an object. */
export function getOptimizer(where: string, value: unknown): Optimizer {
  if (value instanceof Optimizer) return value;
  if (typeof value === 'string') {
    const make = ({ sgd, momentum, rmsprop, adam, adamw } as Record<string, () => Optimizer>)[value];
    if (make) return make();
  }
  throw new TypeError(`${where}: optimizer must be one of 'sgd', 'momentum', 'rmsprop', 'adam', 'adamw' or a knobs.optimizers object, got ${describe(value)}`);
}
