/**
 * What the convolution layers share: Keras' options (a number or [h, w] for kernelSize,
 * strides and dilationRate; 'valid' or 'same' padding), the build-time shape checks with messages
 * naming the layer and the shapes, and the geometry the kernels take.
 * @internal
 */
import { describe, ShapeError } from '../errors';
import { convAxis, type ConvGeometry, type ConvPadding } from '../engine/kernels/f32_conv2d';
import { oneOf } from '../util/options';

/** A size along the two spatial axes: one number for both, or [height, width]. */
export type Size2 = number | [number, number];

/** Parses a Size2 option into [h, w] of positive integers. */
export function size2(where: string, name: string, value: unknown): [number, number] {
  const pair = typeof value === 'number' ? [value, value] : value;
  if (!Array.isArray(pair) || pair.length !== 2 || pair.some((v) => typeof v !== 'number' || !Number.isInteger(v) || v <= 0)) {
    throw new RangeError(`${where}: ${name} must be a positive integer or [height, width] of positive integers, got ${describeSize(value)}`);
  }
  return [pair[0] as number, pair[1] as number];
}

function describeSize(value: unknown): string {
  if (Array.isArray(value) && value.length <= 4) return `[${value.map((v) => describe(v)).join(', ')}]`;
  return describe(value);
}

/**
 * Accepts tfjs' `dataFormat: 'channelsLast'` (the only layout knobs has) and rejects
 * 'channelsFirst' with what to do instead.
 */
export function checkDataFormat(where: string, value: unknown): void {
  if (value === undefined || value === 'channelsLast') return;
  if (value === 'channelsFirst') {
    throw new RangeError(
      `${where}: dataFormat 'channelsFirst' is not supported; knobs convolutions are channels last (NHWC): transpose x to [n, h, w, c] rows`,
    );
  }
  throw new RangeError(`${where}: dataFormat must be 'channelsLast', got ${describe(value)}`);
}

/** Parses the padding option (default 'valid'). */
export function padding(where: string, value: unknown): ConvPadding {
  return oneOf(where, 'padding', value ?? 'valid', ['valid', 'same'] as const);
}

/** The spatial settings of a convolution layer. */
export interface Spatial {
  kernelSize: [number, number];
  strides: [number, number];
  dilationRate: [number, number];
  padding: ConvPadding;
}

/** `layers.conv2d (name)`: how build-time errors name a layer. */
export function layerLabel(fn: string, name: string): string {
  return name ? `${fn} (${name})` : fn;
}

/**
 * Checks that the input is [height, width, channels] and that the filter fits, and returns the
 * geometry for one example (n = 1) with `oc` output channels.
 */
export function buildGeometry(label: string, inputShape: number[], s: Spatial, oc: number): ConvGeometry {
  if (inputShape.length !== 3) {
    throw new ShapeError(
      `${label}: expects inputs of shape [height, width, channels], got [${inputShape.join(', ')}]` +
        (inputShape.length === 1 ? `; give the model inputShape [h, w, c] (for example [28, 28, 1] for ${inputShape[0]} = 784 values)` : '') +
        (inputShape.length === 2 ? `; a grayscale image needs its channel axis: [${inputShape.join(', ')}, 1]` : '') +
        (inputShape.length === 4 ? `; inputShape leaves out the batch dimension: [${inputShape.slice(1).join(', ')}], not [${inputShape.join(', ')}]` : ''),
    );
  }
  const [h, w, c] = inputShape as [number, number, number];
  const y = convAxis(h, s.kernelSize[0], s.strides[0], s.dilationRate[0], s.padding);
  const x = convAxis(w, s.kernelSize[1], s.strides[1], s.dilationRate[1], s.padding);
  if (y.out < 1 || x.out < 1) {
    const span = [0, 1].map((i) => (s.kernelSize[i]! - 1) * s.dilationRate[i]! + 1);
    throw new ShapeError(
      `${label}: kernelSize [${s.kernelSize.join(', ')}]` +
        (s.dilationRate[0] > 1 || s.dilationRate[1] > 1 ? ` with dilationRate [${s.dilationRate.join(', ')}] (spans [${span.join(', ')}])` : '') +
        ` is larger than its input [${inputShape.join(', ')}] with padding 'valid'; use padding 'same' or a smaller kernel`,
    );
  }
  return {
    n: 1,
    h,
    w,
    c,
    oc,
    kh: s.kernelSize[0],
    kw: s.kernelSize[1],
    sh: s.strides[0],
    sw: s.strides[1],
    dh: s.dilationRate[0],
    dw: s.dilationRate[1],
    pt: y.before,
    pl: x.before,
    oh: y.out,
    ow: x.out,
  };
}

/** The spatial options as saved in the configuration. */
export function spatialConfig(s: Spatial): Record<string, unknown> {
  return { kernelSize: s.kernelSize, strides: s.strides, padding: s.padding, dilationRate: s.dilationRate };
}
