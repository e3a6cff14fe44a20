// A second fit trains again on the worker pool too (issue 11): fit(2) then fit(1) on 2 workers
// ends with the same bits as one fit(3) on 2 workers, free-running and in lockstep with batch
// callbacks, with augmentation keyed by the model's own epoch count; histories are numbered from 0.
import { afterAll, describe, expect, it } from 'vitest';
import * as knobs from '../../build/entry.node';
import { randomArray } from '../helpers';

const img = randomArray(192 * 36, 14, 0, 1);
const lab = Int32Array.from({ length: 192 }, (_, i) => (img[i * 36 + 14]! > 0.5 ? 1 : 0) + (img[i * 36 + 21]! > 0.5 ? 1 : 0));
const augment = knobs.data.augmentation(
  [
    { type: 'rotate', degrees: 15 },
    { type: 'noise', std: 0.05 },
  ],
  { height: 6, width: 6, channels: 1 },
);

function model(): knobs.Sequential {
  const m = knobs.sequential({
    inputShape: [36],
    seed: 12,
    layers: [
      knobs.layers.dense({ units: 24, activation: 'relu' }),
      knobs.layers.dropout({ rate: 0.1 }),
      knobs.layers.dense({ units: 3, activation: 'softmax' }),
    ],
  });
  m.compile({ optimizer: knobs.optimizers.adam({ learningRate: 0.01 }), loss: 'sparseCategoricalCrossentropy', metrics: ['acc'] });
  return m;
}
const bits = (ws: Float32Array[]): string[] => ws.map((w) => Buffer.from(w.buffer, w.byteOffset, w.byteLength).toString('base64'));

const pool = knobs.workerPool({ size: 2 });
knobs.useWorkerPool(pool);
afterAll(async () => {
  knobs.useWorkerPool(undefined);
  await pool.close();
  await knobs.shutdown();
});

describe('fit again on 2 workers', () => {
  for (const lockstep of [false, true]) {
    it(`${lockstep ? 'in lockstep (batch callbacks)' : 'free-running'}: fit(2) then fit(1) equals fit(3), histories numbered from 0`, async () => {
      const callbacks = lockstep ? [{ onBatchEnd: () => {} }] : [];
      const base = { batchSize: 32, verbose: 0, workers: 2, augment, callbacks } as const;
      const whole = model();
      await whole.fit(img, lab, { ...base, epochs: 3 });
      const m = model();
      const h1 = await m.fit(img, lab, { ...base, epochs: 2 });
      const h2 = await m.fit(img, lab, { ...base, epochs: 1 });
      expect(h1.epoch).toEqual([0, 1]);
      expect(h2.epoch).toEqual([0]);
      expect(Object.keys(h2.history).sort()).toEqual(['acc', 'loss', 'lr']);
      expect(m.optimizer!.iterations).toBe(3 * 6);
      expect(bits(m.getWeights())).toEqual(bits(whole.getWeights()));
    });
  }
});

describe('regression on 2 workers', () => {
  it('targetScaling and mae/val_mae agree with one thread (the labels are scaled before the workers see them)', async () => {
    const r = (i: number): number => img[i * 36]! * 3 + img[i * 36 + 7]! ** 2;
    const y = Float32Array.from({ length: 192 }, (_, i) => 500 + 100 * r(i));
    const run = async (workers: number): Promise<{ mae: number[]; p: Float32Array }> => {
      const m = knobs.sequential({
        inputShape: [36],
        seed: 3,
        layers: [knobs.layers.dense({ units: 16, activation: 'tanh' }), knobs.layers.dense({ units: 1 })],
      });
      m.compile({ optimizer: knobs.optimizers.adam({ learningRate: 0.01 }), loss: 'meanSquaredError', metrics: ['mae'], targetScaling: 'standardize' });
      const h = await m.fit(img, y, { batchSize: 64, epochs: 4, verbose: 0, workers, validationData: [img, y] });
      return { mae: h.history.val_mae!, p: m.predict(img) };
    };
    const one = await run(1),
      two = await run(2);
    expect(one.mae[3]).toBeLessThan(one.mae[0]!);
    one.mae.forEach((v, i) => expect(Math.abs(two.mae[i]! - v) / v).toBeLessThan(1e-4));
    expect(Math.abs(two.p[5]! - one.p[5]!) / one.p[5]!).toBeLessThan(1e-4);
    expect(one.p[5]).toBeGreaterThan(300);
    // a job on one worker of the pool (pool.train) fits the scaling there and brings it back
    const m = knobs.sequential({
      inputShape: [36],
      seed: 3,
      layers: [knobs.layers.dense({ units: 16, activation: 'tanh' }), knobs.layers.dense({ units: 1 })],
    });
    m.compile({ optimizer: knobs.optimizers.adam({ learningRate: 0.01 }), loss: 'meanSquaredError', targetScaling: 'standardize' });
    await pool.train(m, img, y, { batchSize: 64, epochs: 4 });
    const mean = y.reduce((a, b) => a + b, 0) / y.length;
    expect(Math.abs((m.metadata.targetScaling as { mean: number[] }).mean[0]! - mean) / mean).toBeLessThan(1e-6);
    expect(Math.abs(m.predict(img)[5]! - one.p[5]!) / one.p[5]!).toBeLessThan(1e-4);
  });
});
