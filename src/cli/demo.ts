/**
 * `npm start`: the main job. Trains the demo model on real MNIST digits and writes its report.
 *
 * It follows the method knobs is built around: train, train-dev, dev and test sets from the
 * same distribution; normalization and augmentation fitted on train only; then where the model
 * stands against human-level error (avoidable bias, variance, data mismatch, dev overfitting),
 * which knob to turn next, and the errors worth analysing.
 *
 * Writes runs/mnist-mlp/: the model (model.json + weights), report.txt, report.json,
 * report.html (the curves, the error ladder, the confusion matrix and the galleries, one offline
 * file), augmentation.png (what the model was fed) and errors.png (the test digits it got wrong).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import * as knobs from '../../build/entry.node';
import { writeDemoReport } from './demo-report';

/** Human-level error on MNIST digits: people misread about 0.2% of them (LeCun et al.). */
const HUMAN_LEVEL_ERROR = 0.002;
const OUT = join(process.cwd(), 'runs', 'mnist-mlp');
const SEED = 7;

const log = (s = ''): void => console.log(s);

async function main(): Promise<void> {
  const t0 = performance.now();
  mkdirSync(OUT, { recursive: true });
  log('knobs demo: an MLP on 10,000 real MNIST digits\n');

  // data: train / dev / test from one distribution, and a train-dev set carved out of train
  const all = await knobs.data.loadMnist({ count: 10000 });
  const { train: trainAll, dev, test } = knobs.data.trainDevTestSplit(all, { ratios: [0.8, 0.1, 0.1], stratify: true, seed: SEED });
  const { train, trainDev } = knobs.data.trainDevSplit(trainAll, { ratio: 0.0625, seed: SEED });
  log(`data: ${train.length} train, ${trainDev.length} train-dev, ${dev.length} dev, ${test.length} test (stratified, seed ${SEED})`);
  const splitInfo = knobs.data.splitReport({ train, trainDev, dev, test });
  if (splitInfo.warnings.length) for (const w of splitInfo.warnings) log(`  warning: ${w}`);

  const augment = knobs.data.augmentation(
    [
      { type: 'rotate', degrees: 12 },
      { type: 'scale', range: [0.9, 1.1] },
      { type: 'translate', pixels: 2 },
    ],
    { height: 28, width: 28, channels: 1, clip: [0, 1] },
  );
  await knobs.data.preview(augment, train, { path: join(OUT, 'augmentation.png'), count: 10, seed: SEED });

  const epochs = 30;
  const model = knobs.sequential({
    inputShape: [784],
    seed: SEED,
    layers: [
      knobs.layers.dense({ units: 128, activation: 'relu', kernelInitializer: 'heNormal' }),
      knobs.layers.dense({ units: 64, activation: 'relu', kernelInitializer: 'heNormal' }),
      knobs.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
  model.compile({
    optimizer: knobs.optimizers.adam({ learningRate: knobs.schedules.cosineDecay({ initialLearningRate: 1e-3, decayEpochs: epochs }) }),
    loss: 'sparseCategoricalCrossentropy',
    metrics: ['accuracy'],
  });
  model.summary();
  log(`\ntraining: Adam 1e-3 with cosine decay, batch 64, up to ${epochs} epochs, augmentation (rotate 12 deg, scale 0.9-1.1, translate 2 px),`);
  log('          early stopping on val_loss (patience 6, best weights restored)');
  const tTrain = performance.now();
  const batchLoss: number[] = [];
  const history = await model.fit(train.x, train.y as Int32Array, {
    batchSize: 64,
    epochs,
    augment,
    validationData: [dev.x, dev.y as Int32Array],
    verbose: process.stdout.isTTY ? 1 : 2,
    callbacks: [
      knobs.callbacks.earlyStopping({ monitor: 'val_loss', patience: 6, restoreBestWeights: true }),
      { onBatchEnd: (_b: number, logs?: Record<string, number>) => void batchLoss.push(logs?.loss ?? NaN) },
    ],
  });
  const trainSecs = (performance.now() - tTrain) / 1000;
  const samples = history.epoch.length * train.length;
  log(`trained ${history.epoch.length} epochs in ${trainSecs.toFixed(1)} s (${Math.round(samples / trainSecs)} samples/s, one thread)\n`);

  // On digits, where people err 0.2% of the time, a gap of half a point is already large: the
  // default thresholds (1.5 points) suit harder tasks.
  await writeDemoReport({
    out: OUT,
    title: 'MLP 784-128-64-10 on MNIST',
    model,
    history,
    batchLoss,
    trainSecs,
    sets: { train, trainDev, dev, test },
    humanLevelError: HUMAN_LEVEL_ERROR,
    humanLevelNote: 'MNIST is about 0.2%',
    thresholds: { bias: 0.005, variance: 0.005, dataMismatch: 0.005, devOverfit: 0.005 },
  });
  log(`done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  await knobs.shutdown();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
