/**
 * Activation names for layers: the engine's element-wise activations plus the row-wise softmax.
 * Names are matched in any capitalization and in snake_case (`'ReLU'`, `'leaky_relu'`,
 * `'hard_sigmoid'`, tfjs' `'gelu_new'`), `'silu'` is swish, and the layer keeps the canonical
 * camelCase name.
 * @internal
 */
import { ACTIVATION, DEFAULT_ACTIVATION_ALPHA, activationNeedsInput, type ActivationName } from '../engine/kernels/f32_activation';
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
