/**
 * 2-D convolution over channels-last images, as Keras' Conv2D: the input of each example is
 * [height, width, channels] (stored row-major, one example per row of the batch), the kernel is
 * [kh, kw, inChannels, filters] (Keras and tfjs layout, so saved weights line up), the output
 * [outHeight, outWidth, filters]. The forward pass is one f32_conv2d_forward call with the bias
 * and the activation fused into the gemm's epilogue; the backward pass takes the activation's
 * derivative from the output, as dense does.
 * @module
 */
import {
  conv2dColFloats,
  conv2dColRows,
  f32_conv2d_backward_filter,
  f32_conv2d_backward_input,
  f32_conv2d_forward,
  type ConvGeometry,
} from '../engine/kernels/f32_conv2d';
import { getInitializer, type Initializer, type InitializerName } from '../initializers';
import { getRegularizer, type Regularizer } from '../regularizers';
import { bool, checkKnownOptions, positiveInt } from '../util/options';
import { ActivationEpilogue, checkActivation, type LayerActivation } from './activations';
import { buildGeometry, checkDataFormat, layerLabel, padding, size2, spatialConfig, type Size2, type Spatial } from './conv-utils';
import { Layer, at, type LayerScratch, type StepContext, type WeightSpec } from './layer';

/** Options of {@link conv2d}. */
export interface Conv2DOptions {
  /** Number of output channels. */
  filters: number;
  /** Filter height and width (one number for both). */
  kernelSize: Size2;
  /** Default 1. */
  strides?: Size2;
  /** Default 'valid' (no padding); 'same' pads so that the output is ceil(input / stride), the extra row and column at the bottom and right (as TensorFlow). */
  padding?: 'valid' | 'same';
  /** Only 'channelsLast' (the default): images are [height, width, channels]. */
  dataFormat?: 'channelsLast';
  /** Default 1. */
  dilationRate?: Size2;
  /** Default 'linear'. */
  activation?: LayerActivation;
  /** Slope of leakyRelu (default 0.3) or scale of elu (default 1). */
  activationAlpha?: number;
  /** Default true. */
  useBias?: boolean;
  /** Default 'glorotUniform', with Keras' fans: kh * kw * inChannels and kh * kw * filters. */
  kernelInitializer?: InitializerName | Initializer;
  /** Default 'zeros'. */
  biasInitializer?: InitializerName | Initializer;
  kernelRegularizer?: Regularizer;
  biasRegularizer?: Regularizer;
  name?: string;
  /** Default true; false freezes the layer's weights (see Layer.trainable). */
  trainable?: boolean;
  /** Input shape [height, width, channels] when this is the first layer. */
  inputShape?: number[];
}

const CONV2D_OPTIONS = [
  'filters',
  'kernelSize',
  'strides',
  'padding',
  'dataFormat',
  'dilationRate',
  'activation',
  'activationAlpha',
  'useBias',
  'kernelInitializer',
  'biasInitializer',
  'kernelRegularizer',
  'biasRegularizer',
  'name',
  'inputShape',
  'trainable',
] as const;

/** Parses the spatial options of a convolution layer. @internal */
export function spatialOptions(
  W: string,
  o: { kernelSize?: unknown; strides?: unknown; dilationRate?: unknown; padding?: unknown; dataFormat?: unknown },
): Spatial {
  checkDataFormat(W, o.dataFormat);
  return {
    kernelSize: size2(W, 'kernelSize', o.kernelSize),
    strides: size2(W, 'strides', o.strides ?? 1),
    dilationRate: size2(W, 'dilationRate', o.dilationRate ?? 1),
    padding: padding(W, o.padding),
  };
}

export class Conv2D extends Layer {
  readonly className = 'Conv2D';
  readonly filters: number;
  readonly spatial: Spatial;
  readonly activation: LayerActivation;
  readonly activationAlpha: number | undefined;
  private readonly act: ActivationEpilogue;
  readonly useBias: boolean;
  readonly kernelInitializer: Initializer;
  readonly biasInitializer: Initializer;
  readonly kernelRegularizer: Regularizer | undefined;
  readonly biasRegularizer: Regularizer | undefined;
  readonly inputShape: number[] | undefined;
  /** Geometry for one example (set by build). */
  private geo: ConvGeometry | undefined;

  constructor(options: Conv2DOptions) {
    super(options);
    const W = layerLabel('layers.conv2d', options?.name ?? '');
    if (options === null || typeof options !== 'object') throw new TypeError(`${W}: options {filters, kernelSize} are required`);
    checkKnownOptions(W, options, CONV2D_OPTIONS);
    this.filters = positiveInt(W, 'filters', options.filters);
    this.spatial = spatialOptions(W, options);
    this.activation = checkActivation(W, options.activation ?? 'linear');
    this.activationAlpha = options.activationAlpha;
    this.act = new ActivationEpilogue(this.activation, this.activationAlpha, 5);
    this.useBias = bool(W, 'useBias', options.useBias ?? true);
    this.kernelInitializer = getInitializer(`${W}: kernelInitializer`, options.kernelInitializer ?? 'glorotUniform');
    this.biasInitializer = getInitializer(`${W}: biasInitializer`, options.biasInitializer ?? 'zeros');
    this.kernelRegularizer = getRegularizer(`${W}: kernelRegularizer`, options.kernelRegularizer);
    this.biasRegularizer = getRegularizer(`${W}: biasRegularizer`, options.biasRegularizer);
    this.inputShape = options.inputShape;
  }

  build(inputShape: number[]): void {
    const g = buildGeometry(layerLabel('layers.conv2d', this.name), inputShape, this.spatial, this.filters);
    this.geo = g;
    this.inputSize = g.h * g.w * g.c;
    this.outputSize = g.oh * g.ow * g.oc;
    this.outputShape = [g.oh, g.ow, g.oc];
  }

  private get g(): ConvGeometry {
    if (!this.geo) throw new Error(`layers.conv2d (${this.name}): the layer is not built; add it to a model first`);
    return this.geo;
  }

  override weightSpecs(): WeightSpec[] {
    const { kh, kw, c, oc } = this.g;
    const fanIn = kh * kw * c,
      fanOut = kh * kw * oc;
    const specs: WeightSpec[] = [
      { name: 'kernel', shape: [kh, kw, c, oc], trainable: true, initializer: this.kernelInitializer, regularizer: this.kernelRegularizer, fanIn, fanOut },
    ];
    if (this.useBias)
      specs.push({ name: 'bias', shape: [oc], trainable: true, initializer: this.biasInitializer, regularizer: this.biasRegularizer, fanIn, fanOut });
    return specs;
  }

  /** Each weight is used once per output pixel. */
  override flopsPerExample(): number {
    const g = this.g;
    return 6 * g.oh * g.ow * g.kh * g.kw * g.c * g.oc;
  }

  override scratchSpec(rowsCap: number, training = true): { out: number; extra: Record<string, number> } {
    const g = this.g;
    const col = conv2dColFloats(g, conv2dColRows(g, rowsCap * g.oh * g.ow));
    return { out: rowsCap * this.outputSize, extra: { ...(col > 0 ? { col } : {}), ...this.act.scratch(rowsCap * this.outputSize, training) } };
  }

  /** The backward pass reads the input, and the output only for the activation's derivative. */
  override outputOverwritable(): boolean {
    return !this.act.readsOutput;
  }

  /** The batch geometry and the im2col buffer for ctx.rows examples (a chunk no larger than scratchSpec's). */
  private work(ctx: StepContext, sc: LayerScratch): { g: ConvGeometry; col: number; colRows: number; ws: number } {
    const g = { ...this.g, n: ctx.rows };
    return { g, col: sc.extra['col'] ?? 0, colRows: conv2dColRows(g, ctx.rows * g.oh * g.ow), ws: ctx.gemmWs };
  }

  forward(ctx: StepContext, sc: LayerScratch, input: number): number {
    const wk = this.work(ctx, sc);
    const bias = this.useBias ? at(ctx.params, this.offsets[1]!) : 0;
    const { dst, kind } = this.act.target(ctx.training, sc);
    f32_conv2d_forward(ctx.e, wk.g, input, at(ctx.params, this.offsets[0]!), bias, dst, kind, this.act.alpha, wk);
    this.act.finish(ctx.e, ctx.training, sc, dst, ctx.rows * wk.g.oh * wk.g.ow, wk.g.oc);
    return sc.out;
  }

  backward(ctx: StepContext, sc: LayerScratch, input: number, output: number, dOut: number, dIn: number): number {
    const e = ctx.e;
    const wk = this.work(ctx, sc);
    const pixels = ctx.rows * wk.g.oh * wk.g.ow;
    this.act.backward(e, sc, output, dOut, pixels, wk.g.oc);
    const dBias = this.useBias ? at(ctx.grads, this.offsets[1]!) : 0;
    // a frozen layer's weight gradients are never used: only the input gradient is computed
    if (!this.frozen) f32_conv2d_backward_filter(e, wk.g, input, dOut, at(ctx.grads, this.offsets[0]!), dBias, wk);
    if (dIn) f32_conv2d_backward_input(e, wk.g, dOut, at(ctx.params, this.offsets[0]!), dIn, wk);
    return dIn;
  }

  getConfig(): Record<string, unknown> {
    return {
      name: this.name,
      filters: this.filters,
      ...spatialConfig(this.spatial),
      activation: this.activation,
      ...(this.activationAlpha !== undefined ? { activationAlpha: this.activationAlpha } : {}),
      useBias: this.useBias,
      kernelInitializer: { name: this.kernelInitializer.name, config: this.kernelInitializer.config },
      biasInitializer: { name: this.biasInitializer.name, config: this.biasInitializer.config },
      ...(this.kernelRegularizer ? { kernelRegularizer: { ...this.kernelRegularizer } } : {}),
      ...(this.biasRegularizer ? { biasRegularizer: { ...this.biasRegularizer } } : {}),
      ...(this.inputShape ? { inputShape: this.inputShape } : {}),
    };
  }
}

/**
 * A 2-D convolution over channels-last images (Keras' Conv2D).
 * @example
 * ```ts
 * const model = knobs.sequential({ inputShape: [28, 28, 1], layers: [
 *   knobs.layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu' }),
 *   knobs.layers.flatten(),
 *   knobs.layers.dense({ units: 10, activation: 'softmax' }),
 * ]});
 * ```
 */
export function conv2d(options: Conv2DOptions): Conv2D {
  return new Conv2D(options);
}
