/**
 * Where the kernels come from in Node (and in Deno and Bun, through their Node compatibility):
 * the `.wasm` files shipped beside the bundle, read from disk. Reading a file is fast and
 * synchronous, so `engine()` works without `await ready()` here.
 *
 * Other builds replace this module (build/build.mjs): `wasm-source.browser.ts` fetches the
 * files, `wasm-source.edge.ts` imports them as modules where compiling from bytes is forbidden.
 * @internal
 * @module
 */
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { OPS_KERNELS, wasmFileName, type WasmLocation } from './wasm-location';

// The package ships one copy of each kernel file, in build/dist/browser/ (where browsers fetch
// them and 'knobs/wasm/*' points): the Node bundles (build/dist/node/, build/dist/bench/) read
// them there; else beside the bundle, for a host that copies them there; in the source tree, the
// compiler's output.
const DIRS = ['../browser/', './', '../../build/wasm/'];

function find(shared: boolean): string {
  const name = wasmFileName(shared);
  for (const dir of DIRS) {
    const p = fileURLToPath(new URL(dir + name, import.meta.url));
    if (existsSync(p)) return p;
  }
  throw new Error(
    `knobs: the kernels (${name}) are missing beside ${fileURLToPath(import.meta.url)}; reinstall the package, or run \`npm run build\` in a clone`,
  );
}

/** Compiles the kernels synchronously from the file. */
export function loadSync(shared: boolean): WebAssembly.Module {
  return new WebAssembly.Module(readFileSync(find(shared)));
}

/** Compiles the kernels from the file, or from `location` when given (a path or file: URL). */
export async function load(shared: boolean, location?: WasmLocation): Promise<WebAssembly.Module> {
  if (location instanceof URL && location.protocol !== 'file:') {
    const response = await fetch(location);
    if (!response.ok) throw new Error(`knobs: fetching the kernels from ${location.href} failed: HTTP ${response.status}`);
    return WebAssembly.compile(await response.arrayBuffer());
  }
  return WebAssembly.compile(await readFile(location ?? find(shared)));
}

/** Both variants (plain and shared memory) are available ('knobs/ops' has a plain one only). */
export const hasShared = !OPS_KERNELS;
