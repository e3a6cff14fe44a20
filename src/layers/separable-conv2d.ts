/**
 * Separable 2-D convolution, as Keras' SeparableConv2D: a depthwise convolution (strides,
 * dilation and padding apply here; no bias) followed by a pointwise 1x1 convolution to `filters`
 * channels with the bias and the activation, fused into the gemm's epilogue. Weights as tfjs
 * names them: `depthwise_kernel` [kh, kw, inChannels, depthMultiplier], `pointwise_kernel`
 * [1, 1, inChannels * depthMultiplier, filters], `bias` [filters].
 * @module
 */
import type { ConvGeometry } from '../engine/kernels/f32_conv2d';
import {
  f32_depthwise_conv2d_backward_filter,
  f32_depthwise_conv2d_backward_input,
  f32_depthwise_conv2d_forward,
} from '../engine/kernels/f32_depthwise_conv2d';
import { f32_gemm } from '../engine/kernels/f32_gemm';
import { f32_col_sum } from '../engine/kernels/f32_elementwise';
import { getInitializer, type Initializer, type InitializerName } from '../initializers';
import { getRegularizer, type Regularizer } from '../regularizers';
import { bool, checkKnownOptions, positiveInt } from '../util/options';
import { ActivationEpilogue, checkActivation, type LayerActivation } from './activations';
import { MAX_ACTIVATION_KIND } from '../engine/kernels/f32_activation';
import { buildGeometry, layerLabel, spatialConfig, type Size2, type Spatial } from './conv-utils';
import { spatialOptions } from './conv2d';
import { Layer, at, type LayerScratch, type StepContext, type WeightSpec } from './layer';

/** Options of {@link separableConv2d}. */
export interface SeparableConv2DOptions {
  /** Output channels of the pointwise convolution. */
  filters: number;
  /** Depthwise filter height and width (one number for both). */
  kernelSize: Size2;
  /** Depthwise filters per input channel. Default 1. */
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
  /** Default 'glorotUniform'. */
  depthwiseInitializer?: InitializerName | Initializer;
  /** Default 'glorotUniform'. */
  pointwiseInitializer?: InitializerName | Initializer;
  /** Default 'zeros'. */
  biasInitializer?: InitializerName | Initializer;
  depthwiseRegularizer?: Regularizer;
  pointwiseRegularizer?: Regularizer;
  biasRegularizer?: Regularizer;
  name?: string;
  /** Default true; false freezes the layer's weights (see Layer.trainable). */
  trainable?: boolean;
  /** Input shape [height, width, channels] when this is the first layer. */
  inputShape?: number[];
}

const SEPARABLE_OPTIONS = [
  'filters',
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
  'pointwiseInitializer',
  'biasInitializer',
  'depthwiseRegularizer',
  'pointwiseRegularizer',
  'biasRegularizer',
  'name',
  'inputShape',
  'trainable',
] as const;

export class SeparableConv2D extends Layer {
  readonly className = 'SeparableConv2D';
  readonly filters: number;
  readonly depthMultiplier: number;
  readonly spatial: Spatial;
  readonly activation: LayerActivation;
  readonly activationAlpha: number | undefined;
  private readonly act: ActivationEpilogue;
  readonly useBias: boolean;
  readonly depthwiseInitializer: Initializer;
  readonly pointwiseInitializer: Initializer;
  readonly biasInitializer: Initializer;
  readonly depthwiseRegularizer: Regularizer | undefined;
  readonly pointwiseRegularizer: Regularizer | undefined;
  readonly biasRegularizer: Regularizer | undefined;
  readonly inputShape: number[] | undefined;
  /** The depthwise step's geometry for one example (oc = channels * depthMultiplier). */
  private geo: ConvGeometry | undefined;

  constructor(options: SeparableConv2DOptions) {
    super(options);
    const W = layerLabel('layers.separableConv2d', options?.name ?? '');
    if (options === null || typeof options !== 'object') throw new TypeError(`${W}: options {filters, kernelSize} are required`);
    checkKnownOptions(W, options, SEPARABLE_OPTIONS);
    this.filters = positiveInt(W, 'filters', options.filters);
    this.spatial = spatialOptions(W, options);
    this.depthMultiplier = positiveInt(W, 'depthMultiplier', options.depthMultiplier ?? 1);
    this.activation = checkActivation(W, options.activation ?? 'linear');
    this.activationAlpha = options.activationAlpha;
    this.act = new ActivationEpilogue(this.activation, this.activationAlpha, MAX_ACTIVATION_KIND);
    this.useBias = bool(W, 'useBias', options.useBias ?? true);
    this.depthwiseInitializer = getInitializer(`${W}: depthwiseInitializer`, options.depthwiseInitializer ?? 'glorotUniform');
    this.pointwiseInitializer = getInitializer(`${W}: pointwiseInitializer`, options.pointwiseInitializer ?? 'glorotUniform');
    this.biasInitializer = getInitializer(`${W}: biasInitializer`, options.biasInitializer ?? 'zeros');
    this.depthwiseRegularizer = getRegularizer(`${W}: depthwiseRegularizer`, options.depthwiseRegularizer);
    this.pointwiseRegularizer = getRegularizer(`${W}: pointwiseRegularizer`, options.pointwiseRegularizer);
    this.biasRegularizer = getRegularizer(`${W}: biasRegularizer`, options.biasRegularizer);
    this.inputShape = options.inputShape;
  }

  build(inputShape: number[]): void {
    const label = layerLabel('layers.separableConv2d', this.name);
    const c = inputShape.length === 3 ? inputShape[2]! : 1;
    const g = buildGeometry(label, inputShape, this.spatial, c * this.depthMultiplier);
    this.geo = g;
    this.inputSize = g.h * g.w * g.c;
    this.outputSize = g.oh * g.ow * this.filters;
    this.outputShape = [g.oh, g.ow, this.filters];
  }

  private get g(): ConvGeometry {
    if (!this.geo) throw new Error(`layers.separableConv2d (${this.name}): the layer is not built; add it to a model first`);
    return this.geo;
  }

  override weightSpecs(): WeightSpec[] {
    const { kh, kw, c, oc } = this.g;
    const dm = this.depthMultiplier;
    const specs: WeightSpec[] = [
      {
        name: 'depthwise_kernel',
        shape: [kh, kw, c, dm],
        trainable: true,
        initializer: this.depthwiseInitializer,
        regularizer: this.depthwiseRegularizer,
        fanIn: kh * kw * c,
        fanOut: kh * kw * dm,
      },
      {
        name: 'pointwise_kernel',
        shape: [1, 1, oc, this.filters],
        trainable: true,
        initializer: this.pointwiseInitializer,
        regularizer: this.pointwiseRegularizer,
        fanIn: oc,
        fanOut: this.filters,
      },
    ];
    if (this.useBias) {
      specs.push({
        name: 'bias',
        shape: [this.filters],
        trainable: true,
        initializer: this.biasInitializer,
        regularizer: this.biasRegularizer,
        fanIn: oc,
        fanOut: this.filters,
      });
    }
    return specs;
  }

  /** Each weight is used once per output pixel. */
  override flopsPerExample(): number {
    const g = this.g;
    return 6 * g.oh * g.ow * (g.kh * g.kw * g.oc + g.oc * this.filters);
  }

  override scratchSpec(rowsCap: number, training = true): { out: number; extra: Record<string, number> } {
    const g = this.g;
    const mid = rowsCap * g.oh * g.ow * g.oc;
    // mid: the depthwise output (the pointwise step's input); dMid: its gradient
    return { out: rowsCap * this.outputSize, extra: { mid, ...(training ? { dMid: mid } : {}), ...this.act.scratch(rowsCap * this.outputSize, training) } };
  }

  forward(ctx: StepContext, sc: LayerScratch, input: number): number {
    const e = ctx.e;
    const g = { ...this.g, n: ctx.rows };
    const pixels = ctx.rows * g.oh * g.ow;
    const mid = sc.extra['mid']!;
    const { dst, kind } = this.act.target(ctx.training, sc);
    f32_depthwise_conv2d_forward(e, g, this.depthMultiplier, input, at(ctx.params, this.offsets[0]!), 0, mid, 0, 0);
    f32_gemm(e, {
      m: pixels,
      n: this.filters,
      k: g.oc,
      a: mid,
      b: at(ctx.params, this.offsets[1]!),
      c: dst,
      bias: this.useBias ? at(ctx.params, this.offsets[2]!) : 0,
      act: kind,
      actAlpha: this.act.alpha,
      ws: ctx.gemmWs,
    });
    this.act.finish(e, ctx.training, sc, dst, pixels, this.filters);
    return sc.out;
  }

  backward(ctx: StepContext, sc: LayerScratch, input: number, output: number, dOut: number, dIn: number): number {
    const e = ctx.e;
    const g = { ...this.g, n: ctx.rows };
    const pixels = ctx.rows * g.oh * g.ow;
    const n = this.filters;
    const mid = sc.extra['mid']!,
      dMid = sc.extra['dMid']!;
    this.act.backward(e, sc, output, dOut, pixels, n);
    // pointwise: dW = mid^T * dZ, dBias = column sums of dZ, dMid = dZ * W^T
    // a frozen layer's weight gradients are never used: only the input gradient is computed
    if (!this.frozen) {
      f32_gemm(e, { transA: true, m: g.oc, n, k: pixels, a: mid, b: dOut, c: at(ctx.grads, this.offsets[1]!), ws: ctx.gemmWs });
      if (this.useBias) f32_col_sum(e, dOut, pixels, n, at(ctx.grads, this.offsets[2]!), false);
    }
    f32_gemm(e, { transB: true, m: pixels, n: g.oc, k: n, a: dOut, b: at(ctx.params, this.offsets[1]!), c: dMid, ws: ctx.gemmWs });
    // depthwise
    if (!this.frozen) f32_depthwise_conv2d_backward_filter(e, g, this.depthMultiplier, input, dMid, at(ctx.grads, this.offsets[0]!), 0);
    if (dIn) f32_depthwise_conv2d_backward_input(e, g, this.depthMultiplier, dMid, at(ctx.params, this.offsets[0]!), dIn);
    return dIn;
  }

  getConfig(): Record<string, unknown> {
    return {
      name: this.name,
      filters: this.filters,
      ...spatialConfig(this.spatial),
      depthMultiplier: this.depthMultiplier,
      activation: this.activation,
      ...(this.activationAlpha !== undefined ? { activationAlpha: this.activationAlpha } : {}),
      useBias: this.useBias,
      depthwiseInitializer: { name: this.depthwiseInitializer.name, config: this.depthwiseInitializer.config },
      pointwiseInitializer: { name: this.pointwiseInitializer.name, config: this.pointwiseInitializer.config },
      biasInitializer: { name: this.biasInitializer.name, config: this.biasInitializer.config },
      ...(this.depthwiseRegularizer ? { depthwiseRegularizer: { ...this.depthwiseRegularizer } } : {}),
      ...(this.pointwiseRegularizer ? { pointwiseRegularizer: { ...this.pointwiseRegularizer } } : {}),
      ...(this.biasRegularizer ? { biasRegularizer: { ...this.biasRegularizer } } : {}),
      ...(this.inputShape ? { inputShape: this.inputShape } : {}),
    };
  }
}

/**
 * A separable 2-D convolution: depthwise, then pointwise 1x1 (Keras' SeparableConv2D).
 * @example
 * ```ts
 * knobs.layers.separableConv2d({ filters: 64, kernelSize: 3, padding: 'same', activation: 'relu' });
 * ```
 */
export function separableConv2d(options: SeparableConv2DOptions): SeparableConv2D {
  return new SeparableConv2D(options);
}
