// TensorFlow.js' layers format, both ways, against the real tfjs-layers (cpu backend): knobs saves
// and tfjs loads and predicts the same, tfjs saves and knobs loads and predicts the same, a
// Keras-converter-style model.json loads, and bad files get errors naming the layer or the file.
import { mkdtempSync, readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import * as knobs from '../../src/index.node';
import { ShapeError } from '../../src/errors';
import { randomArray, rng, expectClose as closeTo } from '../helpers';
import { tfjsLoad, tfjsSave } from './tfjs-io';

type Json = any;

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function tfjsPredict(m: tfl.LayersModel, x: Float32Array, shape: number[]): Float32Array {
  const n = x.length / shape.reduce((a, b) => a * b, 1);
  const t = tf.tensor(x, [n, ...shape]);
  const y = m.predict(t) as tf.Tensor;
  const out = y.dataSync() as Float32Array;
  t.dispose();
  y.dispose();
  return Float32Array.from(out);
}

/** The shared tolerance check, with this file's defaults. */
function expectClose(got: Float32Array, want: Float32Array, what: string, atol = 2e-5, rtol = 1e-4): void {
  closeTo(got, want, { atol, rtol }, what);
}

const tmp = (): string => mkdtempSync(join(tmpdir(), 'knobs-tfjs-'));

/** knobs models that tfjs can hold: one per family, each trained a little so no weight is at its initial value. */
const KNOBS_CASES: { name: string; shape: number[]; build: () => knobs.layers.Layer[] }[] = [
  {
    name: 'dense',
    shape: [6],
    build: () => [
      knobs.layers.dense({ units: 8, activation: 'relu', kernelRegularizer: knobs.regularizers.l2(1e-3) }),
      knobs.layers.dense({ units: 5, activation: 'tanh', kernelInitializer: 'heNormal' }),
      knobs.layers.dense({ units: 3, activation: 'softmax' }),
    ],
  },
  {
    name: 'batch norm and dropout',
    shape: [6],
    build: () => [
      knobs.layers.dense({ units: 8, activation: 'hardSigmoid' }),
      knobs.layers.batchNormalization({ momentum: 0.5 }),
      knobs.layers.dropout({ rate: 0.3 }),
      knobs.layers.dense({ units: 4, useBias: false }),
      knobs.layers.activation({ activation: 'leakyRelu', alpha: 0.2 }),
      knobs.layers.dense({ units: 3, activation: 'softmax' }),
    ],
  },
  {
    name: 'conv and pooling',
    shape: [9, 9, 2],
    build: () => [
      knobs.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }),
      knobs.layers.maxPooling2d({ poolSize: 2, padding: 'same' }),
      knobs.layers.conv2d({ filters: 3, kernelSize: [2, 3], strides: [1, 2], activation: 'elu' }),
      knobs.layers.averagePooling2d({ poolSize: 2, strides: 1 }),
      knobs.layers.flatten(),
      knobs.layers.dense({ units: 3, activation: 'softmax' }),
    ],
  },
  {
    name: 'depthwise, separable, batch norm, global pooling, padding, reshape',
    shape: [8, 8, 3],
    build: () => [
      knobs.layers.zeroPadding2d({
        padding: [
          [1, 0],
          [0, 2],
        ],
      }),
      knobs.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, activation: 'elu' }),
      knobs.layers.batchNormalization({ momentum: 0.5 }),
      knobs.layers.separableConv2d({ filters: 4, kernelSize: 3, padding: 'same', dilationRate: 2, activation: 'tanh' }),
      knobs.layers.globalMaxPooling2d(),
      knobs.layers.reshape({ targetShape: [2, 2] }),
      knobs.layers.flatten(),
      knobs.layers.dense({ units: 2, activation: 'sigmoid' }),
    ],
  },
  {
    name: 'global average pooling',
    shape: [5, 5, 2],
    build: () => [
      knobs.layers.conv2d({ filters: 3, kernelSize: 2, strides: 2, padding: 'same', activation: 'sigmoid' }),
      knobs.layers.globalAveragePooling2d(),
      knobs.layers.dense({ units: 2 }),
    ],
  },
];

async function trainedKnobs(c: (typeof KNOBS_CASES)[number], seed: number): Promise<knobs.Sequential> {
  const m = knobs.sequential({ inputShape: c.shape, seed, layers: c.build() });
  const size = c.shape.reduce((a, b) => a * b, 1);
  const x = randomArray(32 * size, seed + 1);
  const y = Int32Array.from({ length: 32 }, (_, i) => (x[i * size]! > 0 ? 1 : 0));
  const last = m.layers[m.layers.length - 1] as { units?: number };
  m.compile({ optimizer: knobs.optimizers.adam({ learningRate: 0.05 }), loss: (last.units ?? 2) >= 3 ? 'sparseCategoricalCrossentropy' : 'meanSquaredError' });
  const yy = (last.units ?? 2) >= 3 ? y : Float32Array.from({ length: 32 * (last.units ?? 2) }, (_, i) => y[Math.floor(i / (last.units ?? 2))]!);
  await m.fit(x, yy, { batchSize: 8, epochs: 2, verbose: 0 });
  return m;
}

describe('knobs -> tfjs: model.save(url, { format: "tfjs" }) is read by tf.loadLayersModel', () => {
  for (const c of KNOBS_CASES) {
    it(`${c.name}: tfjs predicts what knobs predicts`, async () => {
      const m = await trainedKnobs(c, 7);
      const dir = tmp();
      await m.save(`file://${dir}`, { format: 'tfjs' });
      const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
      expect(json.format).toBe('layers-model');
      expect(json.modelTopology.class_name).toBe('Sequential');
      const t = await tfjsLoad(dir);
      const size = c.shape.reduce((a, b) => a * b, 1);
      const x = randomArray(10 * size, 99, -2, 2);
      expectClose(m.predict(x), tfjsPredict(t, x, c.shape), c.name);
      // and back: knobs reads its own tfjs export
      const back = await knobs.loadModel(`file://${dir}/model.json`);
      expectClose(back.predict(x), m.predict(x), `${c.name} (round trip)`, 0, 0);
      back.dispose();
      m.dispose();
      t.dispose();
    });
  }

  it('writes Keras names: snake_case keys, className/config initializers and regularizers, moving_mean/moving_variance after the trainable weights', async () => {
    const m = await trainedKnobs(KNOBS_CASES[1]!, 3);
    const dir = tmp();
    await m.save(`file://${dir}`, { format: 'tfjs' });
    const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    const layers = json.modelTopology.config.layers;
    expect(layers[0]).toMatchObject({ class_name: 'InputLayer', config: { batch_input_shape: [null, 6], dtype: 'float32' } });
    expect(layers[1]).toMatchObject({
      class_name: 'Dense',
      config: {
        units: 8,
        activation: 'hard_sigmoid',
        use_bias: true,
        kernel_initializer: { class_name: 'GlorotUniform' },
        bias_initializer: { class_name: 'Zeros' },
      },
    });
    expect(layers[2]).toMatchObject({
      class_name: 'BatchNormalization',
      config: { momentum: 0.5, epsilon: 0.001, axis: -1, moving_variance_initializer: { class_name: 'Ones' } },
    });
    expect(layers[5]).toMatchObject({ class_name: 'LeakyReLU', config: { alpha: 0.2 } });
    const names: string[] = json.weightsManifest[0].weights.filter((w: Json) => w.group !== 'optimizer').map((w: Json) => w.name);
    const bn = m.layers[1]!.name;
    expect(names.slice(-2)).toEqual([`${bn}/moving_mean`, `${bn}/moving_variance`]);
    expect(names).toContain(`${bn}/gamma`);
  });

  it("writes Adam's state under group 'optimizer': tfjs compiles, takes m, v and the step count, and its next step equals knobs'", async () => {
    const make = () =>
      knobs.sequential({
        inputShape: [4],
        seed: 11,
        layers: [
          knobs.layers.dense({ units: 5, activation: 'tanh' }),
          knobs.layers.batchNormalization(),
          knobs.layers.dense({ units: 3, activation: 'softmax' }),
        ],
      });
    const m = make();
    m.compile({ optimizer: knobs.optimizers.adam({ learningRate: 0.05 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const x = randomArray(16 * 4, 21);
    const y = Int32Array.from({ length: 16 }, (_, i) => (x[i * 4]! > 0 ? 2 : x[i * 4 + 1]! > 0 ? 1 : 0));
    await m.fit(x, y, { batchSize: 16, epochs: 3, shuffle: false, verbose: 0 });
    const dir = tmp();
    await m.save(`file://${dir}`, { format: 'tfjs' });
    const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    expect(json.trainingConfig).toMatchObject({
      loss: 'sparse_categorical_crossentropy',
      optimizer_config: { class_name: 'Adam', config: { learningRate: 0.05 } },
    });
    const opt = json.weightsManifest[0].weights.filter((w: Json) => w.group === 'optimizer').map((w: Json) => w.name);
    const d0 = m.layers[0]!.name;
    expect(opt.slice(0, 3)).toEqual(['iter', `${d0}/kernel/m`, `${d0}/bias/m`]);
    const t = await tfjsLoad(dir);
    const tw = await (t.optimizer as unknown as { getWeights(): Promise<{ name: string; tensor: tf.Tensor }[]> }).getWeights();
    expect(tw[0]!.tensor.dataSync()[0]).toBe(3);
    expectClose(Float32Array.from(tw[1]!.tensor.dataSync()), m.getOptimizerState()[0]!.subarray(0, 20), 'adam m of the first kernel', 0, 0);
    // knobs reads it back compiled, with the same state
    const back = await knobs.loadModel(`file://${dir}`);
    expect(back.optimizer!.iterations).toBe(3);
    back.getOptimizerState().forEach((slot, i) => expectClose(slot, m.getOptimizerState()[i]!, `slot ${i} back in knobs`, 0, 0));
    // one more step on the same batch in all three: the same update
    await m.fit(x, y, { batchSize: 16, epochs: 1, shuffle: false, verbose: 0 });
    await back.fit(x, y, { batchSize: 16, epochs: 1, shuffle: false, verbose: 0 });
    await t.fit(tf.tensor(x, [16, 4]), tf.tensor(Float32Array.from(y), [16]), { batchSize: 16, epochs: 1, shuffle: false, verbose: 0 });
    const probe = randomArray(20, 5, -2, 2);
    expectClose(m.predict(probe), tfjsPredict(t, probe, [4]), 'after a step in each', 1e-4, 1e-3);
    expectClose(back.predict(probe), m.predict(probe), 'knobs after its round trip', 1e-6, 1e-5);
    back.dispose();
  });

  it('refuses, naming the layer, what tfjs cannot hold, and writes nothing', async () => {
    const dir = join(tmp(), 'out');
    const norm = knobs.sequential({ inputShape: [3], layers: [knobs.layers.normalization({ name: 'norm' }), knobs.layers.dense({ units: 1 })] });
    await expect(norm.save(`file://${dir}`, { format: 'tfjs' })).rejects.toThrow(/layer "norm" \(Normalization\).*no Normalization/);
    const sd = knobs.sequential({ inputShape: [4, 4, 2], layers: [knobs.layers.spatialDropout2d({ rate: 0.2, name: 'sd' }), knobs.layers.flatten()] });
    await expect(sd.save(`file://${dir}`, { format: 'tfjs' })).rejects.toThrow(/layer "sd" \(SpatialDropout2D\)/);
    const leaky = knobs.sequential({ inputShape: [3], layers: [knobs.layers.dense({ units: 2, activation: 'leakyRelu', name: 'd' })] });
    await expect(leaky.save(`file://${dir}`, { format: 'tfjs' })).rejects.toThrow(/layer "d" \(Dense\).*leakyRelu/);
    expect(existsSync(dir)).toBe(false);
    await expect(leaky.save(`file://${dir}`, { format: 'onnx' as never })).rejects.toThrow(RangeError);
  });
});

/** tfjs models built and saved by tfjs, weights randomized (including batch-norm statistics). */
const TFJS_CASES: { name: string; shape: number[]; build: () => tfl.layers.Layer[] }[] = [
  {
    name: 'dense',
    shape: [5],
    build: () => [
      tfl.layers.dense({ inputShape: [5], units: 7, activation: 'relu', kernelRegularizer: tfl.regularizers.l1l2({ l1: 0.01, l2: 0.02 }) }),
      tfl.layers.dense({ units: 3, activation: 'softmax' }),
    ],
  },
  {
    name: 'batch norm and dropout',
    shape: [5],
    build: () => [
      tfl.layers.inputLayer({ inputShape: [5] }),
      tfl.layers.dense({ units: 6, activation: 'selu' }),
      tfl.layers.batchNormalization({ epsilon: 0.01 }),
      tfl.layers.dropout({ rate: 0.4 }),
      tfl.layers.leakyReLU({ alpha: 0.1 }),
      tfl.layers.dense({ units: 2, activation: 'sigmoid' }),
    ],
  },
  {
    name: 'conv and pooling',
    shape: [10, 10, 1],
    build: () => [
      tfl.layers.conv2d({ inputShape: [10, 10, 1], filters: 3, kernelSize: 3, activation: 'relu' }),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      tfl.layers.zeroPadding2d({ padding: 1 }),
      tfl.layers.averagePooling2d({ poolSize: 3, strides: 2, padding: 'same' }),
      tfl.layers.flatten(),
      tfl.layers.dense({ units: 4 }),
      tfl.layers.activation({ activation: 'softmax' }),
    ],
  },
  {
    name: 'depthwise and separable',
    shape: [7, 7, 2],
    build: () => [
      tfl.layers.inputLayer({ inputShape: [7, 7, 2] }),
      tfl.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 3, padding: 'same', activation: 'tanh' }),
      tfl.layers.batchNormalization(),
      tfl.layers.separableConv2d({ filters: 5, kernelSize: 2, strides: 2, activation: 'relu' }),
      tfl.layers.globalAveragePooling2d({}),
      tfl.layers.reshape({ targetShape: [5, 1] }),
      tfl.layers.flatten(),
      tfl.layers.dense({ units: 2 }),
    ],
  },
  {
    name: 'global max pooling',
    shape: [6, 6, 3],
    build: () => [tfl.layers.conv2d({ inputShape: [6, 6, 3], filters: 2, kernelSize: 2, useBias: false }), tfl.layers.globalMaxPooling2d({})],
  },
];

function tfjsModel(c: (typeof TFJS_CASES)[number], seed: number): tfl.Sequential {
  const m = tfl.sequential({ layers: c.build() });
  const r = rng(seed);
  // every weight random (moving variances positive), so no value survives by being an initial one
  m.setWeights(
    m.weights.map((w) => {
      const shape = w.shape as number[];
      const n = shape.reduce((a, b) => a * b, 1);
      const v = Float32Array.from({ length: n }, () => (w.name.includes('moving_variance') ? 0.5 + r() : 2 * r() - 1));
      return tf.tensor(v, shape);
    }),
  );
  return m;
}

describe('tfjs -> knobs: knobs.loadModel reads what tfjs-layers saves', () => {
  for (const c of TFJS_CASES) {
    it(`${c.name}: knobs predicts what tfjs predicts`, async () => {
      const t = tfjsModel(c, 5);
      const dir = tmp();
      await tfjsSave(t, dir);
      const m = await knobs.loadModel(`file://${dir}`);
      const size = c.shape.reduce((a, b) => a * b, 1);
      const x = randomArray(12 * size, 4, -2, 2);
      expectClose(m.predict(x), tfjsPredict(t, x, c.shape), c.name);
      // the loaded model trains as any knobs model
      expect(m.inputShape).toEqual(c.shape);
      m.dispose();
      t.dispose();
    });
  }
});

describe('tfjs -> knobs with the optimizer (includeOptimizer)', () => {
  it("a tfjs model trained with Adam loads compiled with its state: the next step equals tfjs' next step", async () => {
    const t = tfjsModel(TFJS_CASES[0]!, 6);
    t.compile({ optimizer: tf.train.adam(0.02), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const x = randomArray(12 * 5, 31);
    const y = Float32Array.from({ length: 12 }, (_, i) => (x[i * 5]! > 0 ? 2 : x[i * 5 + 1]! > 0 ? 1 : 0));
    const xt = tf.tensor(x, [12, 5]),
      yt = tf.tensor(y, [12]);
    await t.fit(xt, yt, { batchSize: 12, epochs: 2, shuffle: false, verbose: 0 });
    const dir = tmp();
    await tfjsSave(t, dir, true);
    const m = await knobs.loadModel(`file://${dir}`);
    expect(m.optimizer!.className).toBe('Adam');
    expect(m.optimizer!.iterations).toBe(2);
    await t.fit(xt, yt, { batchSize: 12, epochs: 1, shuffle: false, verbose: 0 });
    await m.fit(x, Int32Array.from(y), { batchSize: 12, epochs: 1, shuffle: false, verbose: 0 });
    const probe = randomArray(10 * 5, 8, -2, 2);
    expectClose(m.predict(probe), tfjsPredict(t, probe, [5]), 'after one more step', 1e-4, 1e-3);
    m.dispose();
  });
});

/** A model.json as Keras writes it through the tfjs converter (Keras 2 and 3 spellings mixed). */
function kerasStyle(json: Json): Json {
  const j = structuredClone(json);
  j.generatedBy = 'keras v2.15.0';
  j.convertedBy = 'TensorFlow.js Converter v4.22.0';
  j.modelTopology.keras_version = '2.15.0';
  j.modelTopology.backend = 'tensorflow';
  const rename = new Map<string, string>();
  j.modelTopology.config.layers.forEach((l: Json, i: number) => {
    const plain = l.class_name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase() + (i ? `_${i}` : '');
    rename.set(l.config.name, plain);
    l.config.name = plain;
    l.module = 'keras.layers';
    l.registered_name = null;
    if (l.class_name === 'Conv2D' || l.class_name === 'Dense') {
      Object.assign(l.config, { kernel_constraint: null, bias_constraint: null, activity_regularizer: null });
      if (l.class_name === 'Conv2D') l.config.groups = 1;
      l.config.dtype = { module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' }, registered_name: null };
    }
    if (l.class_name === 'BatchNormalization')
      Object.assign(l.config, { axis: [3], renorm: false, renorm_clipping: null, renorm_momentum: 0.99, fused: null, synchronized: false });
    if (l.class_name === 'InputLayer') {
      l.config.batch_shape = l.config.batch_input_shape;
      delete l.config.batch_input_shape;
      l.config.ragged = false;
    }
  });
  for (const g of j.weightsManifest) {
    g.paths = g.paths.map(() => 'group1-shard1of1.bin');
    for (const w of g.weights) {
      const [layer, ...rest] = w.name.split('/');
      w.name = `sequential/${rename.get(layer)}/${rest.join('/')}`;
    }
  }
  return j;
}

describe('models exported by Keras through the tfjs converter', () => {
  it('loads a converter-style model.json (Keras spellings, dtype policies, prefixed weight names) and predicts as tfjs', async () => {
    const c: (typeof TFJS_CASES)[number] = {
      name: 'keras',
      shape: [6, 6, 2],
      build: () => [
        tfl.layers.inputLayer({ inputShape: [6, 6, 2] }),
        tfl.layers.conv2d({ filters: 3, kernelSize: 3, activation: 'relu' }),
        tfl.layers.batchNormalization(),
        tfl.layers.maxPooling2d({ poolSize: 2 }),
        tfl.layers.flatten(),
        tfl.layers.dense({ units: 2, activation: 'softmax' }),
      ],
    };
    const t = tfjsModel(c, 8);
    const dir = tmp();
    await tfjsSave(t, dir);
    const json = kerasStyle(JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')));
    writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
    writeFileSync(join(dir, 'group1-shard1of1.bin'), readFileSync(join(dir, 'weights.bin')));
    const m = await knobs.loadModel(`file://${dir}/model.json`);
    expect(m.layers.map((l) => l.name)).toEqual(['conv2_d_1', 'batch_normalization_2', 'max_pooling2_d_3', 'flatten_4', 'dense_5']);
    const x = randomArray(6 * 72, 12);
    expectClose(m.predict(x), tfjsPredict(t, x, c.shape), 'keras-style');
    m.dispose();
  });
});

// ---- bad files ------------------------------------------------------------------------------

async function savedTfjs(): Promise<{ dir: string; json: Json; weights: Buffer }> {
  const t = tfjsModel(TFJS_CASES[1]!, 2);
  const dir = tmp();
  await tfjsSave(t, dir);
  t.dispose();
  return { dir, json: JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')), weights: readFileSync(join(dir, 'weights.bin')) };
}

async function loadError(json: Json, weights: Uint8Array): Promise<Error> {
  const dir = tmp();
  writeFileSync(join(dir, 'model.json'), typeof json === 'string' ? json : JSON.stringify(json));
  writeFileSync(join(dir, 'weights.bin'), weights);
  return knobs.loadModel(`file://${dir}`).then(
    () => {
      throw new Error('expected loadModel to reject');
    },
    (e: Error) => e,
  );
}

describe('frozen layers in the tfjs format', () => {
  it('trainable: false goes both ways: tfjs loads a frozen knobs model frozen (and its Adam state), and a frozen tfjs layer loads frozen in knobs', async () => {
    const L = knobs.layers;
    const m = knobs.sequential({
      inputShape: [4],
      seed: 3,
      layers: [
        L.dense({ units: 5, activation: 'relu', trainable: false }),
        L.batchNormalization({ trainable: false }),
        L.dense({ units: 3, activation: 'softmax' }),
      ],
    });
    m.compile({ optimizer: knobs.optimizers.adam({ learningRate: 0.01 }), loss: 'categoricalCrossentropy' });
    const x = randomArray(8 * 4, 5);
    const y = new Float32Array(8 * 3).map((_, i) => (i % 3 === Math.floor(i / 3) % 3 ? 1 : 0));
    await m.fit(x, y, { epochs: 2, batchSize: 4, verbose: 0 });
    const dir = tmp();
    await m.save(`file://${dir}`, { format: 'tfjs' });
    // Adam's state for the head only (iter, then m and v of its kernel and bias), as tfjs' optimizer has no slots for frozen weights
    const saved = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    expect(saved.weightsManifest[0].weights.filter((w: Json) => w.group === 'optimizer').map((w: Json) => w.name.replace(/^.*?\//, ''))).toEqual([
      'iter',
      'kernel/m',
      'bias/m',
      'kernel/v',
      'bias/v',
    ]);
    const t = await tfjsLoad(dir);
    expect(t.optimizer).toBeDefined();
    expect(t.layers.slice(-3).map((l) => l.trainable)).toEqual([false, false, true]);
    // tfjs counts the frozen dense and batch norm as non-trainable: only the head's kernel and bias train
    expect(t.trainableWeights.length).toBe(2);
    expectClose(tfjsPredict(t, x, [4]), m.predict(x), 'frozen knobs model in tfjs');
    const back = await knobs.loadModel(`file://${dir}`);
    expect(back.layers.map((l) => l.trainable)).toEqual([false, false, true]);
    expectClose(back.predict(x), m.predict(x), 'frozen knobs model through tfjs back in knobs');
    t.dispose();

    const t2 = tfl.sequential({
      layers: [tfl.layers.dense({ inputShape: [4], units: 3, activation: 'relu', trainable: false }), tfl.layers.dense({ units: 2 })],
    });
    const dir2 = tmp();
    await tfjsSave(t2, dir2);
    const k2 = await knobs.loadModel(`file://${dir2}`);
    expect(k2.layers.map((l) => l.trainable)).toEqual([false, true]);
    expectClose(k2.predict(x), tfjsPredict(t2, x, [4]), 'frozen tfjs model in knobs');
    t2.dispose();
  });
});

describe('bad tfjs files', () => {
  it('a layer class knobs lacks: the error names the layer and its class', async () => {
    const { json, weights } = await savedTfjs();
    json.modelTopology.config.layers[2].class_name = 'LayerNormalization';
    const e = await loadError(json, weights);
    expect(e).toBeInstanceOf(RangeError);
    expect(e.message).toMatch(/layer 2 "batch_normalization_BatchNormalization\d+" \(LayerNormalization\).*no layer class "LayerNormalization"/);
  });

  it('a softmax over an image runs over its last axis (channels) in both directions; tfjs axis 1 on an image is refused', async () => {
    // knobs -> tfjs: a per-pixel softmax reads back in tfjs with the same outputs
    const m = knobs.sequential({
      inputShape: [3, 3, 2],
      seed: 5,
      layers: [knobs.layers.conv2d({ filters: 3, kernelSize: 1 }), knobs.layers.activation({ activation: 'softmax' })],
    });
    const x = randomArray(4 * 18, 21, -2, 2);
    const dir = tmp();
    await m.save(`file://${dir}`, { format: 'tfjs' });
    expectClose(m.predict(x), tfjsPredict(await tfjsLoad(dir), x, [3, 3, 2]), 'per-pixel softmax in tfjs');
    // tfjs -> knobs: axis -1 reads; tfjs' default axis 1 is not the last axis of an image
    const t = tfl.sequential({ layers: [tfl.layers.conv2d({ inputShape: [4, 4, 1], filters: 2, kernelSize: 1 }), tfl.layers.softmax({ axis: -1 })] });
    const dir2 = tmp();
    await tfjsSave(t, dir2);
    const back = await knobs.loadModel(`file://${dir2}`);
    const x2 = randomArray(3 * 16, 22, -2, 2);
    expectClose(back.predict(x2), tfjsPredict(t, x2, [4, 4, 1]), 'tfjs Softmax(axis -1) in knobs');
    const t1 = tfl.sequential({ layers: [tfl.layers.conv2d({ inputShape: [4, 4, 1], filters: 2, kernelSize: 1 }), tfl.layers.softmax()] });
    const dir3 = tmp();
    await tfjsSave(t1, dir3);
    await expect(knobs.loadModel(`file://${dir3}`)).rejects.toThrow(/\(Softmax\): axis 1 of a \[4, 4, 2\] input is not its last axis/);
  });

  it('a constraint: refused by name rather than trained differently', async () => {
    const { json, weights } = await savedTfjs();
    const constrained = structuredClone(json);
    constrained.modelTopology.config.layers[1].config.kernel_constraint = { class_name: 'MaxNorm', config: { max_value: 2 } };
    expect((await loadError(constrained, weights)).message).toMatch(/\(Dense\): config.kernel_constraint .* is not supported/);
  });

  it('a functional model without its connections (a Sequential relabeled "Model") is refused, naming the field', async () => {
    // functional models load since the graph API (test/model/tfjs-functional.test.ts)
    const { json, weights } = await savedTfjs();
    json.modelTopology.class_name = 'Model';
    expect((await loadError(json, weights)).message).toMatch(/modelTopology.config.input_layers must be an array/);
  });

  it('a manifest that does not match the topology: missing, reshaped or extra weights are named', async () => {
    const { json, weights } = await savedTfjs();
    const missing = structuredClone(json);
    const gone = missing.weightsManifest[0].weights.splice(0, 1)[0];
    const e1 = await loadError(missing, weights.subarray(gone.shape[0] * gone.shape[1] * 4));
    expect(e1.message).toMatch(new RegExp(`layer "${gone.name.split('/')[0]}" \\(Dense\\) weight "kernel".*found nothing`));

    const reshaped = structuredClone(json);
    reshaped.weightsManifest[0].weights[0].shape = [6, 5];
    const e2 = await loadError(reshaped, weights);
    expect(e2).toBeInstanceOf(ShapeError);
    expect(e2.message).toMatch(/weight "kernel": expected shape \[5, 6\], the manifest has \[6, 5\]/);

    const extra = structuredClone(json);
    extra.weightsManifest[0].weights.push({ name: 'ghost/kernel', shape: [1], dtype: 'float32' });
    const e3 = await loadError(extra, new Uint8Array([...weights, 0, 0, 0, 0]));
    expect(e3.message).toMatch(/weight "ghost\/kernel" that no layer of the model has/);

    const quantized = structuredClone(json);
    quantized.weightsManifest[0].weights[0].dtype = 'int32';
    expect((await loadError(quantized, weights)).message).toMatch(/weight "kernel": is int32.*float32/);
  });

  it('truncated or missing shards: the error names the file', async () => {
    const { json, weights } = await savedTfjs();
    const e = await loadError(json, weights.subarray(0, weights.length - 8));
    expect(e.message).toMatch(/weights\.bin.*bytes/);
    const dir = tmp();
    writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
    await expect(knobs.loadModel(`file://${dir}`)).rejects.toThrow(/weights\.bin/);
  });

  it('300 seeded mutations: each loads or fails with a knobs error naming the file, never an internal one', async () => {
    const { json, weights } = await savedTfjs();
    const r = rng(1312);
    const pick = <T>(a: readonly T[]): T => a[Math.floor(r() * a.length)]!;
    const all = (v: Json, at: (string | number)[] = [], out: (string | number)[][] = []) => {
      out.push(at);
      if (Array.isArray(v)) v.forEach((c, i) => all(c, [...at, i], out));
      else if (v && typeof v === 'object') for (const k of Object.keys(v)) all(v[k], [...at, k], out);
      return out;
    };
    const paths = all(json).filter((p) => p.length > 0);
    const values: Json[] = [null, true, 0, -1, 1.5, 1e308, '', 'x', '__proto__', [], [null], [1e9, 1e9], {}, { class_name: 'Dense' }];
    const internal =
      /is not a function|is not iterable|Cannot read propert|Cannot set propert|Cannot convert|Invalid array length|Invalid typed array length|out of bounds|Maximum call stack/;
    let failures = 0;
    for (let i = 0; i < 300; i++) {
      const j = structuredClone(json);
      let w: Uint8Array = weights;
      const kind = Math.floor(r() * 6);
      let what: string;
      if (kind === 0) {
        w = weights.subarray(0, Math.floor(r() * weights.length));
        what = `weights cut to ${w.length}`;
      } else {
        const p = pick(paths);
        let parent = j;
        for (const k of p.slice(0, -1)) parent = parent[k];
        const key = p[p.length - 1]!;
        if (kind === 1) {
          if (Array.isArray(parent)) parent.splice(key as number, 1);
          else delete parent[key];
          what = `deleted ${p.join('.')}`;
        } else {
          const v = pick(values);
          parent[key] = structuredClone(v);
          what = `${p.join('.')} = ${JSON.stringify(v)}`;
        }
      }
      const res = await loadError(j, w).catch((e: Error) => e);
      if (res.message === 'expected loadModel to reject') continue; // a harmless change
      failures++;
      expect(
        [TypeError, RangeError, ShapeError, Error].some((k) => res.constructor === k),
        `${what}: ${res.constructor.name}`,
      ).toBe(true);
      expect(res.message, `${what}: internal error`).not.toMatch(internal);
      expect(res.message, `${what}: names the file`).toMatch(/model\.json|weights/);
    }
    expect(failures).toBeGreaterThan(150);
  });

  it('loadModel accepts the folder or its model.json, and the folder a tfjs save wrote holds only model.json and one weights file', async () => {
    const m = await trainedKnobs(KNOBS_CASES[0]!, 1);
    const dir = tmp();
    await m.save(`file://${dir}/model.json`, { format: 'tfjs' });
    expect(readdirSync(dir).filter((f) => !f.endsWith('.tmp')).length).toBe(2);
    const a = await knobs.loadModel(`file://${dir}`);
    const b = await knobs.loadModel(`file://${dir}/model.json`);
    const x = randomArray(18, 3);
    expectClose(a.predict(x), b.predict(x), 'folder vs model.json', 0, 0);
  });
});
