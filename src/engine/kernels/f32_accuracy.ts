/**
 * Wrapper of assembly/kernels/f32_accuracy.ts: the (weighted) count of correct predictions.
 * @internal
 */
import type { Engine } from '../engine';
import { checkDim, checkRegion } from '../check';

/**
 * Correct predictions among `rows` outputs (rows x cols). Exactly one of labelsI32 (class
 * indices) and labelsF32 (rows x cols) is non-zero; weights (rows floats) may be 0.
 */
export function f32_count_correct(e: Engine, out: number, rows: number, cols: number, labelsI32: number, labelsF32: number, weights: number): number {
  const K = 'f32_count_correct';
  checkDim(K, 'rows', rows);
  checkDim(K, 'cols', cols);
  if (rows === 0) return 0;
  if (cols === 0) throw new RangeError(`${K}: cols must be positive`);
  checkRegion(e, K, 'out', out, rows * cols);
  if ((labelsI32 === 0) === (labelsF32 === 0)) throw new RangeError(`${K}: give exactly one of labelsI32 and labelsF32`);
  if (labelsI32) checkRegion(e, K, 'labelsI32', labelsI32, rows);
  else checkRegion(e, K, 'labelsF32', labelsF32, rows * cols);
  if (weights) checkRegion(e, K, 'weights', weights, rows);
  return e.k.f32_count_correct(out, rows, cols, labelsI32, labelsF32, weights);
}
