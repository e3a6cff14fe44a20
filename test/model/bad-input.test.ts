// Input that trained on a fake loss or sized buffers by a number it should not (issue 11): empty
// data, an empty validation set, all-zero example weights, one-hot targets outside [0, 1], and a
// batch size far larger than the data.
import { describe, expect, it } from 'vitest';
import * as knobs from '../../src/index.node';
import { engine } from '../../src/engine/engine';
import { randomArray } from '../helpers';

const F = 3,
  N = 32;
const x = randomArray(N * F, 7);
const labels = Int32Array.from({ length: N }, (_, i) => (x[i * F]! > 0 ? 1 : 0));
const oneHot = Float32Array.from({ length: N * 2 }, (_, j) => (labels[j >> 1] === (j & 1) ? 1 : 0));

function model(loss: 'sparseCategoricalCrossentropy' | 'categoricalCrossentropy' | 'binaryCrossentropy' = 'sparseCategoricalCrossentropy'): knobs.Sequential {
  const m = knobs.sequential({
    inputShape: [F],
    seed: 1,
    layers: [
      knobs.layers.dense({ units: 8, activation: 'relu' }),
      knobs.layers.dense({ units: loss === 'binaryCrossentropy' ? 1 : 2, activation: loss === 'binaryCrossentropy' ? 'sigmoid' : 'softmax' }),
    ],
  });
  m.compile({ optimizer: 'adam', loss, metrics: ['accuracy'] });
  return m;
}

describe('fit refuses data whose loss would read 0', () => {
  it('empty training data', async () => {
    await expect(model().fit(new Float32Array(0), new Int32Array(0), { verbose: 0 })).rejects.toThrow(
      /fit: x and y hold no examples: the loss of an empty set would read 0/,
    );
    await expect(model().fit([], [], { verbose: 0 })).rejects.toThrow(RangeError);
    expect(() => model().evaluate(new Float32Array(0), new Int32Array(0))).toThrow(/evaluate: x and y hold no examples/);
  });

  it('empty validationData (val_loss would be 0 and early stopping would act on it)', async () => {
    const m = model();
    await expect(m.fit(x, labels, { verbose: 0, validationData: [new Float32Array(0), new Int32Array(0)] })).rejects.toThrow(
      /fit: options.validationData: x and y hold no examples/,
    );
    // nothing was trained
    expect(m.optimizer!.iterations).toBe(0);
  });

  it('all-zero sampleWeight, for training and for validation', async () => {
    const zeros = new Float32Array(N);
    await expect(model().fit(x, labels, { verbose: 0, sampleWeight: zeros })).rejects.toThrow(
      /fit: every example weight is 0 \(options.sampleWeight\): the loss would read 0/,
    );
    await expect(model().fit(x, labels, { verbose: 0, validationData: [x, labels, zeros] })).rejects.toThrow(
      /fit: options.validationData: every example weight is 0/,
    );
    await expect(model().fit(x, labels, { verbose: 0, classWeight: { 0: 0, 1: 0 } })).rejects.toThrow(/every example weight is 0 \(options.classWeight\)/);
    // some zero weights are fine
    const some = Float32Array.from({ length: N }, (_, i) => i % 2);
    const h = await model().fit(x, labels, { verbose: 0, sampleWeight: some });
    expect(h.history.loss![0]).toBeGreaterThan(0);
  });

  it('one-hot targets outside [0, 1], naming the row and column', async () => {
    const two = oneHot.slice();
    two[2 * 5 + 1] = 2;
    await expect(model('categoricalCrossentropy').fit(x, two, { verbose: 0 })).rejects.toThrow(
      /fit: y\[5\]\[1\] is 2, but categoricalCrossentropy needs targets in \[0, 1\] \(one-hot rows or probabilities\)/,
    );
    const neg = oneHot.slice();
    neg[0] = -1;
    await expect(model('categoricalCrossentropy').fit(x, neg, { verbose: 0 })).rejects.toThrow(/y\[0\]\[0\] is -1/);
    const bce = Float32Array.from(labels);
    bce[3] = 2;
    await expect(model('binaryCrossentropy').fit(x, bce, { verbose: 0 })).rejects.toThrow(/fit: y\[3\] is 2, but binaryCrossentropy needs targets in \[0, 1\]/);
    // soft labels (label smoothing) stay accepted
    const soft = oneHot.map((v) => v * 0.9 + 0.05);
    const h = await model('categoricalCrossentropy').fit(x, soft, { verbose: 0 });
    expect(Number.isFinite(h.history.loss![0])).toBe(true);
  });
});

describe('a batch size larger than the data', () => {
  it('sizes the buffers by the rows present, and trains exactly as batchSize = rows', async () => {
    const e = engine();
    let peak = 0;
    const probe = { onBatchEnd: () => void (peak = Math.max(peak, e.allocatedBytes)) };
    const before = e.allocatedBytes;
    const big = model();
    // 1e6 rows of buffers would be over 50 MB for this model; 32 rows are a few KB
    await big.fit(x, labels, { verbose: 0, batchSize: 1e6, epochs: 3, shuffle: false, callbacks: [probe] as never });
    expect(peak - before).toBeLessThan(4 << 20);
    const same = model();
    await same.fit(x, labels, { verbose: 0, batchSize: N, epochs: 3, shuffle: false });
    expect(big.getWeights()).toEqual(same.getWeights());
  });
});
