/**
 * A layer that applies an activation on its own (as Keras' `Activation`).
 * @module
 */
import { f32_activation, f32_activation_grad, f32_activation_grad_input, f32_softmax, f32_softmax_grad } from '../engine/kernels/f32_activation';
import { checkKnownOptions } from '../util/options';
import { activationCode, checkActivation, needsInput, type LayerActivation } from './activations';
import { Layer, type LayerScratch, type StepContext } from './layer';

/** Options of {@link activation}. */
export interface ActivationLayerOptions {
  /** Any capitalization or snake_case ('ReLU', 'gelu_new'); 'silu' is swish. */
  activation: LayerActivation | (string & {});
  /** Slope of leakyRelu (default 0.3) or scale of elu (default 1). */
  alpha?: number;
  name?: string;
  /** Default true; false freezes the layer's weights (see Layer.trainable). */
  trainable?: boolean;
}

export class Activation extends Layer {
  readonly className = 'Activation';
  readonly activation: LayerActivation;
  readonly alpha: number | undefined;
  /** Set by the model when the loss applies this softmax/sigmoid itself (see Dense.fusedWithLoss). */
  fusedWithLoss = false;

  constructor(options: ActivationLayerOptions) {
    super(options);
    checkKnownOptions('layers.activation', options, ['activation', 'alpha', 'name', 'trainable']);
    this.activation = checkActivation('layers.activation', options?.activation);
    this.alpha = options.alpha;
  }

  build(inputShape: number[]): void {
    this.inputSize = this.outputSize = inputShape.reduce((a, b) => a * b, 1);
    this.outputShape = inputShape.slice();
  }

  override scratchSpec(rowsCap: number): { out: number; extra: Record<string, number> } {
    return { out: this.fusedWithLoss ? 0 : rowsCap * this.outputSize, extra: {} };
  }

  /** Element-wise kinds whose derivative reads the output (not softmax, not gelu, geluNew, swish, mish). */
  override runsInPlace(): boolean {
    return !this.fusedWithLoss && this.activation !== 'softmax' && !needsInput(this.activation);
  }

  forward(ctx: StepContext, sc: LayerScratch, input: number): number {
    if (this.fusedWithLoss) return input;
    const n = this.outputSize;
    // softmax over the last axis, as Keras: per pixel on an image [h, w, c]
    const c = this.outputShape[this.outputShape.length - 1] ?? n;
    if (this.activation === 'softmax') f32_softmax(ctx.e, input, sc.out, ctx.rows * (n / c), c);
    else {
      const { kind, alpha } = activationCode(this.activation, this.alpha);
      f32_activation(ctx.e, kind, input, sc.out, ctx.rows * n, alpha);
    }
    return sc.out;
  }

  /** The input gradient is the output gradient, changed in place. */
  override gradientInPlace(): boolean {
    return true;
  }

  backward(ctx: StepContext, _sc: LayerScratch, input: number, output: number, dOut: number, _dIn: number): number {
    if (this.fusedWithLoss) return dOut;
    const n = this.outputSize;
    const c = this.outputShape[this.outputShape.length - 1] ?? n;
    if (this.activation === 'softmax') f32_softmax_grad(ctx.e, output, dOut, dOut, ctx.rows * (n / c), c);
    else if (this.activation !== 'linear') {
      const { kind, alpha } = activationCode(this.activation, this.alpha);
      // gelu, geluNew, swish and mish need their input, which this layer has at hand
      if (needsInput(this.activation)) f32_activation_grad_input(ctx.e, kind, input, dOut, dOut, ctx.rows * n, alpha);
      else f32_activation_grad(ctx.e, kind, output, dOut, dOut, ctx.rows * n, alpha);
    }
    return dOut;
  }

  getConfig(): Record<string, unknown> {
    return { name: this.name, activation: this.activation, ...(this.alpha !== undefined ? { alpha: this.alpha } : {}) };
  }
}

/** An activation on its own: `knobs.layers.activation({ activation: 'relu' })`. */
export function activation(options: ActivationLayerOptions): Activation {
  return new Activation(options);
}
