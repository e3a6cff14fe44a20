// Shared layers (issue 13): one layer applied more than once in a graph, its weights held once.
// Gradients against finite differences, the weight gradient as the sum over the applications,
// and everything a graph does (summary, weights, frozen layers, save and load) with a shared layer.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as knobs from '../../src/index.node';
import type { Layer } from '../../src/layers/layer';
import type { LayersModel } from '../../src/model/layers-model';
import { expectClose, oneHot, randomArray } from '../helpers';
import { checkGradients } from './gradient-check';

const L = knobs.layers;

/** Two inputs of 5 through one shared dense(4, tanh), concatenated under a softmax head. */
function siamese(seed: number): { model: LayersModel; shared: Layer } {
  const a = knobs.input({ shape: [5], name: 'a' });
  const b = knobs.input({ shape: [5], name: 'b' });
  const shared = L.dense({ units: 4, activation: 'tanh', name: 'encoder' });
  const both = L.concatenate({ name: 'both' }).apply([shared.apply(a), shared.apply(b)]);
  const y = L.dense({ units: 3, activation: 'softmax', name: 'head' }).apply(both);
  return { model: knobs.model({ inputs: [a, b], outputs: y, seed }), shared };
}

describe('shared layers: gradients against finite differences', () => {
  it('a shared dense layer over two inputs (a siamese net)', () => {
    const { model } = siamese(3);
    model.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    const n = 7;
    checkGradients(model, [randomArray(n * 5, 1, -1.5, 1.5), randomArray(n * 5, 2, -1.5, 1.5)], oneHot(n, 3, 4));
  });

  it('a shared conv2d over two images, their maps added', () => {
    const a = knobs.input({ shape: [5, 5, 2] });
    const b = knobs.input({ shape: [5, 5, 2] });
    const conv = L.conv2d({ filters: 3, kernelSize: 3, padding: 'same', activation: 'tanh' });
    const sum = L.add().apply([conv.apply(a), conv.apply(b)]);
    const y = L.dense({ units: 2 }).apply(L.flatten().apply(sum));
    const m = knobs.model({ inputs: [a, b], outputs: y, seed: 5 });
    m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const n = 4;
    checkGradients(m, [randomArray(n * 50, 6, -1, 1), randomArray(n * 50, 7, -1, 1)], randomArray(n * 2, 8));
  });

  it('a layer shared at two depths: h = d(d(x))', () => {
    const x = knobs.input({ shape: [4] });
    const d = L.dense({ units: 4, activation: 'tanh' });
    const h = d.apply(d.apply(x));
    const y = L.dense({ units: 2, activation: 'softmax' }).apply(h);
    const m = knobs.model({ inputs: x, outputs: y, seed: 9 });
    expect(m.layers.map((l) => l.className)).toEqual(['InputLayer', 'Dense', 'Dense']);
    m.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    checkGradients(m, randomArray(6 * 4, 10, -1.5, 1.5), oneHot(6, 2, 11));
  });

  it('a shared batch norm in training mode: each application normalizes with its own batch statistics', () => {
    const a = knobs.input({ shape: [6] });
    const b = knobs.input({ shape: [6] });
    const bn = L.batchNormalization({ name: 'bn' });
    // the second input goes through a dense first, so the two applications see different batches
    const both = L.concatenate().apply([bn.apply(a), bn.apply(L.dense({ units: 6, activation: 'tanh' }).apply(b))]);
    const y = L.dense({ units: 3, activation: 'softmax' }).apply(both);
    const m = knobs.model({ inputs: [a, b], outputs: y, seed: 12 });
    m.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    const n = 8;
    checkGradients(m, [randomArray(n * 6, 13, -2, 3), randomArray(n * 6, 14, -1.5, 1.5)], oneHot(n, 3, 15));
  });
});

describe('shared layers: the weight gradient is the sum over the applications', () => {
  it('equals the gradients of two unshared copies with the same weights, added', () => {
    const { model: shared } = siamese(21);
    // the same net with two encoders, each starting from the shared one's weights
    const a = knobs.input({ shape: [5], name: 'a' });
    const b = knobs.input({ shape: [5], name: 'b' });
    const e1 = L.dense({ units: 4, activation: 'tanh' });
    const e2 = L.dense({ units: 4, activation: 'tanh' });
    const y = L.dense({ units: 3, activation: 'softmax' }).apply(L.concatenate().apply([e1.apply(a), e2.apply(b)]));
    const apart = knobs.model({ inputs: [a, b], outputs: y, seed: 22 });
    const [k, bias, hk, hb] = shared.getWeights();
    apart.setWeights([k!, bias!, k!, bias!, hk!, hb!]);
    for (const m of [shared, apart]) m.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    const n = 9;
    const x = [randomArray(n * 5, 23), randomArray(n * 5, 24)];
    const y0 = oneHot(n, 3, 25);
    const gs = shared.computeGradients(x, y0);
    const ga = apart.computeGradients(x, y0);
    expect(gs.loss).toBeCloseTo(ga.loss, 6);
    expect(gs.grads.length).toBe(4);
    const sum = (p: Float32Array, q: Float32Array): Float32Array => p.map((v, i) => v + q[i]!);
    expectClose(gs.grads[0]!, sum(ga.grads[0]!, ga.grads[2]!), { atol: 1e-6, rtol: 1e-5 }, 'kernel');
    expectClose(gs.grads[1]!, sum(ga.grads[1]!, ga.grads[3]!), { atol: 1e-6, rtol: 1e-5 }, 'bias');
    expectClose(gs.grads[2]!, ga.grads[4]!, { atol: 1e-6, rtol: 1e-5 }, 'head kernel');
    // and the forward pass is the same
    expectClose(shared.predict(x), apart.predict(x), { atol: 1e-6 });
  });
});

describe('shared layers: the model around them', () => {
  it('lists a shared layer once, counts its weights once, and connects it to every input (summary, countParams, getWeights)', () => {
    const { model, shared } = siamese(1);
    expect(model.layers.map((l) => l.name)).toEqual(['a', 'encoder', 'b', 'both', 'head']);
    expect(model.countParams()).toBe(5 * 4 + 4 + 8 * 3 + 3);
    expect(model.getWeights().length).toBe(4);
    expect(shared.getWeights()[0]!.length).toBe(20);
    const lines: string[] = [];
    const text = model.summary((l) => lines.push(l));
    expect(text.match(/encoder \(Dense\)/g)).toHaveLength(1);
    expect(lines.find((l) => l.startsWith('encoder'))).toMatch(/24\s+a\[0\]\[0\], b\[0\]\[0\]$/);
    expect(lines.find((l) => l.startsWith('both'))).toMatch(/encoder\[0\]\[0\], encoder\[1\]\[0\]$/);
    expect(text).toMatch(/Total params: 51/);
  });

  it('writes Keras inbound_nodes with one node per application and node indices in the references', () => {
    const { model } = siamese(1);
    const c = model.getConfig() as unknown as { layers: { name: string; inbound_nodes: unknown }[]; output_layers: unknown };
    const byName = Object.fromEntries(c.layers.map((l) => [l.name, l.inbound_nodes]));
    expect(byName.encoder).toEqual([[['a', 0, 0, {}]], [['b', 0, 0, {}]]]);
    expect(byName.both).toEqual([
      [
        ['encoder', 0, 0, {}],
        ['encoder', 1, 0, {}],
      ],
    ]);
    expect(c.output_layers).toEqual([['head', 0, 0]]);
  });

  it('a layer applied to an input of another shape is a ShapeError naming it and both shapes, also once it is in a model', () => {
    const d = L.dense({ units: 3, name: 'enc' });
    d.apply(knobs.input({ shape: [4] }));
    expect(() => d.apply(knobs.input({ shape: [6] }))).toThrow(knobs.ShapeError);
    expect(() => d.apply(knobs.input({ shape: [6] }))).toThrow(
      /enc\.apply: the layer was already applied to an input of shape \[4\] and cannot also take \[6\]/,
    );
    const { model, shared } = siamese(2);
    expect(model.layers).toContain(shared);
    expect(() => shared.apply(knobs.input({ shape: [6] }))).toThrow(
      /encoder\.apply: the layer was already applied to an input of shape \[5\] and cannot also take \[6\]/,
    );
    // a model's layer applied again (to its shape) is a layer shared with a new model (reuse.test.ts)
    expect(shared.apply(knobs.input({ shape: [5] })).dims).toEqual([4]);
  });

  it('a saved config whose shared layer reads two shapes, or refers to a node it does not have, is refused naming the layer', async () => {
    const { model } = siamese(2);
    const dir = mkdtempSync(join(tmpdir(), 'knobs-shared-bad-'));
    await model.save(`file://${dir}`);
    const { readFileSync, writeFileSync } = await import('node:fs');
    const original = readFileSync(join(dir, 'model.json'), 'utf8');
    const tamper = async (edit: (layers: { name: string; config: Record<string, unknown>; inbound_nodes: unknown }[]) => void): Promise<unknown> => {
      const j = JSON.parse(original);
      edit(j.modelTopology.config.layers);
      writeFileSync(join(dir, 'model.json'), JSON.stringify(j));
      return knobs.loadModel(`file://${dir}`);
    };
    await expect(
      tamper((ls) => {
        ls.find((l) => l.name === 'b')!.config.batchInputShape = [null, 6];
      }),
    ).rejects.toThrow(/layer encoder \(Dense\) is shared, but its first node reads shape \[5\] and another reads \[6\]/);
    await expect(
      tamper((ls) => {
        ls.find((l) => l.name === 'both')!.inbound_nodes = [
          [
            ['encoder', 0, 0, {}],
            ['encoder', 2, 0, {}],
          ],
        ];
      }),
    ).rejects.toThrow(/refers to node 2 of layer encoder, which is applied 2 time\(s\)/);
    // the untouched file still loads
    writeFileSync(join(dir, 'model.json'), original);
    expect((await knobs.loadModel(`file://${dir}`)).countParams()).toBe(model.countParams());
  });

  it('a frozen shared layer keeps its weights while the head trains', async () => {
    const { model, shared } = siamese(4);
    shared.trainable = false;
    model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
    const before = shared.getWeights();
    const headBefore = model.getLayer('head').getWeights();
    const n = 32;
    await model.fit([randomArray(n * 5, 31), randomArray(n * 5, 32)], oneHot(n, 3, 33), { epochs: 2, batchSize: 8, verbose: 0 });
    shared.getWeights().forEach((w, i) => expect(Array.from(w)).toEqual(Array.from(before[i]!)));
    expect(Array.from(model.getLayer('head').getWeights()[0]!)).not.toEqual(Array.from(headBefore[0]!));
    const lines: string[] = [];
    model.summary((l) => lines.push(l));
    expect(lines.join('\n')).toMatch(/Trainable params: 27\nNon-trainable params: 24/);
  });

  it('save and load keep the sharing, the weights and the optimizer state: fit resumes bit-identically', async () => {
    const n = 40;
    const x = [randomArray(n * 5, 41), randomArray(n * 5, 42)];
    const y = oneHot(n, 3, 43);
    const opts = { batchSize: 8, verbose: 0 as const };
    const { model: straight } = siamese(6);
    straight.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
    await straight.fit(x, y, { ...opts, epochs: 4 });
    const { model: halves } = siamese(6);
    halves.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
    await halves.fit(x, y, { ...opts, epochs: 2 });
    const dir = mkdtempSync(join(tmpdir(), 'knobs-shared-save-'));
    await halves.save(`file://${dir}`);
    const loaded = await knobs.loadModel(`file://${dir}`);
    expect(loaded.layers.map((l) => l.name)).toEqual(halves.layers.map((l) => l.name));
    expect(loaded.getConfig()).toEqual(halves.getConfig());
    expect(Array.from(loaded.predict(x))).toEqual(Array.from(halves.predict(x)));
    await loaded.fit(x, y, { ...opts, epochs: 4, initialEpoch: 2 });
    loaded.getWeights().forEach((w: Float32Array, i: number) => expect(Array.from(w)).toEqual(Array.from(straight.getWeights()[i]!)));
  });
});

describe('shared layers as outputs', () => {
  it('one softmax layer giving two outputs: named head and head_1 as Keras names them, trained with a loss each, predicting its own softmax', async () => {
    const a = knobs.input({ shape: [4], name: 'a' });
    const b = knobs.input({ shape: [4], name: 'b' });
    const head = L.dense({ units: 3, activation: 'softmax', name: 'head' });
    const m = knobs.model({ inputs: [a, b], outputs: [head.apply(a), head.apply(b)], seed: 51 });
    m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', lossWeights: { head_1: 0.5 }, metrics: ['accuracy'] });
    const n = 24;
    const x = [randomArray(n * 4, 52, -2, 2), randomArray(n * 4, 53, -2, 2)];
    const y = [oneHot(n, 3, 54), oneHot(n, 3, 55)];
    const h = await m.fit(x, y, { epochs: 3, batchSize: 8, verbose: 0 });
    expect(Object.keys(h.history).sort()).toEqual(['head_1_accuracy', 'head_1_loss', 'head_accuracy', 'head_loss', 'loss', 'lr']);
    expect(h.history.loss![2]).toBeLessThan(h.history.loss![0]!);
    const ev = m.evaluate(x, y);
    expect(ev.loss).toBeCloseTo(ev.head_loss! + 0.5 * ev.head_1_loss!, 5);
    // each output is softmax(x W + b) of its own input, with the one set of weights
    const [k, bias] = head.getWeights();
    const [pa, pb] = m.predict<Float32Array[]>(x);
    [pa!, pb!].forEach((p, o) => {
      for (let r = 0; r < n; r++) {
        const z = [0, 1, 2].map((j) => bias![j]! + [0, 1, 2, 3].reduce((s, i) => s + x[o]![r * 4 + i]! * k![i * 3 + j]!, 0));
        const e = z.map((v) => Math.exp(v - Math.max(...z)));
        const sum = e.reduce((s, v) => s + v, 0);
        expectClose(
          p.subarray(r * 3, r * 3 + 3),
          e.map((v) => v / sum),
          { atol: 1e-5, rtol: 1e-4 },
          `output ${o} row ${r}`,
        );
      }
    });
  });

  it('sparse categorical cross-entropy on a shared softmax output is refused, saying why', () => {
    const x = knobs.input({ shape: [3] });
    const d = L.dense({ units: 3, activation: 'softmax', name: 'twice' });
    const m = knobs.model({ inputs: x, outputs: d.apply(d.apply(x)), seed: 1 });
    expect(() => m.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' })).toThrow(/output layer twice is shared \(applied more than once\)/);
    m.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    checkGradients(m, randomArray(5 * 3, 61, -1.5, 1.5), oneHot(5, 3, 62));
  });
});

describe('shared layers: each application draws its own dropout mask', () => {
  it('a dropout applied twice to the same tensor drops different units in each application', () => {
    const x = knobs.input({ shape: [8] });
    const drop = L.dropout({ rate: 0.5 });
    const out = L.dense({ units: 1, useBias: false }).apply(L.concatenate().apply([drop.apply(x), drop.apply(x)]));
    const m = knobs.model({ inputs: x, outputs: out, seed: 71 });
    m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const rows = 1;
    // with x = 1 and a kernel of ones, the kernel's gradient for unit j is mask_j / (1 - rate) *
    // dLoss: 0 where the unit was dropped; the two halves match only if the masks do
    m.setWeights([new Float32Array(16).fill(1)]);
    const { grads } = m.computeGradients(new Float32Array(rows * 8).fill(1), new Float32Array(rows));
    const g = grads[0]!;
    const [first, second] = [Array.from(g.subarray(0, 8)), Array.from(g.subarray(8))];
    expect(first.some((v) => v === 0) && first.some((v) => v !== 0)).toBe(true); // it dropped some units, kept others
    expect(second).not.toEqual(first);
  });
});
