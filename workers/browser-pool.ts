/**
 * The worker pool in browsers: Web Workers wrapped with comlink, on the same session code as
 * Node's pool. Cross-origin isolated pages (COOP/COEP headers) share the engine's memory with
 * their workers; other pages fall back to passing the weights by message at every step, and
 * say so once in the console.
 */
import * as Comlink from 'comlink';
import { engine } from '../src/engine/engine';
import { registerParallelBackend } from '../src/model/parallel';
import type { Sequential } from '../src/model/sequential';
import { capWorkers, createDataParallelRunner, workerCount, type SessionPool } from './data-parallel';
import { createTransferRunner, warnNotIsolated, type TransferPool } from './transfer-parallel';
import type { BrowserWorkerApi } from './browser-worker';
import type { SessionEnd, SessionStart } from './protocol';
import type { TransferResult, TransferStart, TransferStep } from './transfer';

/** Options of {@link workerPool}. */
export interface BrowserPoolOptions {
  /** Number of workers. Default: navigator.hardwareConcurrency. */
  size?: number;
  /** URL of browser-worker.js. Default: next to this bundle. */
  workerUrl?: string | URL;
}

interface Slot {
  worker: Worker;
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

  constructor(options: BrowserPoolOptions = {}) {
    this.size = options.size ?? Math.max(1, Math.min(8, globalThis.navigator?.hardwareConcurrency ?? 2));
    if (!Number.isInteger(this.size) || this.size < 1) throw new RangeError(`workerPool: options.size must be a positive integer, got ${options.size}`);
    this.url = options.workerUrl ?? new URL('./browser-worker.js', import.meta.url);
    this.shared = engine().shared;
    for (let i = 0; i < this.size; i++) this.slots.push(this.spawn(i));
  }

  private spawn(index: number): Slot {
    const worker = new Worker(this.url, { type: 'module' });
    const remote = Comlink.wrap<BrowserWorkerApi>(worker);
    const died = new Promise<never>((_, reject) => {
      worker.addEventListener('error', (ev) => {
        const err = Object.assign(new Error(`worker ${index} died: ${(ev as ErrorEvent).message ?? 'error event'}`), { worker: index });
        reject(err);
        // replace it, so the pool stays usable
        this.slots[index] = this.spawn(index);
      });
    });
    died.catch(() => {});
    const e = engine();
    const ready = this.shared ? remote.init(e.module, e.memory) : Promise.resolve();
    return { worker, remote, died, ready };
  }

  private call<T>(index: number, fn: (r: Comlink.Remote<BrowserWorkerApi>) => Promise<T>): Promise<T> {
    const s = this.slots[index]!;
    return Promise.race([s.ready.then(() => fn(s.remote)), s.died]).catch((err: unknown) => {
      throw Object.assign(err instanceof Error ? err : new Error(String(err)), { worker: index });
    });
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
    return this.call(worker, (r) => r.transferStep(Comlink.transfer(message, [message.params.buffer as ArrayBuffer])) as Promise<TransferResult>);
  }

  transferEnd(worker: number): Promise<void> {
    return this.call(worker, (r) => r.transferEnd());
  }

  /** Stops the workers. */
  async close(): Promise<void> {
    for (const s of this.slots) {
      s.remote[Comlink.releaseProxy]();
      s.worker.terminate();
    }
    this.slots = [];
    if (defaultPoolInstance === this) defaultPoolInstance = undefined;
  }
}

let defaultPoolInstance: BrowserWorkerPool | undefined;

/** Creates a pool of Web Workers. */
export function workerPool(options: BrowserPoolOptions = {}): BrowserWorkerPool {
  return new BrowserWorkerPool(options);
}

/** Closes the default pool. */
export async function shutdown(): Promise<void> {
  await defaultPoolInstance?.close();
}

let override: BrowserWorkerPool | undefined;

/** Makes fit({workers}) use this pool. */
export function useWorkerPool(pool: BrowserWorkerPool | undefined): void {
  override = pool;
}

registerParallelBackend({
  async createRunner(model, spec) {
    const m = model as Sequential;
    const asked = override
      ? capWorkers(spec.workers, override.size, 'workers of the pool in use')
      : capWorkers(spec.workers, Math.max(1, globalThis.navigator?.hardwareConcurrency ?? 2));
    const requested = asked === 'auto' ? undefined : asked;
    let pool = override ?? defaultPoolInstance;
    if (!pool || (requested !== undefined && pool.size < requested)) {
      await pool?.close();
      pool = defaultPoolInstance = new BrowserWorkerPool({ size: Math.max(requested ?? 1, Math.min(8, globalThis.navigator?.hardwareConcurrency ?? 2)) });
    }
    const workers = workerCount(m, { ...spec, workers: asked }, pool.size);
    if (workers <= 1) return undefined;
    if (pool.shared) return createDataParallelRunner(pool, m, spec, workers);
    warnNotIsolated(workers);
    return createTransferRunner(pool, m, spec, workers);
  },
});
