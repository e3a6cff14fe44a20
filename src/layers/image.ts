/**
 * Option and shape checks shared by the image layers (NHWC, channels last): pairs given as one
 * number or [height, width], and inputs that must be images [height, width, channels].
 * @internal
 */
import { ShapeError, describe } from '../errors';

/** A layer's name in messages: `layers.maxPooling2d (pool1)`. */
export function layerLabel(factory: string, name: string | undefined): string {
  return name ? `layers.${factory} (${name})` : `layers.${factory}`;
}

/** `n` or `[h, w]` of positive integers, as [h, w] (Keras' int-or-tuple options). */
export function positivePair(where: string, option: string, v: unknown): [number, number] {
  const pair = typeof v === 'number' ? [v, v] : Array.isArray(v) && v.length === 2 ? v : undefined;
  if (!pair || !pair.every((d) => typeof d === 'number')) {
    throw new TypeError(`${where}: ${option} must be a positive integer or [height, width], got ${describe(v)}`);
  }
  if (!pair.every((d) => Number.isInteger(d) && d > 0)) {
    throw new RangeError(`${where}: ${option} must hold positive integers, got ${JSON.stringify(v)}`);
  }
  return [pair[0] as number, pair[1] as number];
}

/** Only channels-last data is supported: `dataFormat` may be omitted or 'channelsLast'. */
export function checkDataFormat(where: string, v: unknown): void {
  if (v !== undefined && v !== 'channelsLast') {
    throw new RangeError(`${where}: dataFormat must be 'channelsLast' (knobs stores images NHWC), got ${describe(v)}`);
  }
}

/** The input shape as [height, width, channels], or a ShapeError naming the layer and the shape. */
export function imageShape(where: string, inputShape: number[]): [number, number, number] {
  if (inputShape.length !== 3) {
    const hint = inputShape.length === 1 ? `; add layers.reshape({ targetShape: [height, width, channels] }) first` : '';
    throw new ShapeError(`${where}: expects an input of shape [height, width, channels], got [${inputShape.join(', ')}]${hint}`);
  }
  return [inputShape[0]!, inputShape[1]!, inputShape[2]!];
}

/** An optional `inputShape` option (for a first layer): positive integers. */
export function optionalInputShape(where: string, v: unknown): number[] | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.length === 0 || !v.every((d) => Number.isInteger(d) && d > 0)) {
    throw new TypeError(`${where}: inputShape must be an array of positive integers, got ${describe(v)}`);
  }
  return v.slice() as number[];
}
