// The image layers without convolutions on the worker pool (issue 12): batch normalization over
// the channel axis merges its shards' statistics by pixel count, max pooling keeps its argmax
// per shard, spatial dropout masks do not depend on the split. The same worker count gives
// bit-identical weights; 1 and 2 workers agree within float rounding.
import { afterAll, describe, expect, it } from 'vitest';
import * as knobs from '../../build/entry.node';
import { randomArray } from '../helpers';

const N = 256,
  H = 8,
  W = 7,
  C = 3;
const x = randomArray(N * H * W * C, 31, 0, 1);
const labels = Int32Array.from({ length: N }, (_, i) => (x[i * H * W * C]! > 0.5 ? 1 : 0) + (x[i * H * W * C + 5]! > 0.5 ? 2 : 0));

const pool = knobs.workerPool({ size: 2 });
knobs.useWorkerPool(pool);
afterAll(async () => {
  knobs.useWorkerPool(undefined);
  await pool.close();
  await knobs.shutdown();
});

const bits = (ws: Float32Array[]): string[] => ws.map((w) => Buffer.from(w.buffer, w.byteOffset, w.byteLength).toString('base64'));

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

describe('image layers on the worker pool', () => {
  it('same worker count: bit-identical weights; 1 vs 2 workers: equal within float rounding', async () => {
    const L = knobs.layers;
    const make = (): knobs.Sequential => {
      const m = knobs.sequential({
        inputShape: [H * W * C],
        seed: 9,
        layers: [
          L.reshape({ targetShape: [H, W, C] }),
          L.batchNormalization(),
          L.zeroPadding2d({ padding: 1 }),
          L.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }),
          L.spatialDropout2d({ rate: 0.3 }),
          L.batchNormalization(),
          L.averagePooling2d({ poolSize: 2 }),
          L.flatten(),
          L.dense({ units: 16, activation: 'relu' }),
          L.dense({ units: 4, activation: 'softmax' }),
        ],
      });
      m.compile({ optimizer: knobs.optimizers.adam({ learningRate: 3e-3 }), loss: 'sparseCategoricalCrossentropy' });
      return m;
    };
    const run = async (workers: number): Promise<Float32Array[]> => {
      const m = make();
      await m.fit(x, labels, { batchSize: 64, epochs: 2, verbose: 0, workers });
      return m.getWeights();
    };
    const one = await run(1),
      twoA = await run(2),
      twoB = await run(2);
    expect(bits(twoA)).toEqual(bits(twoB));
    const all = (ws: Float32Array[]): Float32Array[] => [Float32Array.from(ws.flatMap((w) => Array.from(w)))];
    const d = relDiff(all(one), all(twoA)),
      worst = relDiff(one, twoA);
    console.log(
      `image layers, 1 vs 2 workers, two epochs: relative difference ${d.toExponential(2)} over all weights, ${worst.toExponential(2)} for the worst one`,
    );
    expect(d).toBeLessThanOrEqual(1e-5);
    // the worst single weight is the first batch norm's beta: its gradient, a sum over 3,584
    // pixels per shard, nearly cancels (the second batch norm re-centers every channel), and
    // Adam divides a gradient by its own size, so the summation order (one thread, or two
    // shards added) shows most there (measured 1.6e-5 relative)
    expect(worst).toBeLessThanOrEqual(1e-4);
    // and the weights moved well beyond that: the two runs are not just two untrained models
    expect(relDiff(all(make().getWeights()), all(one))).toBeGreaterThan(1e-2);
  });

  it('augments [h, w, c] images with a pipeline that takes its shape from the model, the same way on 1 and 2 workers', async () => {
    const L = knobs.layers;
    const run = async (workers: number): Promise<Float32Array[]> => {
      const m = knobs.sequential({
        inputShape: [H, W, C],
        seed: 3,
        layers: [L.averagePooling2d({ poolSize: 2 }), L.flatten(), L.dense({ units: 4, activation: 'softmax' })],
      });
      m.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
      const augment = knobs.data.augmentation([{ type: 'rotate', degrees: 15 }, { type: 'flip' }, { type: 'brightness', delta: 0.1 }]);
      await m.fit(x, labels, { batchSize: 64, epochs: 1, verbose: 0, workers, augment });
      return m.getWeights();
    };
    expect(relDiff(await run(1), await run(2))).toBeLessThanOrEqual(1e-6);
  });
});
