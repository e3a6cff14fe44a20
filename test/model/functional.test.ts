// The functional API (issue 13): graphs of layers with merge layers, checked against finite
// differences of the model's own loss, against a forward pass computed by hand from getWeights,
// and trained with fit on real digits.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as knobs from '../../src/index.node';
import type { LayersModel } from '../../src/model/layers-model';
import { expectClose, randomArray, rng } from '../helpers';
import { mnistSplit } from './mnist';
import { checkGradients } from './gradient-check';

function oneHot(labels: number[], classes: number): Float32Array {
  const y = new Float32Array(labels.length * classes);
  labels.forEach((c, i) => (y[i * classes + c] = 1));
  return y;
}

function labelsOf(n: number, classes: number, seed: number): number[] {
  const r = rng(seed);
  return Array.from({ length: n }, () => Math.floor(r() * classes));
}

/** Analytic gradients (computeGradients) against a 4-point finite difference of the loss, on a sample of every trainable weight. */

const L = knobs.layers;

/** input(5) -> dense(5, tanh) -> add with the input -> dense(3, softmax): the residual block. */
function residual(seed: number): LayersModel {
  const x = knobs.input({ shape: [5] });
  const h = L.dense({ units: 5, activation: 'tanh' }).apply(x);
  const r = L.add().apply([x, h]);
  const y = L.dense({ units: 3, activation: 'softmax' }).apply(r);
  return knobs.model({ inputs: x, outputs: y, seed });
}

describe('functional API: gradients against finite differences', () => {
  it('a residual block (add of the input and a dense branch)', () => {
    const m = residual(3);
    m.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    checkGradients(m, randomArray(7 * 5, 1, -1.5, 1.5), oneHot(labelsOf(7, 3, 2), 3));
  });

  it('a tensor read by three layers, multiply, average and concatenate', () => {
    const x = knobs.input({ shape: [4] });
    const d1 = L.dense({ units: 6, activation: 'tanh' }).apply(x);
    const d2 = L.dense({ units: 4, activation: 'sigmoid' }).apply(d1);
    const d3 = L.dense({ units: 4, activation: 'elu' }).apply(d1);
    const prod = L.multiply().apply([d2, d3]);
    const mean = L.average().apply([d2, d3, prod]);
    const cat = L.concatenate().apply([prod, mean, d1]);
    const y = L.dense({ units: 2 }).apply(cat);
    const m = knobs.model({ inputs: x, outputs: y, seed: 5 });
    m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    checkGradients(m, randomArray(6 * 4, 3, -1.5, 1.5), randomArray(6 * 2, 4));
  });

  it('a merge of one tensor with itself, and of three inputs (add, multiply)', () => {
    const x = knobs.input({ shape: [3] });
    const h = L.dense({ units: 3, activation: 'tanh' }).apply(x);
    const twice = L.add().apply([h, h]);
    const g = L.dense({ units: 3, activation: 'sigmoid' }).apply(x);
    const gated = L.multiply().apply([twice, g, h]);
    const y = L.dense({ units: 2, activation: 'softmax' }).apply(gated);
    const m = knobs.model({ inputs: x, outputs: y, seed: 8 });
    m.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    checkGradients(m, randomArray(5 * 3, 6, -1.5, 1.5), oneHot(labelsOf(5, 2, 7), 2));
  });

  it('convolution branches concatenated along channels and along the height', () => {
    const x = knobs.input({ shape: [4, 4, 2] });
    const a = L.conv2d({ filters: 3, kernelSize: 3, padding: 'same', activation: 'tanh' }).apply(x);
    const b = L.conv2d({ filters: 2, kernelSize: 1, activation: 'relu' }).apply(x);
    const channels = L.concatenate().apply([a, b]); // [4, 4, 5]
    const c = L.conv2d({ filters: 5, kernelSize: 1 }).apply(channels);
    const tall = L.concatenate({ axis: 1 }).apply([channels, c]); // [8, 4, 5]
    const y = L.dense({ units: 3, activation: 'softmax' }).apply(L.flatten().apply(tall));
    const m = knobs.model({ inputs: x, outputs: y, seed: 2 });
    expect(m.getLayer('concatenate').outputShape).toEqual([4, 4, 5]);
    expect(m.getLayer('concatenate_1').outputShape).toEqual([8, 4, 5]);
    m.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    checkGradients(m, randomArray(3 * 32, 9, -1, 1), oneHot(labelsOf(3, 3, 10), 3));
  });

  it('a frozen branch: its weights get no gradient, the others are still exact', () => {
    const x = knobs.input({ shape: [4] });
    const frozen = L.dense({ units: 4, activation: 'tanh', trainable: false });
    const a = frozen.apply(x);
    const b = L.dense({ units: 4, activation: 'tanh' }).apply(x);
    const y = L.dense({ units: 2, activation: 'softmax' }).apply(L.add().apply([a, b]));
    const m = knobs.model({ inputs: x, outputs: y, seed: 4 });
    m.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    const { grads } = m.computeGradients(randomArray(5 * 4, 2), oneHot(labelsOf(5, 2, 3), 2));
    expect(grads.length).toBe(4); // the frozen dense's kernel and bias are left out
    checkGradients(m, randomArray(5 * 4, 2, -1.5, 1.5), oneHot(labelsOf(5, 2, 3), 2));
  });
});

describe('functional API: the model', () => {
  it("predict matches the residual net's forward pass computed by hand from getWeights", () => {
    const x = knobs.input({ shape: [6] });
    const d1 = L.dense({ units: 8, activation: 'relu' });
    const d2 = L.dense({ units: 6 });
    const out = L.dense({ units: 3, activation: 'softmax' });
    const h = d1.apply(x);
    const r = L.add().apply([x, d2.apply(h)]);
    const cat = L.concatenate().apply([r, h]);
    const m = knobs.model({ inputs: x, outputs: out.apply(cat), seed: 11 });
    const n = 9;
    const xs = randomArray(n * 6, 12, -2, 2);
    const dense = (inp: number[], w: Float32Array[], inDim: number, units: number): number[] => {
      const o: number[] = [];
      for (let j = 0; j < units; j++) {
        let s = w[1]![j]!;
        for (let i = 0; i < inDim; i++) s += inp[i]! * w[0]![i * units + j]!;
        o.push(s);
      }
      return o;
    };
    const expected: number[] = [];
    for (let e = 0; e < n; e++) {
      const xi = Array.from(xs.subarray(e * 6, e * 6 + 6));
      const hi = dense(xi, d1.getWeights(), 6, 8).map((v) => Math.max(0, v));
      const ri = dense(hi, d2.getWeights(), 8, 6).map((v, j) => v + xi[j]!);
      const z = dense([...ri, ...hi], out.getWeights(), 14, 3);
      const mx = Math.max(...z);
      const ex = z.map((v) => Math.exp(v - mx));
      const sum = ex.reduce((a, b) => a + b, 0);
      expected.push(...ex.map((v) => v / sum));
    }
    expectClose(m.predict(xs), expected, { rtol: 1e-5, atol: 1e-6 }, 'residual forward');
  });

  it('a residual MLP trains with fit on real digits (>= 88% on 500 held-out MNIST digits)', async () => {
    const { train, test } = await mnistSplit(3000, 500);
    const x = knobs.input({ shape: [784] });
    const h = L.dense({ units: 64, activation: 'relu', kernelInitializer: 'heNormal' }).apply(x);
    const r = L.add().apply([h, L.dense({ units: 64, activation: 'relu', kernelInitializer: 'heNormal' }).apply(h)]);
    const m = knobs.model({ inputs: x, outputs: L.dense({ units: 10, activation: 'softmax' }).apply(r), seed: 1 });
    m.compile({ optimizer: knobs.optimizers.adam({ learningRate: 2e-3 }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    const hist = await m.fit(train.x, train.y, { epochs: 4, batchSize: 32, verbose: 0, validationData: [test.x, test.y] });
    const acc = hist.history.val_accuracy!;
    expect(acc[acc.length - 1]).toBeGreaterThanOrEqual(0.88);
    expect(m.evaluate(test.x, test.y).accuracy).toBeCloseTo(acc[acc.length - 1]!, 6);
  });

  it('layers, getLayer, outputShape, summary with "Connected to", and the functional config', () => {
    const m = residual(1);
    expect(m.layers.map((l) => `${l.name}:${l.className}`)).toEqual(['input:InputLayer', 'dense:Dense', 'add:Add', 'dense_1:Dense']);
    expect(m.getLayer('add')).toBe(m.layers[2]);
    expect(m.getLayer(3).outputShape).toEqual([3]);
    const lines: string[] = [];
    const text = m.summary((l) => lines.push(l));
    expect(text).toMatch(/Connected to/);
    expect(lines.find((l) => l.startsWith('add (Add)'))).toMatch(/input\[0\]\[0\], dense\[0\]\[0\]$/);
    expect(text).toMatch(/Total params: 48/);
    const c = m.getConfig();
    expect(c.input_layers).toEqual([['input', 0, 0]]);
    expect(c.output_layers).toEqual([['dense_1', 0, 0]]);
    expect((c.layers[2] as unknown as { inbound_nodes: unknown }).inbound_nodes).toEqual([
      [
        ['input', 0, 0, {}],
        ['dense', 0, 0, {}],
      ],
    ]);
  });

  it('save and load round-trip a graph (knobs format): same predictions, and fit resumes exactly', async () => {
    const xs = randomArray(40 * 5, 21, -1, 1);
    const ys = oneHot(labelsOf(40, 3, 22), 3);
    const a = residual(7);
    a.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    await a.fit(xs, ys, { epochs: 2, batchSize: 8, verbose: 0 });
    const dir = mkdtempSync(join(tmpdir(), 'knobs-graph-'));
    await a.save(`file://${dir}`);
    const b = await knobs.loadModel(`file://${dir}`);
    expect(b.layers.map((l) => l.name)).toEqual(a.layers.map((l) => l.name));
    expect(Array.from(b.predict(xs))).toEqual(Array.from(a.predict(xs)));
    await a.fit(xs, ys, { epochs: 1, batchSize: 8, verbose: 0 });
    await b.fit(xs, ys, { epochs: 1, batchSize: 8, verbose: 0 });
    expect(b.getWeights().map((w) => Array.from(w))).toEqual(a.getWeights().map((w) => Array.from(w)));
  });
});

describe('functional API: bad input, each error naming the layer, nothing half-built', () => {
  it('mismatched shapes at a merge (ShapeError naming it); the layer stays free to apply again', () => {
    const x = knobs.input({ shape: [4] });
    const a = L.dense({ units: 4 }).apply(x);
    const b = L.dense({ units: 5 }).apply(x);
    const add = L.add({ name: 'join' });
    expect(() => add.apply([a, b])).toThrow(knobs.ShapeError);
    expect(() => add.apply([a, b])).toThrow(/join \(Add\): inputs must have one shape, got \[4\] and \[5\]/);
    expect(add.apply([a, x]).dims).toEqual([4]);
    const img = knobs.input({ shape: [4, 4, 3] });
    const other = knobs.input({ shape: [5, 4, 3] });
    expect(() => L.concatenate({ name: 'cat' }).apply([img, other])).toThrow(
      /cat \(Concatenate\): inputs must agree on every axis but the concatenation axis -1/,
    );
    expect(L.concatenate({ axis: 1 }).apply([img, other]).dims).toEqual([9, 4, 3]);
    expect(() => L.concatenate({ axis: 4, name: 'far' }).apply([img, img])).toThrow(/far \(Concatenate\): axis 4 is out of range/);
    expect(() => L.concatenate({ axis: 0 })).toThrow(RangeError);
    expect(() => add.apply(x)).toThrow(/already applied|merges an array/);
    expect(() => L.add().apply([x])).toThrow(/merges an array of at least 2 tensors, got 1/);
  });

  it('a layer applied to inputs of two shapes, or to something that is not a symbolic tensor', () => {
    const d = L.dense({ units: 3, name: 'shared_dense' });
    d.apply(knobs.input({ shape: [4] }));
    expect(() => d.apply(knobs.input({ shape: [5] }))).toThrow(knobs.ShapeError);
    expect(() => d.apply(knobs.input({ shape: [5] }))).toThrow(
      /shared_dense\.apply: the layer was already applied to an input of shape \[4\] and cannot also take \[5\]/,
    );
    // the same shape again shares the layer (test/model/shared-layers.test.ts)
    expect(d.apply(knobs.input({ shape: [4] })).dims).toEqual([3]);
    expect(() => L.dense({ units: 2 }).apply(new Float32Array(4) as never)).toThrow(TypeError);
    expect(() => L.dense({ units: 2 }).apply([knobs.input({ shape: [2] }), knobs.input({ shape: [2] })])).toThrow(/takes one tensor, got an array of 2/);
    expect(() => knobs.input({ shape: [0] })).toThrow(/options.shape must be an array of positive integers/);
  });

  it('an output not connected to the inputs, an input connected to no output; the layers stay usable', () => {
    const x1 = knobs.input({ shape: [3], name: 'a' });
    const x2 = knobs.input({ shape: [3], name: 'b' });
    const y = L.dense({ units: 2, name: 'head' }).apply(L.add({ name: 'sum' }).apply([x1, x2]));
    expect(() => knobs.model({ inputs: x1, outputs: y })).toThrow(
      /output head is not connected to the model's inputs: it depends on input b \(shape \[3\]\), which is not in options.inputs/,
    );
    const lone = knobs.input({ shape: [2], name: 'lone' });
    expect(() => knobs.model({ inputs: [x1, x2, lone], outputs: y })).toThrow(/options.inputs\[2\] \(lone\) is not connected to any output/);
    expect(() => knobs.model({ inputs: y, outputs: y })).toThrow(/options.inputs\[0\] is the output of layer head \(Dense\), not a model input/);
    expect(() => knobs.model({ inputs: [x1, x1], outputs: y })).toThrow(/options.inputs\[1\] repeats/);
    expect(() => knobs.model({ inputs: x1, outputs: 'y' as never })).toThrow(TypeError);
    // the failed attempts left nothing behind: the same graph builds
    const m = knobs.model({ inputs: [x1, x2], outputs: y, seed: 1 });
    expect(m.layers.map((l) => l.name)).toEqual(['a', 'b', 'sum', 'head']);
  });

  it('a saved graph with a cycle, an unknown source or a dangling layer is refused, naming the layer', async () => {
    const m = residual(2);
    const dir = mkdtempSync(join(tmpdir(), 'knobs-graph-bad-'));
    await m.save(`file://${dir}`);
    const { readFileSync, writeFileSync } = await import('node:fs');
    const original = readFileSync(join(dir, 'model.json'), 'utf8');
    const tamper = async (edit: (layers: { name: string; inbound_nodes: unknown }[]) => void): Promise<unknown> => {
      const j = JSON.parse(original);
      edit(j.modelTopology.config.layers);
      writeFileSync(join(dir, 'model.json'), JSON.stringify(j));
      return knobs.loadModel(`file://${dir}`);
    };
    // dense reads add, which reads dense: a cycle
    await expect(
      tamper((ls) => {
        ls[1]!.inbound_nodes = [[['add', 0, 0, {}]]];
      }),
    ).rejects.toThrow(/the graph has a cycle through layer (add|dense) \((add -> dense -> add|dense -> add -> dense)\)/);
    await expect(
      tamper((ls) => {
        ls[2]!.inbound_nodes = [
          [
            ['input', 0, 0, {}],
            ['nowhere', 0, 0, {}],
          ],
        ];
      }),
    ).rejects.toThrow(/layer add refers to layer "nowhere", which is not in the config's layers/);
    await expect(
      tamper((ls) => {
        ls[2]!.inbound_nodes = [
          [
            ['input', 0, 0, {}],
            ['input', 0, 0, {}],
          ],
        ];
      }),
    ).rejects.toThrow(/layer dense \(Dense\) is not connected to any output/);
  });
});

describe('functional API: several inputs', () => {
  /** Two inputs concatenated under a dense head, and the same net on the joined columns. */
  function pair(): { two: LayersModel; one: LayersModel } {
    const a = knobs.input({ shape: [3], name: 'a' });
    const b = knobs.input({ shape: [2, 2], name: 'b' });
    const cat = L.concatenate().apply([a, L.flatten().apply(b)]);
    const two = knobs.model({
      inputs: [a, b],
      outputs: L.dense({ units: 3, activation: 'softmax' }).apply(L.dense({ units: 8, activation: 'tanh' }).apply(cat)),
      seed: 1,
    });
    const x = knobs.input({ shape: [7] });
    const one = knobs.model({
      inputs: x,
      outputs: L.dense({ units: 3, activation: 'softmax' }).apply(L.dense({ units: 8, activation: 'tanh' }).apply(x)),
      seed: 1,
    });
    one.setWeights(two.getWeights());
    for (const m of [one, two]) m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    return { two, one };
  }
  const n = 50;
  const xa = randomArray(n * 3, 31),
    xb = randomArray(n * 4, 32);
  const joined = new Float32Array(n * 7);
  for (let r = 0; r < n; r++) {
    joined.set(xa.subarray(r * 3, r * 3 + 3), r * 7);
    joined.set(xb.subarray(r * 4, r * 4 + 4), r * 7 + 3);
  }
  const y = oneHot(labelsOf(n, 3, 33), 3);

  it('fit, evaluate and predict take one array per input, and train as the same net on the joined columns (bit-identical)', async () => {
    const { two, one } = pair();
    const h2 = await two.fit([xa, xb], y, { epochs: 3, batchSize: 8, verbose: 0, validationSplit: 0.2 });
    const h1 = await one.fit(joined, y, { epochs: 3, batchSize: 8, verbose: 0, validationSplit: 0.2 });
    expect(h2.history.loss).toEqual(h1.history.loss);
    expect(h2.history.val_accuracy).toEqual(h1.history.val_accuracy);
    expect(two.getWeights().map((w) => Array.from(w))).toEqual(one.getWeights().map((w) => Array.from(w)));
    expect(Array.from(two.predict([xa, xb]))).toEqual(Array.from(one.predict(joined)));
    expect(two.evaluate([xa, xb], y)).toEqual(one.evaluate(joined, y));
    // number[][] per input, as for one input
    const rows = (f: Float32Array, c: number): number[][] => Array.from({ length: n }, (_, r) => Array.from(f.subarray(r * c, r * c + c)));
    expect(Array.from(two.predict([rows(xa, 3), rows(xb, 4)]))).toEqual(Array.from(one.predict(joined)));
  });

  it('refuses the wrong number of input arrays and inputs whose rows disagree, naming the inputs', async () => {
    const { two } = pair();
    expect(() => two.predict(xa)).toThrow(/predict: x must be an array of 2 arrays, one per model input \(a, b\), got a Float32Array of length 150/);
    expect(() => two.predict([xa])).toThrow(knobs.ShapeError);
    expect(() => two.predict([xa, xb, xb])).toThrow(/one per model input \(a, b\), got 3/);
    expect(() => two.predict([xa, xb.subarray(0, 8)])).toThrow(/x\[1\] \(b\) has 2 examples but x\[0\] \(a\) has 50/);
    expect(() => two.predict([xa, xb.subarray(0, 7)])).toThrow(/x\[1\] \(b\) has 7 values, which is not a whole number of rows of 4 features/);
    await expect(two.fit([xa, xb.subarray(0, 40)], y, { verbose: 0 })).rejects.toThrow(/fit: x\[1\] \(b\) has 10 examples but x\[0\] \(a\) has 50/);
    expect(() => two.evaluate([xb, xa], y)).toThrow(knobs.ShapeError);
  });
});

describe('functional API: several outputs', () => {
  /** A trunk with two heads, as in Keras: a classifier (softmax) and a regressor. */
  function twoHeads(seed: number): LayersModel {
    const x = knobs.input({ shape: [5] });
    const trunk = L.dense({ units: 8, activation: 'tanh' }).apply(x);
    const cls = L.dense({ units: 3, activation: 'softmax', name: 'cls' }).apply(trunk);
    const value = L.dense({ units: 2, name: 'value' }).apply(L.concatenate().apply([trunk, x]));
    return knobs.model({ inputs: x, outputs: [cls, value], seed });
  }
  const n = 40;
  const x = randomArray(n * 5, 61, -1.5, 1.5);
  // learnable targets: the class is the largest of the first three features, the values two sums
  const labels = Array.from({ length: n }, (_, i) => {
    const r = Array.from(x.subarray(i * 5, i * 5 + 3));
    return r.indexOf(Math.max(...r));
  });
  const yCls = oneHot(labels, 3);
  const yVal = Float32Array.from({ length: n * 2 }, (_, k) => (k % 2 ? x[(k >> 1) * 5 + 3]! - x[(k >> 1) * 5 + 4]! : 0.5 * x[(k >> 1) * 5]!));

  it('gradients of the weighted sum of the two losses against finite differences', () => {
    const m = twoHeads(3);
    m.compile({ optimizer: 'sgd', loss: ['categoricalCrossentropy', 'meanSquaredError'], lossWeights: [1, 0.5] });
    checkGradients(m, x.subarray(0, 7 * 5), [yCls.subarray(0, 21), yVal.subarray(0, 14)]);
  });

  it('evaluate: each output loss as computed by hand from predict, the total weighted by lossWeights, Keras names', () => {
    const m = twoHeads(4);
    m.compile({
      optimizer: 'adam',
      loss: { cls: 'categoricalCrossentropy', value: 'meanSquaredError' },
      lossWeights: { value: 0.25 },
      metrics: { cls: ['accuracy'], value: ['mae'] },
    });
    const [p, v] = m.predict<Float32Array[]>(x);
    let ce = 0,
      mse = 0,
      mae = 0,
      correct = 0;
    for (let i = 0; i < n; i++) {
      ce -= Math.log(p![i * 3 + labels[i]!]!);
      const row = Array.from(p!.subarray(i * 3, i * 3 + 3));
      if (row.indexOf(Math.max(...row)) === labels[i]) correct++;
      for (let j = 0; j < 2; j++) {
        mse += (v![i * 2 + j]! - yVal[i * 2 + j]!) ** 2 / 2;
        mae += Math.abs(v![i * 2 + j]! - yVal[i * 2 + j]!) / 2;
      }
    }
    const r = m.evaluate(x, { value: yVal, cls: yCls });
    expect(Object.keys(r).sort()).toEqual(['cls_loss', 'loss', 'value_loss', 'cls_accuracy', 'value_mae'].sort());
    expect(r.cls_loss).toBeCloseTo(ce / n, 5);
    expect(r.value_loss).toBeCloseTo(mse / n, 5);
    expect(r.cls_accuracy).toBeCloseTo(correct / n, 6);
    expect(r.value_mae).toBeCloseTo(mae / n, 5);
    expect(r.loss).toBeCloseTo(r.cls_loss! + 0.25 * r.value_loss!, 6);
  });

  it('fit trains both heads and logs loss, <output>_loss, <output>_accuracy and their val_ versions', async () => {
    const m = twoHeads(5);
    m.compile({
      optimizer: knobs.optimizers.adam({ learningRate: 0.02 }),
      loss: ['categoricalCrossentropy', 'meanSquaredError'],
      metrics: { cls: ['accuracy'] },
    });
    const before = m.evaluate(x, [yCls, yVal]);
    const h = await m.fit(x, [yCls, yVal], { epochs: 30, batchSize: 8, verbose: 0, validationSplit: 0.25 });
    for (const k of ['loss', 'cls_loss', 'value_loss', 'cls_accuracy', 'val_loss', 'val_cls_loss', 'val_value_loss', 'val_cls_accuracy']) {
      expect(h.history[k], k).toHaveLength(30);
    }
    const after = m.evaluate(x.subarray(0, 30 * 5), [yCls.subarray(0, 90), yVal.subarray(0, 60)]);
    expect(after.cls_loss).toBeLessThan(before.cls_loss! / 2);
    expect(after.value_loss).toBeLessThan(before.value_loss!);
    // the last epoch's training logs are the evaluation of the training part after it
    expect(h.history.cls_loss![29]).toBeCloseTo(after.cls_loss!, 5);
  });

  it('an output that another layer reads keeps its softmax (not fused with its loss): the second head reads probabilities; gradients against finite differences', () => {
    const xi = knobs.input({ shape: [4] });
    const first = L.dense({ units: 3, activation: 'softmax', name: 'first' }).apply(L.dense({ units: 5, activation: 'tanh' }).apply(xi));
    const second = L.dense({ units: 2, activation: 'softmax', name: 'second' }).apply(L.concatenate().apply([first, xi]));
    const m = knobs.model({ inputs: xi, outputs: [first, second], seed: 12 });
    m.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy', lossWeights: [0.7, 1] });
    const xs = randomArray(6 * 4, 13, -1.5, 1.5);
    checkGradients(m, xs, [oneHot(labelsOf(6, 3, 14), 3), oneHot(labelsOf(6, 2, 15), 2)]);
    // the second head reads the first head's probabilities (as predict returns them), not logits
    const [p1, p2] = m.predict<Float32Array[]>(xs);
    const [k2, b2] = m.getLayer('second').getWeights();
    for (let r = 0; r < 6; r++) {
      const inp = [...p1!.subarray(r * 3, r * 3 + 3), ...xs.subarray(r * 4, r * 4 + 4)];
      const z = [0, 1].map((j) => inp.reduce((a, v, i) => a + v * k2![i * 2 + j]!, b2![j]!));
      const e = z.map((v) => Math.exp(v - Math.max(...z)));
      expect(p2![r * 2]).toBeCloseTo(e[0]! / (e[0]! + e[1]!), 5);
    }
  });

  it('save and load keep every output loss, weight and metrics, and the optimizer state: fit resumes bit-identically', async () => {
    const a = twoHeads(9);
    a.compile({
      optimizer: 'adam',
      loss: ['categoricalCrossentropy', 'meanSquaredError'],
      lossWeights: [1, 0.3],
      metrics: { cls: ['accuracy'], value: ['mae'] },
    });
    await a.fit(x, [yCls, yVal], { epochs: 2, batchSize: 8, verbose: 0 });
    const dir = mkdtempSync(join(tmpdir(), 'knobs-heads-'));
    await a.save(`file://${dir}`);
    const b = await knobs.loadModel(`file://${dir}`);
    expect(b.evaluate(x, [yCls, yVal])).toEqual(a.evaluate(x, [yCls, yVal]));
    const ha = await a.fit(x, [yCls, yVal], { epochs: 1, batchSize: 8, verbose: 0 });
    const hb = await b.fit(x, [yCls, yVal], { epochs: 1, batchSize: 8, verbose: 0 });
    expect(hb.history).toEqual(ha.history);
    expect(b.getWeights().map((w) => Array.from(w))).toEqual(a.getWeights().map((w) => Array.from(w)));
  });

  it('refuses losses, weights and targets that do not match the outputs, naming them', () => {
    const m = twoHeads(6);
    expect(() => m.compile({ optimizer: 'sgd', loss: ['meanSquaredError'] })).toThrow(/options.loss must have one entry per output \(cls, value\), got 1/);
    expect(() => m.compile({ optimizer: 'sgd', loss: { cls: 'meanSquaredError', head: 'meanSquaredError' } })).toThrow(
      /options.loss names "head", which is not an output \(cls, value\)/,
    );
    expect(() => m.compile({ optimizer: 'sgd', loss: 'meanSquaredError', lossWeights: [1, -1] })).toThrow(
      /options.lossWeights\[1\] \(value\) must be a finite number >= 0, got -1/,
    );
    expect(() => m.compile({ optimizer: 'sgd', loss: ['meanSquaredError', 'sparseCategoricalCrossentropy'] })).toThrow(
      /output value: sparseCategoricalCrossentropy needs a softmax output layer/,
    );
    expect(() => m.compile({ optimizer: 'sgd', loss: ['categoricalCrossentropy', 'meanSquaredError'], metrics: ['accuracy'] })).toThrow(
      /output value: metric "accuracy" needs a classifier/,
    );
    m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    expect(() => m.evaluate(x, yCls)).toThrow(/y must be an array of 2 arrays, one per model input \(cls, value\)|y must be an array of 2 arrays/);
    expect(() => m.evaluate(x, [yCls, yVal, yVal])).toThrow(knobs.ShapeError);
    expect(() => m.evaluate(x, [yCls, yVal, yVal])).toThrow(/evaluate: y must hold the targets of each of the 2 model outputs \(cls, value\), got 3 arrays/);
    expect(() => m.evaluate(x, 'y' as never)).toThrow(
      /evaluate: y must be an array with the targets of each model output \(cls, value\), or an object keyed by output name, got/,
    );
    expect(() => m.evaluate(x, { cls: yCls })).toThrow(/y has no targets for output value/);
    expect(() => m.evaluate(x, [yCls, yVal.subarray(0, 10)])).toThrow(/y\[1\] \(value\) has 5 examples but y\[0\] \(cls\) has 40/);
  });
});
