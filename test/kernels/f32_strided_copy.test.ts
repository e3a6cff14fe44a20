import { afterEach, describe, expect, it } from 'vitest';
import { engine } from '../../src/engine/engine';
import { f32_strided_copy } from '../../src/engine/kernels/f32_strided_copy';
import { SIZES, randomArray } from '../helpers';
import { Arena, SENTINEL, expectSameBits } from './arena';

const arena = new Arena();
afterEach(() => arena.free());

/** The plain reference: dst (initially `init`) with the block copied in. */
function reference(src: Float32Array, srcLd: number, init: Float32Array, dstLd: number, rows: number, cols: number): Float32Array {
  const out = init.slice();
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[r * dstLd + c] = src[r * srcLd + c]!;
  return out;
}

describe('f32_strided_copy', () => {
  it('copies a block of columns between matrices of other widths, bit-exact, touching nothing else', () => {
    for (const rows of [1, 3, 8]) {
      for (const cols of SIZES) {
        for (const [srcPad, dstPad] of [
          [0, 0],
          [3, 0],
          [0, 5],
          [2, 7],
        ]) {
          const srcLd = cols + srcPad!,
            dstLd = cols + dstPad!;
          const src = randomArray(rows * srcLd, rows * 100 + cols);
          const n = (rows - 1) * dstLd + cols;
          const dst = arena.guarded(n, new Float32Array(n).fill(SENTINEL));
          f32_strided_copy(engine(), arena.f32(src), srcLd, dst.ptr, dstLd, rows, cols);
          const label = `rows=${rows} cols=${cols} srcLd=${srcLd} dstLd=${dstLd}`;
          expectSameBits(dst.read(), reference(src, srcLd, new Float32Array(n).fill(SENTINEL), dstLd, rows, cols), label);
          dst.checkGuards(label);
        }
      }
    }
  });

  it('does nothing for zero rows or columns, and refuses overlapping or too-narrow strides', () => {
    const src = arena.f32(randomArray(12, 1));
    const dst = arena.guarded(12);
    f32_strided_copy(engine(), src, 4, dst.ptr, 4, 0, 4);
    f32_strided_copy(engine(), src, 4, dst.ptr, 4, 3, 0);
    expect(Array.from(dst.read())).toEqual(new Array(12).fill(SENTINEL));
    expect(() => f32_strided_copy(engine(), src, 2, dst.ptr, 4, 3, 4)).toThrow(/srcLd must be an integer >= 4/);
    expect(() => f32_strided_copy(engine(), src, 4, src + 4, 4, 2, 2)).toThrow(/dst overlaps src/);
  });
});
