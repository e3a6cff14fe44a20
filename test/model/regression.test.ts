// Regression in fit and evaluate (issue 11): 'mae', 'mse', 'mape' logged per epoch with val_
// versions and equal to knobs.metrics on the predictions; accuracy on a regression model is an
// error; targetScaling trains on standardized targets fitted on the training set only and
// predicts in the original units, reaching a stated R² on Friedman's benchmark function.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as knobs from '../../src/index.node';
import { rng } from '../helpers';

/**
 * Friedman #1 (scikit-learn's make_friedman1): 10 uniform features, 5 of them used,
 * y = 10 sin(pi x0 x1) + 20 (x2 - 0.5)^2 + 10 x3 + 5 x4 + noise; here in "dollars":
 * y * 1000 + 20000, where unscaled targets make a plain MLP with SGD diverge or crawl.
 */
function friedman(n: number, seed: number, noise = 0.5): { x: Float32Array; y: Float32Array } {
  const r = rng(seed);
  const x = new Float32Array(n * 10);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < 10; j++) x[i * 10 + j] = r();
    const f = (j: number): number => x[i * 10 + j]!;
    const g = Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
    y[i] = (10 * Math.sin(Math.PI * f(0) * f(1)) + 20 * (f(2) - 0.5) ** 2 + 10 * f(3) + 5 * f(4) + noise * g) * 1000 + 20000;
  }
  return { x, y };
}

function mlp(seed: number, units = 32): knobs.Sequential {
  return knobs.sequential({
    inputShape: [10],
    seed,
    layers: [knobs.layers.dense({ units, activation: 'tanh' }), knobs.layers.dense({ units, activation: 'tanh' }), knobs.layers.dense({ units: 1 })],
  });
}

const train = friedman(1000, 1),
  dev = friedman(300, 2);
const rel = (a: number, b: number): number => Math.abs(a - b) / Math.max(Math.abs(b), 1e-12);

describe('regression metrics in fit and evaluate', () => {
  it("metrics: ['mae', 'mse', 'mape'] log mae/mse/mape and val_ versions each epoch, equal to knobs.metrics on the predictions", async () => {
    const m = mlp(3, 8);
    m.compile({ optimizer: knobs.optimizers.adam({ learningRate: 0.01 }), loss: 'meanSquaredError', metrics: ['mae', 'mse', 'mape'] });
    const y = train.y.map((v) => (v - 20000) / 1000),
      yDev = dev.y.map((v) => (v - 20000) / 1000);
    let atEpochEnd: { train: Float32Array; dev: Float32Array } | undefined;
    const h = await m.fit(train.x, y, {
      batchSize: 32,
      epochs: 3,
      verbose: 0,
      validationData: [dev.x, yDev],
      callbacks: { onEpochEnd: () => void (atEpochEnd = { train: m.predict(train.x), dev: m.predict(dev.x) }) },
    });
    expect(Object.keys(h.history).sort()).toEqual(['loss', 'lr', 'mae', 'mape', 'mse', 'val_loss', 'val_mae', 'val_mape', 'val_mse']);
    expect(h.history.val_mse![2]).toBeLessThan(h.history.val_mse![0]!);
    const M = knobs.metrics;
    const check = (got: number, want: number): void => expect(rel(got, want)).toBeLessThan(1e-5);
    check(h.history.val_mse![2]!, M.meanSquaredError(yDev, atEpochEnd!.dev) as number);
    check(h.history.val_mae![2]!, M.meanAbsoluteError(yDev, atEpochEnd!.dev) as number);
    // Keras reports the percentage error in percent, scikit-learn as a fraction
    check(h.history.val_mape![2]!, 100 * (M.meanAbsolutePercentageError(yDev, atEpochEnd!.dev) as number));
    // the training set's errors are measured after the epoch, with its final weights
    check(h.history.mse![2]!, M.meanSquaredError(y, atEpochEnd!.train) as number);
    check(h.history.mae![2]!, M.meanAbsoluteError(y, atEpochEnd!.train) as number);
    // no regularization: the loss of evaluate is the mse
    check(h.history.val_loss![2]!, h.history.val_mse![2]!);

    const w = Float32Array.from({ length: 300 }, (_, i) => (i % 3) + 0.5);
    const r = m.evaluate(dev.x, yDev, { sampleWeight: w });
    expect(Object.keys(r).sort()).toEqual(['loss', 'mae', 'mape', 'mse']);
    check(r.mae!, M.meanAbsoluteError(yDev, m.predict(dev.x), { sampleWeight: w }) as number);
    check(r.mse!, M.meanSquaredError(yDev, m.predict(dev.x), { sampleWeight: w }) as number);
  });

  it("accepts tfjs' and Keras' long names, logged as given; several outputs average the outputs' errors", async () => {
    const m = knobs.sequential({ inputShape: [10], seed: 4, layers: [knobs.layers.dense({ units: 2 })] });
    m.compile({ optimizer: 'sgd', loss: 'meanSquaredError', metrics: ['meanAbsoluteError', 'mean_squared_error', 'meanAbsolutePercentageError'] });
    const y2 = new Float32Array(600);
    for (let i = 0; i < 300; i++) {
      y2[2 * i] = (dev.y[i]! - 20000) / 1000;
      y2[2 * i + 1] = dev.x[i * 10]! * 3 + 1;
    }
    const h = await m.fit(dev.x, y2, { epochs: 1, verbose: 0, validationData: [dev.x, y2] });
    expect(Object.keys(h.history).sort()).toEqual([
      'loss',
      'lr',
      'meanAbsoluteError',
      'meanAbsolutePercentageError',
      'mean_squared_error',
      'val_loss',
      'val_meanAbsoluteError',
      'val_meanAbsolutePercentageError',
      'val_mean_squared_error',
    ]);
    const p = m.predict(dev.x);
    expect(rel(h.history.val_meanAbsoluteError![0]!, knobs.metrics.meanAbsoluteError(y2, p, { outputs: 2 }) as number)).toBeLessThan(1e-5);
  });

  it('accuracy on a regression model is an error at compile; on a sigmoid or softmax output it is allowed; mae needs per-output targets', () => {
    const m = mlp(5);
    expect(() => m.compile({ optimizer: 'adam', loss: 'meanSquaredError', metrics: ['accuracy'] })).toThrow(
      /metric "accuracy" needs a classifier .* the loss is "meanSquaredError" with a linear output: a regression model's accuracy would read 0; use 'mae', 'mse' or 'mape'/,
    );
    expect(() => m.compile({ optimizer: 'adam', loss: 'meanSquaredError', metrics: ['acc'] })).toThrow(RangeError);
    const s = knobs.sequential({ inputShape: [10], layers: [knobs.layers.dense({ units: 1, activation: 'sigmoid' })] });
    s.compile({ optimizer: 'adam', loss: 'meanSquaredError', metrics: ['accuracy', 'mae', 'MSE', 'MAPE', 'mean_absolute_error'] });
    const c = knobs.sequential({ inputShape: [10], layers: [knobs.layers.dense({ units: 3, activation: 'softmax' })] });
    expect(() => c.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['mae'] })).toThrow(
      /metric "mae" measures errors against per-output targets, but sparseCategoricalCrossentropy's labels are class indices/,
    );
    expect(() => c.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['r2'] })).toThrow(
      /unknown metric "r2"; fit computes 'accuracy'/,
    );
    expect(() => c.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['toString'] })).toThrow(/unknown metric "toString"/);
  });
});

describe('targetScaling', () => {
  it("'standardize' fits on the training targets only, predicts in the original units and reaches R² >= 0.95 on Friedman #1 (100 epochs of SGD) where unscaled SGD does not reach 0.9", async () => {
    const fit = async (targetScaling: 'standardize' | undefined): Promise<{ m: knobs.Sequential; h: knobs.callbacks.History }> => {
      const m = mlp(7);
      m.compile({
        optimizer: knobs.optimizers.sgd({ learningRate: 0.05, momentum: 0.9 }),
        loss: 'meanSquaredError',
        metrics: ['mae'],
        ...(targetScaling ? { targetScaling } : {}),
      });
      const h = await m.fit(train.x, train.y, { batchSize: 32, epochs: 100, verbose: 0, validationData: [dev.x, dev.y] }).catch(() => undefined);
      return { m, h: h! };
    };
    const { m, h } = await fit('standardize');
    const r2 = knobs.metrics.r2Score(dev.y, m.predict(dev.x)) as number;
    const plain = await fit(undefined);
    const r2Plain = plain.h ? (knobs.metrics.r2Score(dev.y, plain.m.predict(dev.x)) as number) : NaN;
    console.log(`Friedman #1 (1000 train, 300 dev): R² ${r2.toFixed(4)} with targetScaling, ${r2Plain} without (NaN: diverged)`);
    expect(r2).toBeGreaterThanOrEqual(0.95);
    expect(r2Plain >= 0.9).toBe(false);
    // statistics of the training targets, not of the validation data
    const ts = m.metadata.targetScaling as { mean: number[]; scale: number[] };
    let mean = 0;
    train.y.forEach((v) => (mean += v / train.y.length));
    let sq = 0;
    train.y.forEach((v) => (sq += (v - mean) ** 2 / train.y.length));
    expect(rel(ts.mean[0]!, mean)).toBeLessThan(1e-6);
    expect(rel(ts.scale[0]!, Math.sqrt(sq))).toBeLessThan(1e-5);
    // mae in dollars, the loss on the standardized targets
    const p = m.predict(dev.x);
    expect(rel(h.history.val_mae!.at(-1)!, knobs.metrics.meanAbsoluteError(dev.y, p) as number)).toBeLessThan(1e-4);
    expect(h.history.val_mae!.at(-1)!).toBeGreaterThan(100);
    expect(rel(h.history.val_loss!.at(-1)!, (knobs.metrics.meanSquaredError(dev.y, p) as number) / ts.scale[0]! ** 2)).toBeLessThan(1e-3);
    // a second fit keeps the scaling fitted by the first
    await m.fit(dev.x, dev.y, { epochs: 1, verbose: 0 });
    expect(m.metadata.targetScaling).toBe(ts);
  });

  it('is saved with the model: a loaded model predicts in the original units; bad settings are errors', async () => {
    const m = mlp(8, 8);
    m.compile({ optimizer: 'adam', loss: 'meanSquaredError', targetScaling: 'standardize' });
    await m.fit(train.x, train.y, { epochs: 2, verbose: 0 });
    const dir = mkdtempSync(join(tmpdir(), 'knobs-target-'));
    await m.save(`file://${dir}`);
    const back = await knobs.loadModel(`file://${dir}`);
    expect(Array.from(back.predict(dev.x))).toEqual(Array.from(m.predict(dev.x)));
    expect(m.predict(dev.x)[0]).toBeGreaterThan(5000);
    expect(() => m.compile({ optimizer: 'adam', loss: 'meanSquaredError', targetScaling: 'minMax' as never })).toThrow(
      /options.targetScaling must be 'standardize' \(or left out\), got "minMax"/,
    );
    const c = knobs.sequential({ inputShape: [10], layers: [knobs.layers.dense({ units: 3, activation: 'softmax' })] });
    expect(() => c.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', targetScaling: 'standardize' })).toThrow(
      /options.targetScaling standardizes regression targets, but loss "categoricalCrossentropy" takes class labels/,
    );
    // asked for at compile and saved before any fit: the loaded model still scales its targets
    const fresh = mlp(9, 8);
    fresh.compile({ optimizer: 'adam', loss: 'meanSquaredError', targetScaling: 'standardize' });
    expect(fresh.metadata.targetScaling).toBe('standardize');
    const dir2 = mkdtempSync(join(tmpdir(), 'knobs-target-'));
    await fresh.save(`file://${dir2}`);
    const loaded = await knobs.loadModel(`file://${dir2}`);
    await loaded.fit(train.x, train.y, { epochs: 2, verbose: 0 });
    expect((loaded.metadata.targetScaling as { mean: number[] }).mean[0]).toBeCloseTo((m.metadata.targetScaling as { mean: number[] }).mean[0]!, 1);
    expect(loaded.predict(dev.x)[0]).toBeGreaterThan(5000);
    m.metadata.targetScaling = { mean: [1], scale: [0] };
    expect(() => m.predict(dev.x)).toThrow(/model.metadata.targetScaling must be \{ mean, scale \} with 1 finite numbers each \(scale > 0\)/);
  });
});
