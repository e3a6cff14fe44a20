// Every layer's and loss's gradient, through whole models, against central finite differences
// of the model's own training-mode loss (computeGradients(...).loss). Dropout masks depend only
// on (seed, step, example, unit), so the loss is a deterministic function of the weights.
import { describe, expect, it } from 'vitest';
import * as knobs from '../../src/index';
import { randomArray, rng } from '../helpers';
import { checkGradients } from './gradient-check';

function oneHot(labels: number[], classes: number): Float32Array {
  const y = new Float32Array(labels.length * classes);
  labels.forEach((c, i) => (y[i * classes + c] = 1));
  return y;
}

/** Compares analytic gradients with finite differences on a sample of coordinates of every weight. */

function data(n: number, features: number, classes: number, seed: number): { x: Float32Array; labels: number[] } {
  const x = randomArray(n * features, seed, -1.5, 1.5);
  const r = rng(seed + 7);
  const labels = Array.from({ length: n }, () => Math.floor(r() * classes));
  return { x, labels };
}

describe('gradients against finite differences', () => {
  const activations = [
    'linear',
    'relu',
    'leakyRelu',
    'elu',
    'sigmoid',
    'tanh',
    'softmax',
    'selu',
    'softplus',
    'relu6',
    'hardSigmoid',
    'softsign',
    'gelu',
    'geluNew',
    'swish',
    'mish',
  ] as const;
  for (const act of activations) {
    it(`dense with ${act}, softmax cross-entropy`, () => {
      const { x, labels } = data(7, 5, 3, 1);
      const model = knobs.sequential({
        inputShape: [5],
        seed: 3,
        layers: [knobs.layers.dense({ units: 6, activation: act }), knobs.layers.dense({ units: 3, activation: 'softmax' })],
      });
      model.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
      checkGradients(model, x, oneHot(labels, 3), { picks: 12 });
    });
  }

  it('sparse categorical cross-entropy with per-example weights', () => {
    const { x, labels } = data(9, 4, 5, 2);
    const model = knobs.sequential({
      inputShape: [4],
      seed: 4,
      layers: [knobs.layers.dense({ units: 8, activation: 'tanh' }), knobs.layers.dense({ units: 5, activation: 'softmax' })],
    });
    model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
    checkGradients(model, x, labels, { sampleWeight: randomArray(9, 5, 0.1, 2), picks: 12 });
  });

  it('binary cross-entropy with a sigmoid output (fused) and with probabilities (not fused)', () => {
    const { x, labels } = data(8, 3, 2, 3);
    const y = Float32Array.from(labels);
    const fused = knobs.sequential({
      inputShape: [3],
      seed: 5,
      layers: [knobs.layers.dense({ units: 4, activation: 'elu' }), knobs.layers.dense({ units: 1, activation: 'sigmoid' })],
    });
    fused.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy' });
    checkGradients(fused, x, y, { picks: 12 });
    const probs = knobs.sequential({
      inputShape: [3],
      seed: 5,
      layers: [
        knobs.layers.dense({ units: 4, activation: 'relu' }),
        knobs.layers.dense({ units: 1, activation: 'sigmoid' }),
        knobs.layers.activation({ activation: 'linear' }),
      ],
    });
    probs.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy' });
    checkGradients(probs, x, y, { picks: 12 });
  });

  it('categorical cross-entropy on probabilities from a separate softmax layer after a dense layer with tanh', () => {
    const { x, labels } = data(6, 4, 3, 4);
    const model = knobs.sequential({
      inputShape: [4],
      seed: 6,
      layers: [knobs.layers.dense({ units: 3, activation: 'tanh' }), knobs.layers.dense({ units: 3 }), knobs.layers.activation({ activation: 'sigmoid' })],
    });
    model.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    checkGradients(model, x, oneHot(labels, 3), { picks: 12 });
  });

  it('mean squared error with softmax, sigmoid and linear outputs', () => {
    for (const act of ['linear', 'softmax', 'sigmoid'] as const) {
      const x = randomArray(5 * 3, 8),
        y = randomArray(5 * 2, 9, 0, 1);
      const model = knobs.sequential({
        inputShape: [3],
        seed: 7,
        layers: [knobs.layers.dense({ units: 4, activation: 'relu' }), knobs.layers.dense({ units: 2, activation: act })],
      });
      model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
      checkGradients(model, x, y, { sampleWeight: randomArray(5, 10, 0.5, 1.5), picks: 12 });
    }
  });

  it('batch normalization (training mode, batch statistics), dropout and flatten', () => {
    const { x, labels } = data(10, 6, 4, 5);
    const model = knobs.sequential({
      inputShape: [2, 3],
      seed: 8,
      layers: [
        knobs.layers.flatten(),
        // ELU, not ReLU: finite differences across a ReLU kink, amplified by the batch statistics, are not derivatives
        knobs.layers.dense({ units: 7, activation: 'elu' }),
        knobs.layers.batchNormalization(),
        knobs.layers.dropout({ rate: 0.3 }),
        knobs.layers.dense({ units: 4, activation: 'softmax' }),
      ],
    });
    model.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    checkGradients(model, x, oneHot(labels, 4), { picks: 12 });
  });

  it("conv - batch norm - activation - average pool: the activation runs in place over batch norm's output", () => {
    const { x, labels } = data(6, 5 * 5 * 2, 3, 12);
    const model = knobs.sequential({
      inputShape: [5, 5, 2],
      seed: 12,
      layers: [
        knobs.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', useBias: false }),
        knobs.layers.batchNormalization(),
        // ELU: its derivative comes from its output (as relu's), without relu's kink
        knobs.layers.activation({ activation: 'elu' }),
        // average pooling: max pooling's winners can change within the finite-difference step
        knobs.layers.averagePooling2d({ poolSize: 2 }),
        knobs.layers.flatten(),
        knobs.layers.dense({ units: 3, activation: 'softmax' }),
      ],
    });
    model.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    checkGradients(model, x, oneHot(labels, 3), { picks: 12 });
  });

  it('batch normalization without center or scale, and a leading normalization layer', () => {
    const { x, labels } = data(8, 4, 3, 6);
    const model = knobs.sequential({
      inputShape: [4],
      seed: 9,
      layers: [
        knobs.layers.normalization({ mean: [0.1, -0.2, 0, 0.3], variance: [1, 2, 0.5, 1] }),
        knobs.layers.dense({ units: 5, activation: 'sigmoid' }),
        knobs.layers.batchNormalization({ center: false, scale: false }),
        knobs.layers.dense({ units: 3, activation: 'softmax' }),
      ],
    });
    model.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    checkGradients(model, x, oneHot(labels, 3), { picks: 12 });
  });

  it('L1, L2 and L1L2 regularizers add their penalty to the loss and their gradient', () => {
    const { x, labels } = data(6, 4, 3, 7);
    const model = knobs.sequential({
      inputShape: [4],
      seed: 10,
      layers: [
        knobs.layers.dense({ units: 5, activation: 'relu', kernelRegularizer: knobs.regularizers.l2(0.05), biasRegularizer: knobs.regularizers.l1(0.02) }),
        knobs.layers.dense({ units: 3, activation: 'softmax', kernelRegularizer: knobs.regularizers.l1l2({ l1: 0.01, l2: 0.03 }) }),
      ],
    });
    model.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    checkGradients(model, x, oneHot(labels, 3), { picks: 12 });
    // the penalty itself: loss with and without regularization differs by sum of c*||W||
    const plain = knobs.sequential({
      inputShape: [4],
      seed: 10,
      layers: [knobs.layers.dense({ units: 5, activation: 'relu' }), knobs.layers.dense({ units: 3, activation: 'softmax' })],
    });
    plain.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    const w = model.getWeights();
    const penalty =
      0.05 * w[0]!.reduce((s, v) => s + v * v, 0) +
      0.02 * w[1]!.reduce((s, v) => s + Math.abs(v), 0) +
      0.01 * w[2]!.reduce((s, v) => s + Math.abs(v), 0) +
      0.03 * w[2]!.reduce((s, v) => s + v * v, 0);
    const y = oneHot(labels, 3);
    expect(model.computeGradients(x, y).loss - plain.computeGradients(x, y).loss).toBeCloseTo(penalty, 5);
  });
});

describe('activations whose derivative needs the input (gelu, geluNew, swish, mish)', () => {
  for (const act of ['gelu', 'geluNew', 'swish', 'mish'] as const) {
    it(`${act} as an Activation layer: gradients match finite differences, and predict (fused in the product) equals the training forward`, () => {
      const { x, labels } = data(6, 4, 3, 11);
      const model = knobs.sequential({
        inputShape: [4],
        seed: 5,
        layers: [
          knobs.layers.dense({ units: 5 }),
          knobs.layers.activation({ activation: act }),
          knobs.layers.dense({ units: 5, activation: act }),
          knobs.layers.dense({ units: 3, activation: 'softmax' }),
        ],
      });
      model.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
      checkGradients(model, x, oneHot(labels, 3), { picks: 12 });
      // evaluate runs the inference path (activation fused into the product); computeGradients the
      // training path (product, then the activation apart): same loss
      const y = oneHot(labels, 3);
      expect(model.evaluate(x, y).loss).toBeCloseTo(model.computeGradients(x, y).loss, 5);
    });
  }
});
