// A siamese net on real digits (issue 13, shared layers): "are these two MNIST digits the same
// class?" One encoder (two dense layers) is shared by both digits, so it learns one embedding
// for either side; the head sees both embeddings, their product and their sum. Trained on pairs
// of the first 3,000 digits, tested on pairs of the next 1,000 (digits it never saw).
import { describe, expect, it } from 'vitest';
import * as knobs from '../../src/index.node';
import { rng } from '../helpers';
import { mnistSplit, type Split } from './mnist';

/** `count` pairs of digits from `s`, half of the same class, half not; label 1 for the same class. */
function pairs(s: Split, count: number, seed: number): { a: Float32Array; b: Float32Array; same: Int32Array } {
  const r = rng(seed);
  const byClass: number[][] = Array.from({ length: 10 }, () => []);
  s.labels.forEach((c, i) => byClass[c]!.push(i));
  const a = new Float32Array(count * 784),
    b = new Float32Array(count * 784);
  const same = new Int32Array(count);
  for (let k = 0; k < count; k++) {
    const i = Math.floor(r() * s.rows);
    const c = s.labels[i]!;
    const want = k % 2 === 0;
    let j: number;
    if (want) j = byClass[c]![Math.floor(r() * byClass[c]!.length)]!;
    else {
      do j = Math.floor(r() * s.rows);
      while (s.labels[j] === c);
    }
    a.set(s.x.subarray(i * 784, (i + 1) * 784), k * 784);
    b.set(s.x.subarray(j * 784, (j + 1) * 784), k * 784);
    same[k] = want ? 1 : 0;
  }
  return { a, b, same };
}

describe('a siamese net on MNIST pairs', () => {
  it('one shared encoder tells whether two unseen digits are the same class, at 87% or better (90.0% measured, seed 3)', async () => {
    const { train, test } = await mnistSplit(3000, 1000);
    const tr = pairs(train, 6000, 1);
    const te = pairs(test, 2000, 2);
    const L = knobs.layers;
    const left = knobs.input({ shape: [784], name: 'left' });
    const right = knobs.input({ shape: [784], name: 'right' });
    const hidden = L.dense({ units: 64, activation: 'relu', kernelInitializer: 'heNormal', name: 'hidden' });
    const embed = L.dense({ units: 32, activation: 'tanh', name: 'embed' });
    const ea = embed.apply(hidden.apply(left));
    const eb = embed.apply(hidden.apply(right));
    // symmetric in the two digits: their product and sum
    const both = L.concatenate().apply([L.multiply().apply([ea, eb]), L.add().apply([ea, eb])]);
    const out = L.dense({ units: 2, activation: 'softmax' }).apply(L.dense({ units: 32, activation: 'relu' }).apply(both));
    const model = knobs.model({ inputs: [left, right], outputs: out, seed: 3 });
    // the encoder's weights are held once: 784*64+64 + 64*32+32, not twice
    expect(model.countParams()).toBe(784 * 64 + 64 + 64 * 32 + 32 + 64 * 32 + 32 + 32 * 2 + 2);
    model.compile({ optimizer: knobs.optimizers.adam({ learningRate: 1e-3 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    await model.fit([tr.a, tr.b], tr.same, { epochs: 8, batchSize: 64, verbose: 0 });
    const { accuracy } = model.evaluate([te.a, te.b], te.same);
    console.log(`siamese MNIST same-class accuracy on unseen digits: ${(accuracy! * 100).toFixed(1)}%`);
    expect(accuracy).toBeGreaterThanOrEqual(0.87);
  }, 120_000);
});
