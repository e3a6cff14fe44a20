/**
 * Wrappers of assembly/kernels/f32_gather.ts: gathering a mini-batch's rows by index.
 * Index values are not scanned here (that would be a JS loop per batch); callers build index
 * arrays from permutations of 0..n-1, which are in range by construction.
 * @internal
 */
import type { Engine } from '../engine';
import { checkDim, checkDisjoint, checkRegion } from '../check';

/** dst[r, :] = src[idx[r], :]; src holds `srcRows` rows of `cols` floats. */
export function f32_gather_rows(e: Engine, src: number, srcRows: number, idx: number, count: number, cols: number, dst: number): void {
  const K = 'f32_gather_rows';
  checkDim(K, 'count', count);
  checkDim(K, 'cols', cols);
  checkRegion(e, K, 'src', src, srcRows * cols);
  checkRegion(e, K, 'idx', idx, count);
  checkRegion(e, K, 'dst', dst, count * cols);
  checkDisjoint(K, 'dst', dst, count * cols, 'src', src, srcRows * cols);
  e.k.f32_gather_rows(src, idx, count, cols, dst);
}

/** dst[r] = src[idx[r]] for 4-byte elements. */
export function x32_gather(e: Engine, src: number, srcLength: number, idx: number, count: number, dst: number): void {
  const K = 'x32_gather';
  checkDim(K, 'count', count);
  checkRegion(e, K, 'src', src, srcLength);
  checkRegion(e, K, 'idx', idx, count);
  checkRegion(e, K, 'dst', dst, count);
  e.k.x32_gather(src, idx, count, dst);
}

/** sum of src[idx[r]] in float64. */
export function f32_gather_sum(e: Engine, src: number, srcLength: number, idx: number, count: number): number {
  const K = 'f32_gather_sum';
  checkDim(K, 'count', count);
  checkRegion(e, K, 'src', src, srcLength);
  checkRegion(e, K, 'idx', idx, count);
  return e.k.f32_gather_sum(src, idx, count);
}
