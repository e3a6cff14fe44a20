/**
 * The worker pool in Node: piscina runs the workers (worker_threads), each with the kernels
 * instantiated once over the library's shared engine memory.
 *
 * Two uses:
 * - data-parallel `fit(x, y, { workers })`: every batch split across the workers (one session
 *   per worker, synchronized through Atomics in shared memory);
 * - many models at once: {@link WorkerPool.train} runs a whole fit inside one worker, so several
 *   models (a hyperparameter search's trials) train in parallel.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import type Piscina from 'piscina';
import { engine } from '../src/engine/engine';
import { registerParallelBackend } from '../src/model/parallel';
import { artifactsFromArrayBuffer, toArrayBuffer } from '../src/io/artifacts';
import type { LayersModel } from '../src/model/layers-model';
import { History } from '../src/callbacks/history';
import { capWorkers, createDataParallelRunner, workerCount, type SessionPool } from './data-parallel';
import type { JobMessage, JobResult, RemoteFitOptions } from './jobs';
import type { SessionEnd, SessionStart } from './protocol';

let PiscinaClass: typeof Piscina | undefined;

/**
 * piscina, loaded with the first pool rather than at import: it costs about a third of
 * importing knobs, and most programs never start a pool.
 */
function piscina(): typeof Piscina {
  return (PiscinaClass ??= createRequire(import.meta.url)('piscina') as typeof Piscina);
}

function workerFile(): string {
  // next to this file in the package bundle; from another bundle of build/dist (the benchmarks,
  // the demo); in the source tree, the built bundle's copy
  for (const rel of ['./node-worker.js', '../node/node-worker.js', './node/node-worker.js', '../build/dist/node/node-worker.js']) {
    const p = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(p)) return p;
  }
  throw new Error('knobs: the worker bundle (node-worker.js) is missing; run `npm run build`');
}

/** Options of {@link workerPool}. */
export interface WorkerPoolOptions {
  /** Number of worker threads. Default: the machine's available parallelism. */
  size?: number;
  /** @internal test hook: make a worker exit or throw at a step of a session */
  faults?: { shard: number; step: number; kind: 'exit' | 'throw' };
}

/** Options of {@link WorkerPool.train}: fit's data options, plus epoch reports on the main thread. */
export interface RemoteFitArgs extends RemoteFitOptions {
  sampleWeight?: Float32Array;
  validationData?: [Float32Array, Float32Array | Int32Array];
  /** Called on the main thread after each epoch; return 'stop' to end training (e.g. a pruned trial). */
  onEpochEnd?: (epoch: number, logs: Record<string, number>) => void | 'stop' | Promise<void | 'stop'>;
}

const shared = new WeakMap<object, Float32Array | Int32Array>();

/** The same values over a SharedArrayBuffer (cached), so every job shares them instead of copying. */
function toShared<T extends Float32Array | Int32Array>(a: T): T {
  if (a.buffer instanceof SharedArrayBuffer) return a;
  const hit = shared.get(a);
  if (hit) return hit as T;
  const copy = new (a.constructor as new (b: SharedArrayBuffer) => T)(new SharedArrayBuffer(a.byteLength));
  copy.set(a as never);
  shared.set(a, copy);
  return copy;
}

/** A pool of worker threads. */
export class WorkerPool implements SessionPool {
  readonly size: number;
  private readonly piscina: Piscina;
  private inFlight = 0;
  onSession?: (info: { workers: number }) => void;

  constructor(options: WorkerPoolOptions = {}) {
    this.size = options.size ?? availableParallelism();
    if (!Number.isInteger(this.size) || this.size < 1) throw new RangeError(`workerPool: options.size must be a positive integer, got ${options.size}`);
    const e = engine();
    if (!e.shared) throw new Error('workerPool: the engine must use shared memory');
    this.piscina = new (piscina())({
      filename: workerFile(),
      minThreads: this.size,
      maxThreads: this.size,
      idleTimeout: 60_000,
      // A worker's live JavaScript is small (tensors live in the shared engine memory), but each
      // step leaves a little garbage; with V8's default the young generation of every thread
      // grows toward 16 MiB semi-spaces over thousands of steps, and stays resident. A small cap
      // keeps the scavenges cheap and the pages few (Fashion-MNIST, 5 epochs on 2 workers: peak
      // RSS 259 -> 247 MiB with bit-identical weights).
      resourceLimits: { maxYoungGenerationSizeMb: 4 },
      workerData: { module: e.module, memory: e.memory, faults: options.faults },
    });
  }

  /** The worker threads (for tests that kill one). @internal */
  get threads(): readonly { terminate(): Promise<number>; threadId: number }[] {
    return this.piscina.threads as never;
  }

  startSessions(messages: SessionStart[]): Promise<SessionEnd>[] {
    if (messages.length > this.size) throw new RangeError(`workerPool: a session needs ${messages.length} workers, the pool has ${this.size}`);
    if (this.inFlight > 0) throw new Error('workerPool: the pool is busy training other models; data-parallel fit needs all its workers');
    return messages.map((m) => this.track(this.piscina.run(m) as Promise<SessionEnd>));
  }

  wait(i32: Int32Array, index: number, value: number, timeoutMs: number): 'ok' | 'not-equal' | 'timed-out' {
    return Atomics.wait(i32, index, value, timeoutMs);
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.inFlight++;
    return p.finally(() => {
      this.inFlight--;
    });
  }

  /**
   * Trains a compiled model inside one worker (single-threaded there), then updates the model
   * here with the trained weights, optimizer state and progress. Several calls at once train
   * several models in parallel, one per worker.
   */
  async train(model: LayersModel, x: Float32Array, y: Float32Array | Int32Array, args: RemoteFitArgs = {}): Promise<History> {
    const { onEpochEnd, sampleWeight, validationData, ...options } = args;
    const answer = new Int32Array(new SharedArrayBuffer(4));
    // loaded here, not at import: node:worker_threads costs a few ms of every start-up (issue 15);
    // synchronously, so that the job is queued before train() first yields, as it always was
    // (a fit started right after finds the pool busy)
    const { MessageChannel } = createRequire(import.meta.url)('node:worker_threads') as typeof import('node:worker_threads');
    const channel = new MessageChannel();
    channel.port1.on('message', async (m: { epoch: number; logs: Record<string, number> }) => {
      let verdict: void | 'stop' = undefined;
      try {
        verdict = await onEpochEnd?.(m.epoch, m.logs);
      } finally {
        Atomics.store(answer, 0, verdict === 'stop' ? 2 : 1);
        Atomics.notify(answer, 0);
      }
    });
    const job: JobMessage = {
      kind: 'job',
      model: toArrayBuffer(model),
      x: toShared(x),
      y: toShared(y),
      options,
      sampleWeight: sampleWeight ? toShared(sampleWeight) : undefined,
      validationData: validationData ? [toShared(validationData[0]), toShared(validationData[1])] : undefined,
      port: channel.port2,
      answer,
    };
    try {
      const result = await this.track(this.piscina.run(job, { transferList: [channel.port2 as never] }) as Promise<JobResult>);
      // the trained weights, optimizer state and progress straight into the caller's model (io.ts,
      // which checks them, loads here on first use, not at import)
      const { applyArtifacts } = await import('../src/io/io');
      applyArtifacts(model, artifactsFromArrayBuffer(result.model));
      const h = new History();
      h.epoch = result.history.epoch;
      h.history = result.history.history;
      return h;
    } finally {
      channel.port1.close();
    }
  }

  /** Trains several models at once and yields each result as it finishes. */
  async *trainMany(
    jobs: { model: LayersModel; x: Float32Array; y: Float32Array | Int32Array; args?: RemoteFitArgs }[],
  ): AsyncGenerator<{ index: number; model: LayersModel; history: History }> {
    const pending = new Map<number, Promise<{ index: number; history: History }>>();
    jobs.forEach((j, index) =>
      pending.set(
        index,
        this.train(j.model, j.x, j.y, j.args).then((history) => ({ index, history })),
      ),
    );
    while (pending.size) {
      const done = await Promise.race(pending.values());
      pending.delete(done.index);
      yield { index: done.index, model: jobs[done.index]!.model, history: done.history };
    }
  }

  /** Stops the workers. */
  async close(): Promise<void> {
    if (defaultPoolInstance === this) defaultPoolInstance = undefined;
    await this.piscina.destroy();
  }
}

let defaultPoolInstance: WorkerPool | undefined;

/** The pool `fit({workers})` uses, created on first use with the machine's parallelism (or more when asked). */
export function defaultPool(minSize = 1): WorkerPool {
  if (defaultPoolInstance && defaultPoolInstance.size < minSize) {
    void defaultPoolInstance.close();
    defaultPoolInstance = undefined;
  }
  return (defaultPoolInstance ??= new WorkerPool({ size: Math.max(minSize, availableParallelism()) }));
}

/** Creates a worker pool. */
export function workerPool(options: WorkerPoolOptions = {}): WorkerPool {
  return new WorkerPool(options);
}

/** Closes the default pool, so that the process can exit. */
export async function shutdown(): Promise<void> {
  await defaultPoolInstance?.close();
}

let sessionPoolOverride: WorkerPool | undefined;

/** Makes fit({workers}) use this pool instead of the default one (tests, or a pool of a chosen size). */
export function useWorkerPool(pool: WorkerPool | undefined): void {
  sessionPoolOverride = pool;
}

registerParallelBackend({
  async createRunner(model, spec) {
    const m = model as LayersModel;
    const asked = sessionPoolOverride
      ? capWorkers(spec.workers, sessionPoolOverride.size, 'workers of the pool in use')
      : capWorkers(spec.workers, availableParallelism());
    const requested = asked === 'auto' ? undefined : asked;
    const pool = sessionPoolOverride ?? defaultPool(requested ?? 1);
    const workers = workerCount(m, { ...spec, workers: asked }, pool.size);
    return workers > 1 ? createDataParallelRunner(pool, m, spec, workers) : undefined;
  },
});
