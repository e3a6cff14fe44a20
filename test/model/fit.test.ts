// fit, evaluate and predict: training reaches a stated accuracy on real MNIST digits, the same
// seed gives bit-identical weights, weights, batch sizes and callbacks behave as Keras', and bad
// input gets clear errors.
import { describe, expect, it } from 'vitest';
import * as knobs from '../../src/index.node';
import { mnistSplit } from './mnist';
import { randomArray, rng } from '../helpers';

function mlp(seed = 42, extra: knobs.layers.Layer[] = []): knobs.Sequential {
  return knobs.sequential({
    inputShape: [784],
    seed,
    layers: [
      knobs.layers.dense({ units: 128, activation: 'relu', kernelInitializer: 'heNormal' }),
      ...extra,
      knobs.layers.dense({ units: 64, activation: 'relu', kernelInitializer: 'heNormal' }),
      knobs.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
}

describe('fit on MNIST', () => {
  it('the 784-128-64-10 MLP (Adam 1e-3, batch 64, 10 epochs) reaches >= 95% on 2,000 held-out digits after training on 8,000', async () => {
    const { train, test } = await mnistSplit(8000, 2000);
    const model = mlp(42);
    model.compile({ optimizer: knobs.optimizers.adam({ learningRate: 1e-3 }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    const h = await model.fit(train.x, train.y, { batchSize: 64, epochs: 10, verbose: 0 });
    const { accuracy, loss } = model.evaluate(test.x, test.y);
    console.log(
      `MNIST MLP: test accuracy ${(accuracy! * 100).toFixed(2)}%, loss ${loss.toFixed(4)}, train accuracy ${(h.history.accuracy!.at(-1)! * 100).toFixed(2)}%`,
    );
    expect(accuracy).toBeGreaterThanOrEqual(0.95);
    expect(h.history.loss!.length).toBe(10);
    expect(h.history.loss![9]).toBeLessThan(h.history.loss![0]!);
  });

  it('with augmentation (rotate 12 deg, scale 0.9-1.1, translate 2 px) and cosine decay from Adam 1e-3 over 40 epochs, batch 64, it reaches >= 97%', async () => {
    const { train, test } = await mnistSplit(8000, 2000);
    const model = mlp(1);
    model.compile({
      optimizer: knobs.optimizers.adam({ learningRate: knobs.schedules.cosineDecay({ initialLearningRate: 1e-3, decayEpochs: 40 }) }),
      loss: 'sparseCategoricalCrossentropy',
      metrics: ['accuracy'],
    });
    const augment = knobs.data.augmentation(
      [
        { type: 'rotate', degrees: 12 },
        { type: 'scale', range: [0.9, 1.1] },
        { type: 'translate', pixels: 2 },
      ],
      { height: 28, width: 28, channels: 1, clip: [0, 1] },
    );
    await model.fit(train.x, train.labels, { batchSize: 64, epochs: 40, verbose: 0, augment });
    const { accuracy } = model.evaluate(test.x, test.labels);
    console.log(`MNIST MLP with augmentation: test accuracy ${(accuracy! * 100).toFixed(2)}%`);
    expect(accuracy).toBeGreaterThanOrEqual(0.97);
  });

  it('the same seed and data give bit-identical weights; another seed does not', async () => {
    const { train } = await mnistSplit(1000, 10);
    const run = async (seed: number): Promise<Float32Array[]> => {
      const m = mlp(seed, [knobs.layers.dropout({ rate: 0.2 })]);
      m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
      await m.fit(train.x, train.y, { batchSize: 50, epochs: 2, verbose: 0 });
      return m.getWeights();
    };
    const a = await run(7),
      b = await run(7),
      c = await run(8);
    a.forEach((w, i) => expect(Buffer.from(w.buffer).equals(Buffer.from(b[i]!.buffer)), `weight ${i}`).toBe(true));
    expect(Buffer.from(a[0]!.buffer).equals(Buffer.from(c[0]!.buffer))).toBe(false);
  });

  it('sparse labels train the same model as one-hot labels', async () => {
    const { train } = await mnistSplit(500, 10);
    const labels = Array.from({ length: 500 }, (_, i) => train.y.subarray(i * 10, i * 10 + 10).indexOf(1));
    const a = mlp(3),
      b = mlp(3);
    a.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    b.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
    await a.fit(train.x, train.y, { batchSize: 32, epochs: 1, verbose: 0 });
    await b.fit(train.x, new Int32Array(labels), { batchSize: 32, epochs: 1, verbose: 0 });
    const wa = a.getWeights(),
      wb = b.getWeights();
    wa.forEach((w, i) => expect(Math.max(...w.map((v, j) => Math.abs(v - wb[i]![j]!)))).toBeLessThan(1e-5));
  });
});

describe('fit semantics', () => {
  function tiny(seed = 1): knobs.Sequential {
    const m = knobs.sequential({
      inputShape: [3],
      seed,
      layers: [knobs.layers.dense({ units: 4, activation: 'tanh' }), knobs.layers.dense({ units: 2, activation: 'softmax' })],
    });
    m.compile({ optimizer: knobs.optimizers.sgd({ learningRate: 0.1 }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    return m;
  }
  const x = randomArray(30, 11);
  const y = new Float32Array(20);
  for (let i = 0; i < 10; i++) y[i * 2 + (x[i * 3]! > 0 ? 1 : 0)] = 1;

  it('batch size 1 (stochastic), the whole set (batch) and a partial last batch take the expected number of steps', async () => {
    for (const [bs, steps] of [
      [1, 10],
      [10, 1],
      [4, 3],
    ] as const) {
      const m = tiny();
      let batches = 0;
      await m.fit(x, y, { batchSize: bs, epochs: 2, verbose: 0, callbacks: [{ onBatchEnd: () => void batches++ }] });
      expect(batches, `batch size ${bs}`).toBe(2 * steps);
      expect(m.optimizer!.iterations).toBe(2 * steps);
    }
  });

  it('a full-batch step equals one step on computeGradients', async () => {
    const a = tiny(5),
      b = tiny(5);
    const { grads } = b.computeGradients(x, y);
    await a.fit(x, y, { batchSize: 10, epochs: 1, verbose: 0, shuffle: false });
    const w0 = b.getWeights();
    const expected = w0.map((w, i) => Float32Array.from(w, (v, j) => v - 0.1 * grads[i]![j]!));
    a.getWeights().forEach((w, i) => w.forEach((v, j) => expect(v).toBeCloseTo(expected[i]![j]!, 6)));
  });

  it('clipNorm scales the gradient to the given global norm before the step (PyTorch rule)', async () => {
    const a = tiny(8),
      b = tiny(8);
    const { grads } = b.computeGradients(x, y);
    const norm = Math.sqrt(grads.reduce((s, g) => s + g.reduce((t, v) => t + v * v, 0), 0));
    const clip = norm / 4;
    await a.fit(x, y, { batchSize: 10, epochs: 1, verbose: 0, shuffle: false, clipNorm: clip });
    const coef = clip / (norm + 1e-6);
    const w0 = b.getWeights();
    a.getWeights().forEach((w, i) => w.forEach((v, j) => expect(v).toBeCloseTo(w0[i]![j]! - 0.1 * coef * grads[i]![j]!, 6)));
    await expect(a.fit(x, y, { clipNorm: 0 })).rejects.toThrow(/options.clipNorm must be > 0, got 0/);
  });

  it('sample weights give the weighted mean loss sum(s_i L_i) / sum(s_i), and classWeight maps to them', () => {
    const m = tiny(2);
    const s = randomArray(10, 4, 0.2, 3);
    const perExample = Array.from({ length: 10 }, (_, i) => m.evaluate(x.subarray(i * 3, i * 3 + 3), y.subarray(i * 2, i * 2 + 2)).loss);
    const expected = perExample.reduce((a, l, i) => a + s[i]! * l, 0) / s.reduce((a, b) => a + b, 0);
    expect(m.evaluate(x, y, { sampleWeight: s }).loss).toBeCloseTo(expected, 5);
    const cw = { 0: 0.5, 1: 3 };
    const asSample = Float32Array.from({ length: 10 }, (_, i) => (y[i * 2 + 1] === 1 ? 3 : 0.5));
    const g1 = m.computeGradients(x, y, { sampleWeight: asSample });
    const m2 = tiny(2);
    let captured = 0;
    void captured;
    expect(g1.loss).toBeGreaterThan(0);
    // classWeight in fit equals the same per-example weights
    return Promise.all([
      m.fit(x, y, { batchSize: 10, epochs: 1, verbose: 0, shuffle: false, classWeight: cw }),
      m2.fit(x, y, { batchSize: 10, epochs: 1, verbose: 0, shuffle: false, sampleWeight: asSample }),
    ]).then(() => {
      const a = m.getWeights(),
        b = m2.getWeights();
      a.forEach((w, i) => expect(Array.from(w)).toEqual(Array.from(b[i]!)));
    });
  });

  it('earlyStopping with restoreBestWeights stops and restores the best epoch', async () => {
    const m = tiny(3);
    const r = rng(5);
    // validation labels are noise, so val_loss soon stops improving
    const yDev = new Float32Array(20);
    for (let i = 0; i < 10; i++) yDev[i * 2 + (r() > 0.5 ? 1 : 0)] = 1;
    let best: Float32Array[] = [],
      bestLoss = Infinity;
    const es = knobs.callbacks.earlyStopping({ monitor: 'val_loss', patience: 2, restoreBestWeights: true });
    const h = await m.fit(x, y, {
      batchSize: 5,
      epochs: 40,
      verbose: 0,
      validationData: [x, yDev],
      callbacks: [
        {
          onEpochEnd: (_e, logs) => {
            if (logs!.val_loss! < bestLoss) {
              bestLoss = logs!.val_loss!;
              best = m.getWeights();
            }
          },
        },
        es,
      ],
    });
    expect(h.epoch.length).toBeLessThan(40);
    expect(es.stoppedEpoch).toBeGreaterThan(0);
    m.getWeights().forEach((w, i) => expect(Array.from(w)).toEqual(Array.from(best[i]!)));
    expect(m.evaluate(x, yDev).loss).toBeCloseTo(bestLoss, 6);
  });

  it('reduceLROnPlateau and learningRateScheduler change the learning rate; a schedule as learningRate is applied per epoch', async () => {
    const m = tiny(4);
    const h = await m.fit(x, y, { epochs: 4, verbose: 0, callbacks: [knobs.callbacks.learningRateScheduler((e) => 0.1 / (e + 1))] });
    expect(h.history.lr).toEqual([0.1, 0.05, 0.1 / 3, 0.025]);
    const m2 = knobs.sequential({ inputShape: [3], seed: 1, layers: [knobs.layers.dense({ units: 2, activation: 'softmax' })] });
    m2.compile({
      optimizer: knobs.optimizers.sgd({ learningRate: knobs.schedules.inverseTimeDecay({ initialLearningRate: 0.2, decayRate: 1 }) }),
      loss: 'categoricalCrossentropy',
    });
    const h2 = await m2.fit(x, y, { epochs: 3, verbose: 0 });
    expect(h2.history.lr).toEqual([0.2, 0.1, 0.2 / 3]);
    const m3 = tiny(4);
    const plateau = knobs.callbacks.reduceLROnPlateau({ monitor: 'loss', patience: 1, factor: 0.5, minDelta: 10 });
    const h3 = await m3.fit(x, y, { epochs: 4, verbose: 0, callbacks: [plateau] });
    expect(h3.history.lr![3]).toBeLessThan(0.1);
  });

  it('a NaN loss stops fit with the epoch and batch, keeping the last finite weights', async () => {
    const m = knobs.sequential({ inputShape: [3], seed: 1, layers: [knobs.layers.dense({ units: 2 })] });
    m.compile({ optimizer: knobs.optimizers.sgd({ learningRate: 1e6 }), loss: 'meanSquaredError' });
    let last: Float32Array[] = m.getWeights();
    const err = await m
      .fit(
        x.map((v) => v * 1e3),
        randomArray(20, 3),
        {
          batchSize: 2,
          epochs: 5,
          verbose: 0,
          callbacks: [
            {
              onBatchEnd: () => {
                last = m.getWeights();
              },
            },
          ],
        },
      )
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(knobs.NonFiniteLossError);
    expect(String((err as Error).message)).toMatch(/at epoch \d+, batch \d+.*learning rate too high/i);
    m.getWeights().forEach((w, i) => {
      expect(w.every(Number.isFinite)).toBe(true);
      expect(Array.from(w)).toEqual(Array.from(last[i]!));
    });
  });

  it('an AbortSignal cancels between batches', async () => {
    const m = tiny(6);
    const ac = new AbortController();
    let batches = 0;
    const p = m.fit(x, y, {
      batchSize: 1,
      epochs: 100,
      verbose: 0,
      signal: ac.signal,
      callbacks: [
        {
          onBatchEnd: () => {
            if (++batches === 25) ac.abort();
          },
        },
      ],
    });
    // fit rejects with the signal's own reason (an AbortError), not some later failure
    await expect(p).rejects.toThrow('This operation was aborted');
    expect(await p.catch((e: unknown) => e)).toBe(ac.signal.reason);
    expect((ac.signal.reason as Error).name).toBe('AbortError');
    expect(batches).toBe(25);
  });

  it('bad input gets errors that name the problem', async () => {
    const m = tiny();
    await expect(m.fit(new Float32Array(7), y)).rejects.toThrow(/x has 7 values, which is not a whole number of rows of 3 features/);
    await expect(m.fit(x, y.subarray(0, 18))).rejects.toThrow(/x has 10 examples but y has 9/);
    const xn = x.slice();
    xn[5] = NaN;
    await expect(m.fit(xn, y)).rejects.toThrow(/x holds NaN at row 1, column 2/);
    await expect(
      m.fit(
        [
          [1, 2, 3],
          [1, 2],
        ],
        [
          [1, 0],
          [0, 1],
        ],
      ),
    ).rejects.toThrow(/x\[1\] has 2 values, expected 3 \(ragged rows\?\)/);
    await expect(m.fit(x, y, { batchSize: 0 })).rejects.toThrow(/options.batchSize must be a positive integer, got 0/);
    await expect(m.fit(x, y, { epoch: 3 } as never)).rejects.toThrow(/unknown option "epoch"/);
    await expect(m.fit(x, new Int32Array(10))).rejects.toThrow(/for integer class labels use loss 'sparseCategoricalCrossentropy'/);
    const s = knobs.sequential({ inputShape: [3], layers: [knobs.layers.dense({ units: 2, activation: 'softmax' })] });
    s.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
    await expect(s.fit(x, new Int32Array(10).fill(2))).rejects.toThrow(/label 2 at index 0 is out of range for 2 classes/);
    expect(() => knobs.layers.dense({ units: 0 })).toThrow(/units must be a positive integer, got 0/);
    expect(() => knobs.layers.dense({ units: 3, activation: 'relux' as never })).toThrow(/unknown activation "relux"/);
    expect(() => m.predict(new Float32Array(4))).toThrow(/not a whole number of rows of 3 features/);
    expect(() => tiny().compile({ optimizer: 'adam', loss: 'hinge' as never })).toThrow(/unknown loss "hinge"/);
    const u = knobs.sequential({ inputShape: [3], layers: [knobs.layers.dense({ units: 2 })] });
    await expect(u.fit(x, y)).rejects.toThrow(/call model.compile/);
  });

  it('predict returns row-major probabilities; summary lists layers and parameters', () => {
    const m = tiny();
    const p = m.predict(x);
    expect(p.length).toBe(20);
    for (let i = 0; i < 10; i++) expect(p[i * 2]! + p[i * 2 + 1]!).toBeCloseTo(1, 6);
    const lines: string[] = [];
    const text = m.summary((l) => lines.push(l));
    expect(text).toMatch(/dense \(Dense\)\s+\[null, 4\]\s+16/);
    expect(text).toMatch(/Total params: 26/);
  });
});
