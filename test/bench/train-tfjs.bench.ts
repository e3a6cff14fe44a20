/**
 * Child process of the training benchmark: the same MLP and settings with TensorFlow.js 4.22
 * (tfjs-layers on the wasm backend, SIMD; it has no threads in Node). Usage: train-tfjs.js [batchSize]
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { benchData, peakRssMiB, type TrainResult } from './mnist-data';
import { median, tfjsWasm } from './util';

const batchSize = Number(process.argv[2] ?? 64),
  epochs = Number(process.argv[3] ?? 5);
const tf = await tfjsWasm();
const d = await benchData();
const model = tfl.sequential({
  layers: [
    tfl.layers.dense({ inputShape: [784], units: 128, activation: 'relu' }),
    tfl.layers.dense({ units: 64, activation: 'relu' }),
    tfl.layers.dense({ units: 10, activation: 'softmax' }),
  ],
});
model.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
const xs = tf.tensor2d(d.xTrain, [8000, 784]),
  ys = tf.tensor2d(d.yTrain, [8000, 10]);
const rates: number[] = [];
let t0 = 0;
await model.fit(xs, ys, {
  batchSize,
  epochs,
  verbose: 0,
  shuffle: true,
  callbacks: {
    onEpochBegin: async () => {
      t0 = performance.now();
    },
    onEpochEnd: async () => {
      rates.push(8000 / ((performance.now() - t0) / 1000));
    },
  },
});
const pred = model.predict(tf.tensor2d(d.xTest, [2000, 784])) as import('@tensorflow/tfjs-core').Tensor;
const p = tf.argMax(pred, 1).dataSync();
let ok = 0;
for (let i = 0; i < 2000; i++) if (p[i] === d.labelsTest[i]) ok++;
const result: TrainResult = {
  system: 'tfjs-wasm',
  samplesPerSec: median(rates.slice(1)),
  epochSamplesPerSec: rates,
  testAccuracy: ok / 2000,
  peakRssMiB: peakRssMiB(),
};
console.log(JSON.stringify(result));
