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
// image layers without convolutions (issue 12): pooling, reshape, zero padding, spatial dropout
import { AveragePooling2D, GlobalAveragePooling2D, GlobalMaxPooling2D, MaxPooling2D } from './pooling';
import { averagePooling2d, globalAveragePooling2d, globalMaxPooling2d, maxPooling2d } from './pooling';
import { Reshape, reshape } from './reshape';
import { SpatialDropout2D, spatialDropout2d } from './spatial-dropout';
import { ZeroPadding2D, zeroPadding2d } from './zero-padding';

export { Activation, BatchNormalization, Dense, Dropout, Flatten, Normalization };
export { activation, batchNormalization, dense, dropout, flatten, normalization };
export type { Layer, LayerConfig } from './layer';
export type { DenseOptions } from './dense';
export type { DropoutOptions } from './dropout';
export type { BatchNormalizationOptions } from './batch-normalization';
export type { ActivationLayerOptions } from './activation';
export type { NormalizationOptions } from './normalization';
export type { LayerActivation } from './activations';
export { AveragePooling2D, GlobalAveragePooling2D, GlobalMaxPooling2D, MaxPooling2D, Reshape, SpatialDropout2D, ZeroPadding2D };
export { averagePooling2d, globalAveragePooling2d, globalMaxPooling2d, maxPooling2d, reshape, spatialDropout2d, zeroPadding2d };
export type { Pooling2DOptions, GlobalPooling2DOptions } from './pooling';
export type { ReshapeOptions } from './reshape';
export type { SpatialDropout2DOptions } from './spatial-dropout';
export type { ZeroPadding2DOptions, Padding2D } from './zero-padding';

// Convolutions (NHWC)
import { Conv2D, conv2d } from './conv2d';
import { DepthwiseConv2D, depthwiseConv2d } from './depthwise-conv2d';
import { SeparableConv2D, separableConv2d } from './separable-conv2d';
export { Conv2D, DepthwiseConv2D, SeparableConv2D, conv2d, depthwiseConv2d, separableConv2d };
export type { Conv2DOptions } from './conv2d';
export type { DepthwiseConv2DOptions } from './depthwise-conv2d';
export type { SeparableConv2DOptions } from './separable-conv2d';
export type { Size2 } from './conv-utils';

// The functional API (issue 13): model inputs and merge layers
import { InputLayer } from './input-layer';
import { Add, Average, Concatenate, Merge, Multiply, add, average, concatenate, multiply } from './merge';
export { Add, Average, Concatenate, InputLayer, Merge, Multiply, add, average, concatenate, multiply };
export type { MergeOptions, ConcatenateOptions } from './merge';

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
  // pooling, reshaping, padding, spatial dropout
  ['MaxPooling2D', (c) => new MaxPooling2D(c as never)],
  ['AveragePooling2D', (c) => new AveragePooling2D(c as never)],
  ['GlobalAveragePooling2D', (c) => new GlobalAveragePooling2D(c as never)],
  ['GlobalMaxPooling2D', (c) => new GlobalMaxPooling2D(c as never)],
  ['Reshape', (c) => new Reshape(c as never)],
  ['ZeroPadding2D', (c) => new ZeroPadding2D(c as never)],
  ['SpatialDropout2D', (c) => new SpatialDropout2D(c as never)],
  // the functional API
  ['InputLayer', (c) => new InputLayer(c as never)],
  ['Add', (c) => new Add(c as never)],
  ['Multiply', (c) => new Multiply(c as never)],
  ['Average', (c) => new Average(c as never)],
  ['Concatenate', (c) => new Concatenate(c as never)],
]);

/** Rebuilds a layer from its saved configuration. */
export function layerFromConfig(c: LayerConfig): Layer {
  const make = FACTORIES.get(c?.className);
  if (!make) throw new RangeError(`unknown layer class ${describe(c?.className)}; known: ${[...FACTORIES.keys()].join(', ')}`);
  return make({ ...c.config });
}
