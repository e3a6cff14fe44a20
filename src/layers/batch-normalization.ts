/**
 * Batch normalization (Keras conventions and defaults: momentum 0.99, epsilon 1e-3, center
 * and scale on; the biased batch variance both normalizes and updates the moving variance).
 *
 * Training mode normalizes with the statistics of the whole mini-batch. When the batch is split
 * across workers, each shard computes the mean and M2 of its rows, and every shard merges all
 * shards' statistics in shard order (Chan et al.), so the result is the whole batch's statistics
 * whatever the split, up to rounding. The backward sums are merged the same way.
 * Inference mode uses the moving statistics.
 *
 * Keras normalizes over the last axis (axis -1). A flat input [features] gets one mean and
 * variance per feature over the batch; an image [height, width, channels] (NHWC) gets one per
 * channel over the batch and all pixels. In NHWC a shard of `rows` images is a
 * (rows x height x width) x channels matrix, one pixel per row, so the per-column kernels do
 * both: they just see height x width times as many rows, and the merge weighs each shard by its
 * pixel count.
 * @module
 */
import { f32_bn_backward, f32_bn_backward_sums, f32_bn_merge, f32_bn_moments, f32_bn_normalize, f32_bn_update_moving } from '../engine/kernels/f32_batchnorm';
import { f32_add, f32_fill, f32_scale } from '../engine/kernels/f32_elementwise';
import { describe } from '../errors';
import { getInitializer, type Initializer, type InitializerName } from '../initializers';
import { getRegularizer, type Regularizer } from '../regularizers';
import { bool, checkKnownOptions, numberInRange } from '../util/options';
import { Layer, at, type LayerScratch, type StepContext, type WeightSpec } from './layer';

/** Options of {@link batchNormalization}. */
export interface BatchNormalizationOptions {
  /** Weight of the old value in the moving statistics. Default 0.99. */
  momentum?: number;
  /** Added to the variance. Default 1e-3. */
  epsilon?: number;
  /** Learn an offset beta. Default true. */
  center?: boolean;
  /** Learn a scale gamma. Default true. */
  scale?: boolean;
  betaInitializer?: InitializerName | Initializer;
  gammaInitializer?: InitializerName | Initializer;
  movingMeanInitializer?: InitializerName | Initializer;
  movingVarianceInitializer?: InitializerName | Initializer;
  betaRegularizer?: Regularizer;
  gammaRegularizer?: Regularizer;
  /**
   * The axis of the features: only the last one (Keras' default -1, channels last), given as
   * -1 or as its index counting the batch dimension (3 for images [h, w, c]).
   */
  axis?: number;
  name?: string;
  /** Default true; false freezes the layer's weights (see Layer.trainable). */
  trainable?: boolean;
}

const OPTIONS = [
  'momentum',
  'epsilon',
  'center',
  'scale',
  'betaInitializer',
  'gammaInitializer',
  'movingMeanInitializer',
  'movingVarianceInitializer',
  'betaRegularizer',
  'gammaRegularizer',
  'axis',
  'name',
  'trainable',
] as const;

export class BatchNormalization extends Layer {
  readonly className = 'BatchNormalization';
  readonly momentum: number;
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  /** The axis as given (undefined: the default -1). */
  readonly axis: number | undefined;
  private readonly inits: Record<'beta' | 'gamma' | 'movingMean' | 'movingVariance', Initializer>;
  private readonly regs: { beta?: Regularizer | undefined; gamma?: Regularizer | undefined };

  constructor(options: BatchNormalizationOptions = {}) {
    super(options);
    const W = 'layers.batchNormalization';
    checkKnownOptions(W, options, OPTIONS);
    this.momentum = numberInRange(W, 'momentum', options.momentum ?? 0.99, 0, 1);
    this.epsilon = numberInRange(W, 'epsilon', options.epsilon ?? 1e-3, 0, Infinity, true);
    this.center = bool(W, 'center', options.center ?? true);
    this.scale = bool(W, 'scale', options.scale ?? true);
    if (options.axis !== undefined && !Number.isInteger(options.axis)) throw new TypeError(`${W}: axis must be an integer, got ${describe(options.axis)}`);
    this.axis = options.axis;
    this.inits = {
      beta: getInitializer(`${W}: betaInitializer`, options.betaInitializer ?? 'zeros'),
      gamma: getInitializer(`${W}: gammaInitializer`, options.gammaInitializer ?? 'ones'),
      movingMean: getInitializer(`${W}: movingMeanInitializer`, options.movingMeanInitializer ?? 'zeros'),
      movingVariance: getInitializer(`${W}: movingVarianceInitializer`, options.movingVarianceInitializer ?? 'ones'),
    };
    this.regs = {
      beta: getRegularizer(`${W}: betaRegularizer`, options.betaRegularizer),
      gamma: getRegularizer(`${W}: gammaRegularizer`, options.gammaRegularizer),
    };
  }

  /** Features normalized (the last axis), and positions per example sharing their statistics. */
  private channels = 0;
  private positions = 1;

  build(inputShape: number[]): void {
    this.inputSize = this.outputSize = inputShape.reduce((a, b) => a * b, 1);
    this.outputShape = inputShape.slice();
    this.channels = inputShape[inputShape.length - 1]!;
    this.positions = this.outputSize / this.channels;
    if (this.axis !== undefined && this.axis !== -1 && this.axis !== inputShape.length) {
      throw new RangeError(
        `layers.batchNormalization (${this.name}): axis ${this.axis} is not the last axis of its input [batch, ${inputShape.join(', ')}]; ` +
          `knobs normalizes the last axis only (axis -1 or ${inputShape.length}, channels last)`,
      );
    }
  }

  override weightSpecs(): WeightSpec[] {
    const c = this.channels;
    const spec = (name: 'beta' | 'gamma' | 'movingMean' | 'movingVariance', trainable: boolean): WeightSpec => ({
      name,
      shape: [c],
      trainable,
      initializer: this.inits[name],
      regularizer: name === 'beta' || name === 'gamma' ? this.regs[name] : undefined,
      fanIn: c,
      fanOut: c,
    });
    const specs: WeightSpec[] = [];
    if (this.scale) specs.push(spec('gamma', true));
    if (this.center) specs.push(spec('beta', true));
    specs.push(spec('movingMean', false), spec('movingVariance', false));
    return specs;
  }

  /** Float offsets of gamma, beta, moving mean and moving variance (-1 when absent). */
  private where(): { gamma: number; beta: number; mean: number; variance: number } {
    let i = 0;
    const gamma = this.scale ? this.offsets[i++]! : -1;
    const beta = this.center ? this.offsets[i++]! : -1;
    return { gamma, beta, mean: this.offsets[i++]!, variance: this.offsets[i++]! };
  }

  /** The backward pass reads the input and the batch statistics, never the output. */
  override outputOverwritable(): boolean {
    return true;
  }

  override scratchSpec(rowsCap: number): { out: number; extra: Record<string, number> } {
    const c = this.channels;
    return {
      out: rowsCap * this.outputSize,
      // local moments, merged batch statistics, local and total backward sums, constant gamma/beta
      extra: { mean: c, m2: c, batchMean: c, batchVar: c, sumDy: c, sumDyXhat: c, totalDy: c, totalDyXhat: c, ones: c, zeros: c },
    };
  }

  /** Fills the constant buffers used when scale or center is off. */
  initScratch(ctx: { e: StepContext['e'] }, sc: LayerScratch): void {
    f32_fill(ctx.e, sc.extra.ones!, this.channels, 1);
  }

  forward(ctx: StepContext, sc: LayerScratch, input: number): number {
    const e = ctx.e,
      c = this.channels,
      rows = ctx.rows * this.positions,
      w = this.where(),
      x = sc.extra;
    const gamma = w.gamma >= 0 ? at(ctx.params, w.gamma) : x.ones!;
    const beta = w.beta >= 0 ? at(ctx.params, w.beta) : x.zeros!;
    // a frozen batch norm runs in inference mode even in training (Keras' rule since TF 2.0):
    // it normalizes with the moving statistics, which then stay as they are
    if (!ctx.training || this.frozen) {
      f32_bn_normalize(e, input, sc.out, rows, c, at(ctx.state, w.mean), at(ctx.state, w.variance), gamma, beta, this.epsilon);
      return sc.out;
    }
    f32_bn_moments(e, input, rows, c, x.mean!, x.m2!);
    if (ctx.shards > 1) ctx.barrier();
    // every shard merges all shards' moments in shard order, so all agree on the batch statistics
    const first = ctx.shards > 1 ? ctx.scratchOf(0, ctx.node ?? this.index).extra : x;
    e.u8.copyWithin(x.batchMean!, first.mean!, first.mean! + c * 4);
    e.u8.copyWithin(x.batchVar!, first.m2!, first.m2! + c * 4);
    let n = ctx.shardRows(0) * this.positions;
    for (let s = 1; s < ctx.shards; s++) {
      const o = ctx.scratchOf(s, ctx.node ?? this.index).extra;
      f32_bn_merge(e, x.batchMean!, x.batchVar!, n, o.mean!, o.m2!, ctx.shardRows(s) * this.positions, c);
      n += ctx.shardRows(s) * this.positions;
    }
    f32_scale(e, x.batchVar!, x.batchVar!, c, n > 0 ? 1 / n : 0); // M2 -> biased variance
    f32_bn_normalize(e, input, sc.out, rows, c, x.batchMean!, x.batchVar!, gamma, beta, this.epsilon);
    return sc.out;
  }

  /** Element by element: the input gradient is written over the output gradient (the kernels allow it). */
  override gradientInPlace(): boolean {
    return true;
  }

  backward(ctx: StepContext, sc: LayerScratch, input: number, _output: number, dOut: number, dIn: number): number {
    const e = ctx.e,
      c = this.channels,
      rows = ctx.rows * this.positions,
      w = this.where(),
      x = sc.extra;
    if (this.frozen) {
      // inference mode is a per-channel affine map: dIn = dOut * gamma / sqrt(movingVariance + epsilon),
      // which is the normalization kernel with zero mean and zero shift
      if (!dIn) return 0;
      const gamma = w.gamma >= 0 ? at(ctx.params, w.gamma) : x.ones!;
      f32_bn_normalize(e, dOut, dOut, rows, c, x.zeros!, at(ctx.state, w.variance), gamma, x.zeros!, this.epsilon);
      return dOut;
    }
    f32_bn_backward_sums(e, dOut, input, rows, c, x.batchMean!, x.batchVar!, this.epsilon, x.sumDy!, x.sumDyXhat!, false);
    // this shard's share of the gamma and beta gradients; the reduction over shards adds them up
    if (w.gamma >= 0) e.u8.copyWithin(at(ctx.grads, w.gamma), x.sumDyXhat!, x.sumDyXhat! + c * 4);
    if (w.beta >= 0) e.u8.copyWithin(at(ctx.grads, w.beta), x.sumDy!, x.sumDy! + c * 4);
    if (!dIn) return 0;
    let totalDy = x.sumDy!,
      totalDyXhat = x.sumDyXhat!;
    if (ctx.shards > 1) {
      ctx.barrier();
      totalDy = x.totalDy!;
      totalDyXhat = x.totalDyXhat!;
      const o0 = ctx.scratchOf(0, ctx.node ?? this.index).extra;
      e.u8.copyWithin(totalDy, o0.sumDy!, o0.sumDy! + c * 4);
      e.u8.copyWithin(totalDyXhat, o0.sumDyXhat!, o0.sumDyXhat! + c * 4);
      for (let s = 1; s < ctx.shards; s++) {
        const o = ctx.scratchOf(s, ctx.node ?? this.index).extra;
        f32_add(e, totalDy, o.sumDy!, totalDy, c);
        f32_add(e, totalDyXhat, o.sumDyXhat!, totalDyXhat, c);
      }
    }
    const gamma = w.gamma >= 0 ? at(ctx.params, w.gamma) : x.ones!;
    f32_bn_backward(e, dOut, input, dOut, rows, c, x.batchMean!, x.batchVar!, this.epsilon, gamma, totalDy, totalDyXhat, ctx.batchRows * this.positions);
    return dOut;
  }

  override updateState(ctx: StepContext, sc: LayerScratch): void {
    if (this.frozen) return;
    const w = this.where();
    f32_bn_update_moving(ctx.e, at(ctx.state, w.mean), at(ctx.state, w.variance), sc.extra.batchMean!, sc.extra.batchVar!, this.channels, this.momentum);
  }

  getConfig(): Record<string, unknown> {
    const init = (i: Initializer): Record<string, unknown> => ({ name: i.name, config: i.config });
    return {
      name: this.name,
      momentum: this.momentum,
      epsilon: this.epsilon,
      center: this.center,
      scale: this.scale,
      ...(this.axis !== undefined ? { axis: this.axis } : {}),
      betaInitializer: init(this.inits.beta),
      gammaInitializer: init(this.inits.gamma),
      movingMeanInitializer: init(this.inits.movingMean),
      movingVarianceInitializer: init(this.inits.movingVariance),
      ...(this.regs.beta ? { betaRegularizer: { ...this.regs.beta } } : {}),
      ...(this.regs.gamma ? { gammaRegularizer: { ...this.regs.gamma } } : {}),
    };
  }
}

/** `knobs.layers.batchNormalization()`, with Keras' defaults. */
export function batchNormalization(options: BatchNormalizationOptions = {}): BatchNormalization {
  return new BatchNormalization(options);
}
