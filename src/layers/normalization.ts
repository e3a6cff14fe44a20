/**
 * Input standardization as a layer (Keras' `Normalization`): `(x - mean) / sqrt(variance)`
 * per feature, with the mean and variance adapted on the training set only and saved with the
 * model, so `evaluate` and `predict` apply exactly the transform that training saw.
 *
 * `fit` adapts a normalization layer that has not been adapted yet on its training data (never
 * on validation data); `model.adapt(x)` or `layer.adapt(x)` does it explicitly. A feature with
 * zero variance in the training set is divided by 1 instead of 0 (as scikit-learn's
 * StandardScaler), so a constant border pixel stays finite on new data.
 * @module
 */
import { f32_bn_normalize } from '../engine/kernels/f32_batchnorm';
import { f32_fill } from '../engine/kernels/f32_elementwise';
import { ShapeError, describe } from '../errors';
import { initializers } from '../initializers';
import { checkKnownOptions } from '../util/options';
import { Layer, at, type LayerScratch, type StepContext, type WeightSpec } from './layer';

/** Options of {@link normalization}. */
export interface NormalizationOptions {
  /** Known statistics (per feature) instead of adapting. */
  mean?: number[] | Float32Array;
  variance?: number[] | Float32Array;
  name?: string;
  /** Default true; false freezes the layer's weights (see Layer.trainable). */
  trainable?: boolean;
  inputShape?: number[];
}

/** The mean and variance of each column of a row-major matrix, in float64; zero variances become 1. */
export function featureMoments(x: Float32Array, features: number): { mean: Float32Array; variance: Float32Array } {
  if (features <= 0 || x.length % features !== 0) throw new ShapeError(`adapt: ${x.length} values are not rows of ${features} features`);
  const rows = x.length / features;
  if (rows === 0) throw new RangeError('adapt: needs at least one example');
  const sum = new Float64Array(features),
    sq = new Float64Array(features);
  for (let r = 0; r < rows; r++) for (let j = 0; j < features; j++) sum[j] += x[r * features + j]!;
  const mean = new Float64Array(features);
  for (let j = 0; j < features; j++) mean[j] = sum[j]! / rows;
  for (let r = 0; r < rows; r++)
    for (let j = 0; j < features; j++) {
      const d = x[r * features + j]! - mean[j]!;
      sq[j] += d * d;
    }
  const variance = new Float32Array(features);
  for (let j = 0; j < features; j++) {
    const v = sq[j]! / rows;
    variance[j] = v > 0 ? v : 1;
  }
  return { mean: Float32Array.from(mean), variance };
}

export class Normalization extends Layer {
  readonly className = 'Normalization';
  readonly inputShape: number[] | undefined;
  /** Statistics waiting for the model to place them (given as options or adapted before building). */
  pending: { mean: Float32Array; variance: Float32Array } | undefined;
  /** True once statistics were given or adapted. */
  adapted = false;
  /** Set by the model: writes this layer's weights into the model's buffers. */
  writer: ((layer: Layer, weights: Float32Array[]) => void) | undefined;

  constructor(options: NormalizationOptions = {}) {
    super(options);
    checkKnownOptions('layers.normalization', options, ['mean', 'variance', 'name', 'inputShape', 'trainable']);
    this.inputShape = options.inputShape;
    if ((options.mean === undefined) !== (options.variance === undefined)) {
      throw new TypeError('layers.normalization: give both mean and variance, or neither (and adapt on the training data)');
    }
    if (options.mean && options.variance) {
      if (options.mean.length !== options.variance.length) {
        throw new ShapeError(`layers.normalization: mean has ${options.mean.length} values but variance has ${options.variance.length}`);
      }
      const variance = Float32Array.from(options.variance, (v) => {
        if (!(v >= 0)) throw new RangeError(`layers.normalization: variance must be >= 0, got ${describe(v)}`);
        return v > 0 ? v : 1;
      });
      this.pending = { mean: Float32Array.from(options.mean), variance };
      this.adapted = true;
    }
  }

  build(inputShape: number[]): void {
    this.inputSize = this.outputSize = inputShape.reduce((a, b) => a * b, 1);
    this.outputShape = inputShape.slice();
    if (this.pending && this.pending.mean.length !== this.inputSize) {
      throw new ShapeError(`layers.normalization (${this.name}): statistics for ${this.pending.mean.length} features, input has ${this.inputSize}`);
    }
  }

  override weightSpecs(): WeightSpec[] {
    const c = this.outputSize;
    return [
      { name: 'mean', shape: [c], trainable: false, initializer: initializers.zeros(), fanIn: c, fanOut: c },
      { name: 'variance', shape: [c], trainable: false, initializer: initializers.ones(), fanIn: c, fanOut: c },
    ];
  }

  /** Computes the statistics on training data (rows of inputSize features). */
  adapt(x: Float32Array): void {
    if (!(x instanceof Float32Array)) throw new TypeError(`Normalization.adapt: x must be a Float32Array, got ${describe(x)}`);
    const features = this.inputSize || (this.inputShape ? this.inputShape.reduce((a, b) => a * b, 1) : 0);
    if (!features) throw new Error('Normalization.adapt: the input size is unknown; add the layer to a model first or give inputShape');
    const { mean, variance } = featureMoments(x, features);
    this.adapted = true;
    if (this.writer && this.offsets.length) this.writer(this, [mean, variance]);
    else this.pending = { mean, variance };
  }

  override scratchSpec(rowsCap: number): { out: number; extra: Record<string, number> } {
    const c = this.outputSize;
    return { out: rowsCap * c, extra: { ones: c, zeros: c } };
  }

  initScratch(ctx: { e: StepContext['e'] }, sc: LayerScratch): void {
    f32_fill(ctx.e, sc.extra.ones!, this.outputSize, 1);
  }

  forward(ctx: StepContext, sc: LayerScratch, input: number): number {
    f32_bn_normalize(
      ctx.e,
      input,
      sc.out,
      ctx.rows,
      this.outputSize,
      at(ctx.state, this.offsets[0]!),
      at(ctx.state, this.offsets[1]!),
      sc.extra.ones!,
      sc.extra.zeros!,
      0,
    );
    return sc.out;
  }

  backward(ctx: StepContext, sc: LayerScratch, _input: number, _output: number, dOut: number, dIn: number): number {
    if (!dIn) return 0;
    // d(input) = dOut / sqrt(variance): the same per-column affine kernel with mean 0, gamma 1, beta 0
    f32_bn_normalize(ctx.e, dOut, dIn, ctx.rows, this.outputSize, sc.extra.zeros!, at(ctx.state, this.offsets[1]!), sc.extra.ones!, sc.extra.zeros!, 0);
    return dIn;
  }

  getConfig(): Record<string, unknown> {
    return { name: this.name, ...(this.inputShape ? { inputShape: this.inputShape } : {}) };
  }
}

/**
 * Standardizes the input with statistics adapted on the training set only.
 * @example
 * ```ts
 * const model = knobs.sequential({ inputShape: [4], layers: [
 *   knobs.layers.normalization(), knobs.layers.dense({ units: 3, activation: 'softmax' })] });
 * // fit() adapts it on x (train only); or: model.adapt(xTrain)
 * ```
 */
export function normalization(options: NormalizationOptions = {}): Normalization {
  return new Normalization(options);
}
