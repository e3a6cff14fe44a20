/**
 * Wrappers of assembly/kernels/f32_activation.ts: element-wise activations, their derivatives
 * (from the activation's output) and the row-wise softmax.
 * @internal
 */
import type { Engine } from '../engine';
import { checkDim, checkRegion } from '../check';
import { NameTable } from '../../util/names';

/** Activation names, as in tfjs-layers (geluNew is tfjs' 'gelu_new', the tanh approximation). */
export type ActivationName =
  | 'linear'
  | 'relu'
  | 'leakyRelu'
  | 'elu'
  | 'sigmoid'
  | 'tanh'
  | 'selu'
  | 'softplus'
  | 'relu6'
  | 'hardSigmoid'
  | 'softsign'
  | 'gelu'
  | 'geluNew'
  | 'swish'
  | 'mish';

/** Kind codes; must match ACT_* in assembly/kernels/f32_activation.ts. */
export const ACTIVATION: Readonly<Record<ActivationName, number>> = {
  linear: 0,
  relu: 1,
  leakyRelu: 2,
  elu: 3,
  sigmoid: 4,
  tanh: 5,
  selu: 6,
  softplus: 7,
  relu6: 8,
  hardSigmoid: 9,
  softsign: 10,
  gelu: 11,
  geluNew: 12,
  swish: 13,
  mish: 14,
};

/** The largest kind code. */
export const MAX_ACTIVATION_KIND = 14;

/**
 * The first kind whose derivative needs the activation's input (gelu, geluNew, swish, mish: not
 * monotonic, so the output does not determine the input); kinds below take it from the output.
 * Must match the kernel's split.
 */
const FIRST_INPUT_KIND = 11;

/** Whether an activation kind's derivative must be computed from its input (f32_activation_grad_input). */
export function activationNeedsInput(kind: number): boolean {
  return kind >= FIRST_INPUT_KIND;
}

/** Default alpha of the parameterized activations (Keras: LeakyReLU 0.3, ELU 1.0); the others ignore it. */
export const DEFAULT_ACTIVATION_ALPHA: Readonly<Record<ActivationName, number>> = {
  linear: 0,
  relu: 0,
  leakyRelu: 0.3,
  elu: 1,
  sigmoid: 0,
  tanh: 0,
  selu: 0,
  softplus: 0,
  relu6: 0,
  hardSigmoid: 0,
  softsign: 0,
  gelu: 0,
  geluNew: 0,
  swish: 0,
  mish: 0,
};

/** Activation names by lookup key: any capitalization, snake_case, and `silu` for swish. */
export const ACTIVATION_NAMES = new NameTable<number>(Object.entries(ACTIVATION), { silu: 'swish' });

/** The kind code of an activation name (any capitalization), with a clear error for unknown names. */
export function activationKind(name: string): number {
  const hit = ACTIVATION_NAMES.get(name);
  if (hit === undefined) {
    throw new RangeError(`unknown activation ${JSON.stringify(name)}; expected one of ${ACTIVATION_NAMES.names.join(', ')}`);
  }
  return hit.value;
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
  if (activationNeedsInput(kind)) throw new RangeError(`f32_activation_grad: kind ${kind} needs the input; use f32_activation_grad_input`);
  e.k.f32_activation_grad(kind, y, dy, dx, n, alpha);
}

/** dx = dy * act'(x), computed from the input x (any kind); dx may equal dy. */
export function f32_activation_grad_input(e: Engine, kind: number, x: number, dy: number, dx: number, n: number, alpha: number): void {
  checkDim('f32_activation_grad_input', 'n', n);
  checkRegion(e, 'f32_activation_grad_input', 'x', x, n);
  checkRegion(e, 'f32_activation_grad_input', 'dy', dy, n);
  checkRegion(e, 'f32_activation_grad_input', 'dx', dx, n);
  e.k.f32_activation_grad_input(kind, x, dy, dx, n, alpha);
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
