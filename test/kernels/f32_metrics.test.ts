// f32_regression_error_sum against a float64 reference on random inputs over a grid of shapes,
// with and without weights, and its argument checks.
import { afterEach, describe, expect, it } from 'vitest';
import { engine } from '../../src/engine/engine';
import { REGRESSION_ERROR, f32_regression_error_sum, type RegressionErrorKind } from '../../src/engine/kernels/f32_metrics';
import { SIZES, expectClose, randomArray } from '../helpers';
import { Arena } from './arena';

const arena = new Arena();
afterEach(() => arena.free());
const EPS = 1e-7;

/** sum_i w_i mean_j err(p_ij, t_ij) in float64, from the f32 difference as the kernel takes it. */
function reference(
  kind: RegressionErrorKind,
  p: Float32Array,
  t: Float32Array,
  w: Float32Array | undefined,
  rows: number,
  cols: number,
  affine?: { scale: Float32Array; shift: Float32Array },
): number {
  const f = Math.fround;
  // the kernel's f32 steps: v * scale + shift, then the difference
  const back = (v: number, j: number): number => (affine ? f(f(v * affine.scale[j]!) + affine.shift[j]!) : v);
  let total = 0;
  for (let i = 0; i < rows; i++) {
    let s = 0;
    for (let j = 0; j < cols; j++) {
      const y = back(t[i * cols + j]!, j);
      const d = f(back(p[i * cols + j]!, j) - y);
      s += kind === 0 ? Math.abs(d) : kind === 1 ? d * d : Math.abs(d) / Math.max(Math.abs(y), Math.fround(EPS));
    }
    total += (w ? w[i]! : 1) * (s / cols);
  }
  return total;
}

describe('f32_regression_error_sum', () => {
  for (const [name, kind] of Object.entries(REGRESSION_ERROR)) {
    it(`${name}: matches the float64 reference over rows x cols in ${SIZES.join(', ')}, weighted and not`, () => {
      const e = engine();
      let seed = 100 * kind + 1;
      for (const rows of SIZES) {
        for (const cols of [1, 2, 3, 4, 5, 8, 13]) {
          const p = randomArray(rows * cols, seed++, -3, 3);
          const t = randomArray(rows * cols, seed++, -3, 3);
          // a few exact zeros exercise the percentage error's epsilon floor
          if (rows * cols > 4) t[3] = 0;
          const w = randomArray(rows, seed++, 0, 2);
          const pp = arena.f32(p),
            tp = arena.f32(t),
            wp = arena.f32(w);
          const got = f32_regression_error_sum(e, kind, pp, tp, 0, rows, cols, EPS);
          const gotW = f32_regression_error_sum(e, kind, pp, tp, wp, rows, cols, EPS);
          expectClose(
            [got, gotW],
            [reference(kind, p, t, undefined, rows, cols), reference(kind, p, t, w, rows, cols)],
            { rtol: 1e-6 },
            `${name} ${rows}x${cols}`,
          );
        }
      }
    });
  }

  it('is 0 for no rows, and checks its arguments', () => {
    const e = engine();
    expect(f32_regression_error_sum(e, 0, 0, 0, 0, 0, 3)).toBe(0);
    const p = arena.f32([1, 2]);
    expect(() => f32_regression_error_sum(e, 3 as RegressionErrorKind, p, p, 0, 1, 2)).toThrow(/kind must be 0, 1 or 2, got 3/);
    expect(() => f32_regression_error_sum(e, 0, p, 0, 0, 1, 2)).toThrow(/target must be a 4-byte aligned, non-zero byte offset/);
    expect(() => f32_regression_error_sum(e, 2, p, p, 0, 1, 2, 0)).toThrow(/epsilon must be > 0, got 0/);
    expect(() => f32_regression_error_sum(e, 0, p, p, 0, 1, 2, EPS, p, 0)).toThrow(/give both scale and shift, or neither/);
  });
});
