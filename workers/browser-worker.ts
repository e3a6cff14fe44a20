/**
 * The browser worker: a Web Worker exposed through comlink. With shared memory it attaches the
 * kernels to the page's memory and runs sessions (workers/session.ts); without, it runs the
 * message-passing fallback (workers/transfer.ts) on its own engine. Whole-model jobs (many models
 * at once) run on its own engine either way.
 */
import * as Comlink from 'comlink';
import { attachEngine, provideModule, type Engine } from '../src/engine/engine';
import { runSession } from './session';
import { runJob, type JobMessage } from './jobs';
import { transferEnd, transferStart, transferStep, type TransferStart, type TransferStep } from './transfer';
import type { SessionStart } from './protocol';

let attached: Engine | undefined;

const api = {
  /**
   * Takes the page's compiled kernels (this worker never fetches or compiles them) and, when
   * memory is shared, attaches them to the page's memory.
   */
  init(module: WebAssembly.Module, memory: WebAssembly.Memory | undefined, shared: boolean): void {
    provideModule(module, shared);
    if (memory) attached = attachEngine(module, memory);
  },
  session(message: SessionStart): ReturnType<typeof runSession> {
    if (!attached) throw new Error('browser worker: session before init');
    return runSession(attached, message);
  },
  job(message: JobMessage): ReturnType<typeof runJob> {
    return runJob(message);
  },
  transferStart(message: TransferStart): void {
    transferStart(message);
  },
  transferStep(message: TransferStep): ReturnType<typeof transferStep> {
    const r = transferStep(message);
    return Comlink.transfer(r, [r.grads.buffer as ArrayBuffer]);
  },
  transferEnd(): void {
    transferEnd();
  },
};

export type BrowserWorkerApi = typeof api;

Comlink.expose(api);
