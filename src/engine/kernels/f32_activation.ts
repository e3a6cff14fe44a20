/**
 * Wrappers of assembly/kernels/f32_activation.ts: element-wise activations, their derivatives
 * (from the activation's output) and the row-wise softmax.
 * @internal
 */
import type { Engine } from '../engine';
import { checkDim, checkRegion } from '../check';

/** Activation names, as in tfjs-layers. */
export type ActivationName = 'linear' | 'relu' | 'leakyRelu' | 'elu' | 'sigmoid' | 'tanh';

/** Kind codes; must match ACT_* in assembly/kernels/f32_activation.ts. */
export const ACTIVATION: Readonly<Record<ActivationName, number>> = {
  linear: 0,
  relu: 1,
  leakyRelu: 2,
  elu: 3,
  sigmoid: 4,
  tanh: 5,
};

/** Default alpha of the parameterized activations (Keras: LeakyReLU 0.3, ELU 1.0). */
export const DEFAULT_ACTIVATION_ALPHA: Readonly<Record<ActivationName, number>> = {
  linear: 0,
  relu: 0,
  leakyRelu: 0.3,
  elu: 1,
  sigmoid: 0,
  tanh: 0,
};

/** The kind code of an activation name, with a clear error for unknown names. */
export function activationKind(name: string): number {
  const kind = (ACTIVATION as Record<string, number>)[name];
  if (kind === undefined) {
    throw new RangeError(`unknown activation ${JSON.stringify(name)}; expected one of ${Object.keys(ACTIVATION).join(', ')}`);
  }
  return kind;
}

/** y = act(x) over n floats; y may equal x. */
export function f32_activation(e: Engine, kind: number, x: number, y: number, n: number, alpha: number): void {
  checkDim('f32_activation', 'n', n);
  checkRegion(e, 'f32_activation', 'x', x, n);
  checkRegion(e, 'f32_activation', 'y', y, n);
  e.k.f32_activation(kind, x, y, n, alpha);
}

/** dx = dy * act'(x), computed from the output y = act(x); dx may equal dy. */
export function f32_activation_grad(e: Engine, kind: number, y: number, dy: number, dx: number, n: number, alpha: number): void {
  checkDim('f32_activation_grad', 'n', n);
  checkRegion(e, 'f32_activation_grad', 'y', y, n);
  checkRegion(e, 'f32_activation_grad', 'dy', dy, n);
  checkRegion(e, 'f32_activation_grad', 'dx', dx, n);
  e.k.f32_activation_grad(kind, y, dy, dx, n, alpha);
}

/** Row-wise, numerically stable softmax of a rows x cols matrix; y may equal x. */
export function f32_softmax(e: Engine, x: number, y: number, rows: number, cols: number): void {
  checkDim('f32_softmax', 'rows', rows);
  checkDim('f32_softmax', 'cols', cols);
  checkRegion(e, 'f32_softmax', 'x', x, rows * cols);
  checkRegion(e, 'f32_softmax', 'y', y, rows * cols);
  e.k.f32_softmax(x, y, rows, cols);
}

/** dx = y * (dy - rowsum(dy * y)): the gradient through a row-wise softmax from its output y. */
export function f32_softmax_grad(e: Engine, y: number, dy: number, dx: number, rows: number, cols: number): void {
  checkDim('f32_softmax_grad', 'rows', rows);
  checkDim('f32_softmax_grad', 'cols', cols);
  checkRegion(e, 'f32_softmax_grad', 'y', y, rows * cols);
  checkRegion(e, 'f32_softmax_grad', 'dy', dy, rows * cols);
  checkRegion(e, 'f32_softmax_grad', 'dx', dx, rows * cols);
  e.k.f32_softmax_grad(y, dy, dx, rows, cols);
}
