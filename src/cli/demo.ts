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
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as knobs from '../../build/entry.node';
import * as report from '../../build/entry.report.node';

/** Human-level error on MNIST digits: people misread about 0.2% of them (LeCun et al.). */
const HUMAN_LEVEL_ERROR = 0.002;
const OUT = join(process.cwd(), 'runs', 'mnist-mlp');
const SEED = 7;

const log = (s = ''): void => console.log(s);
const pct = (x: number): string => `${(100 * x).toFixed(2)}%`;

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

  // where the model stands
  const sets = {
    train: { x: train.x, y: train.y as Int32Array },
    trainDev: { x: trainDev.x, y: trainDev.y as Int32Array },
    dev: { x: dev.x, y: dev.y as Int32Array },
    test: { x: test.x, y: test.y as Int32Array },
  };
  // On digits, where people err 0.2% of the time, a gap of half a point is already large: the
  // default thresholds (1.5 points) suit harder tasks.
  const d = knobs.diagnose(model, sets, {
    humanLevelError: HUMAN_LEVEL_ERROR,
    thresholds: { bias: 0.005, variance: 0.005, dataMismatch: 0.005, devOverfit: 0.005 },
  });
  const errs = d.errors;
  const errorTable = [
    'error rates (human-level error on MNIST is about 0.2%):',
    `  human-level ${pct(HUMAN_LEVEL_ERROR)}   train ${pct(errs.trainError)}   train-dev ${pct(errs.trainDevError ?? NaN)}   dev ${pct(errs.devError)}   test ${pct(errs.testError ?? NaN)}`,
  ].join('\n');
  log(errorTable);
  const diagnosisText = knobs.formatDiagnosis(d);
  log(`\n${diagnosisText}\n`);

  const testProbs = model.predict(test.x);
  const yTest = test.y as Int32Array;
  const predTest = knobs.analyze.argmaxRows(testProbs, 10);
  const testAccuracy = knobs.metrics.accuracyScore(yTest, predTest);
  log(`test accuracy: ${pct(testAccuracy)}\n`);
  const reportText = knobs.metrics.classificationReport(yTest, predTest, { digits: 4 }) as string;
  log('per-class report on the test set:');
  log(reportText);
  const confusions = knobs.analyze.topConfusions(yTest, predTest, { top: 5 });
  log('top confusions (true -> predicted: count):');
  for (const c of confusions) log(`  ${c.trueLabel} -> ${c.predLabel}: ${c.count} (${pct(c.share)} of the errors)`);
  const gallery = knobs.analyze.misclassifiedGallery(test.x, { height: 28, width: 28, channels: 1 }, yTest, predTest, { max: 40, columns: 10, scale: 2 });
  writeFileSync(join(OUT, 'errors.png'), gallery.png);

  const saved = await model.save(`file://${OUT}`);
  const text = [
    'knobs demo report: MLP 784-128-64-10 on MNIST',
    '',
    `sets: ${train.length} train, ${trainDev.length} train-dev, ${dev.length} dev, ${test.length} test`,
    `training: ${history.epoch.length} epochs, ${trainSecs.toFixed(1)} s`,
    '',
    errorTable,
    '',
    diagnosisText,
    '',
    `test accuracy: ${pct(testAccuracy)}`,
    '',
    reportText,
    'top confusions:',
    ...confusions.map((c) => `  ${c.trueLabel} -> ${c.predLabel}: ${c.count}`),
    '',
  ].join('\n');
  writeFileSync(join(OUT, 'report.txt'), text);
  writeFileSync(
    join(OUT, 'report.json'),
    JSON.stringify(
      {
        sets: { train: train.length, trainDev: trainDev.length, dev: dev.length, test: test.length },
        history: history.history,
        errors: errs,
        humanLevelError: HUMAN_LEVEL_ERROR,
        diagnosis: {
          verdict: d.verdict,
          focus: d.focus,
          avoidableBias: d.avoidableBias,
          variance: d.variance,
          dataMismatch: d.dataMismatch,
          devOverfit: d.devOverfit,
          knobs: d.knobs,
        },
        testAccuracy,
        confusions,
      },
      null,
      2,
    ),
  );
  await report.write(join(OUT, 'report.html'), {
    title: 'knobs demo: MLP 784-128-64-10 on MNIST',
    notes: [
      `${train.length} train, ${trainDev.length} train-dev, ${dev.length} dev, ${test.length} test; ${history.epoch.length} epochs in ${trainSecs.toFixed(1)} s`,
    ],
    model,
    history,
    batchLoss,
    diagnosis: d,
    analysis: knobs.analyze.analyze(model, test.x, yTest),
    examples: { x: test.x, y: yTest, image: { height: 28, width: 28 } },
  });
  log(`\nsaved the model (${(saved.weightDataBytes / 1024).toFixed(0)} KiB of weights and optimizer state) and the report to ${OUT}`);
  log(`done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  await knobs.shutdown();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
