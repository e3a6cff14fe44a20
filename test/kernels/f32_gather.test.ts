/**
 * The gather kernels against plain JavaScript references: rows by index (a mini-batch from
 * a permutation, with repeats and the last row), 4-byte elements by index (bit-exact, so i32
 * labels and f32 weights alike), and the float64 sum of gathered weights. Outputs sit between
 * guard bands, so a write outside them fails.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { engine } from '../../src/engine/engine';
import { BYTE_DIVISOR, f32_gather_rows, f32_gather_sum, u8_gather_rows_f32, u8_to_f32, x32_gather } from '../../src/engine/kernels/f32_gather';
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

/** n random bytes (all 256 values appear once n >= 256 in the first 256). */
function randomBytes(n: number, seed: number): Uint8Array {
  const r = rng(seed);
  return Uint8Array.from({ length: n }, (_, i) => (i < 256 && n >= 256 ? (i * 167) & 255 : Math.floor(r() * 256)));
}

/** Bytes copied into engine memory at an odd byte offset (the kernel reads bytes unaligned). */
function arenaBytes(bytes: Uint8Array): number {
  const p = arena.f32(new Float32Array(Math.ceil((bytes.length + 3) / 4) + 1)) + 3;
  engine().u8.set(bytes, p);
  return p;
}

describe('u8_to_f32', () => {
  it('dst[i] = src[i] / 255, the f32 nearest to the quotient, for every byte and the size grid', () => {
    let seed = 600;
    for (const n of [...SIZES, 15, 16, 31, 256, 1000]) {
      const src = randomBytes(n, seed++);
      const dst = arena.guarded(n);
      u8_to_f32(engine(), arenaBytes(src), n, BYTE_DIVISOR, dst.ptr);
      dst.checkGuards(`n ${n}`);
      // Math.fround of the float64 quotient: the reference a float copy of the data is made with
      expectSameBits(
        dst.read(),
        Float32Array.from(src, (b) => Math.fround(b / 255)),
        `n ${n}`,
      );
    }
  });

  it('takes another divisor (1: the bytes as floats)', () => {
    const src = randomBytes(37, 9);
    const dst = arena.guarded(37);
    u8_to_f32(engine(), arenaBytes(src), 37, 1, dst.ptr);
    expectSameBits(dst.read(), Float32Array.from(src), 'divisor 1');
  });
});

describe('u8_gather_rows_f32', () => {
  it('dst[r, :] = src[idx[r], :] / 255 over the size grid', () => {
    let seed = 700;
    for (const srcRows of [1, 5, 64])
      for (const cols of [...SIZES, 784])
        for (const count of [0, 1, 3, 17]) {
          const src = randomBytes(srcRows * cols, seed++);
          const idx = indices(srcRows, count, seed++);
          const dst = arena.guarded(count * cols);
          u8_gather_rows_f32(engine(), arenaBytes(src), srcRows, arena.i32(idx), count, cols, BYTE_DIVISOR, dst.ptr);
          const label = `${srcRows} rows of ${cols} bytes, ${count} gathered`;
          dst.checkGuards(label);
          const want = new Float32Array(count * cols);
          for (let r = 0; r < count; r++) for (let j = 0; j < cols; j++) want[r * cols + j] = Math.fround(src[idx[r]! * cols + j]! / 255);
          expectSameBits(dst.read(), want, label);
        }
  });

  it('the wrappers refuse an output that overlaps the source, and a source past the memory', () => {
    const src = arena.f32(new Float32Array(16));
    expect(() => u8_gather_rows_f32(engine(), src, 4, arena.i32([0, 1]), 2, 4, BYTE_DIVISOR, src + 4)).toThrow(/u8_gather_rows_f32: dst overlaps src/);
    expect(() => u8_to_f32(engine(), src, 8, BYTE_DIVISOR, src)).toThrow(/u8_to_f32: dst overlaps src/);
    expect(() => u8_to_f32(engine(), engine().byteLength - 4, 8, BYTE_DIVISOR, arena.guarded(8).ptr)).toThrow(/past the end of memory/);
  });
});
