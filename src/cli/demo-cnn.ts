/**
 * `npm run demo:cnn`: the second demo. Trains a small conv net on real Fashion-MNIST (Debian's
 * dataset-fashion-mnist) on two workers and writes the same report as `npm start`: where the
 * model stands against the crowd's published human level (83.5% accuracy), which it surpasses,
 * so that human-level error no longer stands for Bayes error; the knobs to turn next; the errors.
 *
 * Environment (for a quicker run): KNOBS_DEMO_TRAIN training images (default 20,000),
 * KNOBS_DEMO_EPOCHS (default 6), KNOBS_FASHION_DIR (the dataset's folder).
 *
 * Writes runs/fashion-cnn/: the model, report.txt, report.json, report.html, augmentation.png and
 * errors.png.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import * as knobs from '../../build/entry.node';
import { writeDemoReport } from './demo-report';

/** The crowd's error on Fashion-MNIST, as its authors published it (83.5% accuracy). */
const HUMAN_LEVEL_ERROR = knobs.data.FASHION_MNIST_HUMAN_LEVEL_ERROR;
const OUT = join(process.cwd(), 'runs', 'fashion-cnn');
const TRAIN = Number(process.env.KNOBS_DEMO_TRAIN ?? 20000);
const EPOCHS = Number(process.env.KNOBS_DEMO_EPOCHS ?? 6);
const SEED = 7;

const log = (s = ''): void => console.log(s);

async function main(): Promise<void> {
  const t0 = performance.now();
  mkdirSync(OUT, { recursive: true });
  log(`knobs demo: a conv net on ${TRAIN.toLocaleString('en')} real Fashion-MNIST images\n`);

  // data: train and train-dev from the training file, dev and test from the test file (one
  // distribution, Zalando's photos); a missing dataset says how to install it
  let loaded: { train: knobs.data.Dataset; test: knobs.data.Dataset };
  try {
    loaded = await knobs.data.loadFashionMnist({ trainCount: TRAIN, ...(process.env.KNOBS_FASHION_DIR ? { dir: process.env.KNOBS_FASHION_DIR } : {}) });
  } catch (err) {
    console.error(`demo:cnn needs Fashion-MNIST. ${(err as Error).message}`);
    process.exitCode = 1;
    return;
  }
  const { train, trainDev } = knobs.data.trainDevSplit(loaded.train, { ratio: 0.05, seed: SEED });
  const half = loaded.test.length / 2;
  const dev = loaded.test.subset(Array.from({ length: half }, (_, i) => i));
  const test = loaded.test.subset(Array.from({ length: half }, (_, i) => half + i));
  log(`data: ${train.length} train, ${trainDev.length} train-dev, ${dev.length} dev, ${test.length} test`);
  const report = knobs.data.splitReport({ train, trainDev, dev, test });
  if (report.warnings.length) for (const w of report.warnings) log(`  warning: ${w}`);

  const augment = knobs.data.augmentation(
    [
      { type: 'flip', direction: 'horizontal', p: 0.5 },
      { type: 'translate', pixels: 2 },
    ],
    { height: 28, width: 28, channels: 1, clip: [0, 1] },
  );
  await knobs.data.preview(augment, train, { path: join(OUT, 'augmentation.png'), count: 10, seed: SEED });

  const epochs = EPOCHS;
  const L = knobs.layers;
  const model = knobs.sequential({
    inputShape: [28, 28, 1],
    seed: SEED,
    layers: [
      L.conv2d({ filters: 32, kernelSize: 3, padding: 'same', useBias: false, kernelInitializer: 'heNormal' }),
      L.batchNormalization({ momentum: 0.9 }),
      L.activation({ activation: 'relu' }),
      L.maxPooling2d({ poolSize: 2 }),
      L.conv2d({ filters: 64, kernelSize: 3, padding: 'same', useBias: false, kernelInitializer: 'heNormal' }),
      L.batchNormalization({ momentum: 0.9 }),
      L.activation({ activation: 'relu' }),
      L.maxPooling2d({ poolSize: 2 }),
      L.flatten(),
      L.dropout({ rate: 0.3 }),
      L.dense({ units: 10, activation: 'softmax' }),
    ],
  });
  model.compile({
    optimizer: knobs.optimizers.adam({ learningRate: knobs.schedules.cosineDecay({ initialLearningRate: 2e-3, decayEpochs: epochs }) }),
    loss: 'sparseCategoricalCrossentropy',
    metrics: ['accuracy'],
  });
  model.summary();
  log(`\ntraining: Adam 2e-3 with cosine decay, batch 128, ${epochs} epochs, 2 workers, augmentation (horizontal flips, 2-pixel shifts)`);
  const tTrain = performance.now();
  const batchLoss: number[] = [];
  const history = await model.fit(train.x, train.y as Int32Array, {
    batchSize: 128,
    epochs,
    augment,
    workers: 2,
    validationData: [dev.x, dev.y as Int32Array],
    verbose: process.stdout.isTTY ? 1 : 2,
    callbacks: [{ onBatchEnd: (_b: number, logs?: Record<string, number>) => void batchLoss.push(logs?.loss ?? NaN) }],
  });
  const trainSecs = (performance.now() - tTrain) / 1000;
  const samples = history.epoch.length * train.length;
  log(`trained ${history.epoch.length} epochs in ${trainSecs.toFixed(1)} s (${Math.round(samples / trainSecs)} samples/s, two workers)\n`);

  // the crowd errs on 16.5% of the images: the default thresholds (1.5 points) suit this task
  await writeDemoReport({
    out: OUT,
    title: `conv net (${model.countParams()} parameters) on Fashion-MNIST`,
    model,
    history,
    batchLoss,
    trainSecs,
    sets: { train, trainDev, dev, test },
    humanLevelError: HUMAN_LEVEL_ERROR,
    humanLevelNote: "Fashion-MNIST is 16.5%: the crowd's labels, 83.5% accuracy",
    classNames: knobs.data.FASHION_MNIST_CLASS_NAMES,
  });
  log(`done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  await knobs.shutdown();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
