/**
 * The input of a graph model (Keras' `InputLayer`), and `knobs.input`, which makes one and
 * returns its symbolic output. In a model it passes its columns of the staged rows through.
 * @module
 */
import { describe } from '../errors';
import { checkKnownOptions } from '../util/options';
import { Layer, type LayerScratch, type StepContext } from './layer';
import type { SymbolicTensor } from './symbolic';

/** Options of {@link input}. */
export interface InputOptions {
  /** Shape of one example, without the batch dimension (e.g. [784], or [28, 28, 1]). */
  shape: number[];
  /** The input layer's name (default `input_1`, `input_2`, ... in the model). */
  name?: string;
}

/** A model input: a placeholder with a shape and no weights. */
export class InputLayer extends Layer {
  readonly className = 'InputLayer';
  /** Shape of one example, without the batch dimension. */
  readonly inputShape: number[];

  constructor(options: InputOptions | { batchInputShape: (number | null)[]; name?: string }) {
    super({ ...(options?.name !== undefined ? { name: options.name } : {}) });
    const W = 'input';
    if (options === null || typeof options !== 'object') throw new TypeError(`${W}: options { shape } are required, got ${describe(options)}`);
    // a saved InputLayer (Keras' config) gives batchInputShape, [null, ...shape]
    const shape = 'batchInputShape' in options && !('shape' in options) ? options.batchInputShape?.slice(1) : (options as InputOptions).shape;
    checkKnownOptions(W, options, ['shape', 'name', 'batchInputShape', 'dtype', 'sparse']);
    if (!Array.isArray(shape) || shape.length === 0 || shape.some((d) => !Number.isInteger(d) || (d as number) <= 0)) {
      throw new TypeError(`${W}: options.shape must be an array of positive integers without the batch dimension (e.g. [784]), got ${describe(shape)}`);
    }
    if (options.name !== undefined && (typeof options.name !== 'string' || options.name === '')) {
      throw new TypeError(`${W}: options.name must be a non-empty string, got ${describe(options.name)}`);
    }
    this.inputShape = (shape as number[]).slice();
    this.build(this.inputShape);
  }

  build(_inputShape: number[]): void {
    this.outputShape = this.inputShape.slice();
    this.inputSize = this.outputSize = this.inputShape.reduce((a, b) => a * b, 1);
  }

  forward(_ctx: StepContext, _sc: LayerScratch, input: number): number {
    return input;
  }

  backward(_ctx: StepContext, _sc: LayerScratch, _input: number, _output: number, dOut: number): number {
    return dOut;
  }

  getConfig(): Record<string, unknown> {
    return { name: this.name, batchInputShape: [null, ...this.inputShape] };
  }
}

/**
 * A model input of the functional API (Keras' `Input`, tfjs' `tf.input`): returns the symbolic
 * tensor to apply layers to.
 * @example
 * ```ts
 * const x = knobs.input({ shape: [784] });
 * const y = knobs.layers.dense({ units: 10, activation: 'softmax' }).apply(x);
 * const model = knobs.model({ inputs: x, outputs: y });
 * ```
 */
export function input(options: InputOptions): SymbolicTensor {
  return new InputLayer(options).addNode([]);
}
