/**
 * The worker pool in browsers (and Deno, Bun with the browser build): Web Workers wrapped with
 * comlink, on the same session code as Node's pool. Cross-origin isolated pages (COOP/COEP
 * headers) share the engine's memory with their workers; other pages fall back to passing the
 * weights by message at every step, and say so once in the console. Every worker gets the
 * compiled kernels from the main thread, so it never fetches or compiles them itself. Where
 * there is no `Worker` at all (edge runtimes), `fit({ workers })` trains on one thread and says
 * so once.
 */
import * as Comlink from 'comlink';
import { engine } from '../src/engine/engine';
import type { SessionPool } from './data-parallel';
import type { TransferPool } from './transfer-parallel';
import type { BrowserWorkerApi } from './browser-worker';
import type { SessionEnd, SessionStart } from './protocol';
import type { TransferResult, TransferStart, TransferStep } from './transfer';

/** Options of {@link workerPool}. */
export interface BrowserPoolOptions {
  /** Number of workers. Default: navigator.hardwareConcurrency. */
  size?: number;
  /**
   * URL of the worker script (the package's `knobs/browser-worker` export). Default: next to
   * this bundle. A script on another origin (a CDN) is started through a same-origin blob.
   */
  workerUrl?: string | URL;
}

/**
 * A worker script's URL as `new Worker` can take it: browsers refuse a script of another
 * origin, so one from elsewhere (a CDN) is started by a same-origin blob that imports it.
 */
function workerScriptUrl(url: string | URL): { href: string; blob: boolean } {
  const base = globalThis.location?.href;
  const abs = new URL(String(url), base);
  const origin = globalThis.location?.origin;
  if (!origin || origin === 'null' || abs.origin === origin || abs.protocol === 'blob:' || abs.protocol === 'data:' || abs.protocol === 'file:') {
    return { href: abs.href, blob: false };
  }
  const blob = new Blob([`import ${JSON.stringify(abs.href)};\n`], { type: 'text/javascript' });
  return { href: URL.createObjectURL(blob), blob: true };
}

/** A worker that keeps no process alive while idle (Bun and Deno expose `unref`; browsers have no process). */
function unref(worker: Worker): void {
  (worker as unknown as { unref?: () => void }).unref?.();
}

function ref(worker: Worker): void {
  (worker as unknown as { ref?: () => void }).ref?.();
}

/**
 * Deno's workers cannot be unreferenced and keep the process running while they exist: there,
 * a pool idle for this long stops its workers (and starts them again on its next call).
 */
const DENO_IDLE_MS = 100;
const stopWhenIdle = typeof Worker === 'function' && typeof (Worker.prototype as { unref?: unknown }).unref !== 'function' && 'Deno' in globalThis;

interface Slot {
  worker: Worker;
  /** Set once the script has loaded and answered: an error before that is a load failure. */
  loaded: boolean;
  remote: Comlink.Remote<BrowserWorkerApi>;
  /** Rejects when the worker dies (an error event): races every call. */
  died: Promise<never>;
  ready: Promise<void>;
}

/** A pool of Web Workers. */
export class BrowserWorkerPool implements SessionPool, TransferPool {
  readonly size: number;
  readonly shared: boolean;
  private slots: Slot[] = [];
  private readonly url: string | URL;
  private readonly script: { href: string; blob: boolean };
  private busy = 0;
  private idleTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: BrowserPoolOptions = {}) {
    this.size = options.size ?? Math.max(1, Math.min(8, globalThis.navigator?.hardwareConcurrency ?? 2));
    if (!Number.isInteger(this.size) || this.size < 1) throw new RangeError(`workerPool: options.size must be a positive integer, got ${options.size}`);
    if (options.workerUrl !== undefined && typeof options.workerUrl !== 'string' && !(options.workerUrl instanceof URL)) {
      throw new TypeError(`workerPool: options.workerUrl must be a string or a URL, got ${typeof options.workerUrl}`);
    }
    if (typeof Worker !== 'function') throw new Error('workerPool: this runtime has no Worker (an edge runtime?); train with workers: 1');
    this.url = options.workerUrl ?? new URL('./browser-worker.js', import.meta.url);
    this.script = workerScriptUrl(this.url);
    this.shared = engine().shared;
    // started now, so that they load while the model is set up (in Deno only when called: see stopWhenIdle)
    if (!stopWhenIdle) for (let i = 0; i < this.size; i++) this.slots.push(this.spawn(i));
  }

  private spawn(index: number): Slot {
    const worker = new Worker(this.script.href, { type: 'module' });
    unref(worker);
    const remote = Comlink.wrap<BrowserWorkerApi>(worker);
    const slot = { worker, remote, loaded: false } as Slot;
    slot.died = new Promise<never>((_, reject) => {
      worker.addEventListener('error', (ev) => {
        const detail = (ev as ErrorEvent).message || 'an error event without a message';
        if (!slot.loaded) {
          // a script that never ran (a 404, a blocked origin, a MIME type): name it and the way to fix it
          const where = this.script.blob ? `${String(this.url)} (imported by a same-origin blob)` : String(this.url);
          reject(
            Object.assign(
              new Error(
                `worker ${index} failed to load its script ${where}: ${detail}. Serve knobs' browser-worker.js (the package export ` +
                  `'knobs/browser-worker') there, or pass its URL: knobs.useWorkerPool(knobs.workerPool({ workerUrl }))`,
              ),
              { worker: index },
            ),
          );
          return;
        }
        reject(Object.assign(new Error(`worker ${index} died: ${detail}`), { worker: index }));
        // replace it, so the pool stays usable
        if (this.slots[index] === slot) this.slots[index] = this.spawn(index);
      });
    });
    slot.died.catch(() => {});
    const e = engine();
    // the compiled kernels travel with the first message: the worker never fetches or compiles them
    slot.ready = remote.init(e.module, this.shared ? e.memory : undefined, e.shared).then(() => {
      slot.loaded = true;
    });
    slot.ready.catch(() => {});
    return slot;
  }

  private call<T>(index: number, fn: (r: Comlink.Remote<BrowserWorkerApi>) => Promise<T>): Promise<T> {
    clearTimeout(this.idleTimer);
    if (this.slots.length === 0) for (let i = 0; i < this.size; i++) this.slots.push(this.spawn(i));
    const s = this.slots[index]!;
    // idle workers are unreferenced (Bun can exit) or stopped (Deno); a running call holds the process
    if (this.busy++ === 0) for (const slot of this.slots) ref(slot.worker);
    return Promise.race([s.ready.then(() => fn(s.remote)), s.died])
      .catch((err: unknown) => {
        throw Object.assign(err instanceof Error ? err : new Error(String(err)), { worker: index });
      })
      .finally(() => {
        if (--this.busy > 0) return;
        for (const slot of this.slots) unref(slot.worker);
        if (stopWhenIdle) this.idleTimer = setTimeout(() => this.stopWorkers(), DENO_IDLE_MS);
      });
  }

  /** Stops the workers; the next call starts new ones. */
  private stopWorkers(): void {
    for (const s of this.slots) {
      s.remote[Comlink.releaseProxy]();
      s.worker.terminate();
    }
    this.slots = [];
  }

  startSessions(messages: SessionStart[]): Promise<SessionEnd>[] {
    return messages.map((m, i) => this.call(i, (r) => r.session(m) as Promise<SessionEnd>));
  }

  async wait(i32: Int32Array, index: number, value: number, timeoutMs: number): Promise<'ok' | 'not-equal' | 'timed-out'> {
    const r = (
      Atomics as unknown as {
        waitAsync(a: Int32Array, i: number, v: number, t: number): { async: boolean; value: Promise<'ok' | 'timed-out'> | 'not-equal' | 'timed-out' };
      }
    ).waitAsync(i32, index, value, timeoutMs);
    return r.async ? await r.value : (r.value as 'not-equal' | 'timed-out');
  }

  transferStart(worker: number, message: TransferStart): Promise<void> {
    return this.call(worker, (r) => r.transferStart(message));
  }

  transferStep(worker: number, message: TransferStep): Promise<TransferResult> {
    return this.call(
      worker,
      (r) => r.transferStep(Comlink.transfer(message, [message.params.buffer as ArrayBuffer, message.state.buffer as ArrayBuffer])) as Promise<TransferResult>,
    );
  }

  transferEnd(worker: number): Promise<void> {
    return this.call(worker, (r) => r.transferEnd());
  }

  /** Stops the workers. */
  async close(): Promise<void> {
    clearTimeout(this.idleTimer);
    this.stopWorkers();
    if (this.script.blob) URL.revokeObjectURL(this.script.href);
    if (pools.default === this) pools.default = undefined;
  }
}

/**
 * The pools `fit({ workers })` may use (browser-runner.ts): the one given to
 * {@link useWorkerPool}, else the default one it creates.
 * @internal
 */
export const pools: { default?: BrowserWorkerPool | undefined; override?: BrowserWorkerPool | undefined } = {};

/** Creates a pool of Web Workers. */
export function workerPool(options: BrowserPoolOptions = {}): BrowserWorkerPool {
  return new BrowserWorkerPool(options);
}

/** Closes the default pool. */
export async function shutdown(): Promise<void> {
  await pools.default?.close();
}

/** Makes fit({workers}) use this pool. */
export function useWorkerPool(pool: BrowserWorkerPool | undefined): void {
  pools.override = pool;
}
