/**
 * Where the kernels come from on edge runtimes (Cloudflare Workers' workerd, Vercel's edge
 * runtime), which forbid compiling WebAssembly from bytes: the host compiles `knobs.wasm` at
 * deploy time and hands the module over through an import. build/build.mjs puts this module in
 * place of `wasm-source.ts` in the edge build (build/dist/edge/knobs-edge.js, one for both
 * hosts), and writes a small entry for each host that imports the kernels its way (`./knobs.wasm`
 * for workerd, `./knobs.wasm?module` for Vercel) and hands them to {@link setEdgeKernels}
 * before any user code runs: two full copies of the library, differing in one import, would
 * double the package.
 * @internal
 * @module
 */
import type { WasmLocation } from './wasm-location';

let kernels: WebAssembly.Module | undefined;

/** Called by the host's entry (build/dist/edge/workerd.js, edge-light.js) with the module the host compiled. */
export function setEdgeKernels(module: WebAssembly.Module): void {
  kernels = module;
}

function given(): WebAssembly.Module {
  if (kernels === undefined)
    throw new Error("knobs: the edge build got no kernels; import 'knobs' (its workerd or edge-light entry), not build/dist/edge/knobs-edge.js");
  return kernels;
}

/** The module the host compiled. */
export function loadSync(shared: boolean): WebAssembly.Module | undefined {
  return shared ? undefined : given();
}

/** The module the host compiled (there is no other way to get one here). */
export async function load(shared: boolean, _location?: WasmLocation): Promise<WebAssembly.Module> {
  if (shared) throw new Error('knobs: the edge build has no shared-memory kernels');
  return given();
}

/** Edge runtimes have no threads to share memory with: only the plain variant ships. */
export const hasShared = false;
