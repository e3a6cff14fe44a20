/**
 * Child process of the training benchmark: the MNIST MLP 784-128-64-10 (ReLU, softmax +
 * cross-entropy, Adam 1e-3, batch 64, 5 epochs) with knobs. Usage: train-knobs.js [workers] [batchSize] [epochs] [seed]
 */
import * as knobs from '../../build/entry.node';
import { benchData, peakRssMiB, type TrainResult } from './mnist-data';
import { median } from './util';

const workers = Number(process.argv[2] ?? 1),
  batchSize = Number(process.argv[3] ?? 64),
  epochs = Number(process.argv[4] ?? 5),
  seed = Number(process.argv[5] ?? 1);
const d = await benchData();
const L = knobs.layers;
const model = knobs.sequential({
  inputShape: [784],
  seed,
  layers: [L.dense({ units: 128, activation: 'relu' }), L.dense({ units: 64, activation: 'relu' }), L.dense({ units: 10, activation: 'softmax' })],
});
model.compile({ optimizer: knobs.optimizers.adam({ learningRate: 1e-3 }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
const rates: number[] = [];
let t0 = 0;
await model.fit(d.xTrain, d.yTrain, {
  batchSize,
  epochs,
  verbose: 0,
  workers,
  callbacks: [
    {
      onEpochBegin: () => {
        t0 = performance.now();
      },
      onEpochEnd: () => {
        rates.push(8000 / ((performance.now() - t0) / 1000));
      },
    },
  ],
});
const acc = model.evaluate(d.xTest, d.yTest).accuracy!;
await knobs.shutdown();
const result: TrainResult = {
  system: workers === 1 ? 'knobs' : `knobs ${workers} workers`,
  samplesPerSec: median(rates.slice(1)),
  epochSamplesPerSec: rates,
  testAccuracy: acc,
  peakRssMiB: peakRssMiB(),
};
console.log(JSON.stringify(result));
