/**
 * `knobs.layers`: the building blocks of a sequential model, with tfjs-layers' names and Keras'
 * conventions and defaults.
 * @module
 */
import { Activation, activation } from './activation';
import { BatchNormalization, batchNormalization } from './batch-normalization';
import { Dense, dense } from './dense';
import { Dropout, dropout } from './dropout';
import { Flatten, flatten } from './flatten';
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
