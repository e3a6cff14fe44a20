// A model built on a reused base (issue 13, the transfer idiom) on the worker pool: the workers
// rebuild the transfer model from its config (the base's layers are its own there) and write
// the weights in the model's buffers, which the base then reads (src/model/reuse.ts). 1 and 2
// workers agree within float rounding, for the transfer model and for the base's predictions.
import { afterAll, describe, expect, it } from 'vitest';
import * as knobs from '../../build/entry.node';
import { expectClose, randomArray } from '../helpers';

afterAll(() => knobs.shutdown());

const N = 96;
const img = randomArray(N * 6 * 6 * 1, 61, 0, 1);
const labels = Int32Array.from({ length: N }, (_, i) => (img[i * 36]! + img[i * 36 + 35]! > 1 ? 1 : 0) + (i % 2));
const labels2 = Int32Array.from({ length: N }, (_, i) => (img[i * 36 + 14]! > 0.5 ? 1 : 0));

/** A trained conv base (one thread, so both runs start from the same weights) and a transfer model on its features. */
async function transfer(): Promise<{ base: knobs.Sequential; t: knobs.LayersModel }> {
  const L = knobs.layers;
  const base = knobs.sequential({
    inputShape: [6, 6, 1],
    seed: 21,
    layers: [
      L.conv2d({ name: 'conv', filters: 4, kernelSize: 3, activation: 'relu' }),
      L.batchNormalization({ name: 'bn' }),
      L.flatten({ name: 'flat' }),
      L.dense({ name: 'feat', units: 8, activation: 'relu' }),
      L.dense({ name: 'out', units: 3, activation: 'softmax' }),
    ],
  });
  base.compile({ optimizer: knobs.optimizers.adam({ learningRate: 0.01 }), loss: 'sparseCategoricalCrossentropy' });
  await base.fit(img, labels, { epochs: 2, batchSize: 16, verbose: 0 });
  const head = L.dense({ name: 'head', units: 2, activation: 'softmax' }).apply(base.getLayer('feat').output);
  const t = knobs.model({ inputs: base.inputs, outputs: head, seed: 22 });
  // the conv stays frozen (its batch norm trains), the rest of the base fine-tunes
  t.getLayer('conv').trainable = false;
  t.compile({ optimizer: knobs.optimizers.adam({ learningRate: 0.01 }), loss: 'sparseCategoricalCrossentropy' });
  return { base, t };
}

describe('a transfer model on the worker pool', () => {
  it('1 and 2 workers agree within rounding, and the base predicts with the weights the workers trained', async () => {
    const one = await transfer();
    const two = await transfer();
    expect(one.t.getWeights().map((w) => Array.from(w))).toEqual(two.t.getWeights().map((w) => Array.from(w)));
    const conv = one.base.getLayer('conv').getWeights();
    const before = one.base.predict(img);
    const h1 = await one.t.fit(img, labels2, { epochs: 3, batchSize: 16, verbose: 0 });
    const h2 = await two.t.fit(img, labels2, { epochs: 3, batchSize: 16, verbose: 0, workers: 2 });
    h1.history.loss!.forEach((l, e) => expect(h2.history.loss![e]).toBeCloseTo(l, 4));
    const w2 = two.t.getWeights();
    one.t.getWeights().forEach((w, i) => expectClose(w2[i]!, w, { atol: 1e-5, rtol: 1e-4 }, `weight ${i} (2 workers against 1)`));
    // the bases share the trained layers: their predictions moved, and agree
    const p1 = one.base.predict(img);
    expect(Array.from(p1)).not.toEqual(Array.from(before));
    expectClose(two.base.predict(img), p1, { atol: 1e-5, rtol: 1e-4 }, 'base predictions (2 workers against 1)');
    // the frozen conv did not move, on either
    expect(
      two.base
        .getLayer('conv')
        .getWeights()
        .map((w) => Array.from(w)),
    ).toEqual(conv.map((w) => Array.from(w)));
  });

  it('a callback that predicts with the base after every batch of a 2-worker fit changes nothing in the training', async () => {
    const quiet = await transfer();
    const busy = await transfer();
    await quiet.t.fit(img, labels2, { epochs: 2, batchSize: 16, verbose: 0, workers: 2 });
    let calls = 0;
    await busy.t.fit(img, labels2, {
      epochs: 2,
      batchSize: 16,
      verbose: 0,
      workers: 2,
      callbacks: { onBatchEnd: async () => void (calls++, busy.base.predict(img.subarray(0, 36 * 4))) },
    });
    expect(calls).toBe(12);
    const w = quiet.t.getWeights();
    busy.t.getWeights().forEach((b, i) => expectClose(b, w[i]!, { atol: 1e-6, rtol: 1e-5 }, `weight ${i} (with the base predicting mid-fit)`));
    expectClose(busy.base.predict(img), quiet.base.predict(img), { atol: 1e-6, rtol: 1e-5 }, 'base predictions');
  });
});
