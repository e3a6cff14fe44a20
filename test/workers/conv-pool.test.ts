// Conv nets on the worker pool: the workers rebuild the convolution layers from their
// configuration, each shard with its own im2col buffer and gradient slot. The same worker count
// gives bit-identical weights, and 1 and 2 workers agree within float rounding.
import { afterAll, describe, expect, it } from 'vitest';
import * as knobs from '../../build/entry.node';
import { autoWorkers, flopsPerExample } from '../../workers/data-parallel';
import { randomArray } from '../helpers';

const N = 192;
const x = randomArray(N * 10 * 10 * 2, 31);
// a label that needs spatial structure: which quadrant of channel 0 has the largest sum
const labels = Int32Array.from({ length: N }, (_, n) => {
  const sums = [0, 0, 0, 0];
  for (let y = 0; y < 10; y++) for (let xx = 0; xx < 10; xx++) sums[(y < 5 ? 0 : 2) + (xx < 5 ? 0 : 1)]! += x[((n * 10 + y) * 10 + xx) * 2]!;
  return sums.indexOf(Math.max(...sums));
});

function model(seed: number): knobs.Sequential {
  const L = knobs.layers;
  const m = knobs.sequential({
    inputShape: [10, 10, 2],
    seed,
    layers: [
      L.conv2d({ filters: 6, kernelSize: 3, padding: 'same', activation: 'relu', kernelRegularizer: knobs.regularizers.l2(1e-4) }),
      L.depthwiseConv2d({ kernelSize: 3, strides: 2, depthMultiplier: 2, activation: 'relu' }),
      L.separableConv2d({ filters: 8, kernelSize: 2, activation: 'tanh' }),
      L.dropout({ rate: 0.2 }),
      L.flatten(),
      L.dense({ units: 4, activation: 'softmax' }),
    ],
  });
  m.compile({ optimizer: knobs.optimizers.adam({ learningRate: 3e-3 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  return m;
}

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

const pool = knobs.workerPool({ size: 2 });
knobs.useWorkerPool(pool);
afterAll(async () => {
  knobs.useWorkerPool(undefined);
  await pool.close();
  await knobs.shutdown();
});

describe('conv nets on the worker pool', () => {
  it('gives bit-identical weights for the same seed and worker count, and 1 and 2 workers agree', async () => {
    const run = async (workers: number): Promise<{ w: Float32Array[]; loss: number[] }> => {
      const m = model(7);
      const h = await m.fit(x, labels, { batchSize: 48, epochs: 2, verbose: 0, workers });
      return { w: m.getWeights(), loss: h.history.loss! };
    };
    const one = await run(1),
      twoA = await run(2),
      twoB = await run(2);
    expect(bits(twoA.w)).toEqual(bits(twoB.w));
    const d = relDiff(one.w, twoA.w);
    console.log(`conv net, 1 vs 2 workers, 8 steps: relative weight difference ${d.toExponential(2)}`);
    expect(d).toBeLessThanOrEqual(1e-5);
    expect(twoA.loss[1]).toBeLessThan(twoA.loss[0]!);
  }, 120_000);

  it("'auto' counts a convolution's arithmetic per output pixel, not per weight", () => {
    const L = knobs.layers;
    const m = knobs.sequential({
      inputShape: [28, 28, 1],
      layers: [
        L.conv2d({ filters: 32, kernelSize: 3, activation: 'relu' }),
        L.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }),
        L.flatten(),
        L.dense({ units: 10, activation: 'softmax' }),
      ],
    });
    // 6 flops per multiply-add: 26*26*9*32 + 24*24*288*64, and per dense weight: 36864*10 + 10
    expect(flopsPerExample(m)).toBe(6 * (26 * 26 * 9 * 32 + 24 * 24 * 288 * 64 + 36864 * 10 + 10));
    // about 66 MFLOP an example: even 8-row shards carry far more than the 20 MFLOP that pays for 2 workers
    expect(autoWorkers(m, 16, 2)).toBe(2);
  });
});
