// Frozen layers on the worker pool (issue 13): the workers rebuild the layers frozen as the model
// was compiled, update only the trainable ranges of the parameter buffer, and leave frozen
// weights, their optimizer state and a frozen batch norm's statistics bit-identical; 1 and 2
// workers agree within float rounding.
import { afterAll, describe, expect, it } from 'vitest';
import * as knobs from '../../build/entry.node';
import { randomArray } from '../helpers';

afterAll(() => knobs.shutdown());

const N = 96;
const img = randomArray(N * 6 * 6 * 1, 41, 0, 1);
const labels = Int32Array.from({ length: N }, (_, i) => (img[i * 36]! + img[i * 36 + 35]! > 1 ? 1 : 0) + (i % 2));

function build(): knobs.Sequential {
  const L = knobs.layers;
  const m = knobs.sequential({
    inputShape: [6, 6, 1],
    seed: 11,
    layers: [
      L.conv2d({ name: 'conv', filters: 3, kernelSize: 3, trainable: false, kernelRegularizer: knobs.regularizers.l2(0.01) }),
      L.batchNormalization({ name: 'bn', trainable: false }),
      L.activation({ activation: 'relu' }),
      L.separableConv2d({ name: 'sep', filters: 4, kernelSize: 2, activation: 'relu' }),
      L.depthwiseConv2d({ name: 'dw', kernelSize: 2, trainable: false }),
      L.flatten(),
      L.dense({ name: 'hidden', units: 6, activation: 'relu', kernelRegularizer: knobs.regularizers.l2(0.01) }),
      L.batchNormalization({ name: 'bn2' }),
      L.dense({ name: 'out', units: 3, activation: 'softmax' }),
    ],
  });
  m.compile({ optimizer: knobs.optimizers.adamw({ learningRate: 0.02, weightDecay: 0.05 }), loss: 'sparseCategoricalCrossentropy' });
  return m;
}

const same = (a: Float32Array[], b: Float32Array[]): boolean =>
  a.length === b.length && a.every((w, i) => w.length === b[i]!.length && w.every((v, k) => Object.is(v, b[i]![k])));

describe('frozen layers on the worker pool', () => {
  it('workers: 2 agrees with one thread; the frozen conv, batch norm and depthwise layers are bit-identical before and after', async () => {
    const one = build(),
      two = build();
    const frozen = ['conv', 'bn', 'dw'].map((n) => one.getLayer(n).getWeights());
    const initial = one.getWeights();
    await one.fit(img, labels, { epochs: 3, batchSize: 16, verbose: 0 });
    await two.fit(img, labels, { epochs: 3, batchSize: 16, verbose: 0, workers: 2 });
    for (const m of [one, two]) {
      ['conv', 'bn', 'dw'].forEach((n, i) => expect(same(m.getLayer(n).getWeights(), frozen[i]!), `${n} frozen`).toBe(true));
      for (const n of ['sep', 'hidden', 'bn2', 'out']) expect(same(m.getLayer(n).getWeights(), frozen[0]!), `${n} trains`).toBe(false);
    }
    // the trainable weights moved, and the two runs agree
    const a = one.getWeights(),
      b = two.getWeights();
    let moved = 0;
    a.forEach((w, i) => {
      if (!same([w], [initial[i]!])) moved++;
      for (let k = 0; k < w.length; k++) {
        if (!(Math.abs(w[k]! - b[i]![k]!) <= 1e-5 + 1e-4 * Math.abs(w[k]!))) throw new Error(`weight ${i}[${k}]: 1 worker ${w[k]}, 2 workers ${b[i]![k]}`);
      }
    });
    // sep (3), hidden (2), bn2 (4), out (2) move; conv (2), bn (4), dw (2) stay
    expect(moved).toBe(11);
    // the optimizer state of the frozen ranges stays zero on the pool too
    const firstTrainable = two.getLayer('sep').offsets[0]!;
    for (const slot of two.getOptimizerState()) expect(slot.subarray(0, firstTrainable).every((v) => v === 0)).toBe(true);
  }, 120_000);
});
