// The convolution layers in models: gradients against finite differences through whole models,
// forward output against the float64 reference, Keras shapes and parameter counts, save and load,
// build-time errors, and a tiny conv net trained on real MNIST.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as knobs from '../../src/index.node';
import { ShapeError } from '../../src/errors';
import type { Layer } from '../../src/layers/layer';
import type { Sequential } from '../../src/model/sequential';
import { expectClose, randomArray, rng } from '../helpers';
import { referenceConv, type ConvCase } from '../kernels/conv-reference';
import { mnistSplit } from './mnist';
import { checkGradients } from './gradient-check';

const L = knobs.layers;

/** Analytic gradients against a 4-point central difference of the model's own loss, on a sample of every weight's coordinates. */

function netWith(inputShape: number[], convs: Layer[], classes = 3, seed = 3): Sequential {
  const m = knobs.sequential({ inputShape, seed, layers: [...convs, L.flatten(), L.dense({ units: classes, activation: 'softmax' })] });
  m.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
  return m;
}

function batch(n: number, shape: number[], classes: number, seed: number): { x: Float32Array; labels: Int32Array } {
  const size = shape.reduce((a, b) => a * b, 1);
  const r = rng(seed + 1);
  return { x: randomArray(n * size, seed, -1.5, 1.5), labels: Int32Array.from({ length: n }, () => Math.floor(r() * classes)) };
}

describe('convolution layers: gradients against finite differences', () => {
  const cases: [string, number[], () => Layer[]][] = [
    ['conv2d valid relu', [6, 7, 2], () => [L.conv2d({ filters: 3, kernelSize: 3, activation: 'relu' })]],
    ['conv2d same, even kernel, stride 2, tanh', [7, 6, 3], () => [L.conv2d({ filters: 4, kernelSize: 2, strides: 2, padding: 'same', activation: 'tanh' })]],
    [
      'conv2d dilation 2, [h, w] kernel, elu, no bias',
      [8, 7, 1],
      () => [L.conv2d({ filters: 2, kernelSize: [3, 2], dilationRate: 2, activation: 'elu', useBias: false })],
    ],
    [
      'two conv2d layers (input gradient), sigmoid then linear',
      [7, 7, 2],
      () => [L.conv2d({ filters: 3, kernelSize: 3, padding: 'same', activation: 'sigmoid' }), L.conv2d({ filters: 2, kernelSize: 2, strides: [2, 1] })],
    ],
    ['conv2d softmax over channels', [5, 5, 2], () => [L.conv2d({ filters: 3, kernelSize: 3, activation: 'softmax' })]],
    [
      'depthwiseConv2d depthMultiplier 2, same, stride 2, tanh, after a 1x1 conv2d',
      [7, 6, 2],
      () => [
        L.conv2d({ filters: 3, kernelSize: 1 }),
        L.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, strides: 2, padding: 'same', activation: 'tanh' }),
      ],
    ],
    [
      'separableConv2d depthMultiplier 2, dilation 2, after conv2d',
      [8, 8, 2],
      () => [
        L.conv2d({ filters: 2, kernelSize: 2, activation: 'tanh' }),
        L.separableConv2d({ filters: 3, kernelSize: 3, depthMultiplier: 2, dilationRate: 2, activation: 'tanh' }),
      ],
    ],
    [
      'activations the conv kernels do not fuse: softplus, then gelu (derivative from the input) on conv2d',
      [6, 6, 2],
      () => [L.conv2d({ filters: 3, kernelSize: 2, activation: 'softplus' }), L.conv2d({ filters: 2, kernelSize: 2, activation: 'gelu' })],
    ],
    [
      'depthwiseConv2d swish, separableConv2d mish and softsign',
      [7, 7, 2],
      () => [
        L.depthwiseConv2d({ kernelSize: 2, activation: 'swish' }),
        L.separableConv2d({ filters: 3, kernelSize: 2, activation: 'mish' }),
        L.separableConv2d({ filters: 2, kernelSize: 2, activation: 'softsign' }),
      ],
    ],
  ];
  cases.forEach(([name, shape, layers], i) => {
    it(name, () => {
      const { x, labels } = batch(5, shape, 3, 10 + i);
      checkGradients(netWith(shape, layers()), x, labels, { step: 2e-3 });
    });
  });
});

describe('convolution layers in a model', () => {
  it('conv2d forward equals the float64 reference with bias and relu, one example per row of a flat x', () => {
    const cs: ConvCase = { n: 4, h: 9, w: 8, c: 3, oc: 5, kh: 3, kw: 2, sh: 2, sw: 1, padding: 'same' };
    const m = knobs.sequential({
      inputShape: [9, 8, 3],
      seed: 1,
      layers: [L.conv2d({ filters: 5, kernelSize: [3, 2], strides: [2, 1], padding: 'same', activation: 'relu', biasInitializer: 'ones' })],
    });
    const x = randomArray(4 * 9 * 8 * 3, 2);
    const [wt, bias] = m.getWeights();
    expect(m.layers[0]!.weightSpecs().map((s) => s.shape)).toEqual([[3, 2, 3, 5], [5]]);
    const ref = referenceConv(cs, x, wt!, bias!, new Float32Array(4 * 5 * 8 * 5));
    expect(m.layers[0]!.outputShape).toEqual([5, 8, 5]);
    expectClose(
      m.predict(x),
      ref.y.map((v) => Math.max(v, 0)),
      { rtol: 1e-5, atol: 1e-5 },
      'conv2d layer',
    );
  });

  it('every activation on a conv layer equals the linear layer followed by an activation layer, in predict and fit', async () => {
    const acts = ['selu', 'softplus', 'relu6', 'hardSigmoid', 'softsign', 'gelu', 'geluNew', 'swish', 'mish', 'leakyRelu'] as const;
    const { x, labels } = batch(12, [6, 6, 2], 3, 40);
    for (const [i, activation] of acts.entries()) {
      const make = (fused: boolean): Sequential =>
        netWith(
          [6, 6, 2],
          fused
            ? [
                L.conv2d({ filters: 3, kernelSize: 3, activation }),
                L.depthwiseConv2d({ kernelSize: 2, activation }),
                L.separableConv2d({ filters: 2, kernelSize: 2, activation }),
              ]
            : [
                L.conv2d({ filters: 3, kernelSize: 3 }),
                L.activation({ activation }),
                L.depthwiseConv2d({ kernelSize: 2 }),
                L.activation({ activation }),
                L.separableConv2d({ filters: 2, kernelSize: 2 }),
                L.activation({ activation }),
              ],
          3,
          50 + i,
        );
      const a = make(true),
        b = make(false);
      b.setWeights(a.getWeights());
      expectClose(a.predict(x), b.predict(x), { atol: 1e-5, rtol: 1e-4 }, `${activation}: predict`);
      await a.fit(x, labels, { batchSize: 6, epochs: 1, shuffle: false, verbose: 0 });
      await b.fit(x, labels, { batchSize: 6, epochs: 1, shuffle: false, verbose: 0 });
      a.getWeights().forEach((w, j) => expectClose(w, b.getWeights()[j]!, { atol: 1e-5, rtol: 1e-4 }, `${activation}: weight ${j} after a step`));
      a.dispose();
      b.dispose();
    }
  });

  it('summary shows output shapes and parameter counts as Keras does', () => {
    const m = knobs.sequential({
      inputShape: [28, 28, 1],
      layers: [
        L.conv2d({ filters: 32, kernelSize: 3, activation: 'relu' }),
        L.conv2d({ filters: 64, kernelSize: 3, strides: 2, activation: 'relu' }),
        L.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'same' }),
        L.separableConv2d({ filters: 16, kernelSize: 3 }),
        L.flatten(),
        L.dense({ units: 10, activation: 'softmax' }),
      ],
    });
    const text = m.summary(() => {});
    // Keras: conv 3*3*1*32+32 = 320; 3*3*32*64+64 = 18496; depthwise 3*3*64*2+128 = 1280;
    // separable 3*3*128 + 128*16 + 16 = 3216; dense 10*10*16*10+10 = 16010
    expect(text).toMatch(/conv2d \(Conv2D\)\s+\[null, 26, 26, 32\]\s+320\n/);
    expect(text).toMatch(/conv2d_1 \(Conv2D\)\s+\[null, 12, 12, 64\]\s+18496\n/);
    expect(text).toMatch(/depthwise_conv2d \(DepthwiseConv2D\)\s+\[null, 12, 12, 128\]\s+1280\n/);
    expect(text).toMatch(/separable_conv2d \(SeparableConv2D\)\s+\[null, 10, 10, 16\]\s+3216\n/);
    expect(text).toMatch(/flatten \(Flatten\)\s+\[null, 1600\]\s+0\n/);
    expect(text).toContain(`Total params: ${320 + 18496 + 1280 + 3216 + 16010}`);
    expect(m.weightNames()).toEqual([
      'conv2d/kernel',
      'conv2d/bias',
      'conv2d_1/kernel',
      'conv2d_1/bias',
      'depthwise_conv2d/depthwise_kernel',
      'depthwise_conv2d/bias',
      'separable_conv2d/depthwise_kernel',
      'separable_conv2d/pointwise_kernel',
      'separable_conv2d/bias',
      'dense/kernel',
      'dense/bias',
    ]);
  });

  it('save and load round-trip every convolution layer, options included', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'knobs-conv-io-'));
    const m = knobs.sequential({
      inputShape: [9, 9, 2],
      seed: 4,
      layers: [
        L.conv2d({
          filters: 4,
          kernelSize: [3, 2],
          strides: [2, 1],
          padding: 'same',
          dilationRate: 1,
          activation: 'leakyRelu',
          activationAlpha: 0.1,
          kernelRegularizer: knobs.regularizers.l2(1e-3),
        }),
        L.depthwiseConv2d({ kernelSize: 2, depthMultiplier: 3, dilationRate: [2, 1], useBias: false, depthwiseInitializer: 'heNormal' }),
        L.separableConv2d({ filters: 5, kernelSize: 2, activation: 'relu', pointwiseInitializer: 'heUniform' }),
        L.flatten(),
        L.dense({ units: 3, activation: 'softmax' }),
      ],
    });
    m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
    const { x, labels } = batch(20, [9, 9, 2], 3, 5);
    await m.fit(x, labels, { batchSize: 8, epochs: 1, verbose: 0 });
    await m.save(`file://${dir}`);
    const loaded = await knobs.loadModel(`file://${dir}`);
    expect(loaded.getConfig()).toEqual(m.getConfig());
    expect(Array.from(loaded.predict(x))).toEqual(Array.from(m.predict(x)));
    const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    expect(json.modelTopology.config.layers.map((l: { className: string }) => l.className)).toEqual([
      'Conv2D',
      'DepthwiseConv2D',
      'SeparableConv2D',
      'Flatten',
      'Dense',
    ]);
    // and it trains on
    await loaded.fit(x, labels, { batchSize: 8, epochs: 1, verbose: 0 });
  });

  it('rejects bad shapes and options with errors naming the layer and the shapes, before training', () => {
    const make = (inputShape: number[], layer: () => Layer) => () => knobs.sequential({ inputShape, layers: [layer(), L.flatten(), L.dense({ units: 2 })] });
    expect(make([4, 4, 1], () => L.conv2d({ filters: 2, kernelSize: 5 }))).toThrow(ShapeError);
    expect(make([4, 4, 1], () => L.conv2d({ filters: 2, kernelSize: 5, name: 'c1' }))).toThrow(
      "layers.conv2d (c1): kernelSize [5, 5] is larger than its input [4, 4, 1] with padding 'valid'",
    );
    expect(make([5, 5, 1], () => L.conv2d({ filters: 2, kernelSize: 3, dilationRate: 3 }))).toThrow(
      /dilationRate \[3, 3\] \(spans \[7, 7\]\) is larger than its input \[5, 5, 1\]/,
    );
    expect(make([4, 4, 1], () => L.conv2d({ filters: 2, kernelSize: 5, padding: 'same' }))).not.toThrow();
    expect(make([784], () => L.conv2d({ filters: 2, kernelSize: 3 }))).toThrow(
      /layers\.conv2d \(conv2d\): expects inputs of shape \[height, width, channels\], got \[784\]/,
    );
    expect(make([28, 28], () => L.depthwiseConv2d({ kernelSize: 3 }))).toThrow(/layers\.depthwiseConv2d \(depthwise_conv2d\): .* got \[28, 28\]/);
    expect(make([28, 28], () => L.conv2d({ filters: 2, kernelSize: 3 }))).toThrow(/got \[28, 28\]; a grayscale image needs its channel axis: \[28, 28, 1\]/);
    expect(make([1, 28, 28, 1], () => L.conv2d({ filters: 2, kernelSize: 3, name: 'c4' }))).toThrow(
      /layers\.conv2d \(c4\): expects inputs of shape \[height, width, channels\], got \[1, 28, 28, 1\]; inputShape leaves out the batch dimension: \[28, 28, 1\], not \[1, 28, 28, 1\]/,
    );
    expect(make([3, 3, 2], () => L.separableConv2d({ filters: 2, kernelSize: 4 }))).toThrow(
      /layers\.separableConv2d \(separable_conv2d\): kernelSize \[4, 4\]/,
    );
    expect(() => L.conv2d({ filters: 2, kernelSize: 3, strides: 0, name: 'c2' })).toThrow(
      'layers.conv2d (c2): strides must be a positive integer or [height, width] of positive integers, got 0',
    );
    expect(() => L.conv2d({ filters: 2, kernelSize: 3, strides: [1, -2] })).toThrow(/strides .* got \[1, -2\]/);
    expect(() => L.depthwiseConv2d({ kernelSize: 3, dilationRate: [0, 1] })).toThrow(RangeError);
    expect(() => L.separableConv2d({ filters: 2, kernelSize: [3, 3, 3] as never })).toThrow(/kernelSize/);
    expect(() => L.conv2d({ filters: 0, kernelSize: 3 })).toThrow(/filters must be a positive integer, got 0/);
    expect(() => L.conv2d({ filters: 2, kernelSize: 3, padding: 'full' as never })).toThrow(/padding must be one of "valid", "same", got "full"/);
    expect(() => L.conv2d({ filters: 2, kernelSize: 3, kernelSize2: 1 } as never)).toThrow(TypeError);
    expect(() => L.conv2d({ filters: 2, kernelSize: 3, dataFormat: 'channelsFirst' as never })).toThrow(
      /channelsFirst' is not supported; knobs convolutions are channels last/,
    );
    expect(() => L.separableConv2d({ filters: 2, kernelSize: 3, dataFormat: 'channelsLast' })).not.toThrow();
  });
});

describe('augmentation feeds conv nets', () => {
  it('fit({ augment }) works with inputShape [h, w, c] and rejects a pipeline of another image shape', async () => {
    const augment = knobs.data.augmentation(
      [
        { type: 'rotate', degrees: 15 },
        { type: 'translate', pixels: 1 },
      ],
      { height: 12, width: 12, channels: 2 },
    );
    const { x, labels } = batch(32, [12, 12, 2], 3, 8);
    const m = netWith([12, 12, 2], [L.conv2d({ filters: 4, kernelSize: 3, strides: 2, activation: 'relu' })]);
    const h = await m.fit(x, labels, { batchSize: 16, epochs: 2, verbose: 0, augment });
    expect(h.history.loss!.every(Number.isFinite)).toBe(true);
    const wrong = netWith([6, 24, 2], [L.conv2d({ filters: 4, kernelSize: 3 })]);
    await expect(wrong.fit(x, labels, { epochs: 1, verbose: 0, augment })).rejects.toThrow(
      "fit: options.augment works on 12 x 12 x 2 images (288 values) but the model's inputShape is [6, 24, 2]",
    );
  });
});

describe('a tiny conv net on real MNIST', () => {
  it('reaches 91% test accuracy on 1,000 digits after 6 epochs on 3,000', async () => {
    const { train, test } = await mnistSplit(3000, 1000);
    const m = knobs.sequential({
      inputShape: [28, 28, 1],
      seed: 1,
      layers: [
        L.conv2d({ filters: 8, kernelSize: 3, strides: 2, activation: 'relu', kernelInitializer: 'heNormal' }),
        L.conv2d({ filters: 16, kernelSize: 3, strides: 2, activation: 'relu', kernelInitializer: 'heNormal' }),
        L.flatten(),
        L.dense({ units: 10, activation: 'softmax' }),
      ],
    });
    m.compile({ optimizer: knobs.optimizers.adam({ learningRate: 3e-3 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    await m.fit(train.x, train.labels, { batchSize: 64, epochs: 6, verbose: 0 });
    const { accuracy } = m.evaluate(test.x, test.labels);
    console.log(`tiny conv net (7,018 parameters), 3,000 MNIST digits, 6 epochs: test accuracy ${(100 * accuracy!).toFixed(1)}%`);
    expect(accuracy).toBeGreaterThanOrEqual(0.91);
  }, 120_000);
});
