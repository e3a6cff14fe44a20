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

/**
 * The divisor of byte features: a Uint8Array x given to fit, evaluate or predict holds pixel
 * bytes that stand for `byte / 255` (values in [0, 1]).
 */
export const BYTE_DIVISOR = 255;

/** A region of `bytes` bytes at byte offset `ptr` inside the engine's memory. */
function checkBytes(e: Engine, kernel: string, name: string, ptr: number, bytes: number): void {
  if (bytes === 0) return;
  if (!Number.isInteger(ptr) || ptr <= 0) throw new RangeError(`${kernel}: ${name} must be a non-zero byte offset, got ${ptr}`);
  if (ptr + bytes > e.byteLength) throw new RangeError(`${kernel}: ${name} needs ${bytes} bytes from byte ${ptr}, past the end of memory (${e.byteLength})`);
}

/** dst[i] = src[i] / divisor for n bytes of src (each result the f32 nearest to the quotient). */
export function u8_to_f32(e: Engine, src: number, n: number, divisor: number, dst: number): void {
  const K = 'u8_to_f32';
  checkDim(K, 'n', n);
  checkBytes(e, K, 'src', src, n);
  checkRegion(e, K, 'dst', dst, n);
  if (n > 0 && src < dst + n * 4 && dst < src + n) throw new RangeError(`${K}: dst overlaps src; the output must be a separate buffer`);
  e.k.u8_to_f32(src, n, divisor, dst);
}

/** dst[r, :] = src[idx[r], :] / divisor; src holds `srcRows` rows of `cols` bytes. */
export function u8_gather_rows_f32(e: Engine, src: number, srcRows: number, idx: number, count: number, cols: number, divisor: number, dst: number): void {
  const K = 'u8_gather_rows_f32';
  checkDim(K, 'count', count);
  checkDim(K, 'cols', cols);
  checkBytes(e, K, 'src', src, srcRows * cols);
  checkRegion(e, K, 'idx', idx, count);
  checkRegion(e, K, 'dst', dst, count * cols);
  if (count * cols > 0 && src < dst + count * cols * 4 && dst < src + srcRows * cols)
    throw new RangeError(`${K}: dst overlaps src; the output must be a separate buffer`);
  e.k.u8_gather_rows_f32(src, idx, count, cols, divisor, dst);
}
