// A built model's layers reused in a new model, and a model used as a layer (issue 13, the
// tfjs/Keras transfer idiom: `knobs.model({ inputs: base.inputs, outputs:
// head.apply(base.getLayer('feat').output) })`). The layers and their weights are shared with
// the base (src/model/reuse.ts): training the new model moves the base's predictions exactly as
// a recomputation from the trained weights says, a frozen base stays bit-identical; a nested
// model's gradients match finite differences; save and load give the same predictions.
//
// Measured on real MNIST digits (seeds below): a conv base trained 2 epochs on the 2,033 digits
// 0-4 among the first 4,000 (96.9% on 609 held-out digits 0-4); its conv features (the `flat`
// layer's output) under a new head for digits 5-9 with 20 examples per class: frozen base 88.5%,
// then fine-tuned 89.0%, on 591 held-out digits 5-9. Not asserted, measured once: the same
// net from scratch (seed 3, 30 epochs) on the 100 examples reaches 89.7% (MNIST's digits are told apart well by
// any conv features; see transfer.test.ts for the same finding on Fashion-MNIST).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as knobs from '../../src/index.node';
import type { LayersModel } from '../../src/model/layers-model';
import { expectClose, oneHot, randomArray } from '../helpers';
import { checkGradients } from './gradient-check';
import { mnistSplit, type Split } from './mnist';

const L = knobs.layers;

const bits = (ws: Float32Array[] | Float32Array): number[][] =>
  (Array.isArray(ws) ? ws : [ws]).map((w) => Array.from(new Uint32Array(w.buffer, w.byteOffset, w.length)));

/** The digits of classes [from, from + 5), relabelled 0-4, at most perClass of each, in order. */
function digits(s: Split, from: number, perClass = Infinity): { x: Float32Array; y: Int32Array } {
  const counts = [0, 0, 0, 0, 0];
  const rows: number[] = [];
  for (let i = 0; i < s.rows; i++) {
    const c = s.labels[i]! - from;
    if (c >= 0 && c < 5 && counts[c]! < perClass) {
      counts[c]!++;
      rows.push(i);
    }
  }
  const x = new Float32Array(rows.length * 784);
  rows.forEach((r, k) => x.set(s.x.subarray(r * 784, (r + 1) * 784), k * 784));
  return { x, y: Int32Array.from(rows, (r) => s.labels[r]! - from) };
}

function accuracy(m: LayersModel, x: Float32Array, y: Int32Array): number {
  const p = m.predict(x);
  let ok = 0;
  for (let i = 0; i < y.length; i++) {
    const row = p.subarray(i * 5, i * 5 + 5);
    if (row.indexOf(Math.max(...row)) === y[i]) ok++;
  }
  return ok / y.length;
}

function convBase(seed: number): knobs.Sequential {
  return knobs.sequential({
    inputShape: [28, 28, 1],
    seed,
    layers: [
      L.conv2d({ name: 'conv', filters: 8, kernelSize: 3, activation: 'relu', kernelInitializer: 'heNormal' }),
      L.maxPooling2d({ name: 'pool', poolSize: 2 }),
      L.flatten({ name: 'flat' }),
      L.dense({ name: 'feat', units: 64, activation: 'relu', kernelInitializer: 'heNormal' }),
      L.dense({ name: 'out', units: 5, activation: 'softmax' }),
    ],
  });
}

describe('reusing a built model: the transfer idiom on real digits', () => {
  it('a base trained on digits 0-4, its feature layer under a new head for digits 5-9 with 20 examples each: frozen then fine-tuned', async () => {
    const { train, test } = await mnistSplit(4000, 1200);
    const src = digits(train, 0);
    const few = digits(train, 5, 20);
    const held = digits(test, 5);
    const base = convBase(1);
    base.compile({ optimizer: knobs.optimizers.adam({ learningRate: 2e-3 }), loss: 'sparseCategoricalCrossentropy' });
    await base.fit(src.x, src.y, { epochs: 2, batchSize: 32, verbose: 0 });
    const srcHeld = digits(test, 0);
    const baseAcc = accuracy(base, srcHeld.x, srcHeld.y);
    // the tfjs idiom: the base's symbolic tensors, a new head, a model sharing the base's layers
    const feat = base.getLayer('flat').output;
    expect(feat.shape).toEqual([null, 13 * 13 * 8]);
    const head = L.dense({ units: 5, activation: 'softmax', name: 'head' }).apply(feat);
    const transfer = knobs.model({ inputs: base.inputs, outputs: head, seed: 2 });
    expect(transfer.getLayer('conv')).toBe(base.getLayer('conv'));
    expect(transfer.layers.map((l) => l.name)).toEqual(['conv_input', 'conv', 'pool', 'flat', 'head']);
    transfer.getLayer('conv').trainable = false;
    transfer.compile({ optimizer: knobs.optimizers.adam({ learningRate: 1e-2 }), loss: 'sparseCategoricalCrossentropy' });
    const frozenBase = bits(base.getWeights());
    await transfer.fit(few.x, few.y, { epochs: 20, batchSize: 20, verbose: 0 });
    expect(bits(base.getWeights())).toEqual(frozenBase);
    const frozenAcc = accuracy(transfer, held.x, held.y);
    transfer.getLayer('conv').trainable = true;
    transfer.compile({ optimizer: knobs.optimizers.adam({ learningRate: 3e-4 }), loss: 'sparseCategoricalCrossentropy' });
    await transfer.fit(few.x, few.y, { epochs: 10, batchSize: 20, verbose: 0 });
    const tunedAcc = accuracy(transfer, held.x, held.y);
    // the base's conv layer moved with the fine-tuning, its other layers did not
    expect(bits(base.getLayer('conv').getWeights())).not.toEqual(frozenBase.slice(0, 2));
    expect(bits(base.getLayer('feat').getWeights())).toEqual(frozenBase.slice(2, 4));
    expect(bits(base.getLayer('out').getWeights())).toEqual(frozenBase.slice(4));
    expect(baseAcc).toBeGreaterThan(0.95);
    expect(frozenAcc).toBeGreaterThan(0.86);
    expect(tunedAcc).toBeGreaterThan(0.86);
  });
});

/** A small dense base on random data, trained a little. */
async function denseBase(seed: number): Promise<knobs.Sequential> {
  const base = knobs.sequential({
    inputShape: [6],
    seed,
    layers: [
      L.dense({ name: 'h1', units: 8, activation: 'relu' }),
      L.dense({ name: 'h2', units: 6, activation: 'tanh' }),
      L.dense({ name: 'out', units: 3, activation: 'softmax' }),
    ],
  });
  base.compile({ optimizer: knobs.optimizers.adam({ learningRate: 0.01 }), loss: 'categoricalCrossentropy' });
  await base.fit(X, oneHot(N, 3, 1), { epochs: 2, batchSize: 8, verbose: 0 });
  return base;
}
const N = 32;
const X = randomArray(N * 6, 7);
const Y2 = oneHot(N, 2, 2);

/** The transfer model: the base's h1 and h2 under a new 2-class head. */
function transferOf(base: knobs.Sequential, seed = 3): LayersModel {
  const head = L.dense({ units: 2, activation: 'softmax', name: 'head' }).apply(base.getLayer('h2').output);
  return knobs.model({ inputs: base.inputs, outputs: head, seed });
}

/** An independent copy of the base (own layers), with the given weights: the recomputation. */
function copyOf(weights: Float32Array[]): knobs.Sequential {
  const m = knobs.sequential({
    inputShape: [6],
    seed: 99,
    layers: [L.dense({ units: 8, activation: 'relu' }), L.dense({ units: 6, activation: 'tanh' }), L.dense({ units: 3, activation: 'softmax' })],
  });
  m.setWeights(weights);
  return m;
}

describe('reusing a built model: the layers and weights are shared', () => {
  it('training the transfer model with the base trainable moves base.predict exactly as a recomputation; frozen, base is bit-identical', async () => {
    const base = await denseBase(1);
    const before = base.predict(X);
    const outW = base.getLayer('out').getWeights();
    const t = transferOf(base);
    expect(t.layers.slice(1, 3)).toEqual([base.getLayer('h1'), base.getLayer('h2')]);
    // frozen (Keras' model.trainable: every layer of the base): the base does not move, to the bit
    base.trainable = false;
    expect(t.getLayer('h1').trainable).toBe(false);
    expect(() => (base.trainable = 'no' as never)).toThrow(/trainable must be a boolean, got "no"/);
    t.compile({ optimizer: knobs.optimizers.adam({ learningRate: 0.05 }), loss: 'categoricalCrossentropy' });
    const headBefore = t.getLayer('head').getWeights();
    await t.fit(X, Y2, { epochs: 3, batchSize: 8, verbose: 0 });
    expect(bits(t.getLayer('head').getWeights())).not.toEqual(bits(headBefore));
    expect(bits(base.predict(X))).toEqual(bits(before));
    // trainable: base.predict changes, and equals an independent model with the trained weights
    base.trainable = true;
    t.compile({ optimizer: knobs.optimizers.adam({ learningRate: 0.05 }), loss: 'categoricalCrossentropy' });
    await t.fit(X, Y2, { epochs: 3, batchSize: 8, verbose: 0 });
    const after = base.predict(X);
    expect(bits(after)).not.toEqual(bits(before));
    const trained = [...t.getLayer('h1').getWeights(), ...t.getLayer('h2').getWeights(), ...outW];
    expect(bits(after)).toEqual(bits(copyOf(trained).predict(X)));
    // and the other way: training the base moves the transfer model's shared layers
    const tBefore = t.predict(X);
    base.compile({ optimizer: knobs.optimizers.adam({ learningRate: 0.05 }), loss: 'categoricalCrossentropy' });
    await base.fit(X, oneHot(N, 3, 1), { epochs: 2, batchSize: 8, verbose: 0 });
    const tAfter = t.predict(X);
    expect(bits(tAfter)).not.toEqual(bits(tBefore));
    const [k1, b1, k2, b2] = base.getWeights();
    const [hk, hb] = t.getLayer('head').getWeights();
    const ref = knobs.sequential({
      inputShape: [6],
      seed: 98,
      layers: [L.dense({ units: 8, activation: 'relu' }), L.dense({ units: 6, activation: 'tanh' }), L.dense({ units: 2, activation: 'softmax' })],
    });
    ref.setWeights([k1!, b1!, k2!, b2!, hk!, hb!]);
    expect(bits(tAfter)).toEqual(bits(ref.predict(X)));
  });

  it('disposing the model that holds the shared weights leaves them with the other model (a lone model takes them along); a callback running the base mid-fit is safe', async () => {
    const base = await denseBase(4);
    const t = transferOf(base);
    t.compile({ optimizer: knobs.optimizers.adam({ learningRate: 0.05 }), loss: 'categoricalCrossentropy' });
    // the callback predicts with the base after every batch (it claims the shared layers back)
    const seen: Float32Array[] = [];
    await t.fit(X, Y2, { epochs: 2, batchSize: 8, verbose: 0, callbacks: [{ onBatchEnd: async () => void seen.push(base.predict(X.subarray(0, 6))) }] });
    expect(seen).toHaveLength(8);
    const oneThread = await (async () => {
      const b2 = await denseBase(4);
      const t2 = transferOf(b2);
      t2.compile({ optimizer: knobs.optimizers.adam({ learningRate: 0.05 }), loss: 'categoricalCrossentropy' });
      await t2.fit(X, Y2, { epochs: 2, batchSize: 8, verbose: 0 });
      return t2.getWeights();
    })();
    // the interleaved predictions changed nothing in the training
    expect(bits(t.getWeights())).toEqual(bits(oneThread));
    const trained = t.getLayer('h1').getWeights();
    t.dispose();
    expect(bits(base.getLayer('h1').getWeights())).toEqual(bits(trained));
    expect(bits(base.getWeights().slice(0, 2))).toEqual(bits(trained));
    // a layer whose only model was disposed has no weights left: a new model on it is refused
    const lone = await denseBase(5);
    const layers = lone.layers.slice();
    lone.dispose();
    expect(() => knobs.sequential({ inputShape: [6], layers })).toThrow(/layer h1 belonged to a model that was disposed/);
  });
});

describe('a model used as a layer (nested model)', () => {
  function encoder(): LayersModel {
    const a = knobs.input({ shape: [5], name: 'a' });
    const h = L.dense({ units: 6, activation: 'relu', name: 'enc_in' }).apply(a);
    return knobs.model({ inputs: a, outputs: L.dense({ units: 4, activation: 'tanh', name: 'enc_out' }).apply(h), seed: 11 });
  }

  it('gradients of a model nested once, and nested twice on two inputs (a siamese pair), against finite differences', () => {
    const enc = encoder();
    const x = knobs.input({ shape: [5] });
    const once = knobs.model({ inputs: x, outputs: L.dense({ units: 3, activation: 'softmax' }).apply(enc.apply(x)), seed: 12 });
    expect(once.getLayer('enc_in')).toBe(enc.getLayer('enc_in'));
    once.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    const n = 7;
    checkGradients(once, randomArray(n * 5, 1, -1.5, 1.5), oneHot(n, 3, 4));
    const x1 = knobs.input({ shape: [5], name: 'x1' });
    const x2 = knobs.input({ shape: [5], name: 'x2' });
    const both = L.concatenate().apply([enc.apply(x1), enc.apply(x2)]);
    const twice = knobs.model({ inputs: [x1, x2], outputs: L.dense({ units: 3, activation: 'softmax' }).apply(both), seed: 13 });
    twice.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    checkGradients(twice, [randomArray(n * 5, 2, -1.5, 1.5), randomArray(n * 5, 3, -1.5, 1.5)], oneHot(n, 3, 5));
    // one set of weights: the enc layers appear once in each model
    expect(twice.layers.filter((l) => l.name === 'enc_in')).toHaveLength(1);
  });

  it('training the outer model trains the inner one: enc.predict equals its layers recomputed', async () => {
    const enc = encoder();
    const xs = randomArray(20 * 5, 6);
    const before = enc.predict(xs);
    const x = knobs.input({ shape: [5] });
    const outer = knobs.model({ inputs: x, outputs: L.dense({ units: 2, activation: 'softmax' }).apply(enc.apply(x)), seed: 14 });
    outer.compile({ optimizer: knobs.optimizers.adam({ learningRate: 0.05 }), loss: 'categoricalCrossentropy' });
    await outer.fit(xs, oneHot(20, 2, 7), { epochs: 3, batchSize: 5, verbose: 0 });
    const after = enc.predict(xs);
    expect(bits(after)).not.toEqual(bits(before));
    const a = knobs.input({ shape: [5] });
    const fresh = knobs.model({
      inputs: a,
      outputs: L.dense({ units: 4, activation: 'tanh' }).apply(L.dense({ units: 6, activation: 'relu' }).apply(a)),
    });
    fresh.setWeights(outer.getWeights().slice(0, 4));
    expect(bits(after)).toEqual(bits(fresh.predict(xs)));
  });

  it('new knobs.LayersModel({ inputs, outputs }) is knobs.model; model.outputs and layer.input are the symbolic tensors', () => {
    const a = knobs.input({ shape: [3] });
    const d = L.dense({ units: 2 });
    const y = d.apply(a);
    const m = new knobs.LayersModel({ inputs: a, outputs: y, seed: 1 });
    expect(m.inputs).toEqual([a]);
    expect(m.outputs).toEqual([y]);
    expect(d.input).toBe(a);
    expect(d.output).toBe(y);
    const same = knobs.model({ inputs: a, outputs: y, seed: 1 });
    expect({ ...m.getConfig(), name: '' }).toEqual({ ...same.getConfig(), name: '' });
    const xs = randomArray(4 * 3, 9);
    expect(bits(m.predict(xs))).toEqual(bits(same.predict(xs)));
    expect(() => new knobs.LayersModel({ inputs: a, outputs: y, seeed: 1 } as never)).toThrow(/seeed/);
  });
});

describe('a model built on a reused base: save and load, tfjs', () => {
  it('save/load round-trips the transfer model (same predictions); the loaded model is self-contained', async () => {
    const base = await denseBase(5);
    const t = transferOf(base);
    t.getLayer('h1').trainable = false;
    t.compile({ optimizer: knobs.optimizers.adam({ learningRate: 0.05 }), loss: 'categoricalCrossentropy' });
    await t.fit(X, Y2, { epochs: 2, batchSize: 8, verbose: 0 });
    const dir = mkdtempSync(join(tmpdir(), 'knobs-reuse-'));
    await t.save(`file://${dir}`);
    const back = await knobs.loadModel(`file://${dir}`);
    expect(back.layers.map((l) => l.name)).toEqual(['h1_input', 'h1', 'h2', 'head']);
    expect(back.getLayer('h1').trainable).toBe(false);
    expect(bits(back.predict(X))).toEqual(bits(t.predict(X)));
    // resumes exactly: one more epoch on each gives the same weights
    await t.fit(X, Y2, { epochs: 3, initialEpoch: 2, batchSize: 8, verbose: 0 });
    await back.fit(X, Y2, { epochs: 3, initialEpoch: 2, batchSize: 8, verbose: 0 });
    expect(bits(back.getWeights())).toEqual(bits(t.getWeights()));
    // its layers are its own: training it again leaves the base alone
    const baseNow = base.predict(X);
    await back.fit(X, Y2, { epochs: 4, initialEpoch: 3, batchSize: 8, verbose: 0 });
    expect(bits(base.predict(X))).toEqual(bits(baseNow));
    expect(back.getLayer('h2')).not.toBe(base.getLayer('h2'));
    // a loaded model's layers have symbolic tensors too: a model on its features predicts them
    const feats = knobs.model({ inputs: back.inputs, outputs: back.getLayer('h2').output });
    const direct = knobs.model({ inputs: back.inputs, outputs: back.outputs });
    expect(bits(direct.predict(X))).toEqual(bits(back.predict(X)));
    expect(feats.predict(X).length).toBe(N * 6);
    // tfjs' layers format, and back: the same predictions within float rounding
    const tdir = mkdtempSync(join(tmpdir(), 'knobs-reuse-tfjs-'));
    await t.save(`file://${tdir}`, { format: 'tfjs' });
    const fromTfjs = await knobs.loadModel(`file://${tdir}`);
    expectClose(fromTfjs.predict(X), t.predict(X), { atol: 1e-6, rtol: 1e-5 }, 'tfjs round trip');
  });

  it('a nested model saves as a flat graph and loads with the same predictions', async () => {
    const a = knobs.input({ shape: [5] });
    const enc = knobs.model({ inputs: a, outputs: L.dense({ units: 4, activation: 'tanh', name: 'enc' }).apply(a), seed: 21 });
    const x1 = knobs.input({ shape: [5], name: 'x1' });
    const x2 = knobs.input({ shape: [5], name: 'x2' });
    const y = L.dense({ units: 2, activation: 'softmax', name: 'y' }).apply(L.add().apply([enc.apply(x1), enc.apply(x2)]));
    const m = knobs.model({ inputs: [x1, x2], outputs: y, seed: 22 });
    const lines: string[] = [];
    m.summary((l) => lines.push(l));
    expect(lines.join('\n')).toMatch(/enc \(Dense\)\s+\[null, 4\]\s+24\s+x1\[0\]\[0\], x2\[0\]\[0\]/);
    const dir = mkdtempSync(join(tmpdir(), 'knobs-nested-'));
    await m.save(`file://${dir}`);
    const back = await knobs.loadModel(`file://${dir}`);
    const xs = [randomArray(10 * 5, 31), randomArray(10 * 5, 32)];
    expect(bits(back.predict(xs))).toEqual(bits(m.predict(xs)));
  });
});

describe('reuse: bad input is named', () => {
  it('layer.output of a layer applied twice, a graph not reachable from its inputs, a model applied to the wrong shape or count', async () => {
    const base = await denseBase(6);
    const h2 = base.getLayer('h2');
    expect(h2.output.shape).toEqual([null, 6]);
    // applied again (to a tensor of its input shape): now it has two nodes
    const again = h2.apply(knobs.input({ shape: [8] }));
    expect(() => h2.output).toThrow(/h2\.output: the layer is applied 2 times .*getOutputAt/);
    expect(() => h2.input).toThrow(/h2\.input: the layer is applied 2 times/);
    expect(h2.getOutputAt(1)).toBe(again);
    expect(() => h2.getOutputAt(2)).toThrow(/h2\.getOutputAt: the layer has 2 node\(s\) \(applications\), so nodeIndex 2 is out of range/);
    expect(() => h2.apply(knobs.input({ shape: [7] }))).toThrow(knobs.ShapeError);
    expect(() => L.dense({ units: 2, name: 'lonely' }).output).toThrow(/lonely\.output: the layer has no output yet/);
    // the base's feature tensor under a new input: not connected to it
    const head = L.dense({ units: 2 }).apply(base.getLayer('h1').output);
    expect(() => knobs.model({ inputs: knobs.input({ shape: [6] }), outputs: head })).toThrow(
      /is not connected to the model's inputs: it depends on input h1_input \(shape \[6\]\), which is not in options\.inputs \(to build on a built model's layers, give its inputs: knobs\.model\(\{ inputs: base\.inputs, outputs \}\)\)/,
    );
    // a model applied to a tensor of the wrong shape, or the wrong number of tensors
    expect(() => base.apply(knobs.input({ shape: [5] }))).toThrow(knobs.ShapeError);
    expect(() => base.apply(knobs.input({ shape: [5] }))).toThrow(
      /sequential_\d+\.apply: the model's input 0 has shape \[6\], but the tensor given for it \(output of InputLayer\) has shape \[5\]/,
    );
    expect(() => base.apply([knobs.input({ shape: [6] }), knobs.input({ shape: [6] })])).toThrow(
      /the model has 1 input\(s\) \(shapes \[6\]\), got 2 tensor\(s\)/,
    );
    expect(() => base.apply('x' as never)).toThrow(TypeError);
    // a reused layer that does not fit the new model: nothing changes in the base
    const before = base.predict(X);
    expect(() => knobs.sequential({ inputShape: [9], layers: [base.getLayer('out')] })).toThrow(
      /layer out \(Dense\) comes from another model, where it takes 6 values per example/,
    );
    expect(bits(base.predict(X))).toEqual(bits(before));
  });
});
