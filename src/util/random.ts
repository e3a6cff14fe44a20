/**
 * Seeded randomness on the JavaScript side (weight initialization, shuffling): small, fast,
 * and reproducible across platforms. The hot paths (dropout masks, augmentation) use the
 * counter-based generator in assembly/kernels/rng.ts instead.
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
 * mulberry32 from a raw 32-bit state: uniform floats in [0, 1). The state is used as given
 * (seeds 0, 1, 2... give related streams; {@link seededRandom} mixes them first).
 */
export function mulberry32(state: number): () => number {
  let a = state >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * mulberry32 with a mixed seed (so that seeds 0, 1, 2... start far apart): a small, fast
 * generator of uniform floats in [0, 1), plenty for shuffling index arrays. The data module's
 * fixed MNIST order and every seeded split depend on its exact output: do not change it.
 */
export function seededRandom(seed: number): () => number {
  return mulberry32(Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b));
}

/** Fisher-Yates shuffle in place with the given generator. */
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

/** Mixes a 32-bit integer (the "lowbias32" finalizer): every input bit affects every output bit. */
export function mix32(x: number): number {
  x = x >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

/** Derives an independent 32-bit seed from a seed and a list of integers (layer index, purpose, ...). */
export function deriveSeed(seed: number, ...parts: number[]): number {
  let h = mix32(seed ^ 0x9e3779b9);
  for (const p of parts) h = mix32(h ^ mix32(p + 0x632be5ab));
  return h;
}

/** A seeded generator (SplitMix32-style): `next()` returns a float in [0, 1). */
export class Random {
  private state: number;
  private spare: number | undefined;

  constructor(seed: number) {
    this.state = mix32(seed) ^ 0x5bd1e995;
  }

  /** A uniform 32-bit unsigned integer. */
  nextU32(): number {
    this.state = (this.state + 0x9e3779b9) >>> 0;
    return mix32(this.state);
  }

  /** A uniform float in [0, 1) with 32 random bits. */
  next(): number {
    return this.nextU32() / 4294967296;
  }

  /** A uniform float in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** A uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** A standard normal (Box-Muller, both values used). */
  normal(): number {
    if (this.spare !== undefined) {
      const s = this.spare;
      this.spare = undefined;
      return s;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** A normal truncated to [-2, 2] standard deviations (redrawn outside), as Keras' truncated_normal. */
  truncatedNormal(): number {
    for (;;) {
      const z = this.normal();
      if (z >= -2 && z <= 2) return z;
    }
  }

  /** Shuffles in place (Fisher-Yates). */
  shuffle<T extends { length: number; [i: number]: number }>(a: T): T {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = a[i]!;
      a[i] = a[j]!;
      a[j] = t;
    }
    return a;
  }
}
