/**
 * f32_count_correct against a plain JavaScript reference of Keras' accuracy rules: one output
 * column is binary accuracy at 0.5 (strictly above is positive); several columns compare the
 * first maximum of the outputs with the label (a class index, or the first maximum of a target
 * row); per-example weights sum instead of 1. Random inputs with ties, over the size grid.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { engine } from '../../src/engine/engine';
import { f32_count_correct } from '../../src/engine/kernels/f32_accuracy';
import { SIZES, randomArray, rng } from '../helpers';
import { Arena } from './arena';

const arena = new Arena();
afterEach(() => arena.free());

/** First index of the largest value; a NaN is never larger, so it is picked only in front. */
function argmax(row: ArrayLike<number>, from: number, cols: number): number {
  let best = 0,
    bv = row[from]!;
  for (let j = 1; j < cols; j++)
    if (row[from + j]! > bv) {
      bv = row[from + j]!;
      best = j;
    }
  return best;
}

function countCorrectRef(out: Float32Array, rows: number, cols: number, labels: { i32?: Int32Array; f32?: Float32Array }, weights?: Float32Array): number {
  let total = 0;
  for (let r = 0; r < rows; r++) {
    let ok: boolean;
    if (cols === 1) ok = out[r]! > 0.5 === (labels.i32 ? labels.i32[r] !== 0 : labels.f32![r]! > 0.5);
    else ok = argmax(out, r * cols, cols) === (labels.i32 ? labels.i32[r] : argmax(labels.f32!, r * cols, cols));
    if (ok) total += weights ? weights[r]! : 1;
  }
  return total;
}

function countCorrect(out: Float32Array, rows: number, cols: number, labels: { i32?: Int32Array; f32?: Float32Array }, weights?: Float32Array): number {
  return f32_count_correct(
    engine(),
    arena.f32(out),
    rows,
    cols,
    labels.i32 ? arena.i32(labels.i32) : 0,
    labels.f32 ? arena.f32(labels.f32) : 0,
    weights ? arena.f32(weights) : 0,
  );
}

/** Outputs quantized to tenths, so that rows often tie. */
const quantized = (n: number, seed: number): Float32Array => randomArray(n, seed, 0, 1).map((v) => Math.round(v * 10) / 10);

describe('f32_count_correct', () => {
  it('several columns, integer labels: the first maximum against the label, over the size grid', () => {
    let seed = 1;
    for (const rows of [1, 3, 17, 64])
      for (const cols of SIZES.filter((c) => c > 1)) {
        const out = quantized(rows * cols, seed++);
        const r = rng(seed++);
        // labels equal the reference's prediction about half the time, so both outcomes occur
        const labels = Int32Array.from({ length: rows }, (_, i) => (r() < 0.5 ? argmax(out, i * cols, cols) : Math.floor(r() * cols)));
        const want = countCorrectRef(out, rows, cols, { i32: labels });
        if (rows >= 17) expect(want).toBeGreaterThan(0);
        expect(countCorrect(out, rows, cols, { i32: labels }), `${rows}x${cols}`).toBe(want);
      }
  });

  it('several columns, one-hot or soft targets: the first maximum of each', () => {
    let seed = 500;
    for (const rows of [1, 5, 33])
      for (const cols of [2, 3, 10]) {
        const out = quantized(rows * cols, seed++);
        const soft = quantized(rows * cols, seed++); // ties in the targets too
        const want = countCorrectRef(out, rows, cols, { f32: soft });
        expect(countCorrect(out, rows, cols, { f32: soft }), `${rows}x${cols}`).toBe(want);
      }
  });

  it('ties go to the first maximum, on both sides', () => {
    const out = Float32Array.from([0.4, 0.4, 0.2, 0.1, 0.3, 0.3]); // rows of 3: argmax 0, then 1
    expect(countCorrect(out, 2, 3, { i32: Int32Array.from([0, 1]) })).toBe(2);
    expect(countCorrect(out, 2, 3, { i32: Int32Array.from([1, 2]) })).toBe(0);
    const targets = Float32Array.from([1, 1, 0, 0, 0.5, 0.5]); // argmax 0, then 1
    expect(countCorrect(out, 2, 3, { f32: targets })).toBe(2);
  });

  it('one column: binary accuracy at 0.5, strictly above is positive', () => {
    const out = Float32Array.from([0.5, 0.50001, 0.49, 0.9, 0.1, 0.5]);
    const labels = Int32Array.from([0, 1, 0, 1, 1, 1]); // right, right, right, right, wrong, wrong
    expect(countCorrect(out, 6, 1, { i32: labels })).toBe(4);
    expect(countCorrect(out, 6, 1, { f32: Float32Array.from([0.5, 0.7, 0, 1, 1, 0.6]) })).toBe(4);
    for (const rows of SIZES) {
      const o = randomArray(rows, rows, 0, 1),
        y = randomArray(rows, rows + 1, 0, 1);
      const yi = Int32Array.from(y, (v) => (v > 0.5 ? 1 : 0));
      expect(countCorrect(o, rows, 1, { f32: y }), `rows ${rows}`).toBe(countCorrectRef(o, rows, 1, { f32: y }));
      expect(countCorrect(o, rows, 1, { i32: yi }), `rows ${rows}`).toBe(countCorrectRef(o, rows, 1, { i32: yi }));
    }
  });

  it('weights: the sum of the weights of the correct rows (float64 sum of float32 weights)', () => {
    let seed = 900;
    for (const [rows, cols] of [
      [7, 1],
      [33, 4],
      [100, 10],
    ] as const) {
      const out = quantized(rows * cols, seed++);
      const labels = Int32Array.from(randomArray(rows, seed++, 0, cols > 1 ? cols : 2), Math.floor);
      const w = randomArray(rows, seed++, 0, 3);
      const want = countCorrectRef(out, rows, cols, { i32: labels }, w);
      expect(want).toBeGreaterThan(0);
      expect(countCorrect(out, rows, cols, { i32: labels }, w)).toBeCloseTo(want, 9);
    }
  });

  it('no rows count 0; the wrapper rejects both or neither label array', () => {
    expect(countCorrect(new Float32Array(0), 0, 3, { i32: new Int32Array(0) })).toBe(0);
    const p = arena.f32([0.1, 0.9]);
    expect(() => f32_count_correct(engine(), p, 1, 2, 0, 0, 0)).toThrow(new RangeError('f32_count_correct: give exactly one of labelsI32 and labelsF32'));
    expect(() => f32_count_correct(engine(), p, 1, 2, arena.i32([1]), arena.f32([0, 1]), 0)).toThrow(/exactly one of labelsI32 and labelsF32/);
  });
});
