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

// Convolutions (NHWC)
import { Conv2D, conv2d } from './conv2d';
import { DepthwiseConv2D, depthwiseConv2d } from './depthwise-conv2d';
import { SeparableConv2D, separableConv2d } from './separable-conv2d';
export { Conv2D, DepthwiseConv2D, SeparableConv2D, conv2d, depthwiseConv2d, separableConv2d };
export type { Conv2DOptions } from './conv2d';
export type { DepthwiseConv2DOptions } from './depthwise-conv2d';
export type { SeparableConv2DOptions } from './separable-conv2d';
export type { Size2 } from './conv-utils';

/** Layer classes by their exact className, in a Map: `'__proto__'` or `'constructor'` are unknown classes, not Object's. */
const FACTORIES = new Map<unknown, (config: Record<string, unknown>) => Layer>([
  ['Dense', (c) => new Dense(c as never)],
  ['Activation', (c) => new Activation(c as never)],
  ['Dropout', (c) => new Dropout(c as never)],
  ['BatchNormalization', (c) => new BatchNormalization(c as never)],
  ['Flatten', (c) => new Flatten(c as never)],
  ['Normalization', (c) => new Normalization(c as never)],
  // convolutions
  ['Conv2D', (c) => new Conv2D(c as never)],
  ['DepthwiseConv2D', (c) => new DepthwiseConv2D(c as never)],
  ['SeparableConv2D', (c) => new SeparableConv2D(c as never)],
]);

/** Rebuilds a layer from its saved configuration. */
export function layerFromConfig(c: LayerConfig): Layer {
  const make = FACTORIES.get(c?.className);
  if (!make) throw new RangeError(`unknown layer class ${describe(c?.className)}; known: ${[...FACTORIES.keys()].join(', ')}`);
  return make({ ...c.config });
}
