/**
 * Child process of the memory benchmark (`npm run bench -- memory`). Usage:
 *
 *   memory.js loops [n]    n fit+predict loops (default 1,000), each on a new MNIST-sized MLP
 *                          (784-128-64-10, Adam, 512 rows, batch 64, one epoch) that is never
 *                          disposed, and never a forced garbage collection: as a user's loop runs
 *   memory.js failed [n]   n failed 2-worker data-parallel fits (default 100), in turn: a loss that
 *                          diverges, an AbortSignal, a callback that throws, a worker that throws
 *                          (on a new model, disposed after), a pool busy with another model
 *
 * Prints one JSON line: RSS and the engine's bytes in use before, after and at the peak.
 */
import * as knobs from '../../build/entry.node';
import { engine } from '../../src/engine/engine';

/** What one run reports (bytes). */
export interface MemoryResult {
  run: string;
  count: number;
  rssBefore: number;
  rssAfter: number;
  peakRss: number;
  engineBefore: number;
  engineAfter: number;
  enginePeak: number;
  /** Size of the engine's memory at the end (it never shrinks). */
  engineSize: number;
  seconds: number;
}

const mode = process.argv[2] ?? 'loops';
const count = Number(process.argv[3] ?? (mode === 'loops' ? 1000 : 100));
const L = knobs.layers;

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function data(rows: number, features: number, classes: number): { x: Float32Array; y: Int32Array } {
  const r = rng(7);
  const x = Float32Array.from({ length: rows * features }, () => r());
  const y = Int32Array.from({ length: rows }, (_, i) => (i * 7) % classes);
  return { x, y };
}

const rss = (): number => process.memoryUsage().rss;
const used = (): number => engine().allocatedBytes;
let peakRss = 0,
  enginePeak = 0;
/** Where the count starts (after a run's warm-up). */
let rssBefore = rss(),
  engineBefore = used();
const sample = (): void => {
  peakRss = Math.max(peakRss, rss());
  enginePeak = Math.max(enginePeak, used());
};

async function loops(n: number): Promise<void> {
  const { x, y } = data(512, 784, 10);
  for (let i = 0; i < n; i++) {
    const m = knobs.sequential({
      inputShape: [784],
      seed: i,
      layers: [L.dense({ units: 128, activation: 'relu' }), L.dense({ units: 64, activation: 'relu' }), L.dense({ units: 10, activation: 'softmax' })],
    });
    m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    await m.fit(x, y, { batchSize: 64, epochs: 1, verbose: 0 });
    m.predict(x);
    sample();
  }
}

async function failed(n: number): Promise<void> {
  const { x, y } = data(1024, 196, 10);
  const pool = knobs.workerPool({ size: 2 });
  const faulty = knobs.workerPool({ size: 2, faults: { shard: 1, step: 3, kind: 'throw' } });
  const make = (lr: number): knobs.Sequential => {
    const m = knobs.sequential({
      inputShape: [196],
      seed: 1,
      layers: [L.dense({ units: 256, activation: 'relu' }), L.dense({ units: 10, activation: 'softmax' })],
    });
    m.compile({ optimizer: knobs.optimizers.sgd({ learningRate: lr }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    return m;
  };
  const diverging = make(1e30),
    m = make(1e-2),
    other = make(1e-2);
  const options = { batchSize: 64, epochs: 2, initialEpoch: 0, verbose: 0, workers: 2, validationData: [x, y] as [Float32Array, Int32Array] };
  // one successful fit first: the models' own buffers exist before the count starts
  knobs.useWorkerPool(pool);
  await m.fit(x, y, options);
  await diverging.fit(x, y, { ...options, epochs: 0 });
  diverging.predict(x, { batchSize: 256 });
  const start = used();
  rssBefore = rss();
  engineBefore = start;
  let failures = 0;
  for (let i = 0; i < n; i++) {
    const kind = i % 5;
    knobs.useWorkerPool(kind === 3 ? faulty : pool);
    const ac = new AbortController();
    const cb =
      kind === 1
        ? { onBatchEnd: (b: number): void => void (b === 3 && ac.abort(new Error('stop'))) }
        : kind === 2
          ? {
              onBatchEnd: (b: number): void => {
                if (b === 5) throw new Error('bad callback');
              },
            }
          : {};
    // the injected fault fires at the optimizer's step 3: a new model each time (disposed after)
    const fresh = kind === 3 ? make(1e-2) : undefined;
    // kind 4: the pool is busy training another model in a worker when the fit starts
    const job = kind === 4 ? pool.train(other, x, y, { batchSize: 64, epochs: 1 }) : undefined;
    const err = await (fresh ?? (kind === 0 ? diverging : m)).fit(x, y, { ...options, signal: ac.signal, callbacks: [cb] }).then(
      () => undefined,
      (e: unknown) => e,
    );
    await job;
    fresh?.dispose();
    if (err instanceof Error) failures++;
    sample();
  }
  knobs.useWorkerPool(undefined);
  await pool.close();
  await faulty.close();
  if (failures !== n) throw new Error(`memory bench: ${n - failures} of ${n} fits did not fail`);
  if (used() !== start) process.stderr.write(`memory bench: ${used() - start} engine bytes left after ${n} failed fits\n`);
}

const t0 = performance.now();
if (mode === 'loops') await loops(count);
else if (mode === 'failed') await failed(count);
else throw new Error(`memory bench: unknown run ${mode}; use loops or failed`);
const result: MemoryResult = {
  run: mode,
  count,
  rssBefore,
  rssAfter: rss(),
  peakRss: Math.max(peakRss, process.resourceUsage().maxRSS * 1024),
  engineBefore,
  engineAfter: used(),
  enginePeak,
  engineSize: engine().byteLength,
  seconds: (performance.now() - t0) / 1000,
};
await knobs.shutdown();
console.log(JSON.stringify(result));
