/**
 * Activation names for layers: the engine's element-wise activations plus the row-wise softmax.
 * Names are matched in any capitalization and in snake_case (`'ReLU'`, `'leaky_relu'`,
 * `'hard_sigmoid'`, tfjs' `'gelu_new'`), `'silu'` is swish, and the layer keeps the canonical
 * camelCase name.
 * @internal
 */
import type { Engine } from '../engine/engine';
import {
  ACTIVATION,
  DEFAULT_ACTIVATION_ALPHA,
  activationNeedsInput,
  f32_activation,
  f32_activation_grad,
  f32_activation_grad_input,
  f32_softmax,
  f32_softmax_grad,
  type ActivationName,
} from '../engine/kernels/f32_activation';
import type { LayerScratch } from './layer';
import { NameTable } from '../util/names';

/** Activations a layer accepts. */
export type LayerActivation = ActivationName | 'softmax';

export const LAYER_ACTIVATIONS: readonly LayerActivation[] = [...(Object.keys(ACTIVATION) as ActivationName[]), 'softmax'];

const TABLE = new NameTable<LayerActivation>(
  LAYER_ACTIVATIONS.map((n) => [n, n] as const),
  { silu: 'swish' },
);

/** Validates an activation name (any capitalization; with a message listing the known ones); returns the canonical name. */
export function checkActivation(where: string, value: unknown): LayerActivation {
  const hit = TABLE.get(value);
  if (!hit) throw new RangeError(`${where}: unknown activation ${JSON.stringify(value)}; expected one of ${LAYER_ACTIVATIONS.join(', ')}`);
  return hit.value;
}

/** Kind code and alpha for the element-wise kernels (softmax is handled apart). */
export function activationCode(name: LayerActivation, alpha?: number): { kind: number; alpha: number } {
  if (name === 'softmax') return { kind: 0, alpha: 0 };
  return { kind: ACTIVATION[name], alpha: alpha ?? DEFAULT_ACTIVATION_ALPHA[name] };
}

/** Whether the activation's derivative needs its input (gelu, geluNew, swish, mish), so a fused layer must keep it. */
export function needsInput(name: LayerActivation): boolean {
  return name !== 'softmax' && activationNeedsInput(ACTIVATION[name]);
}

/**
 * How a layer with a product kernel (dense, the convolutions) runs its activation: fused into
 * the kernel's epilogue when the kernel has that kind (`maxFused`: 5 for the convolution kernels,
 * all kinds for the gemm) and training does not need the pre-activation (gelu, geluNew, swish and
 * mish take their derivative from the input); otherwise the kernel writes the linear result and
 * the activation runs after it, from the `pre` scratch buffer while training. Softmax runs over
 * the last axis: per row of a dense layer, per pixel (over the channels) of an image.
 */
export class ActivationEpilogue {
  readonly kind: number;
  readonly alpha: number;
  /** The derivative needs the activation's input, kept in the `pre` scratch buffer while training. */
  readonly needsInput: boolean;

  constructor(
    readonly name: LayerActivation,
    alpha: number | undefined,
    private readonly maxFused: number,
  ) {
    ({ kind: this.kind, alpha: this.alpha } = activationCode(name, alpha));
    this.needsInput = needsInput(name);
  }

  /** Extra scratch a layer of `outFloats` outputs per chunk needs for this activation (none for inference). */
  scratch(outFloats: number, training = true): Record<string, number> {
    return this.needsInput && training ? { pre: outFloats } : {};
  }

  /** Whether the layer's backward pass reads the layer's output (softmax and the kinds that take their derivative from it). */
  get readsOutput(): boolean {
    return this.name !== 'linear' && !this.needsInput;
  }

  /** Whether the kernel's epilogue applies the activation in this pass. */
  private fused(training: boolean): boolean {
    return this.kind <= this.maxFused && !(training && this.needsInput);
  }

  /** Where the kernel should write, and the activation kind to fuse into it. */
  target(training: boolean, sc: LayerScratch): { dst: number; kind: number } {
    if (this.fused(training)) return { dst: sc.out, kind: this.kind };
    return { dst: training && this.needsInput ? sc.extra['pre']! : sc.out, kind: 0 };
  }

  /** Runs what the kernel did not: the element-wise activation from `dst` into `sc.out`, then softmax over the last axis (`channels`). */
  finish(e: Engine, training: boolean, sc: LayerScratch, dst: number, pixels: number, channels: number): void {
    if (!this.fused(training)) f32_activation(e, this.kind, dst, sc.out, pixels * channels, this.alpha);
    if (this.name === 'softmax') f32_softmax(e, sc.out, sc.out, pixels, channels);
  }

  /** Turns the gradient of the output into the gradient of the pre-activation, in place. */
  backward(e: Engine, sc: LayerScratch, output: number, dOut: number, pixels: number, channels: number): void {
    if (this.name === 'softmax') f32_softmax_grad(e, output, dOut, dOut, pixels, channels);
    else if (this.needsInput) f32_activation_grad_input(e, this.kind, sc.extra['pre']!, dOut, dOut, pixels * channels, this.alpha);
    else if (this.name !== 'linear') f32_activation_grad(e, this.kind, output, dOut, dOut, pixels * channels, this.alpha);
  }
}
