/**
 * Where the kernels come from in browsers (and Web Workers, Deno's web build): fetched from
 * the `.wasm` files beside the bundle, compiled while they download
 * (`WebAssembly.compileStreaming`) when the server sends `application/wasm`, from the bytes
 * otherwise. Browsers cannot fetch synchronously, so the page awaits `ready()` once first.
 * build/build.mjs puts this module in place of `wasm-source.ts` in the browser build.
 * @internal
 * @module
 */
import { OPS_KERNELS, type WasmLocation } from './wasm-location';

/**
 * The file beside this bundle. Each URL is written out literally, in the form bundlers
 * (Vite, webpack 5, Parcel) recognize as an asset reference: they emit exactly these files.
 */
function besideBundle(shared: boolean): URL {
  if (OPS_KERNELS) return new URL('./knobs-ops.wasm', import.meta.url);
  return shared ? new URL('./knobs-shared.wasm', import.meta.url) : new URL('./knobs.wasm', import.meta.url);
}

/**
 * Browsers have no synchronous way to the file; Deno, which runs this build, reads it from disk
 * (with --allow-read) when the bundle is a local file.
 */
export function loadSync(shared: boolean): WebAssembly.Module | undefined {
  const deno = (globalThis as { Deno?: { readFileSync(path: URL): Uint8Array } }).Deno;
  const url = besideBundle(shared);
  if (!deno || url.protocol !== 'file:') return undefined;
  return new WebAssembly.Module(deno.readFileSync(url) as BufferSource);
}

/** Fetches and compiles the kernels from `location`, or from beside this bundle. */
export async function load(shared: boolean, location?: WasmLocation): Promise<WebAssembly.Module> {
  const url = location === undefined ? besideBundle(shared) : new URL(String(location), globalThis.location?.href);
  const hint =
    `Serve the .wasm files of the package (${OPS_KERNELS ? 'knobs/wasm/knobs-ops.wasm' : 'knobs/wasm/knobs.wasm and knobs-shared.wasm'}) beside the bundle, ` +
    'or pass where they are: await knobs.ready({ url, sharedUrl }), or a compiled module: await knobs.ready({ module })';
  let response: Response;
  try {
    response = await fetch(url);
  } catch (err) {
    throw new Error(`knobs: fetching the kernels from ${url.href} failed (${err instanceof Error ? err.message : String(err)}). ${hint}`);
  }
  if (!response.ok) throw new Error(`knobs: fetching the kernels from ${url.href} failed: HTTP ${response.status}. ${hint}`);
  // compileStreaming rejects a response without the wasm MIME type (file:// in Deno, some
  // static servers): those compile from the bytes
  if (typeof WebAssembly.compileStreaming === 'function' && /^application\/wasm\b/.test(response.headers.get('content-type') ?? '')) {
    return WebAssembly.compileStreaming(response);
  }
  return WebAssembly.compile(await response.arrayBuffer());
}

/** Both variants are beside the bundle ('knobs/ops' has a plain one only). */
export const hasShared = !OPS_KERNELS;
