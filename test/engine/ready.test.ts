// No work at import: importing knobs compiles nothing; the first call that needs the kernels, or
// ready(), does. A module handed over by the host (ready({ module })) is used as it is.
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';

afterEach(() => vi.restoreAllMocks());

describe('loading the kernels', () => {
  it('importing compiles nothing; ready({ module }) uses the given module (shared or not) without compiling', async () => {
    const compileSync = vi.spyOn(WebAssembly, 'Module');
    const compile = vi.spyOn(WebAssembly, 'compile');
    const knobs = await import('../../src/index.node');
    expect(compileSync).not.toHaveBeenCalled();
    expect(compile).not.toHaveBeenCalled();
    compileSync.mockRestore();
    const shared = new WebAssembly.Module(readFileSync(new URL('../../build/wasm/knobs-shared.wasm', import.meta.url)));
    const compileAgain = vi.spyOn(WebAssembly, 'Module');
    const e = await knobs.ready({ module: shared });
    expect(compileAgain).not.toHaveBeenCalled();
    expect(compile).not.toHaveBeenCalled();
    expect(e.module).toBe(shared);
    expect(e.shared).toBe(true);
    expect(e.memory.buffer).toBeInstanceOf(SharedArrayBuffer);
    // the engine works: a product against a plain JS one
    const m = 3,
      k = 5,
      n = 4;
    const a = Float32Array.from({ length: m * k }, (_, i) => Math.sin(i + 1));
    const b = Float32Array.from({ length: k * n }, (_, i) => Math.cos(i * 0.7));
    const c = knobs.ops.matMul(a, b, { m, k, n });
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let t = 0; t < k; t++) s += a[i * k + t]! * b[t * n + j]!;
        expect(c[i * n + j]).toBeCloseTo(s, 5);
      }
    // later calls return the same engine
    expect(await knobs.ready()).toBe(e);
  });

  it('rejects bad options by name', async () => {
    const { ready } = await import('../../src/index.node');
    await expect(ready({ module: new Uint8Array(4) as never })).rejects.toThrow(
      new TypeError('ready: options.module must be a WebAssembly.Module, got object'),
    );
    await expect(ready({ url: 42 as never })).rejects.toThrow(new TypeError('ready: options.url must be a string or a URL, got number'));
    await expect(ready({ sharedUrl: false as never })).rejects.toThrow(/options\.sharedUrl must be a string or a URL, got boolean/);
    await expect(ready(null as never)).rejects.toThrow(/options must be an object, got null/);
  });
});
