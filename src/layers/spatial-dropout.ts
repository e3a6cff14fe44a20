/**
 * Spatial dropout of images [height, width, channels] (Keras `SpatialDropout2D`, channels
 * last): during training each channel of each example is dropped as a whole with probability
 * `rate` and the kept channels are scaled by 1 / (1 - rate). Neighbouring pixels of a feature
 * map are strongly correlated, so dropping single pixels (plain dropout) barely regularizes a
 * conv net; dropping whole maps does. Masks are keyed by (seed, step, example, channel), as
 * dropout's, so they do not depend on which worker runs which rows, and backward regenerates
 * them. Inference passes the input through.
 * @module
 */
import { f32_spatial_dropout_backward, f32_spatial_dropout_forward } from '../engine/kernels/f32_dropout';
import { describe } from '../errors';
import { deriveSeed } from '../util/random';
import { checkKnownOptions, numberInRange } from '../util/options';
import { checkDataFormat, imageShape, layerLabel, optionalInputShape } from './image';
import { Layer, type LayerScratch, type StepContext } from './layer';

/** Options of {@link spatialDropout2d}. */
export interface SpatialDropout2DOptions {
  /** Fraction of channels dropped, in [0, 1). */
  rate: number;
  /** Seed of this layer's masks; default derived from the model's seed and the layer's position. */
  seed?: number;
  dataFormat?: 'channelsLast';
  inputShape?: number[];
  name?: string;
  /** Default true; false freezes the layer's weights (see Layer.trainable). */
  trainable?: boolean;
}

/** Keras `SpatialDropout2D`: whole channels dropped in training; made by {@link spatialDropout2d}. */
export class SpatialDropout2D extends Layer {
  readonly className = 'SpatialDropout2D';
  readonly rate: number;
  readonly seed: number | undefined;
  readonly inputShape: number[] | undefined;
  private pixels = 0;
  private channels = 0;

  constructor(options: SpatialDropout2DOptions) {
    super(options);
    const W = layerLabel('spatialDropout2d', options?.name);
    if (options === null || typeof options !== 'object') throw new TypeError(`${W}: options {rate} are required, got ${describe(options)}`);
    checkKnownOptions(W, options, ['rate', 'seed', 'dataFormat', 'inputShape', 'name', 'trainable']);
    this.rate = numberInRange(W, 'rate', options.rate, 0, 1, false, true);
    if (options.seed !== undefined && !(Number.isInteger(options.seed) && options.seed >= 0 && options.seed < 2 ** 32)) {
      throw new RangeError(`${W}: seed must be an integer in [0, 2^32), got ${describe(options.seed)}`);
    }
    this.seed = options.seed;
    checkDataFormat(W, options.dataFormat);
    this.inputShape = optionalInputShape(W, options.inputShape);
  }

  build(inputShape: number[]): void {
    const [h, w, c] = imageShape(layerLabel('spatialDropout2d', this.name), inputShape);
    this.pixels = h * w;
    this.channels = c;
    this.inputSize = this.outputSize = h * w * c;
    this.outputShape = inputShape.slice();
  }

  override scratchSpec(rowsCap: number): { out: number; extra: Record<string, number> } {
    return { out: rowsCap * this.outputSize, extra: {} };
  }

  private maskSeed(ctx: StepContext): number {
    // a stream apart from dropout's (0x0d0), so the two layer kinds never share masks
    // a shared layer's nodes draw masks of their own (in a graph without shared layers node i is
    // layer i, so those masks are the ones keyed by the layer's position)
    const node = ctx.node ?? this.index;
    if (this.seed === undefined) return deriveSeed(ctx.seed, 0x5d0, node);
    return node === this.index ? this.seed : deriveSeed(this.seed, 0x5d0, node);
  }

  forward(ctx: StepContext, sc: LayerScratch, input: number): number {
    if (!ctx.training || this.rate === 0) return input;
    f32_spatial_dropout_forward(ctx.e, input, sc.out, ctx.rows, this.pixels, this.channels, this.rate, this.maskSeed(ctx), ctx.step, ctx.rowOffset);
    return sc.out;
  }

  /** The input gradient is the output gradient, changed in place. */
  override gradientInPlace(): boolean {
    return true;
  }

  backward(ctx: StepContext, _sc: LayerScratch, _input: number, _output: number, dOut: number, _dIn: number): number {
    if (this.rate === 0) return dOut;
    f32_spatial_dropout_backward(ctx.e, dOut, dOut, ctx.rows, this.pixels, this.channels, this.rate, this.maskSeed(ctx), ctx.step, ctx.rowOffset);
    return dOut;
  }

  getConfig(): Record<string, unknown> {
    return {
      name: this.name,
      rate: this.rate,
      ...(this.seed !== undefined ? { seed: this.seed } : {}),
      dataFormat: 'channelsLast',
      ...(this.inputShape ? { inputShape: this.inputShape } : {}),
    };
  }
}

/**
 * `knobs.layers.spatialDropout2d({ rate })`: drops whole feature maps during training.
 *
 * @example
 * ```ts
 * knobs.layers.spatialDropout2d({ rate: 0.2 }); // after a conv layer: [h, w, c] -> [h, w, c]
 * ```
 */
export function spatialDropout2d(options: SpatialDropout2DOptions): SpatialDropout2D {
  return new SpatialDropout2D(options);
}
