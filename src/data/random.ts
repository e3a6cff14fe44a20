/**
 * Seeded randomness for the data pipeline's JavaScript side (splits, folds, oversampling).
 * Augmentation draws its randomness inside the kernels instead (assembly/kernels/f32_augment.ts).
 * @internal
 */
import { describe } from '../errors';

/** A seed: an integer in [0, 2^32). */
export function checkSeed(where: string, seed: unknown): number {
  if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new RangeError(`${where}: seed must be an integer in [0, 2^32), got ${describe(seed)}`);
  }
  return seed;
}

/**
 * mulberry32: a small, fast generator with a 32-bit state; plenty for shuffling index arrays.
 * Returns uniform floats in [0, 1).
 */
export function seededRandom(seed: number): () => number {
  // mix the seed once so that seeds 0, 1, 2... start far apart
  let a = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher-Yates shuffle in place. */
export function shuffleInPlace<A extends Int32Array | unknown[]>(a: A, random: () => number): A {
  const b = a as unknown as unknown[];
  for (let i = b.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = b[i];
    b[i] = b[j];
    b[j] = t;
  }
  return a;
}

/** 0..n-1 as an Int32Array. */
export function range(n: number): Int32Array {
  const a = new Int32Array(n);
  for (let i = 0; i < n; i++) a[i] = i;
  return a;
}
