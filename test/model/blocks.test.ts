// Initializers, normalization, callbacks and options that fit relies on.
import { mkdtempSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as knobs from '../../src/index.node';
import { ProgressBar } from '../../src/callbacks/progress';
import { randomArray } from '../helpers';

function stats(a: Float32Array): { mean: number; std: number; min: number; max: number } {
  let s = 0,
    q = 0,
    min = Infinity,
    max = -Infinity;
  for (const v of a) {
    s += v;
    q += v * v;
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  const mean = s / a.length;
  return { mean, std: Math.sqrt(q / a.length - mean * mean), min, max };
}

describe('initializers', () => {
  const fanIn = 400,
    fanOut = 200,
    n = fanIn * fanOut;
  const cases: [knobs.InitializerName, number, number | undefined][] = [
    // name, expected standard deviation, bound (uniform limit or 2 sd for truncated normals)
    ['glorotUniform', Math.sqrt(6 / (fanIn + fanOut)) / Math.sqrt(3), Math.sqrt(6 / (fanIn + fanOut))],
    ['glorotNormal', Math.sqrt(2 / (fanIn + fanOut)), (2 * Math.sqrt(2 / (fanIn + fanOut))) / 0.8796256610342398],
    ['heUniform', Math.sqrt(6 / fanIn) / Math.sqrt(3), Math.sqrt(6 / fanIn)],
    ['heNormal', Math.sqrt(2 / fanIn), (2 * Math.sqrt(2 / fanIn)) / 0.8796256610342398],
    ['lecunNormal', Math.sqrt(1 / fanIn), (2 * Math.sqrt(1 / fanIn)) / 0.8796256610342398],
  ];
  for (const [name, sd, bound] of cases) {
    it(`${name} has the variance of its definition and is seeded`, () => {
      const a = new Float32Array(n),
        b = new Float32Array(n),
        c = new Float32Array(n);
      const init = knobs.initializers[name]();
      init.fill(a, fanIn, fanOut, 1);
      init.fill(b, fanIn, fanOut, 1);
      init.fill(c, fanIn, fanOut, 2);
      const s = stats(a);
      expect(Math.abs(s.mean)).toBeLessThan((3 * sd) / Math.sqrt(n) + 1e-4);
      expect(s.std / sd).toBeGreaterThan(0.98);
      expect(s.std / sd).toBeLessThan(1.02);
      if (bound) expect(Math.max(-s.min, s.max)).toBeLessThanOrEqual(bound * (1 + 1e-6));
      expect(Array.from(a)).toEqual(Array.from(b));
      expect(Array.from(a.subarray(0, 10))).not.toEqual(Array.from(c.subarray(0, 10)));
    });
  }
  it('constants and the parameterized ones', () => {
    const a = new Float32Array(1000);
    knobs.initializers.ones().fill(a, 1, 1, 0);
    expect(a.every((v) => v === 1)).toBe(true);
    knobs.initializers.randomUniform({ minval: 2, maxval: 3 }).fill(a, 1, 1, 5);
    expect(a.every((v) => v >= 2 && v < 3)).toBe(true);
    knobs.initializers.randomNormal({ mean: 5, stddev: 0.1 }).fill(a, 1, 1, 5);
    expect(stats(a).mean).toBeCloseTo(5, 1);
    expect(() => knobs.initializers.randomNormal({ sd: 1 } as never)).toThrow(/unknown option "sd"/);
    expect(() => knobs.layers.dense({ units: 2, kernelInitializer: 'xavier' as never })).toThrow(/unknown initializer "xavier"/);
  });
});

describe('input normalization', () => {
  const x = randomArray(200 * 3, 7, -1, 1).map((v, i) => v * (i % 3 === 0 ? 100 : 1) + (i % 3 === 1 ? 50 : 0));
  const y = Int32Array.from({ length: 200 }, (_, i) => (x[i * 3]! > 0 ? 1 : 0));
  const dev = randomArray(50 * 3, 8, 1000, 2000); // a very different distribution

  it('fit adapts an unadapted normalization layer on the training data only, and save/load keeps it', async () => {
    const m = knobs.sequential({ inputShape: [3], seed: 1, layers: [knobs.layers.normalization(), knobs.layers.dense({ units: 2, activation: 'softmax' })] });
    m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
    await m.fit(x, y, { epochs: 1, verbose: 0, validationData: [dev, new Int32Array(50)] });
    const [mean, variance] = m.getWeights();
    for (let j = 0; j < 3; j++) {
      let s = 0,
        q = 0;
      for (let i = 0; i < 200; i++) s += x[i * 3 + j]!;
      const mu = s / 200;
      for (let i = 0; i < 200; i++) q += (x[i * 3 + j]! - mu) ** 2;
      expect(mean![j]).toBeCloseTo(mu, 3);
      expect(variance![j]! / (q / 200)).toBeCloseTo(1, 5);
    }
    // a second fit, now with other data, does not re-adapt
    await m.fit(dev, new Int32Array(50), { epochs: 1, verbose: 0 });
    expect(Array.from(m.getWeights()[0]!)).toEqual(Array.from(mean!));
    const dir = mkdtempSync(join(tmpdir(), 'knobs-norm-'));
    await m.save(`file://${dir}`);
    const loaded = await knobs.loadModel(`file://${dir}`);
    expect(Array.from(loaded.predict(x))).toEqual(Array.from(m.predict(x)));
    // and a loaded model keeps its statistics when it trains on other data
    await loaded.fit(dev, new Int32Array(50), { epochs: 1, verbose: 0 });
    expect(Array.from(loaded.getWeights()[0]!)).toEqual(Array.from(mean!));
  });
});

describe('callbacks and options', () => {
  const x = randomArray(64 * 4, 3);
  const y = Int32Array.from({ length: 64 }, (_, i) => (x[i * 4]! + x[i * 4 + 1]! > 0 ? 1 : 0));
  const tiny = (): knobs.Sequential => {
    const m = knobs.sequential({
      inputShape: [4],
      seed: 2,
      layers: [knobs.layers.dense({ units: 8, activation: 'tanh' }), knobs.layers.dense({ units: 2, activation: 'softmax' })],
    });
    m.compile({ optimizer: knobs.optimizers.sgd({ learningRate: 0.2 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    return m;
  };

  it('modelCheckpoint saves only when the monitored metric improves', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'knobs-ckpt-'));
    const ckpt = knobs.callbacks.modelCheckpoint({ filepath: `file://${dir}/best`, monitor: 'loss' });
    const m = tiny();
    const h = await m.fit(x, y, { epochs: 5, verbose: 0, callbacks: [ckpt] });
    const losses = h.history.loss!;
    const improving = losses.map((l, i) => losses.slice(0, i).every((p) => l < p));
    expect(ckpt.saved).toEqual(improving.flatMap((v, i) => (v ? [i] : [])));
    expect(existsSync(join(dir, 'best', 'model.json'))).toBe(true);
    const best = await knobs.loadModel(`file://${dir}/best`);
    expect(best.epochsCompleted).toBe(ckpt.saved.at(-1)! + 1);
  });

  it('earlyStopping honours minDelta, mode, baseline and startFromEpoch', async () => {
    const run = async (o: Parameters<typeof knobs.callbacks.earlyStopping>[0]): Promise<number> => {
      const h = await tiny().fit(x, y, { epochs: 20, verbose: 0, callbacks: [knobs.callbacks.earlyStopping(o)] });
      return h.epoch.length;
    };
    expect(await run({ monitor: 'loss', minDelta: 100, patience: 2 })).toBe(3);
    expect(await run({ monitor: 'loss', minDelta: 100, patience: 2, startFromEpoch: 5 })).toBe(8);
    expect(await run({ monitor: 'accuracy', baseline: 2, patience: 3 })).toBe(3); // accuracy never beats 2
    expect(await run({ monitor: 'loss', mode: 'max', patience: 1 })).toBe(2); // "higher is better": falling loss is no improvement
    expect(() => knobs.callbacks.earlyStopping({ mode: 'down' as never })).toThrow(/mode must be one of/);
  });

  it("classWeight 'balanced' weights classes by n / (classes * count)", async () => {
    const yy = Int32Array.from({ length: 64 }, (_, i) => (i < 48 ? 0 : 1));
    const a = tiny(),
      b = tiny();
    await a.fit(x, yy, { batchSize: 64, epochs: 1, verbose: 0, shuffle: false, classWeight: 'balanced' });
    await b.fit(x, yy, { batchSize: 64, epochs: 1, verbose: 0, shuffle: false, classWeight: { 0: 64 / (2 * 48), 1: 64 / (2 * 16) } });
    expect(a.getWeights().map((w) => Array.from(w))).toEqual(b.getWeights().map((w) => Array.from(w)));
  });

  it('metadata is saved with the model', async () => {
    const m = tiny();
    const norm = knobs.data.standardize().fit(x, 4);
    m.metadata.normalizer = norm.toJSON();
    const loaded = await knobs.loadModel(knobs.toArrayBuffer(m));
    const back = knobs.data.normalizerFromJSON(loaded.metadata.normalizer as never);
    expect(Array.from(back.transform(x))).toEqual(Array.from(norm.transform(x)));
  });

  it('the progress bar draws on a terminal and is silent elsewhere or with verbose 0', async () => {
    const out: string[] = [];
    const tty = { isTTY: true, columns: 100, write: (s: string) => void out.push(s) };
    await tiny().fit(x, y, { epochs: 2, batchSize: 8, verbose: 0, callbacks: [new ProgressBar(1, tty)] });
    const text = out.join('');
    expect(text).toMatch(/Epoch 1\/2 \d+\/8 \[=+\.*\]/);
    expect(text).toMatch(/Epoch 2\/2 - [\d.]+s - loss: [\d.]+ - accuracy: [\d.]+/);
    const quiet: string[] = [];
    await tiny().fit(x, y, { epochs: 1, verbose: 0, callbacks: [new ProgressBar(1, { isTTY: false, write: (s: string) => void quiet.push(s) })] });
    await tiny().fit(x, y, { epochs: 1, verbose: 0, callbacks: [new ProgressBar(0, tty)] });
    expect(quiet).toEqual([]);
    const lines: string[] = [];
    await tiny().fit(x, y, { epochs: 2, verbose: 0, callbacks: [new ProgressBar(2, { isTTY: false, write: (s: string) => void lines.push(s) })] });
    expect(lines.length).toBe(2);
  });
});
