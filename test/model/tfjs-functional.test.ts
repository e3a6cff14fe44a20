// Functional (graph) models between knobs and TensorFlow.js' layers format, both ways, against
// the real tfjs-layers (cpu backend): residual blocks, concatenated branches, gates, several
// inputs and outputs predict the same within float rounding after the trip.
import { mkdtempSync } from 'node:fs';
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
