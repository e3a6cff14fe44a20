// Graph models (the functional API, issue 13) on the worker pool: the workers rebuild the graph
// from its config (inbound nodes, inputs, outputs); two runs with the same worker count are
// bit-identical, and 1 and 2 workers agree within float rounding.
import { afterAll, describe, expect, it } from 'vitest';
import * as knobs from '../../build/entry.node';
import { parallelBackend, registerParallelBackend } from '../../src/model/parallel';
import type { LayersModel } from '../../src/model/layers-model';
import { createTransferRunner } from '../../workers/transfer-parallel';
import { transferEnd, transferStart, transferStep } from '../../workers/transfer';
import { expectClose, randomArray } from '../helpers';

afterAll(() => knobs.shutdown());

const N = 96;
const img = randomArray(N * 6 * 6 * 1, 51, 0, 1);
const side = randomArray(N * 3, 52, -1, 1);
const labels = Int32Array.from({ length: N }, (_, i) => (img[i * 36]! + side[i * 3]! > 0.5 ? 1 : 0) + (i % 2));

/**
 * A residual conv block with batch norm (statistics merged across shards), joined with a second
 * input. The conv before the batch norm has no bias: the norm cancels it, so its gradient is zero
 * up to rounding, which Adam would blow up into weights that differ between 1 and 2 workers.
 */
function build(): knobs.LayersModel {
  const L = knobs.layers;
  const x = knobs.input({ shape: [6, 6, 1], name: 'image' });
  const s = knobs.input({ shape: [3], name: 'side' });
  const c = L.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(x);
  const b = L.batchNormalization().apply(L.conv2d({ filters: 4, kernelSize: 3, padding: 'same', useBias: false }).apply(c));
  const r = L.activation({ activation: 'relu' }).apply(L.add().apply([c, b]));
  const flat = L.flatten().apply(L.maxPooling2d({ poolSize: 2 }).apply(r));
  const joined = L.concatenate().apply([flat, L.dense({ units: 4, activation: 'tanh' }).apply(s)]);
  const y = L.dense({ units: 3, activation: 'softmax' }).apply(L.dropout({ rate: 0.2 }).apply(joined));
  const m = knobs.model({ inputs: [x, s], outputs: y, seed: 5 });
  m.compile({ optimizer: knobs.optimizers.adam({ learningRate: 0.01 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  return m;
}

/** 2 workers' weights against one thread's: |two - one| <= 1e-5 + 1e-4 |one|. */
function expectSameWithinRounding(one: knobs.LayersModel, two: knobs.LayersModel): void {
  const b = two.getWeights();
  one.getWeights().forEach((w, i) => expectClose(b[i]!, w, { atol: 1e-5, rtol: 1e-4 }, `weight ${i} (2 workers against 1)`));
}

const bits = (ws: Float32Array[]): number[][] => ws.map((w) => Array.from(new Uint32Array(w.buffer, w.byteOffset, w.length)));

describe('graph models on the worker pool', () => {
  it('workers: 2 twice is bit-identical, and agrees with one thread within rounding', async () => {
    const one = build(),
      two = build(),
      again = build();
    const h1 = await one.fit([img, side], labels, { epochs: 3, batchSize: 16, verbose: 0 });
    const h2 = await two.fit([img, side], labels, { epochs: 3, batchSize: 16, verbose: 0, workers: 2 });
    await again.fit([img, side], labels, { epochs: 3, batchSize: 16, verbose: 0, workers: 2 });
    expect(bits(again.getWeights())).toEqual(bits(two.getWeights()));
    expectSameWithinRounding(one, two);
    h1.history.loss!.forEach((l, e) => expect(h2.history.loss![e]).toBeCloseTo(l, 4));
    // it trained: the loss fell
    expect(h1.history.loss![2]).toBeLessThan(h1.history.loss![0]!);
  });

  it('a two-headed model (loss per output, lossWeights): 2 workers twice bit-identical, and as one thread within rounding', async () => {
    const L = knobs.layers;
    const make = (): knobs.LayersModel => {
      const x = knobs.input({ shape: [6, 6, 1] });
      const c = L.conv2d({ filters: 3, kernelSize: 3, activation: 'relu' }).apply(x);
      const f = L.flatten().apply(L.batchNormalization().apply(c));
      const cls = L.dense({ units: 2, activation: 'softmax', name: 'cls' }).apply(f);
      const val = L.dense({ units: 1, name: 'value' }).apply(L.dense({ units: 4, activation: 'tanh' }).apply(f));
      const m = knobs.model({ inputs: x, outputs: [cls, val], seed: 8 });
      m.compile({
        optimizer: knobs.optimizers.adam({ learningRate: 0.01 }),
        loss: ['categoricalCrossentropy', 'meanSquaredError'],
        lossWeights: [1, 0.5],
        metrics: { cls: ['accuracy'] },
      });
      return m;
    };
    const yCls = Float32Array.from({ length: N * 2 }, (_, k) => (k % 2 === labels[k >> 1]! % 2 ? 1 : 0));
    const yVal = Float32Array.from({ length: N }, (_, i) => img[i * 36 + 7]! - 0.5);
    const one = make(),
      two = make(),
      again = make();
    const h1 = await one.fit(img, [yCls, yVal], { epochs: 3, batchSize: 16, verbose: 0 });
    const h2 = await two.fit(img, [yCls, yVal], { epochs: 3, batchSize: 16, verbose: 0, workers: 2 });
    await again.fit(img, [yCls, yVal], { epochs: 3, batchSize: 16, verbose: 0, workers: 2 });
    expect(bits(again.getWeights())).toEqual(bits(two.getWeights()));
    expectSameWithinRounding(one, two);
    for (const k of ['loss', 'cls_loss', 'value_loss', 'cls_accuracy']) h1.history[k]!.forEach((v, e) => expect(h2.history[k]![e], k).toBeCloseTo(v, 4));
    expect(h1.history.loss![2]).toBeLessThan(h1.history.loss![0]!);
  });

  it('a siamese net (one conv, batch norm, pooling and dropout shared by two inputs): 2 workers twice bit-identical, and as one thread within rounding', async () => {
    const L = knobs.layers;
    const other = randomArray(N * 36, 53, 0, 1);
    const make = (): knobs.LayersModel => {
      const a = knobs.input({ shape: [6, 6, 1] });
      const b = knobs.input({ shape: [6, 6, 1] });
      // every layer of the encoder is shared: each application keeps its own batch statistics
      // (merged across shards per application), pooling winners and dropout mask
      const conv = L.conv2d({ filters: 4, kernelSize: 3, padding: 'same', useBias: false });
      const bn = L.batchNormalization();
      const relu = L.activation({ activation: 'relu' });
      const pool = L.maxPooling2d({ poolSize: 2 });
      const flat = L.flatten();
      const drop = L.dropout({ rate: 0.2 });
      const encode = (t: knobs.SymbolicTensor): knobs.SymbolicTensor => drop.apply(flat.apply(pool.apply(relu.apply(bn.apply(conv.apply(t))))));
      const y = L.dense({ units: 2, activation: 'softmax' }).apply(L.concatenate().apply([encode(a), encode(b)]));
      const m = knobs.model({ inputs: [a, b], outputs: y, seed: 11 });
      m.compile({ optimizer: knobs.optimizers.adam({ learningRate: 0.01 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
      return m;
    };
    // the class: which of the two images is brighter at its centre
    const y = Int32Array.from({ length: N }, (_, i) => (img[i * 36 + 14]! > other[i * 36 + 14]! ? 1 : 0));
    const one = make(),
      two = make(),
      again = make();
    const h1 = await one.fit([img, other], y, { epochs: 3, batchSize: 16, verbose: 0 });
    const h2 = await two.fit([img, other], y, { epochs: 3, batchSize: 16, verbose: 0, workers: 2 });
    await again.fit([img, other], y, { epochs: 3, batchSize: 16, verbose: 0, workers: 2 });
    // each weight once: the conv kernel, the batch norm's four, the head's kernel and bias
    expect(two.getWeights().length).toBe(7);
    expect(bits(again.getWeights())).toEqual(bits(two.getWeights()));
    expectSameWithinRounding(one, two);
    h1.history.loss!.forEach((l, e) => expect(h2.history.loss![e]).toBeCloseTo(l, 4));
    expect(h1.history.loss![2]).toBeLessThan(h1.history.loss![0]!);
  });

  it('a two-headed model with integer class labels on one output (sparse cross-entropy + mse): the same agreements', async () => {
    const L = knobs.layers;
    const make = (): knobs.LayersModel => {
      const x = knobs.input({ shape: [6, 6, 1] });
      const f = L.flatten().apply(L.conv2d({ filters: 3, kernelSize: 3, activation: 'relu' }).apply(x));
      const cls = L.dense({ units: 3, activation: 'softmax', name: 'cls' }).apply(f);
      const val = L.dense({ units: 1, name: 'value' }).apply(L.dense({ units: 4, activation: 'tanh' }).apply(f));
      const m = knobs.model({ inputs: x, outputs: [cls, val], seed: 11 });
      m.compile({
        optimizer: knobs.optimizers.adam({ learningRate: 0.01 }),
        loss: { cls: 'sparseCategoricalCrossentropy', value: 'meanSquaredError' },
        lossWeights: { value: 0.5 },
        metrics: { cls: ['accuracy'] },
      });
      return m;
    };
    const yVal = Float32Array.from({ length: N }, (_, i) => img[i * 36 + 7]! - 0.5);
    const y = { cls: labels, value: yVal };
    const one = make(),
      two = make(),
      again = make();
    const options: knobs.FitOptions = { epochs: 3, batchSize: 16, verbose: 0, validationSplit: 0.25 };
    const h1 = await one.fit(img, y, options);
    const h2 = await two.fit(img, y, { ...options, workers: 2 });
    await again.fit(img, y, { ...options, workers: 2 });
    expect(bits(again.getWeights())).toEqual(bits(two.getWeights()));
    expectSameWithinRounding(one, two);
    for (const k of ['loss', 'cls_loss', 'value_loss', 'cls_accuracy', 'val_cls_loss', 'val_cls_accuracy'])
      h1.history[k]!.forEach((v, e) => expect(h2.history[k]![e], k).toBeCloseTo(v, 4));
    expect(h1.history.cls_loss![2]).toBeLessThan(h1.history.cls_loss![0]!);
    // the message fallback (pages without shared memory) ships the joined labels to its workers:
    // run here in this thread, one session serving both shards in turn
    const previous = parallelBackend();
    registerParallelBackend({
      createRunner: (model, spec) =>
        createTransferRunner(
          { size: 2, transferStart: async (_w, m) => transferStart(m), transferStep: async (_w, m) => transferStep(m), transferEnd: async () => transferEnd() },
          model as LayersModel,
          spec,
          2,
        ),
    });
    const viaMessages = make();
    try {
      await viaMessages.fit(img, y, { ...options, workers: 2 });
    } finally {
      registerParallelBackend(previous);
    }
    expectSameWithinRounding(one, viaMessages);
  });
});
