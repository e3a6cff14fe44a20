/**
 * Names of the kernel files, common to every loader.
 * @internal
 * @module
 */

/** Where a loader may find the kernels: a URL or a path. */
export type WasmLocation = string | URL;

/** The file of each variant: `knobs.wasm` imports a plain memory, `knobs-shared.wasm` a shared one. */
export function wasmFileName(shared: boolean): string {
  return shared ? 'knobs-shared.wasm' : 'knobs.wasm';
}
