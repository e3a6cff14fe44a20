/**
 * Wrapper of assembly/kernels/f32_strided_copy.ts: a block of columns copied between row-major
 * matrices of different widths (Concatenate, and the inputs of a model with several inputs).
 * @internal
 */
import type { Engine } from '../engine';
import { checkDim, checkDisjoint, checkLd, checkRegion, span } from '../check';

/**
 * dst[r * dstLd + c] = src[r * srcLd + c] for r < rows, c < cols: `rows` rows of `cols` floats
 * read with a stride of srcLd floats and written with a stride of dstLd. The regions must not
 * overlap.
 */
export function f32_strided_copy(e: Engine, src: number, srcLd: number, dst: number, dstLd: number, rows: number, cols: number): void {
  const K = 'f32_strided_copy';
  checkDim(K, 'rows', rows);
  checkDim(K, 'cols', cols);
  checkLd(K, 'srcLd', srcLd, cols);
  checkLd(K, 'dstLd', dstLd, cols);
  const srcSpan = span(rows, cols, srcLd),
    dstSpan = span(rows, cols, dstLd);
  checkRegion(e, K, 'src', src, srcSpan);
  checkRegion(e, K, 'dst', dst, dstSpan);
  checkDisjoint(K, 'dst', dst, dstSpan, 'src', src, srcSpan);
  e.k.f32_strided_copy(src, srcLd, dst, dstLd, rows, cols);
}
