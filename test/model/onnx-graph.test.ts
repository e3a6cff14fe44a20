// ONNX export of graph models (the functional API): residual blocks, concatenated branches
// (along channels and along the height), gates, several inputs and outputs run in ONNX Runtime
// with knobs' own predictions up to float rounding.
import * as ort from 'onnxruntime-web';
import { beforeAll, describe, expect, it } from 'vitest';
import { exportModel } from '../../build/entry.onnx';
import * as knobs from '../../src/index.node';
import { expectClose, randomArray } from '../helpers';

beforeAll(() => {
  ort.env.wasm.numThreads = 1; // the machine is shared; one thread keeps the run light
});

const L = knobs.layers;

describe('onnx.exportModel of graph models', () => {
  it('a two-input, two-output graph: residual conv block, concatenations, multiply, average, add of three', async () => {
    const img = knobs.input({ shape: [6, 6, 2], name: 'img' });
    const side = knobs.input({ shape: [3], name: 'side' });
    const c = L.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(img);
    const b = L.batchNormalization().apply(L.conv2d({ filters: 4, kernelSize: 3, padding: 'same', useBias: false }).apply(c));
    const res = L.activation({ activation: 'relu' }).apply(L.add().apply([c, b, c]));
    const cat = L.concatenate().apply([res, L.conv2d({ filters: 2, kernelSize: 1 }).apply(img)]);
    const tall = L.concatenate({ axis: 1 }).apply([cat, cat]);
    const flat = L.flatten().apply(L.maxPooling2d({ poolSize: 2 }).apply(tall));
    const s = L.dense({ units: 6, activation: 'tanh' }).apply(side);
    const gate = L.dense({ units: 6, activation: 'sigmoid' }).apply(s);
    const mixed = L.concatenate().apply([flat, L.multiply().apply([s, gate, s]), L.average().apply([s, gate])]);
    const cls = L.dense({ units: 3, activation: 'softmax', name: 'cls' }).apply(mixed);
    const val = L.dense({ units: 1, name: 'val' }).apply(mixed);
    const m = knobs.model({ inputs: [img, side], outputs: [cls, val], seed: 4 });
    m.compile({ optimizer: 'adam', loss: ['categoricalCrossentropy', 'meanSquaredError'] });
    const n = 10;
    const xi = randomArray(n * 72, 5),
      xs = randomArray(n * 3, 6);
    const y1 = Float32Array.from({ length: n * 3 }, (_, k) => (k % 3 === Math.floor(k / 3) % 3 ? 1 : 0));
    await m.fit([xi, xs], [y1, randomArray(n, 7)], { epochs: 2, batchSize: 5, verbose: 0 });
    const session = await ort.InferenceSession.create(exportModel(m));
    expect(session.inputNames).toEqual(['img', 'side']);
    expect(session.outputNames).toEqual(['cls', 'val']);
    const out = await session.run({ img: new ort.Tensor('float32', xi, [n, 6, 6, 2]), side: new ort.Tensor('float32', xs, [n, 3]) });
    const want = m.predict<Float32Array[]>([xi, xs]);
    expectClose(Float32Array.from(out.cls!.data as Float32Array), want[0]!, { atol: 3e-5, rtol: 1e-4 }, 'cls');
    expectClose(Float32Array.from(out.val!.data as Float32Array), want[1]!, { atol: 3e-5, rtol: 1e-4 }, 'val');
    await session.release();
  });

  it('a one-input residual MLP keeps the options input and output names', async () => {
    const x = knobs.input({ shape: [5] });
    const h = L.dense({ units: 5, activation: 'relu' }).apply(x);
    const y = L.dense({ units: 2, activation: 'softmax' }).apply(L.add().apply([x, h]));
    const m = knobs.model({ inputs: x, outputs: y, seed: 2 });
    const xs = randomArray(8 * 5, 3, -2, 2);
    const session = await ort.InferenceSession.create(exportModel(m, { inputName: 'x', outputName: 'y' }));
    const out = await session.run({ x: new ort.Tensor('float32', xs, [8, 5]) });
    expectClose(Float32Array.from(out.y!.data as Float32Array), m.predict(xs), { atol: 3e-5, rtol: 1e-4 }, 'residual');
    await session.release();
  });
});
