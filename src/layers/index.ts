/**
 * `knobs.layers`: the building blocks of a sequential model, with tfjs-layers' names and Keras'
 * conventions and defaults.
 * @module
 */
import { describe } from '../errors';
import { Activation, activation } from './activation';
import { BatchNormalization, batchNormalization } from './batch-normalization';
import { Dense, dense } from './dense';
import { Dropout, dropout } from './dropout';
import { Flatten, flatten } from './flatten';
import type { Layer, LayerConfig } from './layer';
import { Normalization, normalization } from './normalization';

export { Activation, BatchNormalization, Dense, Dropout, Flatten, Normalization };
export { activation, batchNormalization, dense, dropout, flatten, normalization };
export type { Layer, LayerConfig } from './layer';
export type { DenseOptions } from './dense';
export type { DropoutOptions } from './dropout';
export type { BatchNormalizationOptions } from './batch-normalization';
export type { ActivationLayerOptions } from './activation';
export type { NormalizationOptions } from './normalization';
export type { LayerActivation } from './activations';

/** Layer classes by their exact className, in a Map: `'__proto__'` or `'constructor'` are unknown classes, not Object's. */
const FACTORIES = new Map<unknown, (config: Record<string, unknown>) => Layer>([
  ['Dense', (c) => new Dense(c as never)],
  ['Activation', (c) => new Activation(c as never)],
  ['Dropout', (c) => new Dropout(c as never)],
  ['BatchNormalization', (c) => new BatchNormalization(c as never)],
  ['Flatten', (c) => new Flatten(c as never)],
  ['Normalization', (c) => new Normalization(c as never)],
]);

/** Rebuilds a layer from its saved configuration. */
export function layerFromConfig(c: LayerConfig): Layer {
  const make = FACTORIES.get(c?.className);
  if (!make) throw new RangeError(`unknown layer class ${describe(c?.className)}; known: ${[...FACTORIES.keys()].join(', ')}`);
  return make({ ...c.config });
}
