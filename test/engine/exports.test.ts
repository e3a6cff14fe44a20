import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileModuleSync, sharedMemorySupported } from '../../src/engine/engine';

/** The method names of the KernelExports interface, read from the source text of src/engine/exports.ts. */
function declaredNames(): string[] {
  const text = readFileSync(new URL('../../src/engine/exports.ts', import.meta.url), 'utf8');
  const start = text.indexOf('export interface KernelExports {');
  expect(start, 'src/engine/exports.ts declares KernelExports').toBeGreaterThanOrEqual(0);
  const body = text.slice(start, text.indexOf('\n}', start));
  return [...body.matchAll(/^\s+(\w+)\s*\(/gm)].map((m) => m[1]!).sort();
}

function moduleFunctions(shared: boolean): string[] {
  return WebAssembly.Module.exports(compileModuleSync(shared))
    .filter((x) => x.kind === 'function')
    .map((x) => x.name)
    .sort();
}

describe('engine exports', () => {
  it('src/engine/exports.ts declares exactly the functions the wasm module exports', () => {
    const declared = declaredNames(),
      exported = moduleFunctions(false);
    const missingInTs = exported.filter((n) => !declared.includes(n));
    const missingInWasm = declared.filter((n) => !exported.includes(n));
    expect(missingInTs, 'exported by assembly/index.ts but not declared in src/engine/exports.ts').toEqual([]);
    expect(missingInWasm, 'declared in src/engine/exports.ts but not exported by assembly/index.ts').toEqual([]);
    expect(new Set(declared).size, 'a name declared twice').toBe(declared.length);
  });

  it('the shared-memory build exports the same functions', () => {
    if (!sharedMemorySupported()) return;
    expect(moduleFunctions(true)).toEqual(moduleFunctions(false));
  });
});
