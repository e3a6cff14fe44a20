/**
 * Names of the kernel files, common to every loader.
 * @internal
 * @module
 */

/** Where a loader may find the kernels: a URL or a path. */
export type WasmLocation = string | URL;

// Defined by build/build.mjs: true in the bundles of 'knobs/ops', false in the others; not
// defined when the sources run as they are (tests), which use the full kernels.
declare const KNOBS_OPS_KERNELS: boolean | undefined;

/**
 * The bundle is 'knobs/ops': it loads `knobs-ops.wasm`, the matrix product and the activations
 * that `ops` calls (assembly/ops.ts), a quarter of the full kernels, in a plain memory only.
 */
export const OPS_KERNELS: boolean = typeof KNOBS_OPS_KERNELS === 'boolean' && KNOBS_OPS_KERNELS;

/** The file of each variant: `knobs.wasm` imports a plain memory, `knobs-shared.wasm` a shared one. */
export function wasmFileName(shared: boolean): string {
  if (OPS_KERNELS) return 'knobs-ops.wasm';
  return shared ? 'knobs-shared.wasm' : 'knobs.wasm';
}
