/**
 * Depthwise 2-D convolution, as Keras' DepthwiseConv2D: each input channel is convolved with its
 * own `depthMultiplier` filters (kernel [kh, kw, inChannels, depthMultiplier], tfjs' weight name
 * `depthwise_kernel`), giving inChannels * depthMultiplier output channels, output channel
 * c * depthMultiplier + m for filter m of channel c. Bias and activation are fused into the
 * kernel's store.
 * @module
 */
import type { ConvGeometry } from '../engine/kernels/f32_conv2d';
import {
  f32_depthwise_conv2d_backward_filter,
  f32_depthwise_conv2d_backward_input,
  f32_depthwise_conv2d_forward,
} from '../engine/kernels/f32_depthwise_conv2d';
import { getInitializer, type Initializer, type InitializerName } from '../initializers';
import { getRegularizer, type Regularizer } from '../regularizers';
import { bool, checkKnownOptions, positiveInt } from '../util/options';
import { ActivationEpilogue, checkActivation, type LayerActivation } from './activations';
import { buildGeometry, layerLabel, spatialConfig, type Size2, type Spatial } from './conv-utils';
import { spatialOptions } from './conv2d';
import { Layer, at, type LayerScratch, type StepContext, type WeightSpec } from './layer';

/** Options of {@link depthwiseConv2d}. */
export interface DepthwiseConv2DOptions {
  /** Filter height and width (one number for both). */
  kernelSize: Size2;
  /** Filters per input channel. Default 1. */
  depthMultiplier?: number;
  /** Default 1. */
  strides?: Size2;
  /** Default 'valid'. */
  padding?: 'valid' | 'same';
  /** Only 'channelsLast' (the default): images are [height, width, channels]. */
  dataFormat?: 'channelsLast';
  /** Default 1. */
  dilationRate?: Size2;
  /** Default 'linear'. */
  activation?: LayerActivation;
  activationAlpha?: number;
  /** Default true. */
  useBias?: boolean;
  /** Default 'glorotUniform', with Keras' fans: kh * kw * inChannels and kh * kw * depthMultiplier. */
  depthwiseInitializer?: InitializerName | Initializer;
  /** Default 'zeros'. */
  biasInitializer?: InitializerName | Initializer;
  depthwiseRegularizer?: Regularizer;
  biasRegularizer?: Regularizer;
  name?: string;
  /** Default true; false freezes the layer's weights (see Layer.trainable). */
  trainable?: boolean;
  /** Input shape [height, width, channels] when this is the first layer. */
  inputShape?: number[];
}

const DEPTHWISE_OPTIONS = [
  'kernelSize',
  'depthMultiplier',
  'strides',
  'padding',
  'dataFormat',
  'dilationRate',
  'activation',
  'activationAlpha',
  'useBias',
  'depthwiseInitializer',
  'biasInitializer',
  'depthwiseRegularizer',
  'biasRegularizer',
  'name',
  'inputShape',
  'trainable',
] as const;

export class DepthwiseConv2D extends Layer {
  readonly className = 'DepthwiseConv2D';
  readonly depthMultiplier: number;
  readonly spatial: Spatial;
  readonly activation: LayerActivation;
  readonly activationAlpha: number | undefined;
  private readonly act: ActivationEpilogue;
  readonly useBias: boolean;
  readonly depthwiseInitializer: Initializer;
  readonly biasInitializer: Initializer;
  readonly depthwiseRegularizer: Regularizer | undefined;
  readonly biasRegularizer: Regularizer | undefined;
  readonly inputShape: number[] | undefined;
  private geo: ConvGeometry | undefined;

  constructor(options: DepthwiseConv2DOptions) {
    super(options);
    const W = layerLabel('layers.depthwiseConv2d', options?.name ?? '');
    if (options === null || typeof options !== 'object') throw new TypeError(`${W}: options {kernelSize} are required`);
    checkKnownOptions(W, options, DEPTHWISE_OPTIONS);
    this.spatial = spatialOptions(W, options);
    this.depthMultiplier = positiveInt(W, 'depthMultiplier', options.depthMultiplier ?? 1);
    this.activation = checkActivation(W, options.activation ?? 'linear');
    this.activationAlpha = options.activationAlpha;
    this.act = new ActivationEpilogue(this.activation, this.activationAlpha, 5);
    this.useBias = bool(W, 'useBias', options.useBias ?? true);
    this.depthwiseInitializer = getInitializer(`${W}: depthwiseInitializer`, options.depthwiseInitializer ?? 'glorotUniform');
    this.biasInitializer = getInitializer(`${W}: biasInitializer`, options.biasInitializer ?? 'zeros');
    this.depthwiseRegularizer = getRegularizer(`${W}: depthwiseRegularizer`, options.depthwiseRegularizer);
    this.biasRegularizer = getRegularizer(`${W}: biasRegularizer`, options.biasRegularizer);
    this.inputShape = options.inputShape;
  }

  build(inputShape: number[]): void {
    const label = layerLabel('layers.depthwiseConv2d', this.name);
    const c = inputShape.length === 3 ? inputShape[2]! : 1;
    const g = buildGeometry(label, inputShape, this.spatial, c * this.depthMultiplier);
    this.geo = g;
    this.inputSize = g.h * g.w * g.c;
    this.outputSize = g.oh * g.ow * g.oc;
    this.outputShape = [g.oh, g.ow, g.oc];
  }

  private get g(): ConvGeometry {
    if (!this.geo) throw new Error(`layers.depthwiseConv2d (${this.name}): the layer is not built; add it to a model first`);
    return this.geo;
  }

  override weightSpecs(): WeightSpec[] {
    const { kh, kw, c, oc } = this.g;
    const dm = this.depthMultiplier;
    const fanIn = kh * kw * c,
      fanOut = kh * kw * dm;
    const specs: WeightSpec[] = [
      {
        name: 'depthwise_kernel',
        shape: [kh, kw, c, dm],
        trainable: true,
        initializer: this.depthwiseInitializer,
        regularizer: this.depthwiseRegularizer,
        fanIn,
        fanOut,
      },
    ];
    if (this.useBias)
      specs.push({ name: 'bias', shape: [oc], trainable: true, initializer: this.biasInitializer, regularizer: this.biasRegularizer, fanIn, fanOut });
    return specs;
  }

  /** Each weight is used once per output pixel. */
  override flopsPerExample(): number {
    const g = this.g;
    return 6 * g.oh * g.ow * g.kh * g.kw * g.oc;
  }

  override scratchSpec(rowsCap: number, training = true): { out: number; extra: Record<string, number> } {
    return { out: rowsCap * this.outputSize, extra: this.act.scratch(rowsCap * this.outputSize, training) };
  }

  forward(ctx: StepContext, sc: LayerScratch, input: number): number {
    const g = { ...this.g, n: ctx.rows };
    const bias = this.useBias ? at(ctx.params, this.offsets[1]!) : 0;
    const { dst, kind } = this.act.target(ctx.training, sc);
    f32_depthwise_conv2d_forward(ctx.e, g, this.depthMultiplier, input, at(ctx.params, this.offsets[0]!), bias, dst, kind, this.act.alpha);
    this.act.finish(ctx.e, ctx.training, sc, dst, ctx.rows * g.oh * g.ow, g.oc);
    return sc.out;
  }

  backward(ctx: StepContext, sc: LayerScratch, input: number, output: number, dOut: number, dIn: number): number {
    const e = ctx.e;
    const g = { ...this.g, n: ctx.rows };
    const pixels = ctx.rows * g.oh * g.ow;
    this.act.backward(e, sc, output, dOut, pixels, g.oc);
    const dBias = this.useBias ? at(ctx.grads, this.offsets[1]!) : 0;
    // a frozen layer's weight gradients are never used: only the input gradient is computed
    if (!this.frozen) f32_depthwise_conv2d_backward_filter(e, g, this.depthMultiplier, input, dOut, at(ctx.grads, this.offsets[0]!), dBias);
    if (dIn) f32_depthwise_conv2d_backward_input(e, g, this.depthMultiplier, dOut, at(ctx.params, this.offsets[0]!), dIn);
    return dIn;
  }

  getConfig(): Record<string, unknown> {
    return {
      name: this.name,
      ...spatialConfig(this.spatial),
      depthMultiplier: this.depthMultiplier,
      activation: this.activation,
      ...(this.activationAlpha !== undefined ? { activationAlpha: this.activationAlpha } : {}),
      useBias: this.useBias,
      depthwiseInitializer: { name: this.depthwiseInitializer.name, config: this.depthwiseInitializer.config },
      biasInitializer: { name: this.biasInitializer.name, config: this.biasInitializer.config },
      ...(this.depthwiseRegularizer ? { depthwiseRegularizer: { ...this.depthwiseRegularizer } } : {}),
      ...(this.biasRegularizer ? { biasRegularizer: { ...this.biasRegularizer } } : {}),
      ...(this.inputShape ? { inputShape: this.inputShape } : {}),
    };
  }
}

/**
 * A depthwise 2-D convolution (Keras' DepthwiseConv2D).
 * @example
 * ```ts
 * knobs.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'same', activation: 'relu' });
 * ```
 */
export function depthwiseConv2d(options: DepthwiseConv2DOptions): DepthwiseConv2D {
  return new DepthwiseConv2D(options);
}
