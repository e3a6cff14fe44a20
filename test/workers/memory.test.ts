// Engine memory of data-parallel fits: whatever way a fit fails (a diverging loss, an abort, a
// callback that throws, a worker that dies or throws, a pool that is busy), the engine bytes in
// use come back to what they were before it, and the model keeps its own buffers.
import { afterAll, describe, expect, it } from 'vitest';
import * as knobs from '../../build/entry.node';
import { engine } from '../../src/engine/engine';
import { toArrayBuffer } from '../../src/io/io';
import { runJob } from '../../workers/jobs';
import { transferBytesInUse, transferEnd, transferStart, transferStep, type TransferStart } from '../../workers/transfer';
import { randomArray } from '../helpers';

const N = 256,
  F = 24,
  C = 3;
const x = randomArray(N * F, 31);
const labels = Int32Array.from({ length: N }, (_, i) => (x[i * F]! > 0 ? 1 : 0) + (x[i * F + 1]! > 0 ? 1 : 0));

function model(learningRate = 1e-2): knobs.Sequential {
  const L = knobs.layers;
  const m = knobs.sequential({
    inputShape: [F],
    seed: 4,
    layers: [L.dense({ units: 32, activation: 'relu' }), L.batchNormalization(), L.dense({ units: C, activation: 'softmax' })],
  });
  m.compile({ optimizer: knobs.optimizers.sgd({ learningRate }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  return m;
}

const used = (): number => engine().allocatedBytes;
const pool = knobs.workerPool({ size: 2 });
knobs.useWorkerPool(pool);
afterAll(async () => {
  knobs.useWorkerPool(undefined);
  await pool.close();
});

const fit = (m: knobs.Sequential, options: knobs.FitOptions = {}): Promise<unknown> =>
  m.fit(x, labels, { batchSize: 32, epochs: 3, initialEpoch: 0, verbose: 0, workers: 2, validationData: [x, labels], ...options }).catch((e: unknown) => e);

/** Runs a failing fit three times on one model; returns the errors; expects no engine byte left behind. */
async function expectNoLeak(m: knobs.Sequential, run: () => Promise<unknown>): Promise<unknown> {
  m.predict(x); // the model's own predict buffers exist before and after
  const weights = m.params;
  const before = used();
  let err: unknown;
  for (let i = 0; i < 3; i++) {
    err = await run();
    expect(err).toBeInstanceOf(Error);
    expect(used()).toBe(before);
    expect(m.params).toBe(weights);
  }
  return err;
}

describe('a failed data-parallel fit frees what it took', () => {
  it('when the loss diverges (free-running epochs and steps in lockstep)', async () => {
    const m = model(1e30);
    const err = await expectNoLeak(m, () => fit(m));
    expect(String(err)).toMatch(/became (NaN|-?Infinity)/);
    const lockstep = { onBatchEnd: (): void => {} };
    await expectNoLeak(m, () => fit(m, { callbacks: [lockstep] }));
    // freed now: a dropped model is freed by a FinalizationRegistry whenever V8 collects, which
    // would lower used() in the middle of a later test
    m.dispose();
  });

  it('when an AbortSignal aborts, and when a callback throws', async () => {
    const m = model();
    const aborting = (): Promise<unknown> => {
      const ac = new AbortController();
      const cb = { onBatchEnd: (b: number): void => void (b === 3 && ac.abort(new Error('stop'))) };
      return fit(m, { signal: ac.signal, callbacks: [cb] });
    };
    expect(String(await expectNoLeak(m, aborting))).toMatch(/stop/);
    const throwing = {
      onEpochEnd: (): void => {
        throw new Error('bad callback');
      },
    };
    expect(String(await expectNoLeak(m, () => fit(m, { callbacks: [throwing] })))).toMatch(/bad callback/);
    m.dispose();
  });

  it('when a worker exits or throws', async () => {
    for (const kind of ['exit', 'throw'] as const) {
      const faulty = knobs.workerPool({ size: 2, faults: { shard: 1, step: 3, kind } });
      knobs.useWorkerPool(faulty);
      try {
        const m = model();
        const err = await expectNoLeak(m, async () => {
          const e = await fit(m);
          await new Promise((r) => setTimeout(r, 100)); // the pool replaces the worker
          return e;
        });
        expect(err).toBeInstanceOf(knobs.WorkerFailedError);
        m.dispose();
      } finally {
        knobs.useWorkerPool(pool);
        await faulty.close();
      }
    }
  });

  it('when the pool is busy training other models (the set-up fails before any session starts)', async () => {
    const m = model();
    const other = model();
    const job = pool.train(other, x, labels, { batchSize: 8, epochs: 30 });
    const err = await expectNoLeak(m, () => fit(m));
    expect(String(err)).toMatch(/the pool is busy/);
    await job;
    // and the model trains on its own weights afterwards
    const h = (await fit(m, { epochs: 1 })) as { history: Record<string, number[]> };
    expect(h.history.loss!.length).toBe(1);
    other.dispose();
    m.dispose();
  });

  it("a job that fails inside a worker frees the worker's model (runJob on this thread's engine)", async () => {
    const m = model(1e30);
    const packed = toArrayBuffer(m);
    m.dispose();
    const before = used();
    await expect(runJob({ kind: 'job', model: packed, x, y: labels, options: { batchSize: 32, epochs: 2 } })).rejects.toThrow(/became (NaN|-?Infinity)/);
    expect(used()).toBe(before);
  });
});

describe('the message fallback (workers without shared memory)', () => {
  it("a worker's session frees its buffers when replaced and when ended, on the worker's own engine", () => {
    const m = model();
    const start: TransferStart = {
      core: { inputShape: m.inputShape, layers: m.getConfig().layers, loss: m.loss },
      rows: N,
      x,
      labelsI32: labels,
      rowsCap: 32,
      sparse: true,
      useWeights: false,
      seed: 1,
      augment: undefined,
    };
    transferStart(start);
    transferEnd();
    const idle = transferBytesInUse();
    transferStart(start);
    const one = transferBytesInUse();
    expect(one).toBeGreaterThan(idle + x.byteLength);
    // a second fit's session replaces the first one's: the same bytes, not twice as many
    transferStart(start);
    expect(transferBytesInUse()).toBe(one);
    const r = transferStep({
      params: engine().f32.slice(m.params >> 2, (m.params >> 2) + m.paramCount),
      state: engine().f32.slice(m.state >> 2, (m.state >> 2) + m.stateCount),
      indices: Int32Array.from({ length: 16 }, (_, i) => i),
      rowOffset: 0,
      batchRows: 16,
      t: 1,
      epoch: 0,
      scale: 1 / 16,
    });
    expect(Number.isFinite(r.lossSum)).toBe(true);
    transferEnd();
    expect(transferBytesInUse()).toBe(idle);
    m.dispose();
  });
});
