/**
 * The gather kernels against plain JavaScript references: rows by index (a mini-batch from
 * a permutation, with repeats and the last row), 4-byte elements by index (bit-exact, so i32
 * labels and f32 weights alike), and the float64 sum of gathered weights. Outputs sit between
 * guard bands, so a write outside them fails.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { engine } from '../../src/engine/engine';
import { f32_gather_rows, f32_gather_sum, x32_gather } from '../../src/engine/kernels/f32_gather';
import { SIZES, randomArray, rng } from '../helpers';
import { Arena, expectSameBits, getI32 } from './arena';

const arena = new Arena();
afterEach(() => arena.free());

/** count indices into 0..n-1: a shuffled prefix, a repeat, and the last index. */
function indices(n: number, count: number, seed: number): Int32Array {
  const r = rng(seed);
  const idx = Int32Array.from({ length: count }, () => Math.floor(r() * n));
  if (count > 0) idx[count - 1] = n - 1;
  if (count > 2) idx[1] = idx[0]!;
  return idx;
}

function gatherRowsRef(src: Float32Array, idx: Int32Array, cols: number): Float32Array {
  const out = new Float32Array(idx.length * cols);
  for (let r = 0; r < idx.length; r++) for (let j = 0; j < cols; j++) out[r * cols + j] = src[idx[r]! * cols + j]!;
  return out;
}

describe('f32_gather_rows', () => {
  it('dst[r, :] = src[idx[r], :] over the size grid', () => {
    let seed = 1;
    for (const srcRows of [1, 5, 64])
      for (const cols of SIZES)
        for (const count of [0, 1, 3, 17]) {
          const src = randomArray(srcRows * cols, seed++);
          const idx = indices(srcRows, count, seed++);
          const dst = arena.guarded(count * cols);
          f32_gather_rows(engine(), arena.f32(src), srcRows, arena.i32(idx), count, cols, dst.ptr);
          const label = `${srcRows} rows of ${cols}, ${count} gathered`;
          dst.checkGuards(label);
          expectSameBits(dst.read(), gatherRowsRef(src, idx, cols), label);
        }
  });

  it('copies bits: NaN, -0 and infinities arrive unchanged', () => {
    const src = Float32Array.from([NaN, -0, Infinity, -Infinity, 1, 2]);
    const dst = arena.guarded(6);
    f32_gather_rows(engine(), arena.f32(src), 3, arena.i32([2, 0, 1]), 3, 2, dst.ptr);
    expectSameBits(dst.read(), [1, 2, NaN, -0, Infinity, -Infinity], 'special values');
  });

  it('the wrapper refuses an output that overlaps the source', () => {
    const src = arena.f32(randomArray(8, 3));
    expect(() => f32_gather_rows(engine(), src, 4, arena.i32([0, 1]), 2, 2, src + 8)).toThrow(
      new RangeError('f32_gather_rows: dst overlaps src; the output must be a separate buffer'),
    );
  });
});

describe('x32_gather', () => {
  it('dst[r] = src[idx[r]], bit for bit, for i32 labels and f32 weights', () => {
    let seed = 200;
    for (const n of [1, 7, 100])
      for (const count of [0, 1, 5, 33]) {
        const labels = Int32Array.from(randomArray(n, seed++, -1e6, 1e6), Math.trunc);
        const idx = indices(n, count, seed++);
        const dst = arena.guarded(count);
        x32_gather(engine(), arena.i32(labels), n, arena.i32(idx), count, dst.ptr);
        dst.checkGuards(`labels n ${n} count ${count}`);
        expect(Array.from(getI32(dst.ptr, count))).toEqual(Array.from(idx, (i) => labels[i]!));
        const w = randomArray(n, seed++, 0, 5);
        w[0] = NaN;
        const dw = arena.guarded(count);
        x32_gather(engine(), arena.f32(w), n, arena.i32(idx), count, dw.ptr);
        dw.checkGuards(`weights n ${n} count ${count}`);
        expectSameBits(
          dw.read(),
          Float32Array.from(idx, (i) => w[i]!),
          `weights n ${n} count ${count}`,
        );
      }
  });
});

describe('f32_gather_sum', () => {
  it('the float64 sum of src[idx[r]] in index order', () => {
    let seed = 400;
    for (const n of [1, 9, 1000])
      for (const count of [0, 1, 4, 5, 257]) {
        const w = randomArray(n, seed++, 0, 10);
        const idx = indices(n, count, seed++);
        let want = 0;
        for (const i of idx) want += w[i]!; // float32 values summed in float64, in order: exact match
        expect(f32_gather_sum(engine(), arena.f32(w), n, arena.i32(idx), count), `n ${n} count ${count}`).toBe(want);
      }
  });

  it('keeps float64 precision where a float32 sum would not', () => {
    // 2^24 + 1 is not a float32: a float32 accumulator would lose the ones
    const w = Float32Array.from([2 ** 24, 1]);
    expect(f32_gather_sum(engine(), arena.f32(w), 2, arena.i32([0, 1, 1, 1]), 4)).toBe(2 ** 24 + 3);
  });
});
