/**
 * The model form of learningCurve on real MNIST: fresh 784-128-10 MLPs trained on nested
 * subsets of 250 to 2,000 digits, measured on 2,000 held-out digits. The dev error falls with
 * the size of the training set, and the verdict is that more data helps.
 */
import { describe, expect, it } from 'vitest';
import * as knobs from '../../src/index.node';
import { mlp, mnist, pct } from '../analyze/mnist-noisy';

describe('learningCurve(buildModel, { train, dev }) on MNIST', () => {
  it('dev error falls from 250 to 2,000 training digits; more data helps', async () => {
    const train = await mnist(2000),
      dev = await mnist(2000, 8000);
    let built = 0;
    const build = mlp([128], 1);
    const t0 = performance.now();
    const curve = await knobs.learningCurve(
      () => {
        built++;
        return build();
      },
      { train, dev },
      { sizes: [250, 500, 1000, 2000], seed: 3, fit: { epochs: 15, batchSize: 32 } },
    );
    const seconds = (performance.now() - t0) / 1000;
    console.log(
      `learning curve (784-128-10, 15 epochs, batch 32), ${seconds.toFixed(1)} s:\n` +
        curve.points.map((p) => `  ${String(p.size).padStart(5)}: train ${pct(p.trainError)}, dev ${pct(p.devError)}`).join('\n') +
        `\n  ${curve.verdict}: ${curve.explanation}`,
    );
    expect(curve.points.map((p) => p.size)).toEqual([250, 500, 1000, 2000]);
    expect(built).toBe(4);
    for (let i = 1; i < curve.points.length; i++) expect(curve.points[i]!.devError).toBeLessThan(curve.points[i - 1]!.devError);
    for (const p of curve.points) expect(p.trainError).toBeLessThan(p.devError);
    expect(curve.verdict).toBe('more data helps');
  });

  it('takes a [train, dev] pair of knobs Datasets, and a seed gives the same curve', async () => {
    const train = await knobs.data.loadMnist({ count: 600 }),
      dev = await knobs.data.loadMnist({ offset: 8000, count: 500 });
    const options = { sizes: [0.5, 1], seed: 1, fit: { epochs: 3, batchSize: 32 } };
    const a = await knobs.learningCurve(mlp([32], 2), [train, dev], options);
    const b = await knobs.learningCurve(mlp([32], 2), { train: { x: train.x, y: train.y }, dev: { x: dev.x, y: dev.y } }, options);
    expect(a.points.map((p) => p.size)).toEqual([300, 600]);
    expect(b.points).toEqual(a.points);
  });

  it('one-hot targets and a categorical cross-entropy model give the same curve as integer labels with the sparse loss', async () => {
    const train = await knobs.data.loadMnist({ count: 400 }),
      dev = await knobs.data.loadMnist({ offset: 8000, count: 300 });
    const build = (loss: knobs.LossName) => () => {
      const m = knobs.sequential({
        inputShape: [784],
        seed: 5,
        layers: [knobs.layers.dense({ units: 16, activation: 'relu' }), knobs.layers.dense({ units: 10, activation: 'softmax' })],
      });
      m.compile({ optimizer: 'adam', loss });
      return m;
    };
    const options = { sizes: [200, 400], seed: 1, fit: { epochs: 2, batchSize: 20 } };
    const sparse = await knobs.learningCurve(build('sparseCategoricalCrossentropy'), { train, dev }, options);
    const oneHot = await knobs.learningCurve(build('categoricalCrossentropy'), { train: train.toOneHot(), dev: dev.toOneHot() }, options);
    expect(oneHot.points).toEqual(sparse.points);
  });
});
