/**
 * Activation names for layers: the engine's element-wise activations plus the row-wise softmax.
 * @internal
 */
import { ACTIVATION, DEFAULT_ACTIVATION_ALPHA, type ActivationName } from '../engine/kernels/f32_activation';

/** Activations a layer accepts. */
export type LayerActivation = ActivationName | 'softmax';

export const LAYER_ACTIVATIONS: readonly LayerActivation[] = [...(Object.keys(ACTIVATION) as ActivationName[]), 'softmax'];

/** Validates an activation name (with a message listing the known ones). */
export function checkActivation(where: string, value: unknown): LayerActivation {
  if (typeof value !== 'string' || !(LAYER_ACTIVATIONS as readonly string[]).includes(value)) {
    throw new RangeError(`${where}: unknown activation ${JSON.stringify(value)}; expected one of ${LAYER_ACTIVATIONS.join(', ')}`);
  }
  return value as LayerActivation;
}

/** Kind code and alpha for the element-wise kernels (softmax is handled apart). */
export function activationCode(name: LayerActivation, alpha?: number): { kind: number; alpha: number } {
  if (name === 'softmax') return { kind: 0, alpha: 0 };
  return { kind: ACTIVATION[name], alpha: alpha ?? DEFAULT_ACTIVATION_ALPHA[name] };
}
