// ONNX export: knobs models run in ONNX Runtime (onnxruntime-web's wasm build, in Node) and give
// knobs' own predictions up to float rounding, for every layer type and activation knobs exports.
import * as ort from 'onnxruntime-web';
import { beforeAll, describe, expect, it } from 'vitest';
import { exportModel } from '../../build/entry.onnx';
import * as knobs from '../../src/index.node';
import { randomArray, expectClose as closeTo } from '../helpers';

beforeAll(() => {
  ort.env.wasm.numThreads = 1; // the machine is shared; one thread keeps the run light
});

async function runOnnx(bytes: Uint8Array, x: Float32Array, shape: number[], names = { input: 'input', output: 'output' }): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(bytes);
  const n = x.length / shape.reduce((a, b) => a * b, 1);
  const out = await session.run({ [names.input]: new ort.Tensor('float32', x, [n, ...shape]) });
  const y = out[names.output]!;
  await session.release();
  return Float32Array.from(y.data as Float32Array);
}

/** The shared tolerance check, with this file's defaults. */
function expectClose(got: Float32Array, want: Float32Array, what: string, atol = 3e-5, rtol = 1e-4): void {
  closeTo(got, want, { atol, rtol }, what);
}

/** Trains a little (so batch-norm statistics and weights are not their initial values), then compares. */
async function check(name: string, shape: number[], layers: knobs.layers.Layer[], seed = 1): Promise<void> {
  const m = knobs.sequential({ inputShape: shape, seed, layers });
  const size = shape.reduce((a, b) => a * b, 1);
  const xTrain = randomArray(24 * size, seed + 1, -2, 2);
  const outSize = m.layers[m.layers.length - 1]!.outputSize;
  m.compile({ optimizer: knobs.optimizers.adam({ learningRate: 0.03 }), loss: 'meanSquaredError' });
  await m.fit(xTrain, randomArray(24 * outSize, seed + 2), { batchSize: 8, epochs: 2, verbose: 0 });
  const bytes = exportModel(m);
  const x = randomArray(7 * size, seed + 3, -2, 2);
  expectClose(await runOnnx(bytes, x, shape), m.predict(x), name);
  m.dispose();
}

const L = knobs.layers;

describe('onnx.exportModel runs in ONNX Runtime with knobs outputs', () => {
  it('dense layers with every activation knobs has', async () => {
    const acts = ['relu', 'leakyRelu', 'elu', 'sigmoid', 'tanh', 'selu', 'softplus', 'relu6', 'hardSigmoid', 'softsign', 'gelu', 'geluNew', 'swish', 'mish'];
    await check(
      'dense activations',
      [5],
      acts.map((a, i) => L.dense({ units: 4 + (i % 3), activation: a, ...(a === 'leakyRelu' ? { activationAlpha: 0.1 } : {}) })),
    );
    await check(
      'activation layers',
      [6],
      [...acts.map((a) => L.activation({ activation: a })), L.dense({ units: 3, useBias: false }), L.activation({ activation: 'softmax' })],
      2,
    );
  });

  it('batch norm (moving statistics), dropout, normalization, softmax output', async () => {
    const norm = L.normalization({ mean: [0.5, -1, 0, 2], variance: [1, 4, 0.25, 9] });
    await check(
      'bn',
      [4],
      [
        norm,
        L.dense({ units: 8, activation: 'relu' }),
        L.batchNormalization({ momentum: 0.5 }),
        L.dropout({ rate: 0.5 }),
        L.dense({ units: 3, activation: 'softmax' }),
      ],
    );
  });

  it('conv (NHWC to NCHW and back), same/valid padding, strides, dilation, pooling, flatten', async () => {
    await check(
      'conv',
      [9, 8, 2],
      [
        L.conv2d({ filters: 4, kernelSize: 3, padding: 'same', strides: 2, activation: 'relu' }),
        L.batchNormalization({ momentum: 0.5 }),
        L.conv2d({ filters: 3, kernelSize: [2, 3], dilationRate: [1, 2], padding: 'same', useBias: false }),
        L.maxPooling2d({ poolSize: 2, padding: 'same' }),
        L.averagePooling2d({ poolSize: [2, 1], strides: 1, padding: 'same' }),
        L.flatten(),
        L.dense({ units: 3, activation: 'softmax' }),
      ],
    );
  });

  it('a softmax over a conv output runs per pixel (over channels), as in knobs', async () => {
    await check('per-pixel softmax', [5, 4, 2], [L.conv2d({ filters: 3, kernelSize: 3, padding: 'same' }), L.activation({ activation: 'softmax' })], 4);
  });

  it('depthwise, separable, zero padding, global pooling (with keepdims), reshape, spatial dropout', async () => {
    await check(
      'depthwise',
      [7, 7, 3],
      [
        L.zeroPadding2d({
          padding: [
            [1, 0],
            [2, 1],
          ],
        }),
        L.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, strides: 2, padding: 'same', activation: 'elu' }),
        L.spatialDropout2d({ rate: 0.3 }),
        L.separableConv2d({ filters: 5, kernelSize: 2, depthMultiplier: 2, activation: 'tanh' }),
        L.globalMaxPooling2d({ keepdims: true }),
        L.reshape({ targetShape: [5] }),
        L.dense({ units: 2 }),
      ],
    );
    await check(
      'global average',
      [6, 5, 2],
      [L.conv2d({ filters: 3, kernelSize: 2 }), L.globalAveragePooling2d(), L.dense({ units: 2, activation: 'sigmoid' })],
      3,
    );
    // an image output: transposed back to NHWC
    await check('image output', [5, 5, 2], [L.conv2d({ filters: 3, kernelSize: 3, padding: 'same' }), L.maxPooling2d({ poolSize: 2 })], 4);
  });

  it('writes a valid ONNX model: opset 13, IR 7, named input and output with a free batch', async () => {
    const m = knobs.sequential({ inputShape: [3], layers: [L.dense({ units: 2 })] });
    const bytes = exportModel(m, { inputName: 'x', outputName: 'y' });
    const s = await ort.InferenceSession.create(bytes);
    expect(s.inputNames).toEqual(['x']);
    expect(s.outputNames).toEqual(['y']);
    await s.release();
    const x = randomArray(3, 9);
    expectClose(await runOnnx(bytes, x, [3], { input: 'x', output: 'y' }), m.predict(x), 'names');
    expect(() => exportModel(m, { opset: 11 })).toThrow(/options.opset must be an integer from 13/);
    expect(() => exportModel(m, { inputName: 'a', outputName: 'a' })).toThrow(RangeError);
    expect(() => exportModel({} as never)).toThrow(TypeError);
  });
});
