/**
 * The Keras "simple MNIST convnet" (conv 32 3x3 relu, maxpool 2, conv 64 3x3 relu, maxpool 2,
 * flatten, dropout 0.5, dense 10 softmax), which the cnn and fashion benchmarks train.
 */
import * as knobs from '../../build/entry.node';

/** Its parameters (Keras' summary prints 34,826). */
export const SIMPLE_CONVNET_PARAMS = 34_826;

/** Its layers, new each call. */
export function simpleConvnetLayers(): knobs.layers.Layer[] {
  const L = knobs.layers;
  return [
    L.conv2d({ filters: 32, kernelSize: 3, activation: 'relu' }),
    L.maxPooling2d({ poolSize: 2 }),
    L.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }),
    L.maxPooling2d({ poolSize: 2 }),
    L.flatten(),
    L.dropout({ rate: 0.5 }),
    L.dense({ units: 10, activation: 'softmax' }),
  ];
}
