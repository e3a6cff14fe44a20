/**
 * Symbolic tensors: the placeholders of the functional API (`knobs.input`, `layer.apply`,
 * `knobs.model`). They hold no values, only a shape and the layer that produces them, so that a
 * graph of layers can be written as in Keras and laid out once by the model.
 * @module
 */
import type { Layer } from './layer';

let tensorCount = 0;

/**
 * The output of a layer in a graph being written (tfjs' `SymbolicTensor`): `knobs.input(...)`
 * returns one, `layer.apply(tensor | tensor[])` connects a layer to one or several and returns
 * the layer's output, and `knobs.model({ inputs, outputs })` turns the graph into a model. Each
 * one is a node of the graph: a layer applied twice (a shared layer) gives two, each recording
 * its own inputs.
 */
export class SymbolicTensor {
  /** A unique id (order of creation). */
  readonly id: number;
  /** Shape of one example, without the batch dimension. */
  readonly dims: readonly number[];

  /**
   * @param sourceLayer the layer whose output this is (an InputLayer for a model input)
   * @param inputs the tensors the layer was applied to (none for an input)
   * @param dims shape of one example, without the batch dimension
   */
  constructor(
    readonly sourceLayer: Layer,
    readonly inputs: readonly SymbolicTensor[],
    dims: number[],
  ) {
    this.id = ++tensorCount;
    this.dims = dims.slice();
  }

  /** The shape with the batch dimension first, as tfjs shows it: `[null, 28, 28, 1]`. */
  get shape(): (number | null)[] {
    return [null, ...this.dims];
  }

  /** The name of the layer that produces this tensor, as Keras names tensors (`dense_1/...`). */
  get name(): string {
    return this.sourceLayer.name || this.sourceLayer.className;
  }
}

/** A layer that takes several inputs (the merge layers): built and run on lists. */
export interface MultiInputLayer {
  /** Infers the output shape from the input shapes (throws a ShapeError naming the layer). */
  buildMany(inputShapes: number[][]): void;
}

/** Whether a layer takes a list of inputs (merge layers). */
export function takesList(layer: Layer): layer is Layer & MultiInputLayer {
  return typeof (layer as Partial<MultiInputLayer>).buildMany === 'function';
}
