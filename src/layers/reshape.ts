/**
 * Reshapes each example (Keras `Reshape`): one row per example stays one row, in the same
 * row-major order, so nothing is copied; only the shape later layers see changes. One
 * dimension of targetShape may be -1, inferred from the others.
 * @module
 */
import { ShapeError, describe } from '../errors';
import { checkKnownOptions } from '../util/options';
import { layerLabel, optionalInputShape } from './image';
import { Layer, type LayerScratch, type StepContext } from './layer';

/** Options of {@link reshape}. */
export interface ReshapeOptions {
  /** The shape of one example, without the batch dimension; at most one -1. */
  targetShape: number[];
  /** Input shape when this is the first layer. */
  inputShape?: number[];
  name?: string;
  /** Default true; false freezes the layer's weights (see Layer.trainable). */
  trainable?: boolean;
}

/** Keras `Reshape`: a new shape for each example, nothing copied; made by {@link reshape}. */
export class Reshape extends Layer {
  readonly className = 'Reshape';
  readonly targetShape: number[];
  readonly inputShape: number[] | undefined;

  constructor(options: ReshapeOptions) {
    super(options);
    const W = layerLabel('reshape', options?.name);
    if (options === null || typeof options !== 'object') throw new TypeError(`${W}: options { targetShape } are required, got ${describe(options)}`);
    checkKnownOptions(W, options, ['targetShape', 'inputShape', 'name', 'trainable']);
    const t = options.targetShape;
    if (!Array.isArray(t) || t.length === 0 || !t.every((d) => typeof d === 'number')) {
      throw new TypeError(`${W}: targetShape must be a non-empty array of dimensions, got ${describe(t)}`);
    }
    if (!t.every((d) => d === -1 || (Number.isInteger(d) && d > 0)) || t.filter((d) => d === -1).length > 1) {
      throw new RangeError(`${W}: targetShape must hold positive integers and at most one -1, got [${t.join(', ')}]`);
    }
    this.targetShape = t.slice();
    this.inputShape = optionalInputShape(W, options.inputShape);
  }

  build(inputShape: number[]): void {
    const W = layerLabel('reshape', this.name);
    const size = inputShape.reduce((a, b) => a * b, 1);
    const known = this.targetShape.reduce((a, d) => (d === -1 ? a : a * d), 1);
    const free = this.targetShape.indexOf(-1);
    const shape = this.targetShape.slice();
    if (free >= 0) {
      if (size % known !== 0) {
        throw new ShapeError(
          `${W}: cannot reshape input [${inputShape.join(', ')}] (${size} values) to targetShape [${this.targetShape.join(', ')}]: ${size} is not a multiple of ${known}`,
        );
      }
      shape[free] = size / known;
    } else if (known !== size) {
      throw new ShapeError(
        `${W}: cannot reshape input [${inputShape.join(', ')}] (${size} values) to targetShape [${this.targetShape.join(', ')}] (${known} values)`,
      );
    }
    this.inputSize = this.outputSize = size;
    this.outputShape = shape;
  }

  forward(_ctx: StepContext, _sc: LayerScratch, input: number): number {
    return input;
  }

  /** The input gradient is the output gradient, changed in place. */
  override gradientInPlace(): boolean {
    return true;
  }

  backward(_ctx: StepContext, _sc: LayerScratch, _input: number, _output: number, dOut: number): number {
    return dOut;
  }

  getConfig(): Record<string, unknown> {
    return { name: this.name, targetShape: this.targetShape.slice(), ...(this.inputShape ? { inputShape: this.inputShape } : {}) };
  }
}

/**
 * `knobs.layers.reshape({ targetShape })`.
 *
 * @example
 * ```ts
 * knobs.layers.reshape({ targetShape: [28, 28, 1] }); // [784] -> [28, 28, 1]
 * knobs.layers.reshape({ targetShape: [-1, 4] });     // [6, 2] -> [3, 4]
 * ```
 */
export function reshape(options: ReshapeOptions): Reshape {
  return new Reshape(options);
}
