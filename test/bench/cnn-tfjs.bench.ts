/**
 * Child process of `npm run bench -- cnn`: TensorFlow.js 4.22 (tfjs-layers) on the Keras "simple
 * MNIST convnet", Adam 1e-3, on the first Fashion-MNIST training images.
 *
 * Usage: cnn-tfjs.js TRAIN_COUNT BATCH
 * First tries the wasm backend (SIMD, no threads in Node) and records the error it throws when it
 * cannot train the net; then trains one epoch of TRAIN_COUNT images on the pure-JS cpu backend
 * (after one warm-up step on 8 images, not counted; the cpu backend
 * trains about 2 images per second, so TRAIN_COUNT stays small). Prints one JSON line (TfjsCnnResult).
 */
import * as tfl from '@tensorflow/tfjs-layers';
import * as knobs from '../../build/entry.node';
import { peakRssMiB } from './mnist-data';
import { tfjsWasm } from './util';

/** What the tfjs child prints. */
export interface TfjsCnnResult {
  /** samples/s of the wasm backend's training, or null when it failed. */
  wasmSamplesPerSec: number | null;
  /** The wasm backend's error message, '' when it trained. */
  wasmError: string;
  cpuSamplesPerSec: number;
  cpuSamples: number;
  peakRssMiB: number;
}

const count = Number(process.argv[2] ?? 256),
  batchSize = Number(process.argv[3] ?? 128);
const { train } = await knobs.data.loadFashionMnist({ trainCount: count, testCount: 1 });
const tf = await tfjsWasm();

function convnet(): tfl.Sequential {
  const m = tfl.sequential({
    layers: [
      tfl.layers.conv2d({ inputShape: [28, 28, 1], filters: 32, kernelSize: 3, activation: 'relu' }),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      tfl.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      tfl.layers.flatten(),
      tfl.layers.dropout({ rate: 0.5 }),
      tfl.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
  if (m.countParams() !== 34_826) throw new Error(`tfjs convnet has ${m.countParams()} parameters`);
  m.compile({ optimizer: tf.train.adam(1e-3), loss: 'sparseCategoricalCrossentropy' });
  return m;
}

/** Seconds of one epoch over `n` images, after one warm-up step of one batch. */
async function epochSeconds(n: number): Promise<number> {
  const m = convnet();
  const xs = tf.tensor4d(train.x.subarray(0, n * 784), [n, 28, 28, 1]),
    ys = tf.tensor2d(Float32Array.from(train.y as Int32Array).subarray(0, n), [n, 1]);
  // the warm-up step runs on 8 images only: the cpu backend trains about 2 images per second
  const w = Math.min(8, n);
  const bx = tf.slice(xs, [0, 0, 0, 0], [w, 28, 28, 1]),
    by = tf.slice(ys, [0, 0], [w, 1]);
  await m.fit(bx, by, { batchSize: w, epochs: 1, verbose: 0 });
  const t0 = performance.now();
  await m.fit(xs, ys, { batchSize, epochs: 1, verbose: 0, shuffle: true });
  const s = (performance.now() - t0) / 1000;
  tf.dispose([xs, ys, bx, by]);
  m.dispose();
  return s;
}

let wasmSamplesPerSec: number | null = null,
  wasmError = '';
try {
  wasmSamplesPerSec = count / (await epochSeconds(count));
} catch (err) {
  wasmError = err instanceof Error ? err.message : String(err);
}
await import('@tensorflow/tfjs-backend-cpu');
await tf.setBackend('cpu');
await tf.ready();
const cpuSamplesPerSec = count / (await epochSeconds(count));
await knobs.shutdown();
const result: TfjsCnnResult = { wasmSamplesPerSec, wasmError, cpuSamplesPerSec, cpuSamples: count, peakRssMiB: peakRssMiB() };
console.log(JSON.stringify(result));
