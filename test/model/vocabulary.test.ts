// Keras' vocabulary through the public API: loss, activation, optimizer, initializer and
// regularizer names in any capitalization and snake_case, never read through the object
// prototype; the regression losses and custom loss functions in fit, evaluate and
// computeGradients; knobs.losses; binary cross-entropy with number[] and Int32Array labels.
import { describe, expect, it } from 'vitest';
import * as knobs from '../../src/index.node';
import { layerFromConfig } from '../../src/model/from-config';
import { expectClose, randomArray, rng } from '../helpers';
import { checkGradients } from './gradient-check';

/** The first, middle and last weight of each tensor. */
const ends = (n: number): number[] => [0, Math.floor(n / 2), n - 1];

const PROTOTYPE_NAMES = ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf'];

/** y = sum of a fixed linear map of x plus a little noise: a small regression set. */
function regression(n: number, features: number, seed: number): { x: Float32Array; y: Float32Array } {
  const x = randomArray(n * features, seed, -1, 1);
  const w = randomArray(features, seed + 1, -1, 1);
  const r = rng(seed + 2);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0.3;
    for (let j = 0; j < features; j++) s += w[j]! * x[i * features + j]!;
    y[i] = s + 0.05 * (r() - 0.5);
  }
  return { x, y };
}

function regressor(seed = 1, activation = 'tanh'): knobs.Sequential {
  return knobs.sequential({
    inputShape: [4],
    seed,
    layers: [knobs.layers.dense({ units: 8, activation }), knobs.layers.dense({ units: 1 })],
  });
}

/** The model's loss against central differences in a few weights (the loss is a float64 sum of float32 terms). */

describe('names: any capitalization and snake_case, never the object prototype', () => {
  it('losses', () => {
    const model = regressor();
    for (const [name, canonical] of [
      ['MeanSquaredError', 'meanSquaredError'],
      ['mean_squared_error', 'meanSquaredError'],
      ['MSE', 'meanSquaredError'],
      ['mae', 'meanAbsoluteError'],
      ['mean_absolute_error', 'meanAbsoluteError'],
      ['Huber', 'huber'],
      ['log_cosh', 'logCosh'],
      ['logcosh', 'logCosh'],
      ['binary_crossentropy', 'binaryCrossentropy'],
    ] as const) {
      model.compile({ optimizer: 'sgd', loss: name as knobs.LossName });
      expect(model.trainingState()!.loss, name).toBe(canonical);
    }
    const clf = knobs.sequential({ inputShape: [2], layers: [knobs.layers.dense({ units: 3, activation: 'softmax' })] });
    clf.compile({ optimizer: 'Adam', loss: 'categorical_crossentropy' as knobs.LossName });
    expect(clf.trainingState()!.loss).toBe('categoricalCrossentropy');
    clf.compile({ optimizer: 'adam', loss: 'SparseCategoricalCrossentropy' as knobs.LossName });
    expect(clf.trainingState()!.loss).toBe('sparseCategoricalCrossentropy');
    for (const bad of PROTOTYPE_NAMES) {
      expect(() => model.compile({ optimizer: 'sgd', loss: bad as knobs.LossName }), bad).toThrow(
        /unknown loss .*; expected one of categoricalCrossentropy, sparseCategoricalCrossentropy, binaryCrossentropy, meanSquaredError, meanAbsoluteError, huber, logCosh/,
      );
    }
  });

  it('activations', () => {
    expect(knobs.layers.dense({ units: 2, activation: 'ReLU' }).activation).toBe('relu');
    expect(knobs.layers.dense({ units: 2, activation: 'leaky_relu' }).activation).toBe('leakyRelu');
    expect(knobs.layers.dense({ units: 2, activation: 'SiLU' }).activation).toBe('swish');
    expect(knobs.layers.activation({ activation: 'Softmax' }).activation).toBe('softmax');
    expect(knobs.layers.activation({ activation: 'gelu_new' }).activation).toBe('geluNew');
    for (const bad of PROTOTYPE_NAMES) {
      expect(() => knobs.layers.dense({ units: 2, activation: bad }), bad).toThrow(/unknown activation .*; expected one of linear, relu, leakyRelu/);
    }
  });

  it('initializers and regularizers', () => {
    expect(knobs.layers.dense({ units: 2, kernelInitializer: 'HeNormal' as never }).kernelInitializer.name).toBe('heNormal');
    expect(knobs.layers.dense({ units: 2, kernelInitializer: 'glorot_uniform' as never }).kernelInitializer.name).toBe('glorotUniform');
    expect(knobs.layers.dense({ units: 2, kernelRegularizer: 'L2' as never }).kernelRegularizer).toEqual({ l1: 0, l2: 0.01 });
    expect(knobs.layers.dense({ units: 2, kernelRegularizer: 'l1_l2' as never }).kernelRegularizer).toEqual({ l1: 0.01, l2: 0.01 });
    for (const bad of PROTOTYPE_NAMES) {
      expect(() => knobs.layers.dense({ units: 2, kernelInitializer: bad as never }), bad).toThrow(/unknown initializer .*; expected one of glorotUniform/);
      expect(() => knobs.layers.dense({ units: 2, kernelInitializer: { name: bad } as never }), bad).toThrow(/unknown initializer/);
      expect(() => knobs.layers.dense({ units: 2, kernelRegularizer: bad as never }), bad).toThrow(/unknown regularizer .*; expected one of l1, l2, l1l2/);
    }
  });

  it('metrics in compile', () => {
    const model = regressor();
    // logged under the name given, as tfjs does
    for (const name of ['Accuracy', 'ACC', 'acc']) {
      model.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy' as knobs.LossName, metrics: [name] });
      expect(model.trainingState()!.metrics).toEqual([name]);
    }
    for (const name of ['MAE', 'Mean_Absolute_Error', 'meanSquaredError', 'Mape']) {
      model.compile({ optimizer: 'sgd', loss: 'mse' as knobs.LossName, metrics: [name] });
      expect(model.trainingState()!.metrics).toEqual([name]);
    }
    for (const bad of PROTOTYPE_NAMES) {
      expect(() => model.compile({ optimizer: 'sgd', loss: 'mse' as knobs.LossName, metrics: [bad] }), bad).toThrow(/unknown metric/);
    }
  });

  it('layer classes in a saved configuration', () => {
    expect(layerFromConfig({ className: 'Dense', config: { units: 3 } }).className).toBe('Dense');
    for (const bad of PROTOTYPE_NAMES) {
      expect(() => layerFromConfig({ className: bad, config: {} }), bad).toThrow(/unknown layer class .*; known: Dense, Activation, Dropout/);
    }
  });
});

describe('regression losses', () => {
  for (const loss of ['meanAbsoluteError', 'huber', 'logCosh'] as const) {
    it(`${loss}: gradients match finite differences, and training lowers the loss and the error`, async () => {
      const { x, y } = regression(64, 4, 7);
      const model = regressor(3);
      model.compile({ optimizer: knobs.optimizers.adam(0.02), loss });
      checkGradients(model, x.slice(0, 4 * 8), y.slice(0, 8), { picks: ends });
      const before = model.evaluate(x, y).loss;
      const h = await model.fit(x, y, { epochs: 60, batchSize: 16, verbose: 0 });
      const after = model.evaluate(x, y).loss;
      expect(after).toBeLessThan(before / 4);
      expect(h.history.loss!.at(-1)!).toBeLessThan(h.history.loss![0]!);
      // the fitted model predicts the targets: mean absolute error under 0.1 (targets spread over about +-1.5)
      const p = model.predict(x);
      expect(knobs.losses.meanAbsoluteError(y, p)).toBeLessThan(0.1);
    });
  }
});

describe('saving and loading the new optimizers', () => {
  for (const name of ['adagrad', 'adamax', 'nadam'] as const) {
    it(`${name}: a loaded model continues training exactly as the original`, async () => {
      const { x, y } = regression(40, 4, 13);
      const model = regressor(5, 'gelu');
      model.compile({ optimizer: knobs.optimizers[name](0.01), loss: 'huber' });
      await model.fit(x, y, { epochs: 2, batchSize: 8, verbose: 0, shuffle: false });
      const loaded = await knobs.loadModel(knobs.toArrayBuffer(model));
      expect(loaded.optimizer!.getConfig()).toEqual(model.optimizer!.getConfig());
      expect(loaded.optimizer!.iterations).toBe(model.optimizer!.iterations);
      for (const m of [model, loaded]) await m.fit(x, y, { epochs: 1, initialEpoch: 0, batchSize: 8, verbose: 0, shuffle: false });
      expect(loaded.getWeights()).toEqual(model.getWeights());
    });
  }
});

describe('custom loss functions', () => {
  /** Mean squared error per example, with its gradient, written by hand. */
  const handMse: knobs.LossFunction = (yTrue, yPred, { rows, cols }) => {
    const loss = new Float32Array(rows),
      grad = new Float32Array(rows * cols);
    for (let i = 0; i < rows * cols; i++) {
      const d = yPred[i]! - yTrue[i]!;
      loss[Math.floor(i / cols)] += (d * d) / cols;
      grad[i] = (2 * d) / cols;
    }
    return { loss, grad };
  };
  /** The same losses without a gradient: knobs takes central differences. */
  const valueOnlyMse: knobs.LossFunction = (yTrue, yPred, { rows, cols }) => {
    const loss = new Float64Array(rows);
    for (let i = 0; i < rows * cols; i++) loss[Math.floor(i / cols)] += (yPred[i]! - yTrue[i]!) ** 2 / cols;
    return loss;
  };

  it('a loss with its gradient trains exactly as the built-in one, with sample weights; a value-only loss trains through central differences', async () => {
    const { x, y } = regression(48, 4, 21);
    const sampleWeight = randomArray(48, 5, 0.2, 2);
    const runs: Float32Array[][] = [];
    const evals: number[] = [];
    for (const loss of ['meanSquaredError', handMse, valueOnlyMse] as knobs.Loss[]) {
      const model = regressor(9);
      model.compile({ optimizer: knobs.optimizers.sgd(0.05), loss });
      await model.fit(x, y, { epochs: 5, batchSize: 12, verbose: 0, sampleWeight, shuffle: false });
      runs.push(model.getWeights());
      evals.push(model.evaluate(x, y, { sampleWeight }).loss);
    }
    runs[1]!.forEach((w, i) => expectClose(w, runs[0]![i]!, { rtol: 1e-5, atol: 1e-6 }, `hand-written mse, weight ${i}`));
    runs[2]!.forEach((w, i) => expectClose(w, runs[0]![i]!, { rtol: 1e-2, atol: 2e-4 }, `value-only mse, weight ${i}`));
    expect(evals[1]).toBeCloseTo(evals[0]!, 5);
    expect(evals[2]).toBeCloseTo(evals[0]!, 3);
  });

  it('its gradient matches finite differences through computeGradients', () => {
    const { x, y } = regression(6, 4, 2);
    const model = regressor(4);
    model.compile({ optimizer: 'sgd', loss: valueOnlyMse });
    checkGradients(model, x, y, { picks: ends });
  });

  it('fit with workers rejects it with a message saying it trains on one thread; bad results get clear errors', async () => {
    const { x, y } = regression(16, 4, 3);
    const model = regressor();
    model.compile({ optimizer: 'sgd', loss: handMse });
    await expect(model.fit(x, y, { workers: 2, verbose: 0 })).rejects.toThrow(/a custom loss function trains on one thread .*use options.workers 1, got 2/);
    model.compile({ optimizer: 'sgd', loss: () => new Float32Array(3) });
    expect(() => model.evaluate(x, y)).toThrow(/custom loss: returned 3 losses for a batch of 16 examples/);
    model.compile({ optimizer: 'sgd', loss: () => ({ loss: new Float32Array(16), grad: new Float32Array(2) }) });
    await expect(model.fit(x, y, { verbose: 0 })).rejects.toThrow(/custom loss: grad must hold rows x cols = 16 values/);
    model.compile({ optimizer: 'sgd', loss: () => 'oops' as never });
    expect(() => model.evaluate(x, y)).toThrow(/custom loss: must return the per-example losses/);
  });

  it('a model compiled with one saves without its training state, and loads', async () => {
    const model = regressor();
    model.compile({ optimizer: 'sgd', loss: handMse });
    expect(model.trainingState()).toBeUndefined();
    const loaded = await knobs.loadModel(knobs.toArrayBuffer(model));
    expect(loaded.getWeights()).toEqual(model.getWeights());
    expect(loaded.trainingState()).toBeUndefined();
  });
});

describe('knobs.losses', () => {
  it('compute the mean losses as tf.losses, with weights, and stand for their names in compile', () => {
    const yTrue = [[1], [2], [0]],
      yPred = [[1.5], [0], [0.25]];
    expect(knobs.losses.meanSquaredError(yTrue, yPred)).toBeCloseTo((0.25 + 4 + 0.0625) / 3, 6);
    expect(knobs.losses.mse(yTrue, yPred)).toBeCloseTo((0.25 + 4 + 0.0625) / 3, 6);
    expect(knobs.losses.huberLoss(yTrue, yPred)).toBe(knobs.losses.huber(yTrue, yPred));
    expect(knobs.losses.absoluteDifference(yTrue, yPred)).toBe(knobs.losses.meanAbsoluteError(yTrue, yPred));
    expect(knobs.losses.meanAbsoluteError(yTrue, yPred)).toBeCloseTo((0.5 + 2 + 0.25) / 3, 6);
    expect(knobs.losses.huber(yTrue, yPred)).toBeCloseTo((0.125 + 1.5 + 0.03125) / 3, 6);
    expect(knobs.losses.huber(yTrue, yPred, { delta: 3 })).toBeCloseTo((0.125 + 2 + 0.03125) / 3, 6);
    expect(knobs.losses.logCosh(yTrue, yPred)).toBeCloseTo((Math.log(Math.cosh(0.5)) + Math.log(Math.cosh(2)) + Math.log(Math.cosh(0.25))) / 3, 6);
    expect(knobs.losses.meanSquaredError(yTrue, yPred, { sampleWeight: [1, 0, 3] })).toBeCloseTo((0.25 + 3 * 0.0625) / 4, 6);
    const probs = new Float32Array([0.7, 0.2, 0.1, 0.1, 0.1, 0.8]);
    const ce = -(Math.log(0.7) + Math.log(0.8)) / 2;
    expect(knobs.losses.categoricalCrossentropy(new Float32Array([1, 0, 0, 0, 0, 1]), probs, { cols: 3 })).toBeCloseTo(ce, 6);
    expect(knobs.losses.sparseCategoricalCrossentropy([0, 2], probs, { cols: 3 })).toBeCloseTo(ce, 6);
    expect(knobs.losses.binaryCrossentropy([1, 0], new Float32Array([0.9, 0.2]))).toBeCloseTo(-(Math.log(0.9) + Math.log(0.8)) / 2, 6);
    expect(() => knobs.losses.meanSquaredError([[1]], [[1], [2]])).toThrow(/yTrue has 1 rows but yPred has 2/);
    expect(() => knobs.losses.meanSquaredError([[1]], [[1]], { delta: 2 })).toThrow(/options.delta is huber's/);

    const model = regressor();
    model.compile({ optimizer: 'sgd', loss: knobs.losses.huber });
    expect(model.trainingState()!.loss).toBe('huber');
    model.compile({ optimizer: 'sgd', loss: knobs.losses.mae });
    expect(model.trainingState()!.loss).toBe('meanAbsoluteError');
  });
});

describe('binary cross-entropy labels', () => {
  function binaryModel(): knobs.Sequential {
    const model = knobs.sequential({ inputShape: [3], seed: 2, layers: [knobs.layers.dense({ units: 1, activation: 'sigmoid' })] });
    model.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy', metrics: ['accuracy'] });
    return model;
  }
  const x = randomArray(8 * 3, 4);
  const labels = [0, 1, 1, 0, 1, 0, 0, 1];

  it('accepts number[] and Int32Array (0/1) as well as Float32Array, with the same loss', async () => {
    const model = binaryModel();
    const ref = model.evaluate(x, Float32Array.from(labels));
    expect(model.evaluate(x, labels)).toEqual(ref);
    expect(model.evaluate(x, Int32Array.from(labels))).toEqual(ref);
    expect(model.evaluate(x, Uint8Array.from(labels))).toEqual(ref);
    const h = await model.fit(x, Int32Array.from(labels), { epochs: 2, verbose: 0 });
    expect(h.history.loss).toHaveLength(2);
  });

  it('rejects labels outside [0, 1] with a message naming the value and where it is', () => {
    const model = binaryModel();
    expect(() => model.evaluate(x, [0, 1, 2, 0, 1, 0, 0, 1])).toThrow(/y\[2\] is 2, but binaryCrossentropy needs targets in \[0, 1\]/);
    expect(() => model.evaluate(x, Int32Array.from([0, 1, 1, -1, 1, 0, 0, 1]))).toThrow(/y\[3\] is -1, but binaryCrossentropy/);
    expect(() => model.evaluate(x, Float32Array.from([0, 1, 1, 0, 1, 0, 0, 1.5]))).toThrow(/y\[7\] is 1.5, but binaryCrossentropy/);
    expect(() => model.evaluate(x, [0, 1, 1])).toThrow(/x has 8 examples but y has 3/);
  });
});
