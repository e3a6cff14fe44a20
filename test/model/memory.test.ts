// Engine memory of models: what a dropped model held returns to the allocator after garbage
// collection, fit keeps nothing after it ends, and predict/evaluate/computeGradients keep one
// buffer set however many batch sizes they see. (The RSS targets are in `npm run bench -- memory`.)
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import * as knobs from '../../src/index.node';
import { engine } from '../../src/engine/engine';
import { randomArray } from '../helpers';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const N = 96,
  F = 20,
  C = 3;
const x = randomArray(N * F, 3);
const labels = Int32Array.from({ length: N }, (_, i) => (x[i * F]! > 0 ? 1 : 0) + (x[i * F + 1]! > 0 ? 1 : 0));

function model(seed: number): knobs.Sequential {
  const L = knobs.layers;
  const m = knobs.sequential({
    inputShape: [F],
    seed,
    layers: [L.dense({ units: 32, activation: 'relu' }), L.batchNormalization(), L.dense({ units: C, activation: 'softmax' })],
  });
  m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  return m;
}

const used = (): number => engine().allocatedBytes;

/** Collects until the finalizers have run (they run in tasks after a full collection). */
async function collect(): Promise<void> {
  for (let i = 0; i < 6; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('engine memory of models', () => {
  it('the engine memory of models dropped without dispose() returns to the allocator after garbage collection', async () => {
    await collect();
    const baseline = used();
    // in a function, so that no model stays reachable from this frame
    const loop = async (n: number): Promise<number> => {
      let peak = 0;
      for (let i = 0; i < n; i++) {
        const m = model(i);
        await m.fit(x, labels, { batchSize: 16, epochs: 1, verbose: 0, validationData: [x, labels] });
        m.predict(x, { batchSize: 50 });
        m.evaluate(x, labels);
        m.computeGradients(x.subarray(0, 7 * F), labels.subarray(0, 7));
        peak = Math.max(peak, used());
      }
      return peak;
    };
    const peak = await loop(20);
    expect(peak).toBeGreaterThan(baseline);
    await collect();
    expect(used()).toBe(baseline);
    // the freed blocks are reused: 20 more models do not grow the engine's memory
    const size = engine().byteLength;
    await loop(20);
    await collect();
    expect(used()).toBe(baseline);
    expect(engine().byteLength).toBe(size);
  });

  it('fit frees its working buffers when it ends, also when it fails', async () => {
    const m = model(1);
    m.predict(x); // the model's buffer set for predict exists before and after
    const before = used();
    await m.fit(x, labels, { batchSize: 16, epochs: 2, verbose: 0 });
    expect(used()).toBe(before);
    const bad = {
      onBatchEnd: (b: number): void => {
        if (b === 2) throw new Error('bad callback');
      },
    };
    await expect(m.fit(x, labels, { batchSize: 16, epochs: 2, initialEpoch: 0, verbose: 0, callbacks: [bad] })).rejects.toThrow('bad callback');
    expect(used()).toBe(before);
    const ac = new AbortController();
    ac.abort(new Error('stopped'));
    await expect(m.fit(x, labels, { batchSize: 16, epochs: 1, verbose: 0, signal: ac.signal })).rejects.toThrow('stopped');
    expect(used()).toBe(before);
    m.dispose();
  });

  it('predict, evaluate and computeGradients keep one buffer set, sized for the largest batch seen', () => {
    const start = used();
    const m = model(2);
    const base = used();
    const ref = m.predict(x, { batchSize: 40 });
    const one = used() - base;
    expect(one).toBeGreaterThan(0);
    // every smaller batch size reuses that set, and gives the same predictions
    for (let b = 1; b <= 39; b++) expectSame(m.predict(x, { batchSize: b }), ref, `batchSize ${b}`);
    for (let b = 1; b <= 39; b += 7) m.evaluate(x, labels, { batchSize: b });
    expect(used() - base).toBe(one);
    // computeGradients needs the backward buffers: its training set replaces the inference set,
    // and serves predict and evaluate from then on
    m.computeGradients(x.subarray(0, 33 * F), labels.subarray(0, 33));
    const trained = used() - base;
    expect(trained).toBeGreaterThan(one);
    for (let b = 1; b <= 39; b += 7) expectSame(m.predict(x, { batchSize: b }), ref, `batchSize ${b} on the training set`);
    m.evaluate(x, labels, { batchSize: 25 });
    expect(used() - base).toBe(trained);
    // a larger batch replaces it with one larger set
    m.predict(x, { batchSize: 90 });
    const bigger = used() - base;
    expect(bigger).toBeGreaterThan(trained);
    expect(bigger).toBeLessThan(2 * trained + 4096);
    for (let b = 41; b <= 89; b += 4) m.predict(x, { batchSize: b });
    expect(used() - base).toBe(bigger);
    m.dispose();
    expect(used()).toBe(start);
  });

  it('V8 is told about the engine memory a model keeps (as external ArrayBuffer bytes), and dispose() takes it back', async () => {
    await collect();
    const external = (): number => process.memoryUsage().arrayBuffers;
    const before = external();
    // 1024 x 4096 weights: 16 MiB of parameters, and 32 MiB more for Adam's two slots
    const m = knobs.sequential({ inputShape: [1024], seed: 1, layers: [knobs.layers.dense({ units: 4096 })] });
    m.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
    expect(external() - before).toBeGreaterThanOrEqual(64 << 20);
    m.dispose();
    await collect();
    expect(external() - before).toBeLessThan(1 << 20);
  });

  it('dispose() frees everything the model took', () => {
    const base = used();
    const m = model(3);
    m.predict(x);
    m.evaluate(x, labels, { batchSize: 10 });
    expect(used()).toBeGreaterThan(base);
    m.dispose();
    expect(used()).toBe(base);
  });
});

describe('engine memory of conv nets (issue 12: the 300 MB target)', () => {
  const L = knobs.layers;
  const shape = [12, 12, 1];
  const xs = randomArray(64 * 144, 5, 0, 1);
  const ys = Int32Array.from({ length: 64 }, (_, i) => i % 4);
  /** conv (linear) - batch norm - activation - max pool - dense softmax: the blocks of the Fashion-MNIST nets. */
  const convNet = (activation: string): knobs.Sequential => {
    const m = knobs.sequential({
      inputShape: shape,
      seed: 3,
      layers: [
        L.conv2d({ filters: 8, kernelSize: 3, padding: 'same', useBias: false }),
        L.batchNormalization(),
        L.activation({ activation }),
        L.maxPooling2d({ poolSize: 2 }),
        L.flatten(),
        L.dense({ units: 4, activation: 'softmax' }),
      ],
    });
    m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    return m;
  };
  /** Engine bytes of one block of `floats` floats (the allocator rounds to 64 bytes). */
  const block = (floats: number): number => (floats > 0 ? Math.max(64, Math.ceil((floats * 4) / 64) * 64) : 0);

  it('predict and evaluate allocate only what the forward pass needs: two activation buffers of the widest layer, not every output and gradient', () => {
    const rows = 64;
    const m = convNet('relu');
    const base = used();
    const probs = m.predict(xs, { batchSize: rows });
    const taken = used() - base;
    // the input rows, two activation buffers of the widest output (12 x 12 x 8), the labels,
    // weights and probabilities, each layer's forward scratch (im2col chunk, the pool's winners,
    // batch norm's per-channel statistics) and a gemm workspace
    const widest = Math.max(...m.layers.map((l) => l.outputSize));
    let expected = block(rows * 144) + 2 * block(rows * widest) + block(rows) + block(rows) + block(rows * 4) + block(engine().gemmWorkspaceBytes / 4);
    for (const l of m.layers) for (const n of Object.values(l.scratchSpec(rows, false).extra)) expected += block(n);
    expect(taken).toBe(expected);
    // the training set keeps the conv's and batch norm's outputs (12 x 12 x 8 floats per example
    // each), the pool's and two gradient buffers (counted in the next test)
    m.computeGradients(xs, ys);
    expect(used() - base).toBeGreaterThan(taken + block(rows * widest));
    // and the inference set gave the same predictions as the training set does now
    expectSame(m.predict(xs, { batchSize: rows }), probs, 'predict on the training set');
    const fresh = convNet('relu');
    expect(fresh.evaluate(xs, ys, { batchSize: 20 }).accuracy).toBe(m.evaluate(xs, ys, { batchSize: 20 }).accuracy);
    m.dispose();
    fresh.dispose();
  });

  it("in training, a relu after batch norm writes over batch norm's output instead of keeping its own buffer", () => {
    const rows = 32;
    const sizeOf = (activation: string): number => {
      const m = convNet(activation);
      const base = used();
      m.computeGradients(xs.subarray(0, rows * 144), ys.subarray(0, rows));
      const taken = used() - base;
      m.dispose();
      return taken;
    };
    // gelu's derivative needs its input (batch norm's output), so it keeps a buffer of its own;
    // relu's needs only its output, so it runs in place
    expect(sizeOf('gelu') - sizeOf('relu')).toBe(block(rows * 12 * 12 * 8));
    expect(sizeOf('elu')).toBe(sizeOf('relu'));
  });

  it('a training set holds the outputs the backward pass reads, and two gradient buffers each as wide as the gradients that land in it', () => {
    const rows = 32;
    const m = convNet('relu');
    const base = used();
    m.computeGradients(xs.subarray(0, rows * 144), ys.subarray(0, rows));
    const taken = used() - base;
    // outputs: conv and batch norm 12 x 12 x 8, relu none (in place), pool 6 x 6 x 8, flatten
    // none, dense 4; the gradients: dense's input gradient (6 x 6 x 8) goes to buffer 1, the
    // pool's (12 x 12 x 8) to buffer 0, where relu and batch norm change it in place
    let expected = block(rows * 144) + block(rows) + block(rows) + block(rows * 4);
    expected += 2 * block(rows * 1152) + block(rows * 288) + block(rows * 4);
    expected += block(rows * 1152) + block(rows * 288);
    for (const l of m.layers) for (const n of Object.values(l.scratchSpec(rows, true).extra)) expected += block(n);
    expected += block(m.layers.reduce((a, l) => a + l.countParams().trainable, 0)) + block(engine().gemmWorkspaceBytes / 4);
    expect(taken).toBe(expected);
    m.dispose();
  });
});

function expectSame(a: Float32Array, b: Float32Array, label: string): void {
  expect(a.length, label).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  expect(worst, label).toBeLessThan(1e-6);
}
