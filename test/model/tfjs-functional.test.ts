// Functional (graph) models between knobs and TensorFlow.js' layers format, both ways, against
// the real tfjs-layers (cpu backend): residual blocks, concatenated branches, gates, several
// inputs and outputs predict the same within float rounding after the trip.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import * as knobs from '../../src/index.node';
import { expectClose, randomArray } from '../helpers';
import { tfjsLoad, tfjsSave } from './tfjs-io';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const tmp = (): string => mkdtempSync(join(tmpdir(), 'knobs-tfjs-graph-'));

/** tfjs' outputs for inputs given flat, one per model input. */
function tfjsPredict(m: tfl.LayersModel, xs: Float32Array[], shapes: number[][]): Float32Array[] {
  const ts = xs.map((x, k) => tf.tensor(x, [x.length / shapes[k]!.reduce((a, b) => a * b, 1), ...shapes[k]!]));
  const y = m.predict(ts.length === 1 ? ts[0]! : ts);
  const out = (Array.isArray(y) ? y : [y]).map((t) => Float32Array.from(t.dataSync() as Float32Array));
  tf.dispose([...ts, ...(Array.isArray(y) ? y : [y])]);
  return out;
}

const L = knobs.layers;

describe('functional models: knobs -> tfjs', () => {
  it('a residual conv block, concatenated branches, a gate, two inputs and two outputs: tf.loadLayersModel predicts the same', async () => {
    const img = knobs.input({ shape: [6, 6, 2], name: 'img' });
    const side = knobs.input({ shape: [3], name: 'side' });
    const c = L.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(img);
    const b = L.batchNormalization().apply(L.conv2d({ filters: 4, kernelSize: 3, padding: 'same', useBias: false }).apply(c));
    const res = L.activation({ activation: 'relu' }).apply(L.add().apply([c, b]));
    const cat = L.concatenate().apply([res, L.conv2d({ filters: 2, kernelSize: 1 }).apply(img)]);
    const flat = L.flatten().apply(L.maxPooling2d({ poolSize: 2 }).apply(cat));
    const s = L.dense({ units: 6, activation: 'tanh' }).apply(side);
    const gate = L.dense({ units: 6, activation: 'sigmoid' }).apply(s);
    const mixed = L.concatenate().apply([flat, L.multiply().apply([s, gate]), L.average().apply([s, gate])]);
    const cls = L.dense({ units: 3, activation: 'softmax', name: 'cls' }).apply(mixed);
    const val = L.dense({ units: 1, name: 'val' }).apply(mixed);
    const m = knobs.model({ inputs: [img, side], outputs: [cls, val], seed: 3 });
    m.compile({ optimizer: 'adam', loss: ['categoricalCrossentropy', 'meanSquaredError'] });
    const n = 12;
    const xi = randomArray(n * 72, 1),
      xs = randomArray(n * 3, 2);
    const y1 = new Float32Array(n * 3).map((_, i) => (i % 3 === ((i / 3) % 3) >> 0 ? 1 : 0));
    await m.fit([xi, xs], [y1, randomArray(n, 3)], { epochs: 2, batchSize: 4, verbose: 0 });
    const dir = tmp();
    await m.save(`file://${dir}`, { format: 'tfjs' });
    const t = await tfjsLoad(dir);
    expect(t.inputNames.length).toBe(2);
    const want = m.predict<Float32Array[]>([xi, xs]);
    const got = tfjsPredict(t, [xi, xs], [[6, 6, 2], [3]]);
    expect(got).toHaveLength(2);
    got.forEach((g, k) => expectClose(g, want[k]!, { atol: 2e-5, rtol: 1e-4 }, `output ${k}`));
    // and knobs reads its own tfjs export back
    const back = await knobs.loadModel(`file://${dir}`);
    back.predict<Float32Array[]>([xi, xs]).forEach((g, k) => expectClose(g, want[k]!, { atol: 1e-6, rtol: 1e-6 }, `back ${k}`));
  });
});

describe('functional models: tfjs -> knobs', () => {
  it('a tfjs functional model (tf.input, apply, add, concatenate) loads into knobs and predicts the same', async () => {
    const x = tfl.input({ shape: [5] });
    const h = tfl.layers.dense({ units: 5, activation: 'relu' }).apply(x) as tfl.SymbolicTensor;
    const r = tfl.layers.add().apply([x, h]) as tfl.SymbolicTensor;
    const g = tfl.layers.dense({ units: 3, activation: 'tanh' }).apply(x) as tfl.SymbolicTensor;
    const cat = tfl.layers.concatenate().apply([r, g]) as tfl.SymbolicTensor;
    const y = tfl.layers.dense({ units: 2, activation: 'softmax' }).apply(cat) as tfl.SymbolicTensor;
    const t = tfl.model({ inputs: x, outputs: y });
    const dir = tmp();
    await tfjsSave(t, dir);
    const k = await knobs.loadModel(`file://${dir}`);
    expect(k.layers.map((l) => l.className)).toEqual(['InputLayer', 'Dense', 'Add', 'Dense', 'Concatenate', 'Dense']);
    const xs = randomArray(9 * 5, 4, -2, 2);
    expectClose(k.predict(xs), tfjsPredict(t, [xs], [[5]])[0]!, { atol: 2e-5, rtol: 1e-4 }, 'tfjs -> knobs');
  });
});

describe('functional models with several outputs: the optimizer state in the tfjs format', () => {
  const n = 24;
  const x = randomArray(n * 4, 31);
  const labels = Int32Array.from({ length: n }, (_, i) => (x[i * 4]! > 0 ? 2 : x[i * 4 + 1]! > 0 ? 1 : 0));
  const yVal = Float32Array.from({ length: n }, (_, i) => x[i * 4 + 2]! - 0.5 * x[i * 4 + 3]!);
  /** A trunk with batch norm, a 3-class head with integer labels and a regression head; Adam. */
  function make(lossWeights?: number[]): knobs.LayersModel {
    const input = knobs.input({ shape: [4] });
    const trunk = L.batchNormalization().apply(L.dense({ units: 6, activation: 'tanh' }).apply(input));
    const cls = L.dense({ units: 3, activation: 'softmax', name: 'cls' }).apply(trunk);
    // behind one more layer than cls: tfjs lists 'deep' before 'cls', knobs after
    const val = L.dense({ units: 1, name: 'val' }).apply(L.dense({ units: 3, activation: 'tanh', name: 'deep' }).apply(trunk));
    const m = knobs.model({ inputs: input, outputs: [cls, val], seed: 13 });
    m.compile({
      optimizer: knobs.optimizers.adam({ learningRate: 0.05 }),
      loss: { cls: 'sparseCategoricalCrossentropy', val: 'meanSquaredError' },
      metrics: { cls: ['accuracy'] },
      ...(lossWeights ? { lossWeights } : {}),
    });
    return m;
  }
  const fitOptions = { batchSize: n, epochs: 1, shuffle: false, verbose: 0 as const };
  const bits = (ws: Float32Array[]): number[][] => ws.map((w) => Array.from(new Uint32Array(w.buffer, w.byteOffset, w.length)));

  it("writes Adam's state under group 'optimizer' with a loss per output: tfjs compiles, takes it, and its next step equals knobs'; knobs resumes bit-identically", async () => {
    const m = make();
    for (let e = 0; e < 3; e++) await m.fit(x, [labels, yVal], fitOptions);
    const dir = tmp();
    await m.save(`file://${dir}`, { format: 'tfjs' });
    const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    expect(json.trainingConfig).toEqual({
      loss: ['sparse_categorical_crossentropy', 'mean_squared_error'],
      metrics: { cls: ['accuracy'], val: [] },
      optimizer_config: { class_name: 'Adam', config: { learningRate: 0.05, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 } },
    });
    // iter, then m of every trainable weight in tfjs' order of trainableWeights (which its optimizer
    // follows by position), then v; the batch norm's moving statistics have none
    const t = await tfjsLoad(dir);
    const trainable = t.trainableWeights.map((w) => w.originalName);
    const knobsOrder = m.layers.flatMap((l) => l.weightSpecs().flatMap((s) => (s.trainable ? [`${l.name}/${s.name}`] : [])));
    expect([...trainable].sort()).toEqual([...knobsOrder].sort());
    expect(trainable).not.toEqual(knobsOrder);
    const opt = json.weightsManifest[0].weights.filter((w: { group?: string }) => w.group === 'optimizer').map((w: { name: string }) => w.name);
    expect(opt).toEqual(['iter', ...trainable.map((n) => `${n}/m`), ...trainable.map((n) => `${n}/v`)]);
    // tfjs: loads, compiles with the losses per output, takes the state, and steps as knobs does
    const tw = await (t.optimizer as unknown as { getWeights(): Promise<{ name: string; tensor: tf.Tensor }[]> }).getWeights();
    expect(tw[0]!.tensor.dataSync()[0]).toBe(3);
    const want = m.predict<Float32Array[]>(x);
    tfjsPredict(t, [x], [[4]]).forEach((g, k) => expectClose(g, want[k]!, { atol: 2e-5, rtol: 1e-4 }, `tfjs output ${k}`));
    // knobs: loads it compiled, with the same state
    const back = await knobs.loadModel(`file://${dir}`);
    expect(back.optimizer!.iterations).toBe(3);
    back.getOptimizerState().forEach((slot, i) => expectClose(slot, m.getOptimizerState()[i]!, {}, `slot ${i} back in knobs`));
    // one more step in all three
    await m.fit(x, [labels, yVal], fitOptions);
    await back.fit(x, [labels, yVal], fitOptions);
    await t.fit(tf.tensor(x, [n, 4]), [tf.tensor(Float32Array.from(labels), [n, 1]), tf.tensor(yVal, [n, 1])], {
      batchSize: n,
      epochs: 1,
      shuffle: false,
      verbose: 0,
    });
    expect(bits(back.getWeights())).toEqual(bits(m.getWeights()));
    const after = m.predict<Float32Array[]>(x);
    tfjsPredict(t, [x], [[4]]).forEach((g, k) => expectClose(g, after[k]!, { atol: 1e-4, rtol: 1e-3 }, `tfjs after a step in each, output ${k}`));
    back.dispose();
  });

  it('loss weights other than 1: kept for knobs (tfjs refuses loss_weights), so knobs resumes bit-identically and tfjs still loads and predicts the same', async () => {
    const m = make([1, 0.25]);
    for (let e = 0; e < 2; e++) await m.fit(x, [labels, yVal], fitOptions);
    const dir = tmp();
    await m.save(`file://${dir}`, { format: 'tfjs' });
    const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    expect(json.trainingConfig.knobs_loss_weights).toEqual([1, 0.25]);
    expect(json.trainingConfig.loss_weights).toBeUndefined();
    const t = await tfjsLoad(dir);
    const want = m.predict<Float32Array[]>(x);
    tfjsPredict(t, [x], [[4]]).forEach((g, k) => expectClose(g, want[k]!, { atol: 2e-5, rtol: 1e-4 }, `tfjs output ${k}`));
    const back = await knobs.loadModel(`file://${dir}`);
    expect(back.trainingState()!.outputs!.lossWeights).toEqual([1, 0.25]);
    for (let e = 0; e < 2; e++) {
      await m.fit(x, [labels, yVal], fitOptions);
      await back.fit(x, [labels, yVal], fitOptions);
    }
    expect(bits(back.getWeights())).toEqual(bits(m.getWeights()));
    // Keras' loss_weights (as a Keras export through tfjs' converter writes them) are read too
    json.trainingConfig.loss_weights = { val: 0.25, cls: 1 };
    delete json.trainingConfig.knobs_loss_weights;
    writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
    const keras = await knobs.loadModel(`file://${dir}`);
    expect(keras.trainingState()!.outputs!.lossWeights).toEqual([1, 0.25]);
    expect(keras.optimizer!.iterations).toBe(2);
  });
});

describe('functional models with several outputs: tfjs -> knobs with the optimizer (includeOptimizer)', () => {
  it("a two-headed tfjs model trained with Adam (a loss per output) loads compiled with its state: the next step equals tfjs'", async () => {
    const input = tfl.input({ shape: [4] });
    const trunk = tfl.layers.dense({ units: 6, activation: 'tanh', name: 'trunk' }).apply(input) as tfl.SymbolicTensor;
    const cls = tfl.layers.dense({ units: 3, activation: 'softmax', name: 'cls' }).apply(trunk) as tfl.SymbolicTensor;
    const deep = tfl.layers.dense({ units: 3, activation: 'tanh', name: 'deep' }).apply(trunk) as tfl.SymbolicTensor;
    const val = tfl.layers.dense({ units: 1, name: 'val' }).apply(deep) as tfl.SymbolicTensor;
    const t = tfl.model({ inputs: input, outputs: [cls, val] });
    t.compile({ optimizer: tf.train.adam(0.03), loss: ['sparseCategoricalCrossentropy', 'meanSquaredError'], metrics: { cls: 'accuracy' } });
    const n = 16;
    const x = randomArray(n * 4, 41);
    const labels = Int32Array.from({ length: n }, (_, i) => (x[i * 4]! > 0 ? 2 : x[i * 4 + 1]! > 0 ? 1 : 0));
    const yVal = Float32Array.from({ length: n }, (_, i) => x[i * 4 + 2]!);
    const xt = tf.tensor(x, [n, 4]);
    const ys = [tf.tensor(Float32Array.from(labels), [n, 1]), tf.tensor(yVal, [n, 1])];
    await t.fit(xt, ys, { batchSize: n, epochs: 2, shuffle: false, verbose: 0 });
    const dir = tmp();
    await tfjsSave(t, dir, true);
    const m = await knobs.loadModel(`file://${dir}`);
    expect(m.constructor).toBe(knobs.LayersModel);
    expect(m.optimizer!.className).toBe('Adam');
    expect(m.optimizer!.iterations).toBe(2);
    expect(m.trainingState()!.outputs!.losses).toEqual(['sparseCategoricalCrossentropy', 'meanSquaredError']);
    await t.fit(xt, ys, { batchSize: n, epochs: 1, shuffle: false, verbose: 0 });
    await m.fit(x, [labels, yVal], { batchSize: n, epochs: 1, shuffle: false, verbose: 0 });
    const probe = randomArray(10 * 4, 9, -2, 2);
    const want = tfjsPredict(t, [probe], [[4]]);
    m.predict<Float32Array[]>(probe).forEach((g, k) => expectClose(g, want[k]!, { atol: 1e-4, rtol: 1e-3 }, `after one more step, output ${k}`));
    m.dispose();
  });
});
