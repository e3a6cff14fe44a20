/**
 * The base of every optimizer: one kernel call over one flat parameter buffer per step.
 *
 * A model lays out all its trainable weights in one buffer and its gradients in another, and
 * the optimizer's state (Adam's m and v, ...) in buffers of the same size, so one step is one
 * kernel call however many layers the model has. `apply` does the same on a user's own arrays.
 * @module
 */
import { engine, type Engine } from '../engine/engine';
import { ShapeError, describe } from '../errors';
import type { Schedule } from '../schedules';

/** Serializable description of an optimizer, as saved in model.json. */
export interface OptimizerConfig {
  className: string;
  config: Record<string, number | boolean>;
}

export abstract class Optimizer {
  /** The optimizer's class, e.g. `Adam`. */
  abstract readonly className: string;
  /** Names of the state buffers, each the size of the parameters (e.g. ['m', 'v']). */
  abstract readonly slotNames: readonly string[];
  /** Learning rate used by the next step (callbacks and schedules change it). */
  learningRate: number;
  /** When the learning rate was given as a schedule: epoch -> learning rate. */
  readonly schedule: Schedule | undefined;
  /** Steps taken so far (Adam's bias correction counts them); saved with the model. */
  iterations = 0;

  private own: { n: number; sizes: number[]; p: number; g: number; slots: number[]; e: Engine } | undefined;

  constructor(where: string, learningRate: number | Schedule, fallback: number) {
    if (typeof learningRate === 'function') {
      this.schedule = learningRate;
      this.learningRate = learningRate(0);
    } else {
      this.schedule = undefined;
      this.learningRate = learningRate ?? fallback;
    }
    if (typeof this.learningRate !== 'number' || !(this.learningRate >= 0) || !Number.isFinite(this.learningRate)) {
      throw new RangeError(`${where}: learningRate must be a non-negative number or a schedule, got ${describe(this.learningRate)}`);
    }
  }

  /**
   * One step over n floats: p (parameters), g (gradients, not modified), and one buffer per
   * slot name. `t` is the 1-based step number. The new parameters and slots go `out` bytes
   * further (0: in place; see assembly/kernels/f32_optimizer.ts).
   * @internal
   */
  abstract step(e: Engine, p: number, g: number, slots: number[], n: number, t: number, lr: number, out?: number): void;

  /** The hyperparameters, for model.json. */
  abstract getConfig(): OptimizerConfig;

  /**
   * One optimizer step on the caller's own arrays, in place: `params[i] -= update(grads[i])`.
   * The state (momentum, Adam's moments) is kept between calls; the list's shapes must stay
   * the same.
   * @example
   * ```ts
   * const opt = knobs.optimizers.adam({ learningRate: 0.01 });
   * const w = new Float32Array([1, -2]);
   * opt.apply([w], [new Float32Array([0.5, 0.5])]); // w moves against the gradient
   * ```
   */
  apply(params: Float32Array[], grads: Float32Array[]): void {
    const W = `${this.className}.apply`;
    if (!Array.isArray(params) || !Array.isArray(grads)) throw new TypeError(`${W}: params and grads must be arrays of Float32Array`);
    if (params.length !== grads.length) throw new ShapeError(`${W}: ${params.length} parameter arrays but ${grads.length} gradient arrays`);
    const sizes = params.map((p, i) => {
      if (!(p instanceof Float32Array)) throw new TypeError(`${W}: params[${i}] must be a Float32Array, got ${describe(p)}`);
      const g = grads[i];
      if (!(g instanceof Float32Array)) throw new TypeError(`${W}: grads[${i}] must be a Float32Array, got ${describe(g)}`);
      if (g.length !== p.length) throw new ShapeError(`${W}: params[${i}] has ${p.length} values but grads[${i}] has ${g.length}`);
      return p.length;
    });
    const n = sizes.reduce((a, b) => a + b, 0);
    if (this.own && (this.own.sizes.length !== sizes.length || this.own.sizes.some((s, i) => s !== sizes[i]))) {
      throw new ShapeError(
        `${W}: the arrays changed shape since the first call ([${this.own.sizes.join(', ')}] then [${sizes.join(', ')}]); use a new optimizer`,
      );
    }
    if (!this.own) {
      const e = engine();
      this.own = { n, sizes, e, p: e.allocF32(n), g: e.allocF32(n), slots: this.slotNames.map(() => e.allocF32(n)) };
    }
    const { e, p, g, slots } = this.own;
    let o = 0;
    for (let i = 0; i < params.length; i++) {
      e.f32.set(params[i]!, (p >> 2) + o);
      e.f32.set(grads[i]!, (g >> 2) + o);
      o += sizes[i]!;
    }
    this.iterations++;
    this.step(e, p, g, slots, n, this.iterations, this.learningRate);
    o = 0;
    const f32 = e.f32;
    for (let i = 0; i < params.length; i++) {
      params[i]!.set(f32.subarray((p >> 2) + o, (p >> 2) + o + sizes[i]!));
      o += sizes[i]!;
    }
  }
}
