/**
 * f32_pad2d: zero padding of NHWC batches and its gradient, against a plain reference on
 * random inputs over awkward shapes. Both are copies, so they must match bit for bit.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { engine } from '../../src/engine/engine';
import { f32_pad2d_backward, f32_pad2d_forward, type Pad2dShape } from '../../src/engine/kernels/f32_pad2d';
import { randomArray } from '../helpers';
import { Arena, expectSameBits } from './arena';

const arena = new Arena();
afterEach(() => arena.free());

const SHAPES: Pad2dShape[] = [
  { rows: 1, height: 1, width: 1, channels: 1, top: 1, bottom: 1, left: 1, right: 1 },
  { rows: 3, height: 5, width: 7, channels: 3, top: 2, bottom: 0, left: 0, right: 3 },
  { rows: 2, height: 28, width: 28, channels: 1, top: 2, bottom: 2, left: 2, right: 2 },
  { rows: 1, height: 4, width: 3, channels: 33, top: 0, bottom: 1, left: 1, right: 0 },
  { rows: 2, height: 6, width: 6, channels: 8, top: 0, bottom: 0, left: 0, right: 0 },
];

/** The padded image, element by element. */
function padRef(x: Float32Array, s: Pad2dShape): Float32Array {
  const oh = s.height + s.top + s.bottom,
    ow = s.width + s.left + s.right;
  const y = new Float32Array(s.rows * oh * ow * s.channels);
  for (let r = 0; r < s.rows; r++)
    for (let i = 0; i < s.height; i++)
      for (let j = 0; j < s.width; j++)
        for (let c = 0; c < s.channels; c++)
          y[((r * oh + i + s.top) * ow + j + s.left) * s.channels + c] = x[((r * s.height + i) * s.width + j) * s.channels + c]!;
  return y;
}

describe('f32_pad2d_forward, f32_pad2d_backward', () => {
  it('pad with zeros and crop the gradient back, over awkward shapes', () => {
    SHAPES.forEach((s, k) => {
      const n = s.rows * s.height * s.width * s.channels;
      const x = randomArray(n, 10 + k),
        want = padRef(x, s);
      const y = arena.guarded(want.length);
      f32_pad2d_forward(engine(), arena.f32(x), y.ptr, s);
      y.checkGuards(`pad ${k}`);
      expectSameBits(y.read(), want, `pad ${JSON.stringify(s)}`);
      // backward: the crop of a random dy is where padRef put each input element
      const dy = randomArray(want.length, 20 + k);
      const dx = arena.guarded(n);
      f32_pad2d_backward(engine(), arena.f32(dy), dx.ptr, s);
      dx.checkGuards(`crop ${k}`);
      const crop = new Float32Array(n);
      const marker = padRef(
        Float32Array.from({ length: n }, (_, i) => i + 1),
        s,
      );
      marker.forEach((v, q) => {
        if (v) crop[v - 1] = dy[q]!;
      });
      expectSameBits(dx.read(), crop, `crop ${JSON.stringify(s)}`);
    });
  });

  it('reject overlapping buffers and negative padding', () => {
    const e = engine();
    const p = arena.f32(new Float32Array(64));
    const s: Pad2dShape = { rows: 1, height: 2, width: 2, channels: 1, top: 1, bottom: 1, left: 1, right: 1 };
    expect(() => f32_pad2d_forward(e, p, p + 4, s)).toThrow(/y overlaps x/);
    expect(() => f32_pad2d_forward(e, p, p + 64, { ...s, top: -1 })).toThrow(/top must be a non-negative integer, got -1/);
  });
});
