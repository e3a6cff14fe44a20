/**
 * Zero padding of images [height, width, channels] (Keras `ZeroPadding2D`, channels last):
 * rows of zeros above and below, columns of zeros left and right. The gradient is the crop of
 * the output gradient back to the image. Both run in the f32_pad2d kernels.
 * @module
 */
import { f32_pad2d_backward, f32_pad2d_forward, type Pad2dShape } from '../engine/kernels/f32_pad2d';
import { describe } from '../errors';
import { checkKnownOptions } from '../util/options';
import { checkDataFormat, imageShape, layerLabel, optionalInputShape } from './image';
import { Layer, type LayerScratch, type StepContext } from './layer';

/** n on every side, [h, w] (h above and below, w left and right), or [[top, bottom], [left, right]]. */
export type Padding2D = number | [number, number] | [[number, number], [number, number]];

/** Options of {@link zeroPadding2d}. */
export interface ZeroPadding2DOptions {
  /** Default 1. */
  padding?: Padding2D;
  dataFormat?: 'channelsLast';
  inputShape?: number[];
  name?: string;
  /** Default true; false freezes the layer's weights (see Layer.trainable). */
  trainable?: boolean;
}

function paddingOf(where: string, v: unknown): [[number, number], [number, number]] {
  const ok = (d: unknown): d is number => typeof d === 'number' && Number.isInteger(d) && d >= 0;
  const pair = (p: unknown): p is [number, number] => Array.isArray(p) && p.length === 2 && ok(p[0]) && ok(p[1]);
  if (ok(v))
    return [
      [v, v],
      [v, v],
    ];
  if (pair(v))
    return [
      [v[0], v[0]],
      [v[1], v[1]],
    ];
  if (Array.isArray(v) && v.length === 2 && pair(v[0]) && pair(v[1]))
    return [
      [v[0][0], v[0][1]],
      [v[1][0], v[1][1]],
    ];
  throw new RangeError(
    `${where}: padding must be a non-negative integer, [height, width] or [[top, bottom], [left, right]] of non-negative integers, got ${describe(v)}${Array.isArray(v) ? ` ${JSON.stringify(v)}` : ''}`,
  );
}

/** Keras `ZeroPadding2D`: zeros around each image; made by {@link zeroPadding2d}. */
export class ZeroPadding2D extends Layer {
  readonly className = 'ZeroPadding2D';
  /** [[top, bottom], [left, right]]. */
  readonly padding: [[number, number], [number, number]];
  readonly inputShape: number[] | undefined;
  private shape: Omit<Pad2dShape, 'rows'> | undefined;

  constructor(options: ZeroPadding2DOptions = {}) {
    super(options);
    const W = layerLabel('zeroPadding2d', options?.name);
    checkKnownOptions(W, options, ['padding', 'dataFormat', 'inputShape', 'name', 'trainable']);
    const o = options ?? {};
    this.padding = paddingOf(W, o.padding ?? 1);
    checkDataFormat(W, o.dataFormat);
    this.inputShape = optionalInputShape(W, o.inputShape);
  }

  build(inputShape: number[]): void {
    const [h, w, c] = imageShape(layerLabel('zeroPadding2d', this.name), inputShape);
    const [[top, bottom], [left, right]] = this.padding;
    this.shape = { height: h, width: w, channels: c, top, bottom, left, right };
    this.inputSize = h * w * c;
    this.outputShape = [h + top + bottom, w + left + right, c];
    this.outputSize = this.outputShape.reduce((a, b) => a * b, 1);
  }

  override scratchSpec(rowsCap: number): { out: number; extra: Record<string, number> } {
    return { out: rowsCap * this.outputSize, extra: {} };
  }

  forward(ctx: StepContext, sc: LayerScratch, input: number): number {
    f32_pad2d_forward(ctx.e, input, sc.out, { rows: ctx.rows, ...this.shape! });
    return sc.out;
  }

  backward(ctx: StepContext, _sc: LayerScratch, _input: number, _output: number, dOut: number, dIn: number): number {
    if (!dIn) return 0;
    f32_pad2d_backward(ctx.e, dOut, dIn, { rows: ctx.rows, ...this.shape! });
    return dIn;
  }

  getConfig(): Record<string, unknown> {
    const [[t, b], [l, r]] = this.padding;
    return {
      name: this.name,
      padding: [
        [t, b],
        [l, r],
      ],
      dataFormat: 'channelsLast',
      ...(this.inputShape ? { inputShape: this.inputShape } : {}),
    };
  }
}

/**
 * `knobs.layers.zeroPadding2d({ padding })`.
 *
 * @example
 * ```ts
 * knobs.layers.zeroPadding2d({ padding: 2 });                // [28, 28, 1] -> [32, 32, 1]
 * knobs.layers.zeroPadding2d({ padding: [[0, 1], [0, 1]] }); // [7, 7, 8] -> [8, 8, 8]
 * ```
 */
export function zeroPadding2d(options: ZeroPadding2DOptions = {}): ZeroPadding2D {
  return new ZeroPadding2D(options);
}
