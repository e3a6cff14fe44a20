// Several outputs where one takes integer class labels (sparseCategoricalCrossentropy), as Keras
// allows: the loss and its gradient against finite differences and against the same model fed
// one-hot targets, training on real digits, the per-output logs, save/load, and the errors for
// bad labels, each naming the output.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as knobs from '../../src/index.node';
import type { LayersModel } from '../../src/model/layers-model';
import { expectClose, randomArray, rng } from '../helpers';
import { checkGradients } from './gradient-check';
import { mnistSplit } from './mnist';

const L = knobs.layers;

/** A trunk with a 4-class softmax head (`cls`) and a 2-value regression head (`box`). */
function twoHeads(seed: number): LayersModel {
  const x = knobs.input({ shape: [6] });
  const trunk = L.dense({ units: 10, activation: 'tanh' }).apply(x);
  const cls = L.dense({ units: 4, activation: 'softmax', name: 'cls' }).apply(trunk);
  const box = L.dense({ units: 2, name: 'box' }).apply(L.concatenate().apply([trunk, x]));
  return knobs.model({ inputs: x, outputs: [cls, box], seed });
}

const n = 48;
const x = randomArray(n * 6, 71, -1.5, 1.5);
// learnable targets: the class is the largest of the first four features, the box two sums
const labels = Array.from({ length: n }, (_, i) => {
  const r = Array.from(x.subarray(i * 6, i * 6 + 4));
  return r.indexOf(Math.max(...r));
});
const oneHot = (ls: ArrayLike<number>, k: number): Float32Array => {
  const y = new Float32Array(ls.length * k);
  for (let i = 0; i < ls.length; i++) y[i * k + ls[i]!] = 1;
  return y;
};
const yBox = Float32Array.from({ length: n * 2 }, (_, k) => (k % 2 ? x[(k >> 1) * 6 + 4]! - x[(k >> 1) * 6 + 5]! : 0.5 * x[(k >> 1) * 6]!));

describe('several outputs with integer class labels (sparseCategoricalCrossentropy)', () => {
  it('gradients of the weighted sum (sparse cross-entropy + mean squared error) against finite differences', () => {
    const m = twoHeads(3);
    m.compile({ optimizer: 'sgd', loss: ['sparseCategoricalCrossentropy', 'meanSquaredError'], lossWeights: [1, 0.5] });
    const k = 9;
    checkGradients(m, x.subarray(0, k * 6), [labels.slice(0, k), yBox.subarray(0, k * 2)]);
    // with example weights too, and y keyed by output name
    const sw = randomArray(k, 72, 0.2, 2);
    checkGradients(m, x.subarray(0, k * 6), { box: yBox.subarray(0, k * 2), cls: Int32Array.from(labels.slice(0, k)) }, { sampleWeight: sw });
  });

  it('loss, gradients and accuracy equal those of the same model fed one-hot targets with categoricalCrossentropy', () => {
    const sparse = twoHeads(4),
      dense = twoHeads(4);
    sparse.compile({
      optimizer: 'sgd',
      loss: { cls: 'sparseCategoricalCrossentropy', box: 'mse' },
      lossWeights: { box: 0.3 },
      metrics: { cls: ['accuracy'] },
    });
    dense.compile({
      optimizer: 'sgd',
      loss: { cls: 'categoricalCrossentropy', box: 'mean_squared_error' },
      lossWeights: { box: 0.3 },
      metrics: { cls: ['accuracy'] },
    });
    const a = sparse.computeGradients(x, [labels, yBox]);
    const b = dense.computeGradients(x, [oneHot(labels, 4), yBox]);
    expect(a.loss).toBeCloseTo(b.loss, 6);
    a.grads.forEach((g, i) => expectClose(g, b.grads[i]!, { atol: 1e-7, rtol: 1e-5 }, `gradient ${i}`));
    const ea = sparse.evaluate(x, [labels, yBox]);
    const eb = dense.evaluate(x, [oneHot(labels, 4), yBox]);
    expect(Object.keys(ea).sort()).toEqual(['box_loss', 'cls_accuracy', 'cls_loss', 'loss']);
    for (const key of Object.keys(eb)) expect(ea[key], key).toBeCloseTo(eb[key]!, 6);
    // by hand from predict: the mean of -log p[label], and the argmax against the label
    const [p] = sparse.predict<Float32Array[]>(x);
    let ce = 0,
      correct = 0;
    for (let i = 0; i < n; i++) {
      ce -= Math.log(p![i * 4 + labels[i]!]!);
      const row = Array.from(p!.subarray(i * 4, i * 4 + 4));
      if (row.indexOf(Math.max(...row)) === labels[i]) correct++;
    }
    expect(ea.cls_loss).toBeCloseTo(ce / n, 5);
    expect(ea.cls_accuracy).toBeCloseTo(correct / n, 6);
    expect(ea.loss).toBeCloseTo(ea.cls_loss! + 0.3 * ea.box_loss!, 6);
  });

  it('trains on real digits: the class from sparse labels (>= 88% on 500 held-out digits; measured 91.8%) and the mean pixel by regression, logs named as Keras names them', async () => {
    const { train, test } = await mnistSplit(3000, 500);
    // the mean pixel, standardized on the training digits (so that its loss is not drowned by the class's)
    const pixelMean = (s: { x: Float32Array; rows: number }): Float32Array =>
      Float32Array.from({ length: s.rows }, (_, i) => s.x.subarray(i * 784, (i + 1) * 784).reduce((a, v) => a + v, 0) / 784);
    const inkTrain = pixelMean(train);
    const mu = inkTrain.reduce((a, v) => a + v, 0) / train.rows;
    const sd = Math.sqrt(inkTrain.reduce((a, v) => a + (v - mu) ** 2, 0) / train.rows);
    const meanPixel = (s: { x: Float32Array; rows: number }): Float32Array => pixelMean(s).map((v) => (v - mu) / sd);
    const input = knobs.input({ shape: [784] });
    const h = L.dense({ units: 128, activation: 'relu' }).apply(input);
    const digit = L.dense({ units: 10, activation: 'softmax', name: 'digit' }).apply(h);
    const ink = L.dense({ units: 1, name: 'ink' }).apply(h);
    const m = knobs.model({ inputs: input, outputs: [digit, ink], seed: 1 });
    m.compile({
      optimizer: knobs.optimizers.adam({ learningRate: 2e-3 }),
      loss: { digit: 'sparseCategoricalCrossentropy', ink: 'meanSquaredError' },
      metrics: { digit: ['accuracy'], ink: ['mae'] },
    });
    const yTest = { digit: test.labels, ink: meanPixel(test) };
    const hist = await m.fit(
      train.x,
      { digit: train.labels, ink: meanPixel(train) },
      { epochs: 6, batchSize: 32, verbose: 0, validationData: [test.x, yTest] },
    );
    const keys = ['loss', 'digit_loss', 'ink_loss', 'digit_accuracy', 'ink_mae'];
    expect(Object.keys(hist.history).sort()).toEqual([...keys, ...keys.map((k) => `val_${k}`), 'lr'].sort());
    const r = m.evaluate(test.x, [test.labels, yTest.ink]);
    expect(r.digit_accuracy).toBeGreaterThanOrEqual(0.88);
    expect(hist.history.val_digit_accuracy![5]).toBeCloseTo(r.digit_accuracy!, 6);
    // the standardized mean pixel of the held-out digits: regressed well below its spread (measured: 0.06 against 1.13)
    const ys = yTest.ink;
    const mean = ys.reduce((a, v) => a + v, 0) / ys.length;
    const variance = ys.reduce((a, v) => a + (v - mean) ** 2, 0) / ys.length;
    expect(r.ink_loss).toBeLessThan(0.2 * variance);
  });

  it('validationSplit keeps the integer labels with their examples; save and load resume bit-identically', async () => {
    const a = twoHeads(9);
    a.compile({
      optimizer: 'adam',
      loss: ['sparseCategoricalCrossentropy', 'meanSquaredError'],
      lossWeights: [1, 0.3],
      metrics: { cls: ['accuracy'], box: ['mae'] },
    });
    const h = await a.fit(x, [labels, yBox], { epochs: 2, batchSize: 8, verbose: 0, validationSplit: 0.25 });
    // the tail (Keras' split) evaluated apart gives the same validation logs
    const tail = a.evaluate(x.subarray(36 * 6), [labels.slice(36), yBox.subarray(72)]);
    expect(h.history.val_cls_loss![1]).toBeCloseTo(tail.cls_loss!, 6);
    expect(h.history.val_cls_accuracy![1]).toBeCloseTo(tail.cls_accuracy!, 6);
    const dir = mkdtempSync(join(tmpdir(), 'knobs-sparse-heads-'));
    await a.save(`file://${dir}`);
    const b = await knobs.loadModel(`file://${dir}`);
    expect(b.evaluate(x, [labels, yBox])).toEqual(a.evaluate(x, [labels, yBox]));
    const ha = await a.fit(x, [labels, yBox], { epochs: 1, batchSize: 8, verbose: 0 });
    const hb = await b.fit(x, [labels, yBox], { epochs: 1, batchSize: 8, verbose: 0 });
    expect(hb.history).toEqual(ha.history);
    expect(b.getWeights().map((w) => Array.from(w))).toEqual(a.getWeights().map((w) => Array.from(w)));
  });

  it('bad labels get an error naming the output: out of range, not an integer, NaN, the wrong count', async () => {
    const m = twoHeads(6);
    m.compile({ optimizer: 'sgd', loss: ['sparseCategoricalCrossentropy', 'meanSquaredError'] });
    const bad = (i: number, v: number): number[] => labels.map((l, k) => (k === i ? v : l));
    expect(() => m.evaluate(x, [bad(5, 4), yBox])).toThrow(/evaluate: y\[0\] \(cls\): label 4 at index 5 is out of range for 4 classes \(0\.\.3\)/);
    expect(() => m.evaluate(x, [bad(2, -1), yBox])).toThrow(/y\[0\] \(cls\): label -1 at index 2 is out of range/);
    expect(() => m.evaluate(x, [bad(3, 1.5), yBox])).toThrow(/y\[0\] \(cls\): y\[3\] must be an integer class label, got 1.5/);
    expect(() => m.evaluate(x, { cls: Float32Array.from(bad(7, NaN)), box: yBox })).toThrow(
      /evaluate: y\[0\] \(cls\): y\[7\] must be an integer class label, got NaN/,
    );
    expect(() => m.evaluate(x, [labels.slice(0, 40), yBox])).toThrow(/evaluate: y\[1\] \(box\) has 48 examples but y\[0\] \(cls\) has 40/);
    expect(() => m.evaluate(x, [oneHot(labels, 4), yBox])).toThrow(knobs.ShapeError);
    expect(() => m.evaluate(x, [oneHot(labels, 4), yBox])).toThrow(
      /output cls is compiled with sparseCategoricalCrossentropy and takes one integer class label per example, but its y holds 4 values per example \(one-hot rows\?\)/,
    );
    expect(() => m.evaluate(x, [labels.map(String), yBox])).toThrow(/y\[0\] \(cls\): sparseCategoricalCrossentropy needs integer labels/);
    await expect(m.fit(x, [bad(0, 9), yBox], { verbose: 0 })).rejects.toThrow(/fit: y\[0\] \(cls\): label 9 at index 0 is out of range/);
    // nothing was half-done: the model still evaluates good labels
    expect(Number.isFinite(m.evaluate(x, [labels, yBox]).loss)).toBe(true);
  });

  it('refuses what a sparse output cannot do, naming the output', async () => {
    const m = twoHeads(7);
    // a linear output: the sparse kernel takes a softmax's logits
    expect(() => m.compile({ optimizer: 'sgd', loss: ['meanSquaredError', 'sparseCategoricalCrossentropy'] })).toThrow(
      /output box: sparseCategoricalCrossentropy needs a softmax output layer/,
    );
    expect(() => m.compile({ optimizer: 'sgd', loss: ['sparseCategoricalCrossentropy', 'meanSquaredError'], metrics: { cls: ['mae'] } })).toThrow(
      /output cls: metric "mae" measures errors against per-output targets/,
    );
    // an output that another layer reads keeps its probabilities: no sparse fused kernel for it
    const xi = knobs.input({ shape: [4] });
    const first = L.dense({ units: 3, activation: 'softmax', name: 'first' }).apply(xi);
    const second = L.dense({ units: 2, name: 'second' }).apply(L.concatenate().apply([first, xi]));
    const read = knobs.model({ inputs: xi, outputs: [first, second], seed: 1 });
    expect(() => read.compile({ optimizer: 'sgd', loss: ['sparseCategoricalCrossentropy', 'meanSquaredError'] })).toThrow(
      /output first: .*another layer reads its probabilities/,
    );
    m.compile({ optimizer: 'sgd', loss: ['sparseCategoricalCrossentropy', 'meanSquaredError'] });
    await expect(m.fit(x, [labels, yBox], { verbose: 0, classWeight: { 0: 2 } })).rejects.toThrow(/options.classWeight .* this model has 2/);
  });

  it('a random labelling: the class head learns it on the training set (the labels reach the kernel unchanged)', async () => {
    // labels up to 99 in a 100-class head: every word of the staged column must arrive intact
    const r = rng(5);
    const k = 100,
      rows = 200;
    const xs = randomArray(rows * 8, 73, -1, 1);
    const ls = Int32Array.from({ length: rows }, () => Math.floor(r() * k));
    const xi = knobs.input({ shape: [8] });
    const h = L.dense({ units: 64, activation: 'relu' }).apply(xi);
    const m = knobs.model({
      inputs: xi,
      outputs: [L.dense({ units: k, activation: 'softmax', name: 'c' }).apply(h), L.dense({ units: 1, name: 'v' }).apply(h)],
      seed: 2,
    });
    m.compile({
      optimizer: knobs.optimizers.adam({ learningRate: 0.01 }),
      loss: ['sparseCategoricalCrossentropy', 'meanSquaredError'],
      metrics: { c: ['accuracy'] },
    });
    const v = new Float32Array(rows);
    await m.fit(xs, [ls, v], { epochs: 60, batchSize: 50, verbose: 0 });
    expect(m.evaluate(xs, [ls, v]).c_accuracy).toBeGreaterThanOrEqual(0.9);
  });
});
