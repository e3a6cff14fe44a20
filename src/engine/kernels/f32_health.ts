/**
 * Wrappers of assembly/kernels/f32_health.ts: statistics for the training-health record.
 * @internal
 */
import type { Engine } from '../engine';
import { checkDim, checkRegion } from '../check';

/** Columns whose every value is <= 0 (dead ReLU units); scratch holds cols floats. */
export function f32_dead_columns(e: Engine, y: number, rows: number, cols: number, scratch: number): number {
  const K = 'f32_dead_columns';
  checkDim(K, 'rows', rows);
  checkDim(K, 'cols', cols);
  checkRegion(e, K, 'y', y, rows * cols);
  checkRegion(e, K, 'scratch', scratch, cols);
  return e.k.f32_dead_columns(y, rows, cols, scratch);
}

/** Values outside [lo, hi]. */
export function f32_count_outside(e: Engine, x: number, n: number, lo: number, hi: number): number {
  const K = 'f32_count_outside';
  checkDim(K, 'n', n);
  checkRegion(e, K, 'x', x, n);
  return e.k.f32_count_outside(x, n, lo, hi);
}
