/**
 * What both demos (`npm start` and `npm run demo:cnn`) do once a model is trained: where it
 * stands against human-level error, the knobs to turn, the per-class report and the top
 * confusions on the test set, then the model and the report files in the run folder.
 * @module
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as knobs from '../../build/entry.node';
import * as report from '../../build/entry.report.node';

const log = (s = ''): void => console.log(s);
const pct = (x: number): string => `${(100 * x).toFixed(2)}%`;

/** A trained demo model and what it was trained on. */
export interface DemoRun {
  /** The run folder. */
  out: string;
  /** One line naming the model and the data, the report's title. */
  title: string;
  model: knobs.LayersModel;
  history: Awaited<ReturnType<knobs.LayersModel['fit']>>;
  /** The training loss of every batch, for the report's curve. */
  batchLoss: number[];
  trainSecs: number;
  sets: { train: knobs.data.Dataset; trainDev: knobs.data.Dataset; dev: knobs.data.Dataset; test: knobs.data.Dataset };
  humanLevelError: number;
  /** How the human level was measured, after "human-level error on ...". */
  humanLevelNote: string;
  /** Gaps that count as large for this task (diagnose's thresholds). */
  thresholds?: knobs.DiagnoseOptions['thresholds'];
  classNames?: readonly string[];
}

/** Diagnoses the model, prints and writes the report (report.txt, report.json, report.html, errors.png) and saves the model. */
export async function writeDemoReport(run: DemoRun): Promise<void> {
  const { out, model, history, sets } = run;
  const { train, trainDev, dev, test } = sets;
  const labelled = (s: knobs.data.Dataset): { x: Float32Array; y: Int32Array } => ({ x: s.x as Float32Array, y: s.y as Int32Array });
  const d = knobs.diagnose(
    model,
    { train: labelled(train), trainDev: labelled(trainDev), dev: labelled(dev), test: labelled(test) },
    { humanLevelError: run.humanLevelError, ...(run.thresholds ? { thresholds: run.thresholds } : {}) },
  );
  const errs = d.errors;
  const errorTable = [
    `error rates (human-level error on ${run.humanLevelNote}):`,
    `  human-level ${pct(run.humanLevelError)}   train ${pct(errs.trainError)}   train-dev ${pct(errs.trainDevError ?? NaN)}   dev ${pct(errs.devError)}   test ${pct(errs.testError ?? NaN)}`,
  ].join('\n');
  log(errorTable);
  const diagnosisText = knobs.formatDiagnosis(d);
  log(`\n${diagnosisText}\n`);

  const yTest = test.y as Int32Array;
  // one pass over the test set: the report's analysis holds its predictions
  const analysis = knobs.analyze.analyze(model, test.x as Float32Array, yTest);
  const predTest = analysis.predictions;
  const testAccuracy = knobs.metrics.accuracyScore(yTest, predTest);
  log(`test accuracy: ${pct(testAccuracy)}\n`);
  const names = run.classNames;
  const name = (c: number): string => (names ? names[c]! : String(c));
  const reportText = knobs.metrics.classificationReport(yTest, predTest, { digits: 4, ...(names ? { targetNames: [...names] } : {}) }) as string;
  log('per-class report on the test set:');
  log(reportText);
  const confusions = knobs.analyze.topConfusions(yTest, predTest, { top: 5 });
  log('top confusions (true -> predicted: count):');
  for (const c of confusions) log(`  ${name(c.trueLabel)} -> ${name(c.predLabel)}: ${c.count} (${pct(c.share)} of the errors)`);
  const gallery = knobs.analyze.misclassifiedGallery(test.x, { height: 28, width: 28, channels: 1 }, yTest, predTest, { max: 40, columns: 10, scale: 2 });
  writeFileSync(join(out, 'errors.png'), gallery.png);

  const saved = await model.save(`file://${out}`);
  const sizes = `${train.length} train, ${trainDev.length} train-dev, ${dev.length} dev, ${test.length} test`;
  const text = [
    `knobs demo report: ${run.title}`,
    '',
    `sets: ${sizes}`,
    `training: ${history.epoch.length} epochs, ${run.trainSecs.toFixed(1)} s`,
    '',
    errorTable,
    '',
    diagnosisText,
    '',
    `test accuracy: ${pct(testAccuracy)}`,
    '',
    reportText,
    'top confusions:',
    ...confusions.map((c) => `  ${name(c.trueLabel)} -> ${name(c.predLabel)}: ${c.count}`),
    '',
  ].join('\n');
  writeFileSync(join(out, 'report.txt'), text);
  const diagnosis = {
    verdict: d.verdict,
    focus: d.focus,
    avoidableBias: d.avoidableBias,
    variance: d.variance,
    dataMismatch: d.dataMismatch,
    devOverfit: d.devOverfit,
    knobs: d.knobs,
  };
  const sizesJson = { train: train.length, trainDev: trainDev.length, dev: dev.length, test: test.length };
  const json = { sets: sizesJson, history: history.history, errors: errs, humanLevelError: run.humanLevelError, diagnosis, testAccuracy, confusions };
  writeFileSync(join(out, 'report.json'), JSON.stringify(json, null, 2));
  await report.write(join(out, 'report.html'), {
    title: `knobs demo: ${run.title}`,
    notes: [`${sizes}; ${history.epoch.length} epochs in ${run.trainSecs.toFixed(1)} s`],
    model,
    history,
    batchLoss: run.batchLoss,
    diagnosis: d,
    analysis,
    ...(names ? { classNames: names } : {}),
    examples: { x: test.x, y: yTest, image: { height: 28, width: 28 } },
  });
  log(`\nsaved the model (${(saved.weightDataBytes / 1024).toFixed(0)} KiB of weights and optimizer state) and the report to ${out}`);
}
