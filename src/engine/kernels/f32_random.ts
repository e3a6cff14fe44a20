/**
 * Wrappers of assembly/kernels/f32_random.ts: buffers of counter-based random numbers
 * (assembly/kernels/rng.ts). Element i is a pure function of (seed, stream, offset + i), so a
 * buffer filled in pieces, each with offset = its start, equals the buffer filled at once.
 * @internal
 */
import type { Engine } from '../engine';
import { checkDim, checkRegion } from '../check';

/** A 32-bit unsigned integer argument (seed, stream, counter word). */
export function checkU32(kernel: string, name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new RangeError(`${kernel}: ${name} must be an integer in [0, 2^32), got ${value}`);
  }
}

function checkFill(e: Engine, K: string, out: number, n: number, seed: number, stream: number, offset: number): void {
  checkDim(K, 'n', n);
  checkRegion(e, K, 'out', out, n);
  checkU32(K, 'seed', seed);
  checkU32(K, 'stream', stream);
  if (!Number.isSafeInteger(offset) || offset < 0 || offset + n > Number.MAX_SAFE_INTEGER) {
    throw new RangeError(`${K}: offset must be a non-negative safe integer (with offset + n too), got ${offset}`);
  }
}

/** out[i] = uniform number in [0, 1) (24 bits, k / 2^24) of counter offset + i. */
export function f32_random_uniform(e: Engine, out: number, n: number, seed: number, stream: number, offset: number): void {
  checkFill(e, 'f32_random_uniform', out, n, seed, stream, offset);
  e.k.f32_random_uniform(out, n, seed, stream, offset);
}

/** out[i] = mean + std * (standard normal of counter offset + i), by Box-Muller (|z| <= 5.77). */
export function f32_random_normal(e: Engine, out: number, n: number, seed: number, stream: number, offset: number, mean: number, std: number): void {
  const K = 'f32_random_normal';
  checkFill(e, K, out, n, seed, stream, offset);
  if (!Number.isFinite(mean)) throw new RangeError(`${K}: mean must be a finite number, got ${mean}`);
  if (!(Number.isFinite(std) && std >= 0)) throw new RangeError(`${K}: std must be a finite number >= 0, got ${std}`);
  e.k.f32_random_normal(out, n, seed, stream, offset, mean, std);
}
