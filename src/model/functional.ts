/**
 * The functional API's entry: `knobs.model({ inputs, outputs })` turns a graph of layers written
 * with `knobs.input` and `layer.apply` into a {@link LayersModel}, with the same compile, fit,
 * evaluate, predict, save and worker pool as a sequential stack (Sequential is its subclass).
 * @module
 */
import { describe } from '../errors';
import { checkKnownOptions, nonNegativeInt } from '../util/options';
import type { SymbolicTensor } from '../layers/symbolic';
import { graphFromTensors } from './graph';
import { LayersModel } from './layers-model';

/** Options of {@link model}. */
export interface ModelOptions {
  /** The model's input(s): tensors from knobs.input. */
  inputs: SymbolicTensor | SymbolicTensor[];
  /** The model's output(s): tensors from layer.apply. */
  outputs: SymbolicTensor | SymbolicTensor[];
  name?: string;
  /** Seeds initialization, shuffling and dropout, as for a sequential model. */
  seed?: number;
}

/**
 * A model from a graph of layers (Keras' `Model(inputs, outputs)`, tfjs' `tf.model`): a
 * residual block, branches joined by `concatenate`, gates by `multiply`, and shared layers (a
 * layer applied more than once, e.g. one encoder for both inputs of a siamese net), whose
 * weights the model holds once.
 * @example
 * ```ts
 * const x = knobs.input({ shape: [16] });
 * const h = knobs.layers.dense({ units: 16, activation: 'relu' }).apply(x);
 * const r = knobs.layers.add().apply([x, knobs.layers.dense({ units: 16 }).apply(h)]);
 * const y = knobs.layers.dense({ units: 3, activation: 'softmax' }).apply(r);
 * const model = knobs.model({ inputs: x, outputs: y, seed: 1 });
 * model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
 * ```
 */
export function model(options: ModelOptions): LayersModel {
  const W = 'model';
  if (options === null || typeof options !== 'object') throw new TypeError(`${W}: options { inputs, outputs } are required, got ${describe(options)}`);
  checkKnownOptions(W, options, ['inputs', 'outputs', 'name', 'seed']);
  if (options.seed !== undefined) nonNegativeInt(W, 'options.seed', options.seed);
  const collected = graphFromTensors(W, options.inputs, options.outputs);
  return new LayersModel({
    graph: collected,
    ...(options.name !== undefined ? { name: options.name } : {}),
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
  });
}
