// Frozen layers (issue 13): layer.trainable = false keeps a layer's weights, optimizer state and
// batch-norm statistics fixed in fit, skips their gradients, and takes effect at compile (Keras). The worker pool's side: test/workers/frozen-pool.test.ts.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as knobs from '../../src/index.node';
import { randomArray } from '../helpers';

const L = knobs.layers;
const N = 48;
const img = randomArray(N * 6 * 6 * 1, 31, 0, 1);
const labels = new Int32Array(N).map((_, i) => i % 3);
const xs = randomArray(N * 5, 32);
const ys = new Int32Array(N).map((_, i) => (xs[i * 5]! + xs[i * 5 + 1]! > 0 ? 1 : 0));

/** conv (frozen?) - flatten - dense (frozen?) - dense: each weighted layer has an L2 penalty. */
function convNet(frozen: { conv?: boolean; dense?: boolean; head?: boolean } = {}, seed = 7): knobs.Sequential {
  const reg = knobs.regularizers.l2(0.01);
  return knobs.sequential({
    inputShape: [6, 6, 1],
    seed,
    layers: [
      L.conv2d({ name: 'conv', filters: 3, kernelSize: 3, activation: 'relu', kernelRegularizer: reg, trainable: !frozen.conv }),
      L.flatten({ name: 'flat' }),
      L.dense({ name: 'hidden', units: 6, activation: 'tanh', kernelRegularizer: reg, trainable: !frozen.dense }),
      L.dense({ name: 'out', units: 3, activation: 'softmax', kernelRegularizer: reg, trainable: !frozen.head }),
    ],
  });
}

/** dense - batch norm - dense: for the batch-norm rules. */
function bnNet(frozenBn: boolean, seed = 3): knobs.Sequential {
  return knobs.sequential({
    inputShape: [5],
    seed,
    layers: [
      L.dense({ name: 'd1', units: 4 }),
      L.batchNormalization({ name: 'bn', trainable: !frozenBn }),
      L.dense({ name: 'd2', units: 2, activation: 'softmax' }),
    ],
  });
}

const same = (a: Float32Array[], b: Float32Array[]): boolean =>
  a.length === b.length && a.every((w, i) => w.length === b[i]!.length && w.every((v, k) => Object.is(v, b[i]![k])));

function expectClose(got: Float32Array, want: Float32Array, what: string, atol = 1e-6, rtol = 1e-5): void {
  expect(got.length, what).toBe(want.length);
  for (let i = 0; i < got.length; i++) {
    if (!(Math.abs(got[i]! - want[i]!) <= atol + rtol * Math.abs(want[i]!))) throw new Error(`${what}[${i}]: got ${got[i]}, want ${want[i]}`);
  }
}

afterEach(() => vi.restoreAllMocks());

describe('frozen weights do not move in fit', () => {
  const optimizers: [string, () => knobs.optimizers.Optimizer][] = [
    ['adam', () => knobs.optimizers.adam({ learningRate: 0.05 })],
    ['sgd with momentum and weight decay', () => knobs.optimizers.sgd({ learningRate: 0.1, momentum: 0.9, weightDecay: 0.01 })],
    ['adamw', () => knobs.optimizers.adamw({ learningRate: 0.05, weightDecay: 0.1 })],
  ];
  for (const [name, make] of optimizers) {
    it(`frozen Conv2D and Dense under ${name} + L2: bit-identical weights, zero optimizer state; the head trains`, async () => {
      const m = convNet({ conv: true, dense: true });
      m.compile({ optimizer: make(), loss: 'sparseCategoricalCrossentropy' });
      const before = ['conv', 'hidden', 'out'].map((n) => m.getLayer(n).getWeights());
      await m.fit(img, labels, { epochs: 3, batchSize: 16, verbose: 0 });
      expect(same(m.getLayer('conv').getWeights(), before[0]!)).toBe(true);
      expect(same(m.getLayer('hidden').getWeights(), before[1]!)).toBe(true);
      expect(same(m.getLayer('out').getWeights(), before[2]!)).toBe(false);
      // the optimizer's state of the frozen ranges never drifts from zero
      const head = m.getLayer('out').offsets[0]!;
      for (const slot of m.getOptimizerState()) {
        expect(slot.subarray(0, head).every((v) => v === 0)).toBe(true);
        expect(slot.subarray(head).some((v) => v !== 0)).toBe(true);
      }
    });
  }

  it('a frozen layer between trainable ones keeps its weights while both neighbours train', async () => {
    const m = convNet({ dense: true });
    m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
    const hidden = m.getLayer('hidden').getWeights(),
      conv = m.getLayer('conv').getWeights();
    await m.fit(img, labels, { epochs: 2, batchSize: 16, verbose: 0 });
    expect(same(m.getLayer('hidden').getWeights(), hidden)).toBe(true);
    expect(same(m.getLayer('conv').getWeights(), conv)).toBe(false);
  });
});

describe('gradients', () => {
  it("freezing some layers leaves the other layers' gradients exactly as in the unfrozen model", () => {
    const free = convNet();
    const frozen = convNet({ dense: true });
    for (const m of [free, frozen]) m.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
    const g = free.computeGradients(img, labels);
    const f = frozen.computeGradients(img, labels);
    // free: conv kernel, conv bias, hidden kernel, hidden bias, out kernel, out bias; frozen: no hidden
    expect(g.grads.length).toBe(6);
    expect(f.grads.length).toBe(4);
    for (const [k, j] of [
      [0, 0],
      [1, 1],
      [4, 2],
      [5, 3],
    ] as const) {
      expectClose(f.grads[j]!, g.grads[k]!, `gradient ${k}`);
      expect(f.grads[j]!.some((v) => v !== 0)).toBe(true);
    }
    // the frozen layer's L2 penalty stays in the loss, as in Keras
    expect(f.loss).toBeCloseTo(g.loss, 6);
  });

  it('frozen Conv2D, DepthwiseConv2D and SeparableConv2D between trainable layers pass the same input gradient down', () => {
    const build = (frozen: boolean): knobs.Sequential => {
      const m = knobs.sequential({
        inputShape: [6, 6, 1],
        seed: 5,
        layers: [
          L.conv2d({ filters: 2, kernelSize: 2, activation: 'tanh' }),
          L.conv2d({ filters: 3, kernelSize: 2, padding: 'same', activation: 'relu', trainable: !frozen }),
          L.depthwiseConv2d({ kernelSize: 2, depthMultiplier: 2, activation: 'tanh', trainable: !frozen }),
          L.separableConv2d({ filters: 3, kernelSize: 2, activation: 'relu', trainable: !frozen }),
          L.flatten(),
          L.dense({ units: 3, activation: 'softmax' }),
        ],
      });
      m.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
      return m;
    };
    const g = build(false).computeGradients(img, labels).grads;
    const f = build(true).computeGradients(img, labels).grads;
    // unfrozen: conv (2), conv (2), depthwise (2), separable (3), dense (2); frozen: the first conv and the dense
    expect(g.length).toBe(11);
    expect(f.length).toBe(4);
    for (const [k, j] of [
      [0, 0],
      [1, 1],
      [9, 2],
      [10, 3],
    ] as const) {
      expectClose(f[j]!, g[k]!, `gradient ${k}`);
      expect(f[j]!.some((v) => v !== 0)).toBe(true);
    }
  });

  it('a frozen base: the backward pass stops at the first trainable layer; the head gradient is unchanged', () => {
    const free = convNet();
    const frozen = convNet({ conv: true, dense: true });
    for (const m of [free, frozen]) m.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
    expect(frozen.firstTrainable).toBe(3);
    expect(frozen.needsInputGrad).toEqual([false, false, false, false]);
    const g = free.computeGradients(img, labels).grads;
    const f = frozen.computeGradients(img, labels).grads;
    expect(f.length).toBe(2);
    expectClose(f[0]!, g[4]!, 'head kernel');
    expectClose(f[1]!, g[5]!, 'head bias');
  });
});

describe('a frozen batch normalization runs in inference mode', () => {
  it('uses its moving statistics in training and does not update them; the gradient through it matches finite differences', async () => {
    const m = bnNet(true);
    const bn = m.getLayer('bn');
    const [gamma, beta] = bn.getWeights();
    const mean = Float32Array.of(0.3, -0.2, 0.1, 0.5),
      variance = Float32Array.of(0.5, 2, 1.5, 0.8);
    bn.setWeights([gamma!.map((_, i) => 1 + 0.1 * i), beta!.map((_, i) => 0.05 * i), mean, variance]);
    m.compile({ optimizer: knobs.optimizers.sgd({ learningRate: 0.1 }), loss: 'sparseCategoricalCrossentropy' });
    // training mode gives the loss of inference mode: the moving statistics, not the batch's
    const trainLoss = m.computeGradients(xs, ys).loss;
    expect(trainLoss).toBeCloseTo(m.evaluate(xs, ys).loss, 5);
    // the gradient of the first layer flows through the inference-mode normalization
    const { grads } = m.computeGradients(xs, ys);
    const w = m.getWeights();
    const h = 1e-2;
    for (const k of [0, 3, 7, 12, 19]) {
      const plus = w.map((a) => a.slice()),
        minus = w.map((a) => a.slice());
      plus[0]![k]! += h;
      minus[0]![k]! -= h;
      m.setWeights(plus);
      const lp = m.evaluate(xs, ys).loss;
      m.setWeights(minus);
      const lm = m.evaluate(xs, ys).loss;
      m.setWeights(w);
      expect(Math.abs(grads[0]![k]! - (lp - lm) / (2 * h))).toBeLessThan(2e-3);
    }
    const before = bn.getWeights();
    await m.fit(xs, ys, { epochs: 3, batchSize: 8, verbose: 0 });
    expect(same(bn.getWeights(), before)).toBe(true);
    expect(same(m.getLayer('d1').getWeights(), [w[0]!, w[1]!])).toBe(false);
  });

  it('the same net with a trainable batch norm: training uses batch statistics and updates the moving ones', async () => {
    const m = bnNet(false);
    m.compile({ optimizer: knobs.optimizers.sgd({ learningRate: 0.1 }), loss: 'sparseCategoricalCrossentropy' });
    expect(Math.abs(m.computeGradients(xs, ys).loss - m.evaluate(xs, ys).loss)).toBeGreaterThan(1e-3);
    const before = m.getLayer('bn').getWeights();
    await m.fit(xs, ys, { epochs: 1, batchSize: 8, verbose: 0 });
    const after = m.getLayer('bn').getWeights();
    expect(same([after[2]!], [before[2]!])).toBe(false);
  });
});

describe('summary', () => {
  it("counts a frozen layer's weights as non-trainable, with the batch-norm statistics", () => {
    const m = bnNet(false);
    const text = (): string => m.summary(() => {});
    // d1 24, bn 8 trainable + 8 moving statistics, d2 10
    expect(text()).toContain('Total params: 50');
    expect(text()).toContain('Trainable params: 42');
    expect(text()).toContain('Non-trainable params: 8');
    m.getLayer('d1').trainable = false;
    expect(text()).toContain('Trainable params: 18');
    expect(text()).toContain('Non-trainable params: 32');
    m.getLayer('bn').trainable = false;
    expect(text()).toContain('Trainable params: 10');
    expect(text()).toContain('Non-trainable params: 40');
  });
});

describe('trainable takes effect at compile, as in Keras', () => {
  it('a change without compile trains as compiled and warns once; after compile it holds, both ways', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const m = convNet();
    m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
    m.getLayer('conv').trainable = false;
    let conv = m.getLayer('conv').getWeights();
    await m.fit(img, labels, { epochs: 1, batchSize: 16, verbose: 0 });
    expect(same(m.getLayer('conv').getWeights(), conv)).toBe(false);
    await m.fit(img, labels, { epochs: 1, batchSize: 16, verbose: 0 });
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]![0])).toMatch(/trainable changed on conv \(now false\).*next model.compile/);
    m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
    conv = m.getLayer('conv').getWeights();
    await m.fit(img, labels, { epochs: 1, batchSize: 16, verbose: 0 });
    expect(same(m.getLayer('conv').getWeights(), conv)).toBe(true);
    // unfreezing without compile keeps it frozen
    m.getLayer('conv').trainable = true;
    await m.fit(img, labels, { epochs: 1, batchSize: 16, verbose: 0 });
    expect(same(m.getLayer('conv').getWeights(), conv)).toBe(true);
    m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
    await m.fit(img, labels, { epochs: 1, batchSize: 16, verbose: 0 });
    expect(same(m.getLayer('conv').getWeights(), conv)).toBe(false);
    expect(warn).toHaveBeenCalledTimes(2);
  });
});

describe('save, load and reuse', () => {
  it("knobs' format keeps trainable, and a loaded model trains as saved", async () => {
    const m = convNet({ conv: true });
    m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
    expect(m.getConfig().layers.map((l) => l.config.trainable)).toEqual([false, undefined, undefined, undefined]);
    const dir = mkdtempSync(join(tmpdir(), 'knobs-frozen-'));
    await m.save(`file://${dir}`);
    const back = await knobs.loadModel(`file://${dir}`);
    expect(back.layers.map((l) => l.trainable)).toEqual([false, true, true, true]);
    const conv = back.getLayer('conv').getWeights();
    await back.fit(img, labels, { epochs: 1, batchSize: 16, verbose: 0 });
    expect(same(back.getLayer('conv').getWeights(), conv)).toBe(true);
  });

  it('getLayer by name or index; layer.getWeights/setWeights copy trained layers into a new model; bad input is named', () => {
    const base = convNet({}, 1);
    const next = convNet({}, 2);
    expect(next.getLayer(0)).toBe(next.getLayer('conv'));
    expect(() => next.getLayer('nope')).toThrow(/no layer named "nope" \(the layers are conv, flat, hidden, out\)/);
    expect(() => next.getLayer(9)).toThrow(/index 9 is out of range: the model has 4 layers/);
    expect(same(next.getLayer('conv').getWeights(), base.getLayer('conv').getWeights())).toBe(false);
    next.getLayer('conv').setWeights(base.getLayer('conv').getWeights());
    expect(same(next.getLayer('conv').getWeights(), base.getLayer('conv').getWeights())).toBe(true);
    const keep = next.getLayer('hidden').getWeights();
    expect(() => next.getLayer('hidden').setWeights([keep[0]!])).toThrow(/hidden.setWeights: expected 2 arrays \(kernel, bias\), got 1/);
    expect(same(next.getLayer('hidden').getWeights(), keep)).toBe(true);
    expect(() => knobs.layers.dense({ units: 2 }).getWeights()).toThrow(/belongs to no model yet/);
    // a built model's layer in a new model is shared with it, weights and all (reuse.test.ts)
    const reused = knobs.sequential({ inputShape: [6, 6, 1], layers: [base.getLayer('conv')] });
    expect(same(reused.getLayer('conv').getWeights(), base.getLayer('conv').getWeights())).toBe(true);
    expect(() => knobs.sequential({ inputShape: [7, 7, 1], layers: [base.getLayer('conv')] })).toThrow(/layer conv \(Conv2D\) comes from another model/);
  });
});
