/**
 * Test buffers in engine memory for the kernel tests: an arena that frees everything it
 * allocated at once, and guarded buffers (sentinels on both sides) that catch a kernel writing
 * outside its output.
 */
import { expect } from 'vitest';
import { engine } from '../../src/engine/engine';

/** A value no kernel produces from the test inputs. */
export const SENTINEL = 12345.5;
const GUARD = 8;

/** A float buffer between two guard bands of SENTINEL. */
export interface Guarded {
  /** Byte offset of the first element. */
  ptr: number;
  n: number;
  /** The n floats now. */
  read(): Float32Array;
  /** Fails when a guard float changed. */
  checkGuards(label?: string): void;
}

export class Arena {
  private ptrs: number[] = [];

  private alloc(floats: number): number {
    const p = engine().alloc(Math.max(1, floats) * 4);
    this.ptrs.push(p);
    return p;
  }

  /** Copies floats into engine memory; returns the byte offset. */
  f32(data: ArrayLike<number>): number {
    const p = this.alloc(data.length);
    engine().f32.set(data, p >> 2);
    return p;
  }

  /** Copies int32 values into engine memory; returns the byte offset. */
  i32(data: ArrayLike<number>): number {
    const p = this.alloc(data.length);
    engine().i32.set(data, p >> 2);
    return p;
  }

  /** n floats (initially `init`, or SENTINEL) between guard bands. */
  guarded(n: number, init?: ArrayLike<number>): Guarded {
    const base = this.alloc(n + 2 * GUARD);
    const e = engine();
    e.f32.fill(SENTINEL, base >> 2, (base >> 2) + n + 2 * GUARD);
    const ptr = base + GUARD * 4;
    if (init) e.f32.set(init, ptr >> 2);
    return {
      ptr,
      n,
      read: () => engine().f32.slice(ptr >> 2, (ptr >> 2) + n),
      checkGuards: (label = '') => {
        const f = engine().f32;
        for (let i = 0; i < GUARD; i++) {
          if (f[(base >> 2) + i] !== SENTINEL) expect.fail(`${label}: wrote before the buffer (guard ${i})`);
          if (f[(ptr >> 2) + n + i] !== SENTINEL) expect.fail(`${label}: wrote past the buffer (guard ${i})`);
        }
      },
    };
  }

  /** Frees every buffer of this arena. */
  free(): void {
    for (const p of this.ptrs) engine().free(p);
    this.ptrs = [];
  }
}

/** Reads n int32 values at byte offset ptr. */
export function getI32(ptr: number, n: number): Int32Array {
  return engine().i32.slice(ptr >> 2, (ptr >> 2) + n);
}

/** Asserts bitwise equality of two float arrays (NaN equal to NaN), naming the first difference. */
export function expectSameBits(actual: ArrayLike<number>, expected: ArrayLike<number>, label = ''): void {
  expect(actual.length, `${label}: length`).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!,
      b = expected[i]!;
    if (!Object.is(a, b) && !(Number.isNaN(a) && Number.isNaN(b))) {
      expect.fail(`${label}: differs at [${i}]: got ${a}, expected ${b}`);
    }
  }
}
