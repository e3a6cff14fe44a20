/**
 * Loading the wasm engine and owning its memory.
 *
 * One {@link Engine} is one instance of the kernel module over one `WebAssembly.Memory`.
 * The library's default engine ({@link engine}) is created on first use. Worker threads make
 * their own instances over the same shared memory with {@link attachEngine}: they read and
 * write the same bytes, and only the thread that owns the heap allocates.
 * @module
 */
import type { KernelExports } from './exports';
import { Heap } from './heap';
// replaced per build (build/build.mjs): files in Node, fetch in browsers, module imports on edge hosts
import * as source from './wasm-source';
import type { WasmLocation } from './wasm-location';

/** Largest memory the kernels declare: 32768 pages of 64 KiB = 2 GiB (asconfig.json maximumMemory). */
export const MAX_PAGES = 32768;
const PAGE = 65536;

/**
 * The smallest module that uses a v128 instruction: validates only where WebAssembly SIMD
 * (the fixed-width 128-bit proposal, not relaxed SIMD) is available.
 */
const SIMD_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11]);

/** True where this JavaScript engine runs WebAssembly SIMD (128-bit). */
export function simdSupported(): boolean {
  return typeof WebAssembly === 'object' && WebAssembly.validate(SIMD_PROBE);
}

function requireSimd(): void {
  if (typeof WebAssembly !== 'object') {
    throw new Error('knobs needs WebAssembly, which this JavaScript runtime does not provide.');
  }
  if (!simdSupported()) {
    throw new Error(
      'knobs needs WebAssembly SIMD (128-bit fixed-width SIMD), which this runtime does not support. ' +
        'It is available in Node.js >= 16.4, Chrome and Edge >= 91, Firefox >= 89 and Safari >= 16.4.',
    );
  }
}

/** True where a shared WebAssembly.Memory can be used (Node; browsers only when cross-origin isolated). */
export function sharedMemorySupported(): boolean {
  if (typeof SharedArrayBuffer === 'undefined') return false;
  const g = globalThis as { crossOriginIsolated?: boolean };
  if (g.crossOriginIsolated === false) return false;
  try {
    new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    return true;
  } catch {
    return false;
  }
}

const modules: { plain?: WebAssembly.Module; shared?: WebAssembly.Module } = {};
/** Where `ready({ url, sharedUrl })` said the files are. */
const locations: { plain?: WasmLocation; shared?: WasmLocation } = {};

function notLoaded(): Error {
  return new Error(
    'knobs: the kernels are not loaded yet. This runtime cannot load them synchronously (browsers fetch knobs.wasm): ' +
      'call `await knobs.ready()` once before the first model or op.',
  );
}

/** Compiles (once) the kernel module for plain or shared memory, synchronously. */
export function compileModuleSync(shared: boolean): WebAssembly.Module {
  requireSimd();
  const key = shared ? 'shared' : 'plain';
  const m = (modules[key] ??= source.loadSync(shared));
  if (!m) throw notLoaded();
  return m;
}

const compiling: { plain?: Promise<WebAssembly.Module>; shared?: Promise<WebAssembly.Module> } = {};

/** Compiles (once) the kernel module, asynchronously (browsers' main threads need this). */
export async function compileModule(shared: boolean): Promise<WebAssembly.Module> {
  requireSimd();
  const key = shared ? 'shared' : 'plain';
  if (modules[key]) return modules[key];
  compiling[key] ??= source.load(shared, locations[key]).then(
    (m) => (modules[key] ??= m),
    (err: unknown) => {
      delete compiling[key];
      throw err;
    },
  );
  return compiling[key];
}

/**
 * Whether a compiled kernel module imports a shared memory: it links only against one. A
 * module handed over by a host does not say which variant it is.
 */
function importsSharedMemory(module: WebAssembly.Module): boolean {
  try {
    new WebAssembly.Instance(module, { env: { memory: new WebAssembly.Memory({ initial: 1, maximum: MAX_PAGES }) } });
    return false;
  } catch (err) {
    if (err instanceof WebAssembly.LinkError) return true;
    throw err;
  }
}

/** The memory the default engine uses: shared where threads can share it and its kernels exist. */
function defaultShared(): boolean {
  if (modules.shared && !modules.plain) return true;
  if (modules.plain && !modules.shared && !source.hasShared) return false;
  return source.hasShared && sharedMemorySupported();
}

/** Options of {@link createEngine}. */
export interface EngineOptions {
  /** Use a shared memory (for the worker pool). Default: where supported. */
  shared?: boolean;
  /** Initial memory in bytes (rounded up to 64 KiB pages). Default 16 MiB. */
  initialBytes?: number;
}

/**
 * The kernels over one memory, with the allocator for it.
 */
export class Engine {
  /** The raw kernel exports; prefer the checked wrappers in `src/engine/kernels/`. */
  readonly k: KernelExports;
  /** Bytes of workspace one f32_gemm call needs. */
  readonly gemmWorkspaceBytes: number;
  /** A gemm workspace owned by this engine instance's thread. */
  gemmWorkspace = 0;
  private heap: Heap | undefined;
  private buffer: ArrayBufferLike | undefined;
  private _f32 = new Float32Array(0);
  private _i32 = new Int32Array(0);
  private _u8 = new Uint8Array(0);

  /** @internal */
  constructor(
    readonly module: WebAssembly.Module,
    readonly memory: WebAssembly.Memory,
    readonly shared: boolean,
    ownsHeap: boolean,
  ) {
    const instance = new WebAssembly.Instance(module, { env: { memory } });
    this.k = instance.exports as unknown as KernelExports;
    this.gemmWorkspaceBytes = this.k.f32_gemm_workspace_bytes();
    if (ownsHeap) {
      this.heap = new Heap(this.k.heap_base(), memory.buffer.byteLength, (minEnd) => {
        const have = this.memory.buffer.byteLength;
        // grow by at least half again, so that a model built piece by piece grows rarely
        const want = Math.max(minEnd, Math.floor(have * 1.5));
        const pages = Math.min(MAX_PAGES, Math.ceil(want / PAGE)) - have / PAGE;
        if (pages <= 0 || have + pages * PAGE < minEnd) {
          throw new RangeError(`knobs engine: out of memory (needs ${minEnd} bytes, the limit is ${MAX_PAGES * PAGE})`);
        }
        this.memory.grow(pages);
        return this.memory.buffer.byteLength;
      });
      this.gemmWorkspace = this.alloc(this.gemmWorkspaceBytes);
    }
  }

  private refresh(): void {
    const buffer = this.memory.buffer;
    if (buffer !== this.buffer || this._u8.byteLength !== buffer.byteLength) {
      this.buffer = buffer;
      this._f32 = new Float32Array(buffer);
      this._i32 = new Int32Array(buffer);
      this._u8 = new Uint8Array(buffer);
    }
  }

  /** A Float32Array over the whole memory (a new view after the memory grows). */
  get f32(): Float32Array {
    this.refresh();
    return this._f32;
  }

  /** An Int32Array over the whole memory. */
  get i32(): Int32Array {
    this.refresh();
    return this._i32;
  }

  /** A Uint8Array over the whole memory. */
  get u8(): Uint8Array {
    this.refresh();
    return this._u8;
  }

  /** Size of the memory in bytes now. */
  get byteLength(): number {
    return this.memory.buffer.byteLength;
  }

  /** Bytes allocated through this engine. */
  get allocatedBytes(): number {
    return this.heap?.usedBytes ?? 0;
  }

  /** Allocates `bytes` (64-byte aligned) and returns the byte offset. Not for the training path. */
  alloc(bytes: number): number {
    if (!this.heap) throw new Error('This engine instance is attached to memory owned by another thread; it cannot allocate.');
    return this.heap.alloc(bytes);
  }

  /** Allocates room for `n` floats, zero-filled, and returns the byte offset. */
  allocF32(n: number): number {
    const ptr = this.alloc(n * 4);
    this.f32.fill(0, ptr >> 2, (ptr >> 2) + n);
    return ptr;
  }

  /** Frees a block from {@link alloc}. */
  free(ptr: number): void {
    if (!this.heap) throw new Error('This engine instance is attached to memory owned by another thread; it cannot free.');
    this.heap.release(ptr);
  }

  /** A Float32Array view of `n` floats at byte offset `ptr` (valid until the memory grows). */
  view(ptr: number, n: number): Float32Array {
    return new Float32Array(this.memory.buffer, ptr, n);
  }
}

function newMemory(shared: boolean, initialBytes: number): WebAssembly.Memory {
  const initial = Math.max(1, Math.ceil(initialBytes / PAGE));
  return new WebAssembly.Memory({ initial, maximum: MAX_PAGES, shared });
}

/** Creates an engine that owns a new memory, synchronously (Node and workers). */
export function createEngineSync(options: EngineOptions = {}): Engine {
  const shared = options.shared ?? defaultShared();
  const module = compileModuleSync(shared);
  return new Engine(module, newMemory(shared, options.initialBytes ?? 16 << 20), shared, true);
}

/** Creates an engine that owns a new memory. */
export async function createEngine(options: EngineOptions = {}): Promise<Engine> {
  const shared = options.shared ?? defaultShared();
  const module = await compileModule(shared);
  return new Engine(module, newMemory(shared, options.initialBytes ?? 16 << 20), shared, true);
}

/**
 * A second instance of the kernels over a memory another thread owns (a worker's view of the
 * main thread's shared memory). It cannot allocate; `gemmWorkspace` must be set by the owner.
 */
export function attachEngine(module: WebAssembly.Module, memory: WebAssembly.Memory, shared = true): Engine {
  return new Engine(module, memory, shared, false);
}

let defaultEngine: Engine | undefined;
let loading: Promise<Engine> | undefined;

/**
 * The library's engine. Created on first use, synchronously where the runtime allows it (Node,
 * Deno, Bun, edge hosts that import the module, workers that were handed the module); browsers'
 * main threads must `await ready()` once first, since they can only fetch the file
 * asynchronously. Importing knobs compiles nothing.
 */
export function engine(): Engine {
  return (defaultEngine ??= createEngineSync());
}

/** Options of {@link ready}. */
export interface ReadyOptions {
  /**
   * A compiled kernel module (`knobs.wasm`, or `knobs-shared.wasm` for a shared memory), for
   * hosts that compile it themselves: a Cloudflare Worker's `import kernels from
   * 'knobs/wasm/knobs.wasm'`, a bundler's wasm loader, or a module received from another thread.
   */
  module?: WebAssembly.Module;
  /** Where `knobs.wasm` is, when it is not beside the bundle (a CDN, a bundler's asset URL). */
  url?: string | URL;
  /** Where `knobs-shared.wasm` is (used by cross-origin isolated pages for the worker pool). */
  sharedUrl?: string | URL;
}

function checkLocation(name: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'string' && !(value instanceof URL)) {
    throw new TypeError(`ready: options.${name} must be a string or a URL, got ${typeof value}`);
  }
}

/**
 * Loads the kernels and creates the library's engine; resolves when they are ready. Optional
 * in Node, Deno and Bun (the first call that needs the engine loads it); required once in
 * browsers before models or ops are built. Calling it again returns the same engine.
 *
 * @example
 * ```ts
 * // Cloudflare Workers: the host compiles the module at deploy time
 * import kernels from 'knobs/wasm/knobs.wasm';
 * await knobs.ready({ module: kernels });
 * ```
 */
export async function ready(options: ReadyOptions = {}): Promise<Engine> {
  if (options === null || typeof options !== 'object')
    throw new TypeError(`ready: options must be an object, got ${options === null ? 'null' : typeof options}`);
  const { module, url, sharedUrl } = options;
  // by its tag, not instanceof: a module compiled by the host may come from another realm
  if (module !== undefined && Object.prototype.toString.call(module) !== '[object WebAssembly.Module]') {
    throw new TypeError(`ready: options.module must be a WebAssembly.Module, got ${module === null ? 'null' : typeof module}`);
  }
  checkLocation('url', url);
  checkLocation('sharedUrl', sharedUrl);
  if (defaultEngine) return defaultEngine;
  if (module) {
    requireSimd();
    const shared = importsSharedMemory(module);
    modules[shared ? 'shared' : 'plain'] ??= module;
    return (defaultEngine ??= createEngineSync({ shared }));
  }
  if (url !== undefined) locations.plain = url;
  if (sharedUrl !== undefined) locations.shared = sharedUrl;
  // only `url` given: that file is the one to use, with a plain memory
  const shared = url !== undefined && sharedUrl === undefined ? false : undefined;
  loading ??= createEngine(shared === undefined ? {} : { shared }).then(
    (e) => (defaultEngine ??= e),
    (err: unknown) => {
      loading = undefined;
      throw err;
    },
  );
  return loading;
}

/**
 * Makes `module` the kernels of its variant in this thread (a worker given the module by the
 * main thread), so that `engine()` instantiates it instead of loading a file.
 * @internal
 */
export function provideModule(module: WebAssembly.Module, shared: boolean): void {
  modules[shared ? 'shared' : 'plain'] ??= module;
}
