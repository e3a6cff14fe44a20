/**
 * Where the kernels come from on edge runtimes (Cloudflare Workers' workerd, Vercel's edge
 * runtime), which forbid compiling WebAssembly from bytes: the host compiles `knobs.wasm` at
 * deploy time and hands the module over through an import. build/build.mjs puts this module in
 * place of `wasm-source.ts` in the edge builds and rewrites the import for each host
 * (`./knobs.wasm` for workerd, `./knobs.wasm?module` for Vercel).
 * @internal
 * @module
 */
import kernels from './knobs.wasm';
import type { WasmLocation } from './wasm-location';

/** The module the host compiled. */
export function loadSync(shared: boolean): WebAssembly.Module | undefined {
  return shared ? undefined : kernels;
}

/** The module the host compiled (there is no other way to get one here). */
export async function load(shared: boolean, _location?: WasmLocation): Promise<WebAssembly.Module> {
  if (shared) throw new Error('knobs: the edge build has no shared-memory kernels');
  return kernels;
}

/** Edge runtimes have no threads to share memory with: only the plain variant ships. */
export const hasShared = false;
