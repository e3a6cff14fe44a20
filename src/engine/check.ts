/**
 * Argument checks shared by the kernel wrappers: every wrapper checks its dimensions and that
 * every region it passes lies inside the engine's memory, so a kernel never reads or writes
 * outside the buffers it was given.
 * @internal
 */
import { ShapeError } from '../errors';
import type { Engine } from './engine';

/** A dimension: a non-negative integer. */
export function checkDim(kernel: string, name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0) {
    throw new RangeError(`${kernel}: ${name} must be a non-negative integer, got ${value}`);
  }
}

/** A region of `floats` 4-byte elements at byte offset `ptr` inside the engine's memory. */
export function checkRegion(e: Engine, kernel: string, name: string, ptr: number, floats: number): void {
  if (floats === 0) return;
  if (!Number.isInteger(ptr) || ptr <= 0 || ptr % 4 !== 0) {
    throw new RangeError(`${kernel}: ${name} must be a 4-byte aligned, non-zero byte offset, got ${ptr}`);
  }
  const end = ptr + floats * 4;
  if (end > e.byteLength) {
    throw new RangeError(`${kernel}: ${name} needs ${floats} floats from byte ${ptr} (to ${end}), past the end of memory (${e.byteLength})`);
  }
}

/** Two regions must not overlap (an output that aliases an input would read its own writes). */
export function checkDisjoint(kernel: string, outName: string, out: number, outFloats: number, inName: string, inp: number, inFloats: number): void {
  if (outFloats === 0 || inFloats === 0) return;
  if (out < inp + inFloats * 4 && inp < out + outFloats * 4) {
    throw new RangeError(`${kernel}: ${outName} overlaps ${inName}; the output must be a separate buffer`);
  }
}

/** A leading dimension at least the row length it strides over. */
export function checkLd(kernel: string, name: string, ld: number, rowLength: number): void {
  if (!Number.isInteger(ld) || ld < Math.max(1, rowLength)) {
    throw new ShapeError(`${kernel}: ${name} must be an integer >= ${Math.max(1, rowLength)} (the row length), got ${ld}`);
  }
}

/** Number of floats a row-major rows x cols matrix with leading dimension ld spans. */
export function span(rows: number, cols: number, ld: number): number {
  return rows === 0 || cols === 0 ? 0 : (rows - 1) * ld + cols;
}
