// The worker pool in Node: data-parallel fit (determinism, agreement with one thread, faults,
// cancellation), many models at once, and a process that exits by itself.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as knobs from '../../build/entry.node';
import { autoWorkers } from '../../workers/data-parallel';
import { randomArray } from '../helpers';

const N = 512,
  F = 40,
  C = 4;
const x = randomArray(N * F, 21);
const labels = Int32Array.from({ length: N }, (_, i) => (x[i * F]! > 0 ? 1 : 0) + (x[i * F + 1]! > 0 ? 2 : 0));

function model(seed = 5, extra: 'bn' | 'dropout' | 'none' = 'none'): knobs.Sequential {
  const L = knobs.layers;
  const m = knobs.sequential({
    inputShape: [F],
    seed,
    layers: [
      L.dense({ units: 64, activation: 'relu', kernelRegularizer: knobs.regularizers.l2(1e-4) }),
      ...(extra === 'bn' ? [L.batchNormalization()] : extra === 'dropout' ? [L.dropout({ rate: 0.25 })] : []),
      L.dense({ units: 32, activation: 'tanh' }),
      L.dense({ units: C, activation: 'softmax' }),
    ],
  });
  m.compile({ optimizer: knobs.optimizers.adam({ learningRate: 3e-3 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  return m;
}

const bits = (ws: Float32Array[]): string[] => ws.map((w) => Buffer.from(w.buffer, w.byteOffset, w.byteLength).toString('base64'));

/** The largest relative difference ||a - b|| / ||a|| over the weights. */
function relDiff(a: Float32Array[], b: Float32Array[]): number {
  let worst = 0;
  a.forEach((w, i) => {
    let d = 0,
      n = 0;
    w.forEach((v, j) => {
      d += (v - b[i]![j]!) ** 2;
      n += v * v;
    });
    worst = Math.max(worst, Math.sqrt(d / Math.max(n, 1e-30)));
  });
  return worst;
}

const pool = knobs.workerPool({ size: 2 });
knobs.useWorkerPool(pool);
afterAll(async () => {
  knobs.useWorkerPool(undefined);
  await pool.close();
  await knobs.shutdown();
});

describe('data-parallel fit', () => {
  for (const extra of ['none', 'dropout', 'bn'] as const) {
    it(`gives bit-identical weights for the same seed and worker count, and agrees with one worker (${extra})`, async () => {
      const run = async (workers: number): Promise<Float32Array[]> => {
        const m = model(5, extra);
        await m.fit(x, labels, { batchSize: 64, epochs: 1, verbose: 0, workers });
        return m.getWeights();
      };
      const one = await run(1),
        twoA = await run(2),
        twoB = await run(2);
      expect(bits(twoA)).toEqual(bits(twoB));
      const d = relDiff(one, twoA);
      console.log(`1 vs 2 workers (${extra}), one epoch: relative difference ${d.toExponential(2)}`);
      expect(d).toBeLessThanOrEqual(1e-5);
    });
  }

  it('clips the gradient by its global norm across workers like one thread', async () => {
    const run = async (workers: number): Promise<Float32Array[]> => {
      const m = model(15);
      await m.fit(x, labels, { batchSize: 64, epochs: 1, verbose: 0, workers, clipNorm: 0.05 });
      return m.getWeights();
    };
    expect(relDiff(await run(1), await run(2))).toBeLessThanOrEqual(1e-5);
  });

  it('augments the same examples the same way whatever the worker count', async () => {
    const img = randomArray(128 * 36, 4, 0, 1);
    const lab = Int32Array.from({ length: 128 }, (_, i) => i % 3);
    const augment = knobs.data.augmentation(
      [
        { type: 'rotate', degrees: 20 },
        { type: 'noise', std: 0.05 },
      ],
      { height: 6, width: 6, channels: 1 },
    );
    const run = async (workers: number): Promise<Float32Array[]> => {
      const m = knobs.sequential({
        inputShape: [36],
        seed: 2,
        layers: [knobs.layers.dense({ units: 16, activation: 'relu' }), knobs.layers.dense({ units: 3, activation: 'softmax' })],
      });
      m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
      await m.fit(img, lab, { batchSize: 32, epochs: 2, verbose: 0, workers, augment });
      return m.getWeights();
    };
    expect(relDiff(await run(1), await run(2))).toBeLessThanOrEqual(1e-5);
  });

  it('runs user batch callbacks between steps and reports the same logs', async () => {
    const m = model(6);
    const seen: number[] = [];
    const h = await m.fit(x, labels, { batchSize: 100, epochs: 2, verbose: 0, workers: 2, callbacks: [{ onBatchEnd: (b) => void seen.push(b) }] });
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5]);
    expect(m.optimizer!.iterations).toBe(12);
    expect(h.history.loss![1]).toBeLessThan(h.history.loss![0]!);
  });

  it('weights a callback writes between steps (setWeights), a frozen layer included, stay written, in lockstep and between free-running epochs', async () => {
    // the workers step from one copy of the weights into the other, and write only the trainable
    // ranges: a frozen layer's weights written into the copy the model shows must reach the other
    const run = async (workers: number, lockstep: boolean): Promise<Float32Array[]> => {
      const m = model(9);
      m.layers[0]!.trainable = false;
      m.compile({ optimizer: knobs.optimizers.adam({ learningRate: 3e-3 }), loss: 'sparseCategoricalCrossentropy' });
      const halve = (): void => m.setWeights(m.getWeights().map((w) => w.map((v) => v * 0.5)));
      const cb = lockstep ? { onBatchEnd: (b: number) => void (b === 2 && halve()) } : { onEpochEnd: (e: number) => void (e === 0 && halve()) };
      await m.fit(x, labels, { batchSize: 64, epochs: 2, verbose: 0, workers, callbacks: [cb] });
      return m.getWeights();
    };
    for (const lockstep of [true, false]) {
      const one = await run(1, lockstep),
        two = await run(2, lockstep);
      // the frozen kernel is exactly the halved one
      expect(bits([two[0]!])).toEqual(bits([one[0]!]));
      expect(relDiff(one, two)).toBeLessThanOrEqual(1e-5);
    }
  });

  it("'auto' uses one worker where a shard would be too small to pay", () => {
    const m = model();
    expect(autoWorkers(m, 8, 2)).toBe(1);
    const big = knobs.sequential({ inputShape: [784], layers: [knobs.layers.dense({ units: 128 }), knobs.layers.dense({ units: 10 })] });
    expect(autoWorkers(big, 256, 2)).toBe(2);
    expect(autoWorkers(big, 32, 2)).toBe(1); // 16 rows a shard: measured slower on 2 workers
  });

  it('an AbortSignal cancels between batches; the model keeps its last completed step and the pool stays usable', async () => {
    // free-running epochs: an abort from a timer, at whatever batch the workers are on
    const m = model(7);
    const ac = new AbortController();
    setTimeout(() => ac.abort(new Error('user cancelled')), 40);
    const bigX = randomArray(8192 * F, 9),
      bigY = Int32Array.from({ length: 8192 }, (_, i) => i % C);
    await expect(m.fit(bigX, bigY, { batchSize: 32, epochs: 50, verbose: 0, workers: 2, signal: ac.signal })).rejects.toThrow(/user cancelled/);
    const steps = m.optimizer!.iterations;
    expect(steps).toBeGreaterThan(0);
    expect(steps).toBeLessThan(50 * 256);
    m.getWeights().forEach((w) => expect(w.every(Number.isFinite)).toBe(true));
    await m.fit(x, labels, { batchSize: 64, epochs: 1, verbose: 0, workers: 2 });
  });

  it('an abort at a known batch (steps in lockstep) leaves exactly the weights after that batch', async () => {
    // 512 rows / 64 = 8 steps per epoch; the abort comes after batch 3 of epoch 1 (0-based): 12 steps
    let epoch = 0;
    let atAbort: Float32Array[] | null = null;
    const ref = model(8);
    await ref.fit(x, labels, {
      batchSize: 64,
      epochs: 2,
      verbose: 0,
      workers: 2,
      callbacks: [
        {
          onEpochBegin: (e) => void (epoch = e),
          onBatchEnd: (b) => {
            if (epoch === 1 && b === 3) atAbort = ref.getWeights();
          },
        },
      ],
    });
    expect(atAbort).not.toBeNull();

    const m = model(8);
    const ac = new AbortController();
    const err = await m
      .fit(x, labels, {
        batchSize: 64,
        epochs: 2,
        verbose: 0,
        workers: 2,
        signal: ac.signal,
        callbacks: [
          {
            onEpochBegin: (e) => void (epoch = e),
            onBatchEnd: (b) => {
              if (epoch === 1 && b === 3) ac.abort(new Error('stop here'));
            },
          },
        ],
      })
      .catch((e: unknown) => e);
    expect(String(err)).toMatch(/stop here/);
    expect(m.optimizer!.iterations).toBe(12);
    expect(bits(m.getWeights())).toEqual(bits(atAbort!));
    expect(bits(m.getWeights())).not.toEqual(bits(ref.getWeights()));
    // and it trains on from there
    expect(m.epochsCompleted).toBe(1);
    await m.fit(x, labels, { batchSize: 64, epochs: 1, verbose: 0, workers: 2 });
    expect(m.optimizer!.iterations).toBe(20);
  });
});

describe('faults', () => {
  it('a worker that exits mid-epoch makes fit reject naming the worker, epoch and batch; the model keeps its last completed step; the pool recovers', async () => {
    const faulty = knobs.workerPool({ size: 2, faults: { shard: 1, step: 9, kind: 'exit' } });
    knobs.useWorkerPool(faulty);
    try {
      // 512 rows / 64 = 8 steps per epoch: step 9 is the first of epoch 2
      const m = model(11);
      const err = await m.fit(x, labels, { batchSize: 64, epochs: 3, verbose: 0, workers: 2 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(knobs.WorkerFailedError);
      expect(String((err as Error).message)).toMatch(/worker 1 failed at epoch 2, batch 1/);
      const ref = model(11);
      knobs.useWorkerPool(pool);
      await ref.fit(x, labels, { batchSize: 64, epochs: 1, verbose: 0, workers: 2 });
      expect(bits(m.getWeights())).toEqual(bits(ref.getWeights()));
      expect(m.optimizer!.iterations).toBe(8);
    } finally {
      knobs.useWorkerPool(pool);
      await faulty.close();
    }
  });

  it('a worker that throws makes fit reject with its error; a worker terminated from outside too; the pool then trains again', async () => {
    const throwing = knobs.workerPool({ size: 2, faults: { shard: 0, step: 3, kind: 'throw' } });
    knobs.useWorkerPool(throwing);
    try {
      const failed = model(12);
      const err = (await failed.fit(x, labels, { batchSize: 64, epochs: 2, verbose: 0, workers: 2 }).catch((e: unknown) => e)) as Error;
      expect(err.message).toMatch(/worker 0 failed at epoch 1, batch 3 \(Error: injected fault at step 3\)/);
      expect((err.cause as Error).stack).toMatch(/injected fault/);
      // worker 0 reports the steps: when it fails, the model still keeps the last completed one (2)
      expect(failed.optimizer!.iterations).toBe(2);
      let atTwo: Float32Array[] | undefined;
      knobs.useWorkerPool(pool);
      const ref = model(12);
      await ref.fit(x, labels, {
        batchSize: 64,
        epochs: 1,
        verbose: 0,
        workers: 2,
        callbacks: [{ onBatchEnd: (b) => void (b === 1 && (atTwo = ref.getWeights())) }],
      });
      expect(bits(failed.getWeights())).toEqual(bits(atTwo!));
    } finally {
      knobs.useWorkerPool(pool);
      await throwing.close();
    }
    const m = model(13);
    const bigX = randomArray(8192 * F, 10),
      bigY = Int32Array.from({ length: 8192 }, (_, i) => i % C);
    setTimeout(() => void pool.threads[1]!.terminate(), 60);
    const err = (await m.fit(bigX, bigY, { batchSize: 32, epochs: 50, verbose: 0, workers: 2 }).catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(knobs.WorkerFailedError);
    expect(err.message).toMatch(/worker \d failed at epoch \d+, batch \d+/);
    m.getWeights().forEach((w) => expect(w.every(Number.isFinite)).toBe(true));
    // the pool replaced the dead worker
    await new Promise((r) => setTimeout(r, 200));
    const h = await model(14).fit(x, labels, { batchSize: 64, epochs: 1, verbose: 0, workers: 2 });
    expect(h.history.loss!.length).toBe(1);
  });
});

describe('many models at once', () => {
  it('trains several models concurrently, one per worker, with the same result as training each alone', async () => {
    const models = [model(21), model(22), model(23)];
    const alone = [model(21), model(22), model(23)];
    for (const m of alone) await m.fit(x, labels, { batchSize: 32, epochs: 2, verbose: 0 });
    const order: number[] = [];
    for await (const r of pool.trainMany(models.map((m) => ({ model: m, x, y: labels, args: { batchSize: 32, epochs: 2 } })))) {
      order.push(r.index);
      expect(r.history.history.loss!.length).toBe(2);
    }
    expect(order.sort()).toEqual([0, 1, 2]);
    models.forEach((m, i) => expect(bits(m.getWeights())).toEqual(bits(alone[i]!.getWeights())));
  });

  it('reports every epoch to the main thread, which can stop a job (a pruned trial)', async () => {
    const m = model(31);
    const epochs: number[] = [];
    const h = await pool.train(m, x, labels, {
      batchSize: 64,
      epochs: 10,
      onEpochEnd: (e) => {
        epochs.push(e);
        return e === 2 ? 'stop' : undefined;
      },
    });
    expect(epochs).toEqual([0, 1, 2]);
    expect(h.epoch).toEqual([0, 1, 2]);
    expect(m.epochsCompleted).toBe(3);
  });
});

describe('process lifetime', () => {
  it('a Node process whose code is done exits by itself, with the default pool still open', () => {
    const dir = mkdtempSync(join(tmpdir(), 'knobs-exit-'));
    const entry = new URL('../../build/dist/node/knobs.js', import.meta.url).pathname;
    const script = join(dir, 'train.mjs');
    writeFileSync(
      script,
      `
      import * as knobs from ${JSON.stringify(entry)};
      const x = new Float32Array(256 * 8).map(() => Math.random()), y = Int32Array.from({ length: 256 }, (_, i) => i % 2);
      const m = knobs.sequential({ inputShape: [8], layers: [knobs.layers.dense({ units: 2, activation: 'softmax' })] });
      m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
      await m.fit(x, y, { batchSize: 64, epochs: 2, verbose: 0, workers: 2 });
      console.log('trained');`,
    );
    const t0 = Date.now();
    const r = spawnSync(process.execPath, [script], { encoding: 'utf8', timeout: 20_000 });
    expect(r.stdout).toContain('trained');
    expect(r.signal, 'killed by the timeout: the process did not exit').toBeNull();
    expect(r.status).toBe(0);
    expect(Date.now() - t0).toBeLessThan(15_000);
  });
});
