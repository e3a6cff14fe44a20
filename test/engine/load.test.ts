// Loading the engine: SIMD is required and its absence is reported by name; the engine's heap.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { compileModuleSync, createEngineSync, simdSupported } from '../../src/engine/engine';
import { Heap } from '../../src/engine/heap';

afterEach(() => vi.restoreAllMocks());

describe('engine loading', () => {
  it('detects SIMD here, and fails with an error naming the requirement where it is missing', () => {
    expect(simdSupported()).toBe(true);
    vi.spyOn(WebAssembly, 'validate').mockReturnValue(false);
    expect(simdSupported()).toBe(false);
    expect(() => createEngineSync()).toThrow(/knobs needs WebAssembly SIMD \(128-bit fixed-width SIMD\).*Node\.js >= 16\.4, Chrome/);
  });

  it('compiles a plain and a shared-memory module from the shipped .wasm files', () => {
    const plain = createEngineSync({ shared: false }),
      shared = createEngineSync({ shared: true });
    expect(plain.memory.buffer).toBeInstanceOf(ArrayBuffer);
    expect(shared.memory.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(WebAssembly.Module.imports(compileModuleSync(true))).toEqual([{ module: 'env', name: 'memory', kind: 'memory' }]);
  });

  it('the heap allocates aligned blocks, reuses freed ones, merges neighbours and grows', () => {
    let end = 1024;
    const h = new Heap(100, end, (min) => (end = Math.max(min, end * 2)));
    const a = h.alloc(10),
      b = h.alloc(100),
      c = h.alloc(64);
    expect([a % 64, b % 64, c % 64]).toEqual([0, 0, 0]);
    expect(new Set([a, b, c]).size).toBe(3);
    h.release(b);
    expect(h.alloc(100)).toBe(b);
    h.release(a);
    h.release(b);
    h.release(c);
    expect(h.usedBytes).toBe(0);
    const big = h.alloc(4000);
    expect(big + 4000).toBeLessThanOrEqual(end);
    expect(() => h.release(12345)).toThrow(/not an allocated block/);
  });

  it('views follow the memory when it grows', () => {
    const e = createEngineSync({ shared: false, initialBytes: 1 << 16 });
    const before = e.byteLength;
    const p = e.alloc(4 << 20);
    expect(e.byteLength).toBeGreaterThan(before);
    e.f32[(p >> 2) + 10] = 3;
    expect(e.view(p, 16)[10]).toBe(3);
  });
});
