/**
 * Child process of `npm run bench -- cnn`: knobs trains the Keras "simple MNIST convnet" (conv 32
 * 3x3 relu, maxpool 2, conv 64 3x3 relu, maxpool 2, flatten, dropout 0.5, dense 10 softmax;
 * 34,826 parameters) on real Fashion-MNIST with Adam 1e-3.
 *
 * Usage: cnn-knobs.js WORKERS EPOCHS TRAIN_COUNT BATCH [SEED]
 * Prints one JSON line (TrainResult): samplesPerSec is the median over the epochs after the first
 * (the first warms up the kernels and the worker pool), cpuSamplesPerSec the same per second of the
 * process's CPU time (all its threads, workers included); the test accuracy is on all 10,000 test images.
 */
import * as knobs from '../../build/entry.node';
import { peakRssMiB, type TrainResult } from './mnist-data';
import { SIMPLE_CONVNET_PARAMS, simpleConvnetLayers } from './simple-convnet';
import { median } from './util';

const [workers, epochs, count, batchSize] = process.argv.slice(2, 6).map(Number) as [number, number, number, number];
const seed = Number(process.argv[6] ?? 1);
const { train, test } = await knobs.data.loadFashionMnist({ trainCount: count });
const model = knobs.sequential({ inputShape: [28, 28, 1], seed, layers: simpleConvnetLayers() });
if (model.countParams() !== SIMPLE_CONVNET_PARAMS) throw new Error(`the simple convnet has ${model.countParams()} parameters, not ${SIMPLE_CONVNET_PARAMS}`);
model.compile({ optimizer: knobs.optimizers.adam({ learningRate: 1e-3 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
const rates: number[] = [],
  cpuRates: number[] = [];
let t0 = 0,
  cpu0 = process.cpuUsage();
await model.fit(train.x, train.y, {
  batchSize,
  epochs,
  verbose: 0,
  workers,
  callbacks: [
    {
      onEpochBegin: () => {
        t0 = performance.now();
        cpu0 = process.cpuUsage();
      },
      onEpochEnd: () => {
        rates.push(count / ((performance.now() - t0) / 1000));
        const cpu = process.cpuUsage(cpu0);
        cpuRates.push(count / ((cpu.user + cpu.system) / 1e6));
      },
    },
  ],
});
const acc = model.evaluate(test.x, test.y).accuracy!;
await knobs.shutdown();
const result: TrainResult = {
  system: workers === 1 ? 'knobs 1 thread' : `knobs ${workers} workers`,
  samplesPerSec: median(rates.length > 1 ? rates.slice(1) : rates),
  epochSamplesPerSec: rates,
  testAccuracy: acc,
  peakRssMiB: peakRssMiB(),
  cpuSamplesPerSec: median(cpuRates.length > 1 ? cpuRates.slice(1) : cpuRates),
};
console.log(JSON.stringify(result));
