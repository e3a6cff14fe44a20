/**
 * A fully connected layer: `output = activation(input * kernel + bias)`, the kernel being
 * fanIn x units (row-major), as in Keras. The forward pass is one f32_gemm call with the bias
 * add and the activation fused into its epilogue; the backward pass takes the activation's
 * derivative from the output, so the pre-activation values are never stored. The exception is
 * gelu, geluNew, swish and mish, whose output does not determine their input: in training the
 * product goes to a `pre` buffer first and the activation runs apart (inference stays fused).
 * @module
 */
import { f32_gemm } from '../engine/kernels/f32_gemm';
import { MAX_ACTIVATION_KIND } from '../engine/kernels/f32_activation';
import { f32_col_sum } from '../engine/kernels/f32_elementwise';
import { getInitializer, type Initializer, type InitializerName } from '../initializers';
import { getRegularizer, type Regularizer } from '../regularizers';
import { bool, checkKnownOptions, positiveInt } from '../util/options';
import { ActivationEpilogue, checkActivation, type LayerActivation } from './activations';
import { Layer, at, type LayerScratch, type StepContext, type WeightSpec } from './layer';

/** Options of {@link dense}. */
export interface DenseOptions {
  /** Output size. */
  units: number;
  /** Default 'linear'. Any capitalization or snake_case ('ReLU', 'hard_sigmoid'); 'silu' is swish. */
  activation?: LayerActivation | (string & {});
  /** Slope of leakyRelu (default 0.3) or scale of elu (default 1). */
  activationAlpha?: number;
  /** Default true. */
  useBias?: boolean;
  /** Default 'glorotUniform' (Xavier). Use 'heNormal' before ReLU. */
  kernelInitializer?: InitializerName | Initializer;
  /** Default 'zeros'. */
  biasInitializer?: InitializerName | Initializer;
  /** A knobs.regularizers object, or 'l1', 'l2', 'l1l2' with factor 0.01 (Keras). */
  kernelRegularizer?: Regularizer | 'l1' | 'l2' | 'l1l2';
  biasRegularizer?: Regularizer | 'l1' | 'l2' | 'l1l2';
  name?: string;
  /** Default true; false freezes the layer's weights (see Layer.trainable). */
  trainable?: boolean;
  /** Input shape when this is the first layer (alternative to the model's inputShape). */
  inputShape?: number[];
}

const DENSE_OPTIONS = [
  'units',
  'activation',
  'activationAlpha',
  'useBias',
  'kernelInitializer',
  'biasInitializer',
  'kernelRegularizer',
  'biasRegularizer',
  'name',
  'trainable',
  'inputShape',
] as const;

export class Dense extends Layer {
  readonly className = 'Dense';
  readonly units: number;
  readonly activation: LayerActivation;
  readonly activationAlpha: number | undefined;
  private readonly act: ActivationEpilogue;
  readonly useBias: boolean;
  readonly kernelInitializer: Initializer;
  readonly biasInitializer: Initializer;
  readonly kernelRegularizer: Regularizer | undefined;
  readonly biasRegularizer: Regularizer | undefined;
  readonly inputShape: number[] | undefined;
  /**
   * Set by the model when its loss applies this layer's softmax or sigmoid itself (fused
   * cross-entropy): the layer then outputs logits and its backward starts from their gradient.
   */
  fusedWithLoss = false;

  constructor(options: DenseOptions) {
    super(options);
    const W = 'layers.dense';
    if (options === null || typeof options !== 'object') throw new TypeError(`${W}: options {units} are required`);
    checkKnownOptions(W, options, DENSE_OPTIONS);
    this.units = positiveInt(W, 'units', options.units);
    this.activation = checkActivation(W, options.activation ?? 'linear');
    this.activationAlpha = options.activationAlpha;
    this.act = new ActivationEpilogue(this.activation, this.activationAlpha, MAX_ACTIVATION_KIND);
    this.useBias = bool(W, 'useBias', options.useBias ?? true);
    this.kernelInitializer = getInitializer(`${W}: kernelInitializer`, options.kernelInitializer ?? 'glorotUniform');
    this.biasInitializer = getInitializer(`${W}: biasInitializer`, options.biasInitializer ?? 'zeros');
    this.kernelRegularizer = getRegularizer(`${W}: kernelRegularizer`, options.kernelRegularizer);
    this.biasRegularizer = getRegularizer(`${W}: biasRegularizer`, options.biasRegularizer);
    this.inputShape = options.inputShape;
  }

  build(inputShape: number[]): void {
    this.inputSize = inputShape.reduce((a, b) => a * b, 1);
    if (inputShape.length !== 1) {
      throw new RangeError(`layers.dense (${this.name}): expects a flat input, got shape [${inputShape.join(', ')}]; add layers.flatten() before it`);
    }
    this.outputSize = this.units;
    this.outputShape = [this.units];
  }

  override weightSpecs(): WeightSpec[] {
    const specs: WeightSpec[] = [
      {
        name: 'kernel',
        shape: [this.inputSize, this.units],
        trainable: true,
        initializer: this.kernelInitializer,
        regularizer: this.kernelRegularizer,
        fanIn: this.inputSize,
        fanOut: this.units,
      },
    ];
    if (this.useBias) {
      specs.push({
        name: 'bias',
        shape: [this.units],
        trainable: true,
        initializer: this.biasInitializer,
        regularizer: this.biasRegularizer,
        fanIn: this.inputSize,
        fanOut: this.units,
      });
    }
    return specs;
  }

  override scratchSpec(rowsCap: number, training = true): { out: number; extra: Record<string, number> } {
    return { out: rowsCap * this.units, extra: this.act.scratch(rowsCap * this.units, training) };
  }

  /** The backward pass reads the input, and the output only for the activation's derivative. */
  override outputOverwritable(): boolean {
    return !this.fusedWithLoss && !this.act.readsOutput;
  }

  forward(ctx: StepContext, sc: LayerScratch, input: number): number {
    // fused with the loss, the layer's output is its linear part (the loss applies the activation)
    const fused = this.fusedWithLoss;
    const { dst, kind } = fused ? { dst: sc.out, kind: 0 } : this.act.target(ctx.training, sc);
    f32_gemm(ctx.e, {
      m: ctx.rows,
      n: this.units,
      k: this.inputSize,
      a: input,
      b: at(ctx.params, this.offsets[0]!),
      c: dst,
      bias: this.useBias ? at(ctx.params, this.offsets[1]!) : 0,
      act: kind,
      actAlpha: this.act.alpha,
      ws: ctx.gemmWs,
    });
    if (!fused) this.act.finish(ctx.e, ctx.training, sc, dst, ctx.rows, this.units);
    return sc.out;
  }

  backward(ctx: StepContext, sc: LayerScratch, input: number, output: number, dOut: number, dIn: number): number {
    const e = ctx.e,
      rows = ctx.rows,
      n = this.units;
    if (!this.fusedWithLoss) this.act.backward(e, sc, output, dOut, rows, n);
    // dKernel = input^T * dZ, dBias = column sums of dZ, dInput = dZ * kernel^T
    // a frozen layer's weight gradients are never used: only the input gradient is computed
    if (!this.frozen) {
      f32_gemm(e, { transA: true, m: this.inputSize, n, k: rows, a: input, b: dOut, c: at(ctx.grads, this.offsets[0]!), ws: ctx.gemmWs });
      if (this.useBias) f32_col_sum(e, dOut, rows, n, at(ctx.grads, this.offsets[1]!), false);
    }
    if (dIn) {
      f32_gemm(e, { transB: true, m: rows, n: this.inputSize, k: n, a: dOut, b: at(ctx.params, this.offsets[0]!), c: dIn, ws: ctx.gemmWs });
    }
    return dIn;
  }

  getConfig(): Record<string, unknown> {
    return {
      name: this.name,
      units: this.units,
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
 * A fully connected layer.
 * @example
 * ```ts
 * knobs.layers.dense({ units: 128, activation: 'relu', kernelInitializer: 'heNormal',
 *                      kernelRegularizer: knobs.regularizers.l2(1e-4) });
 * ```
 */
export function dense(options: DenseOptions): Dense {
  return new Dense(options);
}
