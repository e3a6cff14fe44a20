/**
 * diagnose(model, sets, { humanLevelError }) with a real knobs.sequential model on real MNIST
 * sets: the measured errors are the model's own (1 - evaluate's accuracy), and the diagnosis
 * follows from them as from the errors form.
 */
import { describe, expect, it } from 'vitest';
import * as knobs from '../../src/index.node';
import { mlp, mnist, pct } from '../analyze/mnist-noisy';

describe('diagnose(model, { train, trainDev, dev, test }, { humanLevelError }) on MNIST', () => {
  it('measures each set with the model and diagnoses as the errors form does', async () => {
    const train = await mnist(2000),
      trainDev = await mnist(500, 2000),
      dev = await mnist(1000, 6000),
      test = await mnist(1000, 8000);
    const model = mlp([128], 1)();
    await model.fit(train.x, train.y, { epochs: 20, batchSize: 32, verbose: 0 });
    const d = knobs.diagnose(model, { train, trainDev, dev, test }, { humanLevelError: 0.003 });
    const measured = (set: { x: Float32Array; y: Int32Array }): number => 1 - model.evaluate(set.x, set.y).accuracy!;
    expect(d.errors.trainError).toBeCloseTo(measured(train), 12);
    expect(d.errors.trainDevError).toBeCloseTo(measured(trainDev), 12);
    expect(d.errors.devError).toBeCloseTo(measured(dev), 12);
    expect(d.errors.testError).toBeCloseTo(measured(test), 12);
    expect(d.errors.humanLevelError).toBe(0.003);
    expect(d).toEqual(
      knobs.diagnose(
        {
          humanLevelError: 0.003,
          trainError: d.errors.trainError,
          trainDevError: d.errors.trainDevError!,
          devError: d.errors.devError,
          testError: d.errors.testError!,
        },
        { counts: { train: 2000, trainDev: 500, dev: 1000, test: 1000 }, model },
      ),
    );
    console.log(
      `diagnose on MNIST (784-128-10, 2,000 digits, 20 epochs): train ${pct(d.errors.trainError)}, train-dev ${pct(d.errors.trainDevError!)}, ` +
        `dev ${pct(d.errors.devError)}, test ${pct(d.errors.testError!)}: ${d.verdict}; focus ${d.focus}; first knob ${d.knobs[0]?.knob}`,
    );
    // 2,000 digits, trained to fit them: the train-dev error is far above the train error
    expect(d.focus).toBe('variance');
    expect(d.variance).toBeGreaterThan(0.015);
    expect(d.knobs.map((k) => k.knob)).toContain('more data');
    expect(knobs.formatDiagnosis(d)).toContain('variance');
  });

  it('takes knobs Datasets with one-hot targets, and names the set in its errors', async () => {
    const train = (await knobs.data.loadMnist({ count: 300 })).toOneHot(),
      dev = await knobs.data.loadMnist({ offset: 8000, count: 200 });
    const model = mlp([16], 1)();
    const d = knobs.diagnose(model, { train, dev }, { humanLevelError: 0.003 });
    expect(d.errors.trainError).toBeCloseTo(1 - model.evaluate(train.x, (await knobs.data.loadMnist({ count: 300 })).y).accuracy!, 12);
    expect(() => knobs.diagnose(model, { train, dev: { x: dev.x, y: dev.y.subarray(1) } }, { humanLevelError: 0.003 })).toThrow(
      /sets\.dev\.x has 200 rows but sets\.dev\.y has 199 labels/,
    );
    expect(() => knobs.diagnose(model, { train, dev: { x: dev.x.subarray(1), y: dev.y } }, { humanLevelError: 0.003 })).toThrow(
      /sets\.dev\.x must hold rows x 784/,
    );
  });
});
