/**
 * Pooling layers over images [height, width, channels] (NHWC, channels last), with Keras'
 * names, options and defaults: `maxPooling2d` and `averagePooling2d` (poolSize 2, strides =
 * poolSize, padding 'valid'; TensorFlow's 'same' padding, which average pooling leaves out of
 * the count), `globalAveragePooling2d` and `globalMaxPooling2d` (one value per channel).
 *
 * Max pooling records each window's winner in its scratch during the forward pass; the backward
 * pass adds the output gradient there. Every example is pooled on its own, so row shards on
 * different workers need nothing from each other.
 * @module
 */
import {
  poolAxis,
  f32_avgpool2d_backward,
  f32_avgpool2d_forward,
  f32_maxpool2d_backward,
  f32_maxpool2d_forward,
  type Pool2dShape,
} from '../engine/kernels/f32_pool2d';
import { ShapeError } from '../errors';
import { checkKnownOptions, oneOf } from '../util/options';
import { checkDataFormat, imageShape, layerLabel, optionalInputShape, positivePair } from './image';
import { Layer, type LayerScratch, type StepContext } from './layer';

/** Options of {@link maxPooling2d} and {@link averagePooling2d}. */
export interface Pooling2DOptions {
  /** Window size: n or [height, width]. Default [2, 2]. */
  poolSize?: number | [number, number];
  /** Step between windows: n or [height, width]. Default: poolSize. */
  strides?: number | [number, number];
  /** 'valid' (windows inside the image) or 'same' (output ceil(input / stride), padded as TensorFlow does). Default 'valid'. */
  padding?: 'valid' | 'same';
  /** Only 'channelsLast'. */
  dataFormat?: 'channelsLast';
  /** Input shape [height, width, channels] when this is the first layer. */
  inputShape?: number[];
  name?: string;
  /** Default true; false freezes the layer's weights (see Layer.trainable). */
  trainable?: boolean;
}

const POOL_OPTIONS = ['poolSize', 'strides', 'padding', 'dataFormat', 'inputShape', 'name', 'trainable'] as const;

/** The common part of max and average pooling. */
abstract class Pooling2D extends Layer {
  /** The backward pass reads the window winners (max) or nothing (average), never the output. */
  override outputOverwritable(): boolean {
    return true;
  }

  readonly poolSize: [number, number];
  readonly strides: [number, number];
  readonly padding: 'valid' | 'same';
  readonly inputShape: number[] | undefined;
  protected shape: Omit<Pool2dShape, 'rows'> | undefined;

  constructor(
    protected readonly factory: string,
    options: Pooling2DOptions,
  ) {
    super(options);
    const W = layerLabel(factory, options?.name);
    checkKnownOptions(W, options, POOL_OPTIONS);
    const o = options ?? {};
    this.poolSize = positivePair(W, 'poolSize', o.poolSize ?? 2);
    this.strides = o.strides === undefined || o.strides === null ? this.poolSize : positivePair(W, 'strides', o.strides);
    this.padding = oneOf(W, 'padding', o.padding ?? 'valid', ['valid', 'same']);
    checkDataFormat(W, o.dataFormat);
    this.inputShape = optionalInputShape(W, o.inputShape);
  }

  build(inputShape: number[]): void {
    const W = layerLabel(this.factory, this.name);
    const [h, w, c] = imageShape(W, inputShape);
    const v = poolAxis(h, this.poolSize[0], this.strides[0], this.padding),
      hz = poolAxis(w, this.poolSize[1], this.strides[1], this.padding);
    if (v.out < 1 || hz.out < 1) {
      throw new ShapeError(
        `${W}: a ${this.poolSize[0]} x ${this.poolSize[1]} pool does not fit its input [${inputShape.join(', ')}] with padding 'valid'; use a smaller poolSize or padding 'same'`,
      );
    }
    this.shape = {
      height: h,
      width: w,
      channels: c,
      poolHeight: this.poolSize[0],
      poolWidth: this.poolSize[1],
      strideHeight: this.strides[0],
      strideWidth: this.strides[1],
      padding: this.padding,
    };
    this.inputSize = h * w * c;
    this.outputShape = [v.out, hz.out, c];
    this.outputSize = v.out * hz.out * c;
  }

  getConfig(): Record<string, unknown> {
    return {
      name: this.name,
      poolSize: [...this.poolSize],
      strides: [...this.strides],
      padding: this.padding,
      dataFormat: 'channelsLast',
      ...(this.inputShape ? { inputShape: this.inputShape } : {}),
    };
  }
}

/** Keras `MaxPooling2D`: the maximum of each window; made by {@link maxPooling2d}. */
export class MaxPooling2D extends Pooling2D {
  readonly className = 'MaxPooling2D';

  constructor(options: Pooling2DOptions = {}) {
    super('maxPooling2d', options);
  }

  override scratchSpec(rowsCap: number): { out: number; extra: Record<string, number> } {
    // argmax: the int32 offset of each output's winner within its example
    return { out: rowsCap * this.outputSize, extra: { argmax: rowsCap * this.outputSize } };
  }

  forward(ctx: StepContext, sc: LayerScratch, input: number): number {
    f32_maxpool2d_forward(ctx.e, input, sc.out, sc.extra.argmax!, { rows: ctx.rows, ...this.shape! });
    return sc.out;
  }

  backward(ctx: StepContext, sc: LayerScratch, _input: number, _output: number, dOut: number, dIn: number): number {
    if (!dIn) return 0;
    f32_maxpool2d_backward(ctx.e, dOut, sc.extra.argmax!, dIn, { rows: ctx.rows, ...this.shape! });
    return dIn;
  }
}

/** Keras `AveragePooling2D`: the mean of each window; made by {@link averagePooling2d}. */
export class AveragePooling2D extends Pooling2D {
  readonly className = 'AveragePooling2D';

  constructor(options: Pooling2DOptions = {}) {
    super('averagePooling2d', options);
  }

  override scratchSpec(rowsCap: number): { out: number; extra: Record<string, number> } {
    return { out: rowsCap * this.outputSize, extra: {} };
  }

  forward(ctx: StepContext, sc: LayerScratch, input: number): number {
    f32_avgpool2d_forward(ctx.e, input, sc.out, { rows: ctx.rows, ...this.shape! });
    return sc.out;
  }

  backward(ctx: StepContext, _sc: LayerScratch, _input: number, _output: number, dOut: number, dIn: number): number {
    if (!dIn) return 0;
    f32_avgpool2d_backward(ctx.e, dOut, dIn, { rows: ctx.rows, ...this.shape! });
    return dIn;
  }
}

/** Options of {@link globalAveragePooling2d} and {@link globalMaxPooling2d}. */
export interface GlobalPooling2DOptions {
  /** Keep the output as [1, 1, channels] instead of [channels]. Default false. */
  keepdims?: boolean;
  dataFormat?: 'channelsLast';
  inputShape?: number[];
  name?: string;
  /** Default true; false freezes the layer's weights (see Layer.trainable). */
  trainable?: boolean;
}

/** One window over the whole image: the pooling kernels with poolSize = the input's size. */
abstract class GlobalPooling2D extends Layer {
  /** The backward pass reads the window winners (max) or nothing (average), never the output. */
  override outputOverwritable(): boolean {
    return true;
  }

  readonly keepdims: boolean;
  readonly inputShape: number[] | undefined;
  protected shape: Omit<Pool2dShape, 'rows'> | undefined;

  constructor(
    protected readonly factory: string,
    options: GlobalPooling2DOptions,
  ) {
    super(options);
    const W = layerLabel(factory, options?.name);
    checkKnownOptions(W, options, ['keepdims', 'dataFormat', 'inputShape', 'name', 'trainable']);
    const o = options ?? {};
    if (o.keepdims !== undefined && typeof o.keepdims !== 'boolean') throw new TypeError(`${W}: keepdims must be a boolean, got ${String(o.keepdims)}`);
    this.keepdims = o.keepdims ?? false;
    checkDataFormat(W, o.dataFormat);
    this.inputShape = optionalInputShape(W, o.inputShape);
  }

  build(inputShape: number[]): void {
    const [h, w, c] = imageShape(layerLabel(this.factory, this.name), inputShape);
    this.shape = { height: h, width: w, channels: c, poolHeight: h, poolWidth: w, strideHeight: 1, strideWidth: 1, padding: 'valid' };
    this.inputSize = h * w * c;
    this.outputSize = c;
    this.outputShape = this.keepdims ? [1, 1, c] : [c];
  }

  override scratchSpec(rowsCap: number): { out: number; extra: Record<string, number> } {
    return { out: rowsCap * this.outputSize, extra: {} };
  }

  getConfig(): Record<string, unknown> {
    return { name: this.name, keepdims: this.keepdims, dataFormat: 'channelsLast', ...(this.inputShape ? { inputShape: this.inputShape } : {}) };
  }
}

/** Keras `GlobalAveragePooling2D`: each channel's mean over the image; made by {@link globalAveragePooling2d}. */
export class GlobalAveragePooling2D extends GlobalPooling2D {
  readonly className = 'GlobalAveragePooling2D';

  constructor(options: GlobalPooling2DOptions = {}) {
    super('globalAveragePooling2d', options);
  }

  forward(ctx: StepContext, sc: LayerScratch, input: number): number {
    f32_avgpool2d_forward(ctx.e, input, sc.out, { rows: ctx.rows, ...this.shape! });
    return sc.out;
  }

  backward(ctx: StepContext, _sc: LayerScratch, _input: number, _output: number, dOut: number, dIn: number): number {
    if (!dIn) return 0;
    f32_avgpool2d_backward(ctx.e, dOut, dIn, { rows: ctx.rows, ...this.shape! });
    return dIn;
  }
}

/** Keras `GlobalMaxPooling2D`: each channel's maximum over the image; made by {@link globalMaxPooling2d}. */
export class GlobalMaxPooling2D extends GlobalPooling2D {
  readonly className = 'GlobalMaxPooling2D';

  constructor(options: GlobalPooling2DOptions = {}) {
    super('globalMaxPooling2d', options);
  }

  override scratchSpec(rowsCap: number): { out: number; extra: Record<string, number> } {
    return { out: rowsCap * this.outputSize, extra: { argmax: rowsCap * this.outputSize } };
  }

  forward(ctx: StepContext, sc: LayerScratch, input: number): number {
    f32_maxpool2d_forward(ctx.e, input, sc.out, sc.extra.argmax!, { rows: ctx.rows, ...this.shape! });
    return sc.out;
  }

  backward(ctx: StepContext, sc: LayerScratch, _input: number, _output: number, dOut: number, dIn: number): number {
    if (!dIn) return 0;
    f32_maxpool2d_backward(ctx.e, dOut, sc.extra.argmax!, dIn, { rows: ctx.rows, ...this.shape! });
    return dIn;
  }
}

/**
 * `knobs.layers.maxPooling2d()`: the maximum of each poolSize window, stepping by strides.
 *
 * @example
 * ```ts
 * knobs.layers.maxPooling2d({ poolSize: 2 });                         // [26, 26, 32] -> [13, 13, 32]
 * knobs.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }); // [7, 7, 8] -> [4, 4, 8]
 * ```
 */
export function maxPooling2d(options: Pooling2DOptions = {}): MaxPooling2D {
  return new MaxPooling2D(options);
}

/**
 * `knobs.layers.averagePooling2d()`: the mean of each window ('same' padding is left out of
 * the count, as in TensorFlow).
 *
 * @example
 * ```ts
 * knobs.layers.averagePooling2d({ poolSize: [2, 2] }); // [28, 28, 6] -> [14, 14, 6]
 * ```
 */
export function averagePooling2d(options: Pooling2DOptions = {}): AveragePooling2D {
  return new AveragePooling2D(options);
}

/**
 * `knobs.layers.globalAveragePooling2d()`: the mean of each channel over the image.
 *
 * @example
 * ```ts
 * knobs.layers.globalAveragePooling2d(); // [7, 7, 64] -> [64]
 * ```
 */
export function globalAveragePooling2d(options: GlobalPooling2DOptions = {}): GlobalAveragePooling2D {
  return new GlobalAveragePooling2D(options);
}

/**
 * `knobs.layers.globalMaxPooling2d()`: the maximum of each channel over the image.
 *
 * @example
 * ```ts
 * knobs.layers.globalMaxPooling2d({ keepdims: true }); // [7, 7, 64] -> [1, 1, 64]
 * ```
 */
export function globalMaxPooling2d(options: GlobalPooling2DOptions = {}): GlobalMaxPooling2D {
  return new GlobalMaxPooling2D(options);
}
