// Shared layers between knobs and other tools: TensorFlow.js' layers format both ways (against
// the real tfjs-layers), a Keras 3 functional config (each node as { args, kwargs }), and ONNX
// (a shared layer becomes one node per application reading the same initializers, run by
// onnxruntime-web).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import * as ort from 'onnxruntime-web';
import { beforeAll, describe, expect, it } from 'vitest';
import * as knobs from '../../src/index.node';
import { exportModel } from '../../src/onnx/export';
import type { LayersModel } from '../../src/model/layers-model';
import { expectClose, randomArray } from '../helpers';
import { tfjsLoad, tfjsSave } from './tfjs-io';

beforeAll(async () => {
  await tf.setBackend('cpu');
  ort.env.wasm.numThreads = 1; // the machine is shared; one thread keeps the run light
});

const tmp = (): string => mkdtempSync(join(tmpdir(), 'knobs-shared-io-'));
const L = knobs.layers;

/** tfjs' outputs for inputs given flat, one per model input. */
function tfjsPredict(m: tfl.LayersModel, xs: Float32Array[], shapes: number[][]): Float32Array[] {
  const ts = xs.map((x, k) => tf.tensor(x, [x.length / shapes[k]!.reduce((a, b) => a * b, 1), ...shapes[k]!]));
  const y = m.predict(ts.length === 1 ? ts[0]! : ts);
  const out = (Array.isArray(y) ? y : [y]).map((t) => Float32Array.from(t.dataSync() as Float32Array));
  tf.dispose([...ts, ...(Array.isArray(y) ? y : [y])]);
  return out;
}

/**
 * Two images through one shared encoder (conv, batch norm, pooling, dense), added, then a dense
 * shared again on its own output's width (`mix` applied twice), under a softmax head.
 */
function siameseConv(seed: number): LayersModel {
  const a = knobs.input({ shape: [6, 6, 2], name: 'left' });
  const b = knobs.input({ shape: [6, 6, 2], name: 'right' });
  const conv = L.conv2d({ filters: 3, kernelSize: 3, padding: 'same', activation: 'relu', name: 'conv' });
  const bn = L.batchNormalization({ name: 'bn' });
  const pool = L.maxPooling2d({ poolSize: 2, name: 'pool' });
  const flat = L.flatten({ name: 'flat' });
  const enc = L.dense({ units: 6, activation: 'tanh', name: 'enc' });
  const encode = (t: knobs.SymbolicTensor): knobs.SymbolicTensor => enc.apply(flat.apply(pool.apply(bn.apply(conv.apply(t)))));
  const mix = L.dense({ units: 6, activation: 'tanh', name: 'mix' });
  const sum = L.add({ name: 'sum' }).apply([encode(a), encode(b)]);
  const y = L.dense({ units: 3, activation: 'softmax', name: 'head' }).apply(mix.apply(mix.apply(sum)));
  return knobs.model({ inputs: [a, b], outputs: y, seed });
}

/** Trains a little so that the batch norm's moving statistics and every weight are off their initial values. */
async function trained(seed: number): Promise<{ m: LayersModel; x: Float32Array[] }> {
  const m = siameseConv(seed);
  m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
  const n = 16;
  const x = [randomArray(n * 72, seed + 1), randomArray(n * 72, seed + 2)];
  const y = new Float32Array(n * 3).map((_, i) => (i % 3 === Math.floor(i / 3) % 3 ? 1 : 0));
  await m.fit(x, y, { epochs: 2, batchSize: 4, verbose: 0 });
  return { m, x };
}

describe('shared layers: knobs <-> tfjs', () => {
  it('knobs saves a model with shared conv, batch norm, pooling and dense layers; tf.loadLayersModel predicts the same', async () => {
    const { m, x } = await trained(3);
    const dir = tmp();
    await m.save(`file://${dir}`, { format: 'tfjs' });
    const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    const conv = json.modelTopology.config.layers.find((l: { name: string }) => l.name === 'conv');
    expect(conv.inbound_nodes).toEqual([[['left', 0, 0, {}]], [['right', 0, 0, {}]]]);
    const t = await tfjsLoad(dir);
    // tfjs sees the sharing: one conv layer with two inbound nodes, its weights once
    expect(t.getLayer('conv').inboundNodes.length).toBe(2);
    expect(t.countParams()).toBe(m.countParams());
    const want = m.predict(x);
    expectClose(
      tfjsPredict(t, x, [
        [6, 6, 2],
        [6, 6, 2],
      ])[0]!,
      want,
      { atol: 2e-5, rtol: 1e-4 },
      'tfjs',
    );
    // and knobs reads its own tfjs export back, sharing kept
    const back = await knobs.loadModel(`file://${dir}`);
    expect(back.countParams()).toBe(m.countParams());
    expectClose(back.predict(x), want, { atol: 1e-6, rtol: 1e-6 }, 'back');
  });

  it('tfjs builds a siamese model (a dense shared by two inputs, and one applied to its own output); knobs loads it and predicts the same', async () => {
    const a = tfl.input({ shape: [5], name: 'a' });
    const b = tfl.input({ shape: [5], name: 'b' });
    const enc = tfl.layers.dense({ units: 5, activation: 'tanh', name: 'enc' });
    const ea = enc.apply(a) as tfl.SymbolicTensor;
    const eb = enc.apply(b) as tfl.SymbolicTensor;
    const d = tfl.layers.dense({ units: 5, activation: 'relu', name: 'deep' });
    const deep = d.apply(d.apply(tfl.layers.multiply().apply([ea, eb]) as tfl.SymbolicTensor) as tfl.SymbolicTensor) as tfl.SymbolicTensor;
    const y = tfl.layers.dense({ units: 2, activation: 'softmax', name: 'out' }).apply(tfl.layers.concatenate().apply([deep, ea]) as tfl.SymbolicTensor);
    const t = tfl.model({ inputs: [a, b], outputs: y as tfl.SymbolicTensor });
    const dir = tmp();
    await tfjsSave(t, dir);
    const k = await knobs.loadModel(`file://${dir}`);
    expect(k.layers.filter((l) => l.name === 'enc')).toHaveLength(1);
    expect(k.countParams()).toBe(t.countParams());
    const xs = [randomArray(9 * 5, 4, -2, 2), randomArray(9 * 5, 5, -2, 2)];
    expectClose(k.predict(xs), tfjsPredict(t, xs, [[5], [5]])[0]!, { atol: 1e-5, rtol: 1e-4 }, 'knobs after tfjs');
  });
  it('one layer giving two outputs goes to tfjs as output_layers [head, 0, 0] and [head, 1, 0]; tfjs predicts both', async () => {
    const a = knobs.input({ shape: [4], name: 'a' });
    const b = knobs.input({ shape: [4], name: 'b' });
    const head = L.dense({ units: 3, activation: 'softmax', name: 'head' });
    const m = knobs.model({ inputs: [a, b], outputs: [head.apply(a), head.apply(b)], seed: 8 });
    const dir = tmp();
    await m.save(`file://${dir}`, { format: 'tfjs' });
    expect(JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')).modelTopology.config.output_layers).toEqual([
      ['head', 0, 0],
      ['head', 1, 0],
    ]);
    const t = await tfjsLoad(dir);
    const xs = [randomArray(6 * 4, 9, -2, 2), randomArray(6 * 4, 10, -2, 2)];
    const want = m.predict<Float32Array[]>(xs);
    const got = tfjsPredict(t, xs, [[4], [4]]);
    expect(got).toHaveLength(2);
    got.forEach((g, k) => expectClose(g, want[k]!, { atol: 1e-6, rtol: 1e-5 }, `output ${k}`));
    const back = await knobs.loadModel(`file://${dir}`);
    back.predict<Float32Array[]>(xs).forEach((g, k) => expectClose(g, want[k]!, { atol: 1e-7, rtol: 1e-6 }, `back ${k}`));
  });
});

describe('shared layers: a Keras 3 functional config', () => {
  it('loads the hand-written Keras 3 topology (nodes as { args, kwargs }) and predicts as the same model in Keras 2 form', async () => {
    // the same model in knobs, written in tfjs' (Keras 2) form with its weights
    const left = knobs.input({ shape: [5], name: 'left' });
    const right = knobs.input({ shape: [5], name: 'right' });
    const encoder = L.dense({ units: 4, activation: 'tanh', name: 'encoder' });
    const sum = L.add({ name: 'sum' }).apply([encoder.apply(left), encoder.apply(right)]);
    const mixed = L.dense({ units: 5, activation: 'relu', name: 'mixer' }).apply(sum);
    const y = L.dense({ units: 3, activation: 'softmax', name: 'head' }).apply(encoder.apply(mixed));
    const m = knobs.model({ inputs: [left, right], outputs: y, seed: 17 });
    const keras2 = tmp();
    await m.save(`file://${keras2}`, { format: 'tfjs' });
    const k2json = JSON.parse(readFileSync(join(keras2, 'model.json'), 'utf8'));
    expect(k2json.modelTopology.config.layers.find((l: { name: string }) => l.name === 'encoder').inbound_nodes).toEqual([
      [['left', 0, 0, {}]],
      [['right', 0, 0, {}]],
      [['mixer', 0, 0, {}]],
    ]);
    // the Keras 3 file: the hand-written topology with the same weights, as the converter names them
    const keras3 = tmp();
    const topology = JSON.parse(readFileSync(join(__dirname, '../fixtures/keras3-siamese-topology.json'), 'utf8'));
    const manifest = structuredClone(k2json.weightsManifest);
    const shard = readFileSync(join(keras2, manifest[0].paths[0]));
    for (const w of manifest[0].weights) w.name = `siamese/${w.name}`;
    manifest[0].paths = ['group1-shard1of1.bin'];
    writeFileSync(
      join(keras3, 'model.json'),
      JSON.stringify({
        format: 'layers-model',
        generatedBy: 'keras v3.6.0',
        convertedBy: 'TensorFlow.js Converter v4.22.0',
        modelTopology: topology,
        weightsManifest: manifest,
      }),
    );
    writeFileSync(join(keras3, 'group1-shard1of1.bin'), shard);
    const from2 = await knobs.loadModel(`file://${keras2}`);
    const from3 = await knobs.loadModel(`file://${keras3}/model.json`);
    expect(from3.layers.map((l) => l.name).sort()).toEqual(['encoder', 'head', 'left', 'mixer', 'right', 'sum']);
    expect(from3.countParams()).toBe(m.countParams());
    const xs = [randomArray(11 * 5, 18, -2, 2), randomArray(11 * 5, 19, -2, 2)];
    const want = m.predict(xs);
    expectClose(from2.predict(xs), want, { atol: 1e-6, rtol: 1e-6 }, 'Keras 2 form');
    expectClose(from3.predict(xs), want, { atol: 1e-6, rtol: 1e-6 }, 'Keras 3 form');
    // a Keras 3 node that names a node the layer does not have is refused, naming it
    const bad = structuredClone(topology);
    bad.config.layers.find((l: { name: string }) => l.name === 'head').inbound_nodes[0].args[0].config.keras_history = ['encoder', 3, 0];
    writeFileSync(join(keras3, 'model.json'), JSON.stringify({ format: 'layers-model', modelTopology: bad, weightsManifest: manifest }));
    await expect(knobs.loadModel(`file://${keras3}`)).rejects.toThrow(/refers to node 3 of layer encoder, which is applied 3 time\(s\)/);
  });
});

describe('shared layers: ONNX export', () => {
  it('a shared layer becomes one node per application reading the same initializers; ONNX Runtime predicts as knobs', async () => {
    const { m, x } = await trained(7);
    const bytes = exportModel(m);
    const session = await ort.InferenceSession.create(bytes);
    expect(session.inputNames).toEqual(['left', 'right']);
    const n = x[0]!.length / 72;
    const out = await session.run({ left: new ort.Tensor('float32', x[0]!, [n, 6, 6, 2]), right: new ort.Tensor('float32', x[1]!, [n, 6, 6, 2]) });
    expectClose(Float32Array.from(out[session.outputNames[0]!]!.data as Float32Array), m.predict(x), { atol: 3e-5, rtol: 1e-4 }, 'onnx');
    await session.release();
    // the weights are in the file once: the shared conv's kernel is one initializer read by two Conv nodes
    const text = Buffer.from(bytes).toString('latin1');
    const count = (s: string): number => text.split(s).length - 1;
    expect(count('conv/kernel')).toBe(3); // the initializer and the two Conv nodes' inputs
    expect(count('mix/kernel')).toBe(3);
  });
});
