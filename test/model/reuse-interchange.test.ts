// A transfer model (a built Sequential base's layers under a new head, issue 13) and a nested
// model leave knobs as flat graphs: tf.loadLayersModel (the real tfjs-layers) and ONNX Runtime
// predict what knobs predicts, within float rounding.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as ort from 'onnxruntime-web';
import { beforeAll, describe, expect, it } from 'vitest';
import { exportModel } from '../../build/entry.onnx';
import * as knobs from '../../src/index.node';
import { expectClose, randomArray } from '../helpers';
import { tfjsLoad } from './tfjs-io';

beforeAll(async () => {
  await tf.setBackend('cpu');
  ort.env.wasm.numThreads = 1;
});

const L = knobs.layers;
const n = 10;
const xs = randomArray(n * 36, 3, 0, 1);

/** A trained conv base, and a model on its features with a new head and a nested encoder branch. */
async function transferModel(): Promise<knobs.LayersModel> {
  const base = knobs.sequential({
    inputShape: [6, 6, 1],
    seed: 1,
    layers: [
      L.conv2d({ name: 'conv', filters: 3, kernelSize: 3, activation: 'relu' }),
      L.batchNormalization({ name: 'bn' }),
      L.flatten({ name: 'flat' }),
      L.dense({ name: 'out', units: 2, activation: 'softmax' }),
    ],
  });
  base.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
  await base.fit(
    xs,
    Float32Array.from({ length: n * 2 }, (_, k) => (k % 2 === (k >> 1) % 2 ? 1 : 0)),
    { epochs: 2, batchSize: 5, verbose: 0 },
  );
  const f = knobs.input({ shape: [48] });
  const enc = knobs.model({ inputs: f, outputs: L.dense({ name: 'enc', units: 4, activation: 'tanh' }).apply(f), seed: 2 });
  const head = L.dense({ name: 'head', units: 3, activation: 'softmax' }).apply(enc.apply(base.getLayer('flat').output));
  return knobs.model({ inputs: base.inputs, outputs: head, seed: 3 });
}

describe('a transfer model with a nested encoder, exported', () => {
  it('tf.loadLayersModel and ONNX Runtime predict the same', async () => {
    const m = await transferModel();
    expect(m.layers.map((l) => l.name)).toEqual(['conv_input', 'conv', 'bn', 'flat', 'enc', 'head']);
    const want = m.predict(xs);
    const dir = mkdtempSync(join(tmpdir(), 'knobs-reuse-tfjs-'));
    await m.save(`file://${dir}`, { format: 'tfjs' });
    const t = await tfjsLoad(dir);
    const x = tf.tensor(xs, [n, 6, 6, 1]);
    const y = t.predict(x) as tf.Tensor;
    expectClose(Float32Array.from(y.dataSync() as Float32Array), want, { atol: 2e-5, rtol: 1e-4 }, 'tfjs');
    tf.dispose([x, y]);
    const session = await ort.InferenceSession.create(exportModel(m));
    const out = await session.run({ [session.inputNames[0]!]: new ort.Tensor('float32', xs, [n, 6, 6, 1]) });
    expectClose(Float32Array.from(out[session.outputNames[0]!]!.data as Float32Array), want, { atol: 3e-5, rtol: 1e-4 }, 'onnx');
    await session.release();
  });
});
