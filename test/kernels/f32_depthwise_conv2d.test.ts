import { afterEach, describe, expect, it } from 'vitest';
import { engine } from '../../src/engine/engine';
import { f32_depthwise_conv2d_forward } from '../../src/engine/kernels/f32_depthwise_conv2d';
import { ShapeError } from '../../src/errors';
import { Arena } from './arena';
import { checkAgainstReference, checkAgainstTorch } from './conv-cases';
import type { ConvCase } from './conv-reference';

const arena = new Arena();
afterEach(() => arena.free());

/** Awkward shapes: odd sizes, strides 2, 'same' with even kernels, dilation 2, 1 channel and many, depth multipliers 1-3, batch 1. */
const CASES: ConvCase[] = [
  { n: 1, h: 5, w: 7, c: 1, dm: 1, kh: 3, kw: 3, padding: 'valid' },
  { n: 2, h: 9, w: 8, c: 3, dm: 2, kh: 2, kw: 2, padding: 'same' },
  { n: 3, h: 11, w: 10, c: 4, dm: 1, kh: 3, kw: 3, sh: 2, sw: 2, padding: 'same' },
  { n: 2, h: 7, w: 9, c: 5, dm: 3, kh: 3, kw: 2, sh: 2, sw: 1, dh: 2, dw: 2, padding: 'valid' },
  { n: 1, h: 13, w: 13, c: 32, dm: 1, kh: 3, kw: 3, padding: 'same' },
  { n: 2, h: 8, w: 9, c: 6, dm: 2, kh: 4, kw: 4, sh: 3, sw: 3, padding: 'same' },
  { n: 2, h: 10, w: 10, c: 7, dm: 1, kh: 3, kw: 3, sh: 2, sw: 2, dh: 2, dw: 2, padding: 'same' },
  { n: 1, h: 4, w: 4, c: 1, dm: 4, kh: 4, kw: 4, padding: 'valid' },
  { n: 2, h: 6, w: 6, c: 9, dm: 1, kh: 1, kw: 1, padding: 'valid' },
];

describe('f32_depthwise_conv2d', () => {
  it('forward, input, filter and bias gradients match a float64 reference over awkward shapes', () => {
    CASES.forEach((cs, i) => checkAgainstReference(arena, cs, 300 + 10 * i));
  });

  it('matches PyTorch (conv2d with groups = channels, NCHW transposed) on awkward shapes', () => {
    checkAgainstTorch(arena, CASES, 900);
  }, 60_000);

  it('rejects an output channel count that is not channels x depthMultiplier', () => {
    const e = engine();
    const g = { n: 1, h: 5, w: 5, c: 2, oc: 3, kh: 3, kw: 3, sh: 1, sw: 1, dh: 1, dw: 1, pt: 0, pl: 0, oh: 3, ow: 3 };
    const x = arena.f32(new Float32Array(50)),
      wt = arena.f32(new Float32Array(36)),
      y = arena.f32(new Float32Array(36));
    expect(() => f32_depthwise_conv2d_forward(e, g, 2, x, wt, 0, y, 0, 0)).toThrow(ShapeError);
  });
});
