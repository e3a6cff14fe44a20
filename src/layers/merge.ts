/**
 * Merge layers of the functional API: `add`, `multiply`, `average` (element-wise over inputs of
 * one shape) and `concatenate` (along an axis), with Keras' class names and conventions. They
 * take a list of inputs; the graph executor (src/model/graph.ts) calls {@link Merge.forwardMany}
 * and, per input, {@link Merge.backwardInput}. All the arithmetic is in kernels: f32_add,
 * f32_mul, f32_scale and f32_strided_copy.
 * @module
 */
import { f32_add, f32_mul, f32_scale } from '../engine/kernels/f32_elementwise';
import { f32_strided_copy } from '../engine/kernels/f32_strided_copy';
import { ShapeError, describe } from '../errors';
import { checkKnownOptions } from '../util/options';
import { Layer, type LayerScratch, type StepContext } from './layer';
import type { MultiInputLayer } from './symbolic';

/** Options of the merge layers. */
export interface MergeOptions {
  name?: string;
}

/** Options of {@link concatenate}. */
export interface ConcatenateOptions extends MergeOptions {
  /**
   * The axis to join along, counted as Keras counts it (the batch is axis 0, so the first axis of
   * an example is 1); negative counts from the end. Default -1, the last axis (channels).
   */
  axis?: number;
}

const show = (s: readonly number[]): string => `[${s.join(', ')}]`;

/** A layer that combines a list of inputs into one output. */
export abstract class Merge extends Layer implements MultiInputLayer {
  /** Shapes of the inputs (without the batch dimension), set by buildMany. */
  inputShapes: number[][] = [];

  constructor(where: string, options: MergeOptions | undefined, known: string[] = []) {
    super(options);
    if (options !== undefined && (options === null || typeof options !== 'object'))
      throw new TypeError(`${where}: options must be an object, got ${describe(options)}`);
    checkKnownOptions(where, options ?? {}, ['name', 'trainable', ...known]);
  }

  /** Checks the input shapes and infers the output shape. */
  buildMany(inputShapes: number[][]): void {
    if (!Array.isArray(inputShapes) || inputShapes.length < 2) {
      throw new ShapeError(`${this.label()}: merges at least 2 inputs, got ${Array.isArray(inputShapes) ? inputShapes.length : describe(inputShapes)}`);
    }
    this.outputShape = this.mergedShape(inputShapes);
    this.inputShapes = inputShapes.map((s) => s.slice());
    this.inputSize = inputShapes.reduce((n, s) => n + s.reduce((a, b) => a * b, 1), 0);
    this.outputSize = this.outputShape.reduce((a, b) => a * b, 1);
  }

  /** The output shape for these input shapes; throws a ShapeError naming the layer when they do not fit. */
  protected abstract mergedShape(shapes: number[][]): number[];

  /** `name (ClassName)`, for messages. */
  protected label(): string {
    return `${this.name || this.className} (${this.className})`;
  }

  build(_inputShape: number[]): void {
    throw new TypeError(`${this.label()}: a merge layer takes a list of inputs: apply it to an array of tensors`);
  }

  override scratchSpec(rowsCap: number): { out: number; extra: Record<string, number> } {
    return { out: rowsCap * this.outputSize, extra: {} };
  }

  forward(_ctx: StepContext, _sc: LayerScratch, _input: number): number {
    throw new Error(`${this.label()}: a merge layer runs on a list of inputs (forwardMany)`);
  }

  backward(): number {
    throw new Error(`${this.label()}: a merge layer runs on a list of inputs (backwardInput)`);
  }

  /** Computes the output for ctx.rows rows of the inputs (byte offsets); returns its offset. */
  abstract forwardMany(ctx: StepContext, sc: LayerScratch, inputs: number[]): number;

  /**
   * The loss gradient w.r.t. input k, given dOut (which it leaves intact: the other inputs need
   * it too). Writes into dIn and returns dIn, or returns dOut when the gradient is dOut itself.
   */
  abstract backwardInput(ctx: StepContext, sc: LayerScratch, inputs: number[], output: number, dOut: number, k: number, dIn: number): number;

  getConfig(): Record<string, unknown> {
    return { name: this.name };
  }
}

/** Element-wise merges: every input has the output's shape. */
abstract class ElementwiseMerge extends Merge {
  protected mergedShape(shapes: number[][]): number[] {
    const first = shapes[0]!;
    for (let k = 1; k < shapes.length; k++) {
      if (show(shapes[k]!) !== show(first)) {
        throw new ShapeError(
          `${this.label()}: inputs must have one shape, got ${shapes.map(show).join(' and ')} (input ${k} differs from input 0); ` +
            'reshape or project one of them (e.g. a dense layer with as many units) first',
        );
      }
    }
    return first.slice();
  }

  /** Sum of the inputs into out. */
  protected sum(ctx: StepContext, inputs: number[], out: number): void {
    const n = ctx.rows * this.outputSize;
    f32_add(ctx.e, inputs[0]!, inputs[1]!, out, n);
    for (let k = 2; k < inputs.length; k++) f32_add(ctx.e, out, inputs[k]!, out, n);
  }
}

/** Element-wise sum of its inputs (Keras' `Add`): the residual connection. */
export class Add extends ElementwiseMerge {
  readonly className = 'Add';

  constructor(options?: MergeOptions) {
    super('layers.add', options);
  }

  forwardMany(ctx: StepContext, sc: LayerScratch, inputs: number[]): number {
    this.sum(ctx, inputs, sc.out);
    return sc.out;
  }

  // d(sum)/d(input k) is the identity: the input's gradient is dOut itself
  backwardInput(_ctx: StepContext, _sc: LayerScratch, _inputs: number[], _output: number, dOut: number): number {
    return dOut;
  }
}

/** Element-wise mean of its inputs (Keras' `Average`). */
export class Average extends ElementwiseMerge {
  readonly className = 'Average';

  constructor(options?: MergeOptions) {
    super('layers.average', options);
  }

  forwardMany(ctx: StepContext, sc: LayerScratch, inputs: number[]): number {
    this.sum(ctx, inputs, sc.out);
    f32_scale(ctx.e, sc.out, sc.out, ctx.rows * this.outputSize, 1 / inputs.length);
    return sc.out;
  }

  backwardInput(ctx: StepContext, _sc: LayerScratch, inputs: number[], _output: number, dOut: number, _k: number, dIn: number): number {
    if (dIn) f32_scale(ctx.e, dOut, dIn, ctx.rows * this.outputSize, 1 / inputs.length);
    return dIn;
  }
}

/** Element-wise product of its inputs (Keras' `Multiply`): gating. */
export class Multiply extends ElementwiseMerge {
  readonly className = 'Multiply';

  constructor(options?: MergeOptions) {
    super('layers.multiply', options);
  }

  forwardMany(ctx: StepContext, sc: LayerScratch, inputs: number[]): number {
    const n = ctx.rows * this.outputSize;
    f32_mul(ctx.e, inputs[0]!, inputs[1]!, sc.out, n);
    for (let k = 2; k < inputs.length; k++) f32_mul(ctx.e, sc.out, inputs[k]!, sc.out, n);
    return sc.out;
  }

  // d(x_0 * ... * x_m)/d(x_k) = the product of the other inputs (computed again rather than
  // divided out, which would fail where x_k is 0)
  backwardInput(ctx: StepContext, _sc: LayerScratch, inputs: number[], _output: number, dOut: number, k: number, dIn: number): number {
    if (!dIn) return 0;
    const n = ctx.rows * this.outputSize;
    let first = true;
    inputs.forEach((x, j) => {
      if (j === k) return;
      f32_mul(ctx.e, first ? dOut : dIn, x, dIn, n);
      first = false;
    });
    return dIn;
  }
}

/** Joins its inputs along an axis (Keras' `Concatenate`; default the last axis). */
export class Concatenate extends Merge {
  readonly className = 'Concatenate';
  /** The axis as given (Keras' count, with the batch as axis 0). */
  readonly axis: number;
  /** Per example: blocks before the axis, and each input's floats per block. */
  private outer = 1;
  private inner: number[] = [];

  constructor(options?: ConcatenateOptions) {
    super('layers.concatenate', options, ['axis']);
    const axis = options?.axis ?? -1;
    if (!Number.isInteger(axis) || axis === 0) {
      throw new RangeError(`layers.concatenate: options.axis must be a non-zero integer (axis 0 is the batch; -1 the last axis), got ${describe(axis)}`);
    }
    this.axis = axis;
  }

  protected mergedShape(shapes: number[][]): number[] {
    const rank = shapes[0]!.length;
    const a = this.axis < 0 ? rank + this.axis : this.axis - 1;
    if (a < 0 || a >= rank) throw new ShapeError(`${this.label()}: axis ${this.axis} is out of range for inputs of shape ${show(shapes[0]!)}`);
    shapes.forEach((s, k) => {
      if (s.length !== rank || s.some((d, i) => i !== a && d !== shapes[0]![i])) {
        throw new ShapeError(
          `${this.label()}: inputs must agree on every axis but the concatenation axis ${this.axis}, got ${shapes.map(show).join(' and ')} (input ${k} differs)`,
        );
      }
    });
    this.outer = shapes[0]!.slice(0, a).reduce((x, y) => x * y, 1);
    this.inner = shapes.map((s) => s.slice(a).reduce((x, y) => x * y, 1));
    const out = shapes[0]!.slice();
    out[a] = shapes.reduce((n, s) => n + s[a]!, 0);
    return out;
  }

  /** Float offset of input k's columns within one block of the output. */
  private column(k: number): number {
    let c = 0;
    for (let j = 0; j < k; j++) c += this.inner[j]!;
    return c;
  }

  forwardMany(ctx: StepContext, sc: LayerScratch, inputs: number[]): number {
    const total = this.inner.reduce((a, b) => a + b, 0);
    const blocks = ctx.rows * this.outer;
    inputs.forEach((x, k) => f32_strided_copy(ctx.e, x, this.inner[k]!, sc.out + this.column(k) * 4, total, blocks, this.inner[k]!));
    return sc.out;
  }

  backwardInput(ctx: StepContext, _sc: LayerScratch, _inputs: number[], _output: number, dOut: number, k: number, dIn: number): number {
    if (!dIn) return 0;
    const total = this.inner.reduce((a, b) => a + b, 0);
    f32_strided_copy(ctx.e, dOut + this.column(k) * 4, total, dIn, this.inner[k]!, ctx.rows * this.outer, this.inner[k]!);
    return dIn;
  }

  override getConfig(): Record<string, unknown> {
    return { name: this.name, axis: this.axis };
  }
}

/** `knobs.layers.add()`: the element-wise sum of its inputs (apply it to an array of tensors of one shape). */
export function add(options?: MergeOptions): Add {
  return new Add(options);
}

/** `knobs.layers.multiply()`: the element-wise product of its inputs. */
export function multiply(options?: MergeOptions): Multiply {
  return new Multiply(options);
}

/** `knobs.layers.average()`: the element-wise mean of its inputs. */
export function average(options?: MergeOptions): Average {
  return new Average(options);
}

/** `knobs.layers.concatenate({ axis })`: joins its inputs along an axis (default the last). */
export function concatenate(options?: ConcatenateOptions): Concatenate {
  return new Concatenate(options);
}
