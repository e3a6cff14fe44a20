/**
 * `knobs train DATA --label COLUMN ...`: splits train / train-dev / dev / test, standardizes on
 * train, trains with a progress bar, diagnoses, analyses the dev errors, and writes the run
 * folder: the model, run.json, report.html, report.txt (and errors.png for images).
 * @module
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import * as knobs from '../../build/entry.node';
import * as report from '../../build/entry.report.node';
import { bool, choice, CliError, int, num, str, UsageError, type CommandSpec, type Parsed } from './args';
import { loadData, parseImageShape } from './data';
import { buildModel, compileModel, loadCliModel, OPTIMIZERS, parseLayers, type CliModelMeta } from './model';
import { startDashboard, type Out } from './shared';

export const TRAIN: CommandSpec = {
  name: 'train',
  summary: 'Train a model on DATA, diagnose it (the error ladder from human level to test) and write the run folder with the model and report.html.',
  positionals: [{ name: 'DATA', help: 'a CSV file, an IDX pair IMAGES,LABELS (or a folder with one), mnist or fashion-mnist' }],
  flags: {
    label: { type: 'string', value: 'COLUMN', help: 'the CSV column to predict (required for CSV)' },
    task: { type: 'string', value: 'KIND', help: 'classification or regression (default: from the label column)' },
    model: { type: 'string', value: 'FILE', help: 'continue training a saved model (a run folder or its model.json)' },
    layers: { type: 'string', value: 'UNITS', help: 'hidden dense layers, e.g. 128,64 (default 128,64)' },
    conv: { type: 'boolean', help: 'two conv + max-pool blocks before the dense layers (image data)' },
    image: { type: 'string', value: 'HxW[xC]', help: 'the image shape of CSV rows (for --conv, --augment and pictures in the report)' },
    dropout: { type: 'string', value: 'RATE', help: 'dropout after each hidden dense layer, in [0, 1)' },
    epochs: { type: 'string', value: 'N', help: 'passes over the training set (default 10)' },
    'batch-size': { type: 'string', value: 'N', help: 'examples per step (default 64)' },
    optimizer: { type: 'string', value: 'NAME', help: `${OPTIMIZERS.join(', ')} (default adam)` },
    lr: { type: 'string', value: 'RATE', help: 'learning rate (default 1e-3)' },
    workers: { type: 'string', value: 'N|auto', help: 'threads that split each batch (default 1)' },
    augment: { type: 'string', value: 'SPEC', help: 'image augmentation, e.g. rotate=12,translate=2,scale=0.1' },
    'human-level-error': { type: 'string', value: 'RATE', help: 'error of expert humans, a fraction (default 0.002 for mnist; else 0)' },
    split: { type: 'string', value: 'T,D,T', help: 'train, dev, test fractions (default 0.8,0.1,0.1; 0.7,0.15,0.15 under 5000 examples)' },
    'train-dev': { type: 'string', value: 'RATE', help: 'share of train held out as train-dev (default 0.1)' },
    limit: { type: 'string', value: 'N', help: 'use only the first N examples' },
    seed: { type: 'string', value: 'N', help: 'seed of the splits and the initial weights (default 1)' },
    out: { type: 'string', value: 'DIR', help: 'the run folder (default runs/<data name>)' },
    dashboard: { type: 'boolean', help: 'serve a live page on 127.0.0.1 while training' },
    port: { type: 'string', value: 'N', help: 'port of the dashboard (default: a free one)' },
    'learning-curve': { type: 'boolean', help: 'also train fresh models on 10%, 25%, 50% of train: does more data help? (classification)' },
    quiet: { type: 'boolean', help: 'no progress output' },
  },
  epilog: [
    'examples:',
    '  knobs train mnist --epochs 5 --dashboard',
    '  knobs train data/digits.csv --label target --image 8x8 --layers 64 --out runs/digits',
    '  knobs train data/houses.csv --label price --task regression',
  ],
};

/** Parses '--augment rotate=12,translate=2,scale=0.1'. */
export function parseAugment(s: string): knobs.data.AugmentationSpec[] {
  const out: knobs.data.AugmentationSpec[] = [];
  for (const part of s.split(',')) {
    const m = /^\s*(\w+)\s*=\s*([-\d.e+]+)\s*$/.exec(part);
    const v = m ? Number(m[2]) : NaN;
    if (!m || !Number.isFinite(v) || v < 0)
      throw new UsageError(
        `--augment takes name=value pairs with values >= 0 (rotate, translate, scale, noise, blur, cutout, elastic), got ${JSON.stringify(part)}`,
      );
    const name = m[1]!;
    if (name === 'rotate') out.push({ type: 'rotate', degrees: v });
    else if (name === 'translate') out.push({ type: 'translate', pixels: v });
    else if (name === 'scale') out.push({ type: 'scale', range: v });
    else if (name === 'noise') out.push({ type: 'noise', std: v });
    else if (name === 'blur') out.push({ type: 'blur', sigma: v });
    else if (name === 'cutout') out.push({ type: 'cutout', size: v });
    else if (name === 'elastic') out.push({ type: 'elastic', alpha: v });
    else throw new UsageError(`--augment: unknown augmentation ${JSON.stringify(name)}; known: rotate, translate, scale, noise, blur, cutout, elastic`);
  }
  return out;
}

function parseSplit(s: string | undefined, n: number): [number, number, number] {
  if (s === undefined) return n < 5000 ? [0.7, 0.15, 0.15] : [0.8, 0.1, 0.1];
  const r = s.split(',').map(Number);
  if (r.length !== 3 || r.some((v) => !(v > 0 && v < 1)) || Math.abs(r[0]! + r[1]! + r[2]! - 1) > 1e-6)
    throw new UsageError(`--split must be three fractions in (0, 1) summing to 1 (train,dev,test), got ${JSON.stringify(s)}`);
  return r as [number, number, number];
}

const pct = (x: number | undefined | null): string => (x === undefined || x === null ? '-' : `${(100 * x).toFixed(2)}%`);

/** Collects the per-batch loss and pushes the dashboard while fit runs. */
class LiveCollector extends knobs.callbacks.Callback {
  batchLoss: number[] = [];
  epoch: number[] = [];
  history: Record<string, number[]> = {};
  private last = 0;
  constructor(private readonly push: (() => void) | undefined) {
    super();
  }
  override onBatchEnd(_b: number, logs: Record<string, number> = {}): void {
    if (typeof logs.loss === 'number') this.batchLoss.push(logs.loss);
    if (this.push && Date.now() - this.last > 400) {
      this.last = Date.now();
      this.push();
    }
  }
  override onEpochEnd(epoch: number, logs: Record<string, number> = {}): void {
    this.epoch.push(epoch);
    for (const [k, v] of Object.entries(logs)) (this.history[k] ??= []).push(v);
    this.push?.();
  }
}

/** Runs `knobs train`. */
export async function train(p: Parsed, out: Out): Promise<number> {
  const dataSpec = p.positionals.DATA!;
  // every flag is checked before the data is read: a typo costs no loading time
  const epochs = int(p, 'epochs', 10);
  const batchSize = int(p, 'batch-size', 64);
  const optimizer = choice(p, 'optimizer', OPTIMIZERS, 'adam');
  const lr = num(p, 'lr', 1e-3)!;
  const seed = int(p, 'seed', 1, 0);
  const limit = str(p, 'limit') === undefined ? undefined : int(p, 'limit', 0, 10);
  const trainDevRatio = num(p, 'train-dev', 0.1, (v) => v > 0 && v < 1, 'a fraction in (0, 1)')!;
  const dropout = num(p, 'dropout', 0, (v) => v >= 0 && v < 1, 'a rate in [0, 1)')!;
  const hleFlag = num(p, 'human-level-error', undefined, (v) => v >= 0 && v < 1, 'a fraction in [0, 1) (0.01 is 1%)');
  const taskFlag = str(p, 'task') === undefined ? undefined : choice(p, 'task', ['classification', 'regression'] as const, 'classification');
  const workersFlag = str(p, 'workers');
  const workers: number | 'auto' = workersFlag === undefined || workersFlag === 'auto' ? (workersFlag ?? 1) : int(p, 'workers', 1, 1, 256);
  const layers = parseLayers(str(p, 'layers') ?? '128,64');
  const augment = str(p, 'augment') === undefined ? undefined : parseAugment(str(p, 'augment')!);
  const imageFlag = str(p, 'image');
  const imageShape = imageFlag === undefined ? undefined : parseImageShape(imageFlag);
  if (imageFlag !== undefined && !imageShape) throw new UsageError(`--image must be HxW or HxWxC (e.g. 28x28), got ${JSON.stringify(imageFlag)}`);
  const port = str(p, 'port') === undefined ? undefined : int(p, 'port', 0, 0, 65535);
  if (port !== undefined && !bool(p, 'dashboard')) throw new UsageError('--port is the port of the dashboard: add --dashboard');
  const quiet = bool(p, 'quiet');
  const outDir = resolve(str(p, 'out') ?? join('runs', basename(dataSpec.split(',')[0]!).replace(/\.(csv|gz)$/i, '') || 'run'));

  const title = `knobs train ${dataSpec}`;
  const dash = bool(p, 'dashboard') ? await startDashboard(title, port, out) : undefined;
  try {
    const t0 = performance.now();
    // a model to continue reads the data with its own encoding, so its columns mean the same
    const resumed = str(p, 'model') !== undefined ? await loadCliModel(str(p, 'model')!) : undefined;
    const loaded = await loadData(dataSpec, {
      ...(resumed?.meta?.encoding && !/^(mnist|fashion-mnist)$/.test(dataSpec) ? { encoding: resumed.meta.encoding } : {}),
      ...(str(p, 'label') !== undefined ? { label: str(p, 'label')! } : {}),
      ...(taskFlag ? { task: taskFlag } : {}),
      ...(limit ? { limit } : {}),
      ...(imageShape ? { image: imageShape } : {}),
    });
    const all = loaded.data;
    const task: 'classification' | 'regression' = all.classes !== undefined ? 'classification' : 'regression';
    if (taskFlag === 'classification' && task !== 'classification')
      throw new CliError(`${dataSpec}: the label column holds numbers, not classes; leave out --task or pass --task regression`);
    if (imageShape && imageShape.height * imageShape.width * imageShape.channels !== all.features)
      throw new UsageError(
        `--image ${imageFlag} is ${imageShape.height * imageShape.width * imageShape.channels} values, but the data has ${all.features} features`,
      );
    const image =
      loaded.image ??
      (resumed?.meta?.image && resumed.meta.image.height * resumed.meta.image.width * resumed.meta.image.channels === all.features
        ? resumed.meta.image
        : undefined);
    if (augment && !image) throw new UsageError('--augment works on images: DATA mnist, fashion-mnist, an IDX pair, or a CSV with --image HxW');
    const ratios = parseSplit(str(p, 'split'), all.length);
    let sets;
    try {
      const tdt = knobs.data.trainDevTestSplit(all, { ratios, seed });
      const td = knobs.data.trainDevSplit(tdt.train, { ratio: trainDevRatio, seed });
      sets = { train: td.train, trainDev: td.trainDev, dev: tdt.dev, test: tdt.test };
    } catch (e) {
      throw new CliError(`${dataSpec}: cannot split ${all.length} examples into train, train-dev, dev and test: ${(e as Error).message.split('\n')[0]}`);
    }
    const classNames = all.classNames ? [...all.classNames] : task === 'classification' ? Array.from({ length: all.classes! }, (_, i) => String(i)) : undefined;
    const log = (s: string): void => {
      if (!quiet) out.log(s);
    };
    log(`data: ${loaded.source}, ${all.length} examples of ${all.features} features, ${task}${task === 'classification' ? ` (${all.classes} classes)` : ''}`);
    log(`sets: ${sets.train.length} train, ${sets.trainDev.length} train-dev, ${sets.dev.length} dev, ${sets.test.length} test (seed ${seed})`);

    let model: knobs.LayersModel;
    if (resumed) {
      model = resumed.model;
      if (model.inputSize !== all.features) throw new CliError(`${str(p, 'model')}: the model takes ${model.inputSize} features, the data has ${all.features}`);
    } else {
      model = buildModel({
        features: all.features,
        outputs: task === 'classification' ? all.classes! : all.outputs,
        task,
        layers,
        conv: bool(p, 'conv'),
        image,
        seed,
        dropout,
      });
    }
    // a resumed model keeps its optimizer and its state (Adam's moments) unless told otherwise
    if (!resumed || !model.optimizer || str(p, 'optimizer') !== undefined || str(p, 'lr') !== undefined) compileModel(model, task, optimizer, lr);
    const meta: CliModelMeta = {
      task,
      source: loaded.source,
      ...(str(p, 'label') !== undefined ? { label: str(p, 'label')! } : {}),
      ...(loaded.encoding ? { encoding: loaded.encoding } : {}),
      ...(image ? { image } : {}),
      ...(classNames ? { classNames } : {}),
    };
    const humanLevelError = hleFlag ?? loaded.humanLevelError ?? 0;
    meta.humanLevelError = humanLevelError;
    model.metadata.knobs = meta;

    const yOf = (d: knobs.data.Dataset): Int32Array | Float32Array => d.y;
    const state: { collector?: LiveCollector } = {};
    const snapshot = (status: 'running' | 'done', extra: Partial<report.ReportInput> = {}): report.ReportData =>
      report.reportData({
        title,
        status,
        notes: [`${loaded.source}: ${sets.train.length} train, ${sets.trainDev.length} train-dev, ${sets.dev.length} dev, ${sets.test.length} test`],
        model,
        history: { epoch: state.collector!.epoch, history: state.collector!.history },
        batchLoss: state.collector!.batchLoss,
        ...extra,
      });
    const collector = new LiveCollector(dash ? () => dash.update(snapshot('running')) : undefined);
    state.collector = collector;
    const augmentation = augment ? knobs.data.augmentation(augment, { ...image!, clip: [0, 1] }) : undefined;
    const tTrain = performance.now();
    log(
      `training: ${optimizer} lr ${lr}, batch ${batchSize}, ${epochs} epochs${workers !== 1 ? `, ${workers} workers` : ''}${augment ? `, augmentation ${str(p, 'augment')}` : ''}`,
    );
    let history: knobs.callbacks.History;
    try {
      history = await model.fit(sets.train.x, yOf(sets.train), {
        epochs,
        batchSize,
        workers,
        validationData: [sets.dev.x, yOf(sets.dev)],
        verbose: quiet ? 0 : process.stdout.isTTY ? 1 : 2,
        callbacks: [collector],
        ...(augmentation ? { augment: augmentation } : {}),
      });
    } catch (e) {
      throw new CliError(`training failed: ${(e as Error).message.split('\n')[0]}`);
    }
    const trainSecs = (performance.now() - tTrain) / 1000;
    log(`trained ${history.epoch.length} epochs in ${trainSecs.toFixed(1)} s`);

    mkdirSync(outDir, { recursive: true });
    const lines: string[] = [title, ''];
    let diagnosis: knobs.Diagnosis | undefined;
    let analysis: knobs.analyze.Analysis | undefined;
    let learningCurve: knobs.LearningCurve | undefined;
    const run: Record<string, unknown> = {
      version: 1,
      command: ['knobs', 'train', ...process.argv.slice(3)].join(' '),
      data: loaded.source,
      task,
      sets: { train: sets.train.length, trainDev: sets.trainDev.length, dev: sets.dev.length, test: sets.test.length },
      seconds: trainSecs,
      history: history.history,
    };
    if (task === 'classification') {
      const lab = (d: knobs.data.Dataset): { x: Float32Array; y: Int32Array } => ({ x: d.x, y: d.y as Int32Array });
      diagnosis = knobs.diagnose(
        model,
        { train: lab(sets.train), trainDev: lab(sets.trainDev), dev: lab(sets.dev), test: lab(sets.test) },
        { humanLevelError },
      );
      analysis = knobs.analyze.analyze(model, sets.dev.x, sets.dev.y as Int32Array);
      if (bool(p, 'learning-curve')) {
        // fresh models of the same architecture and settings on nested subsets of train
        const fresh = (): knobs.LayersModel => {
          const m = buildModel({ features: all.features, outputs: all.classes!, task, layers, conv: bool(p, 'conv'), image, seed, dropout });
          compileModel(m, task, optimizer, lr);
          return m;
        };
        learningCurve = await knobs.learningCurve(
          fresh,
          { train: lab(sets.train), dev: lab(sets.dev) },
          { sizes: [0.1, 0.25, 0.5, 1], seed, fit: { epochs, batchSize } },
        );
        lines.push(`learning curve: ${learningCurve.verdict} (${learningCurve.explanation})`);
      }
      const e = diagnosis.errors;
      lines.push(
        `error rates: human level ${pct(humanLevelError)}   train ${pct(e.trainError)}   train-dev ${pct(e.trainDevError)}   dev ${pct(e.devError)}   test ${pct(e.testError)}`,
        '',
        knobs.formatDiagnosis(diagnosis),
        '',
        'per-class report on the dev set:',
        analysis.report,
      );
      run.errors = diagnosis.errors;
      run.counts = diagnosis.counts;
      run.thresholds = diagnosis.thresholds;
      run.diagnosis = { verdict: diagnosis.verdict, focus: diagnosis.focus, knobs: diagnosis.knobs };
      if (hleFlag === undefined && loaded.humanLevelError === undefined)
        lines.push('note: no --human-level-error given, so avoidable bias is measured against 0 (perfect); give the error of expert humans for this task.');
      if (image) {
        const g = knobs.analyze.misclassifiedGallery(
          sets.dev.x,
          { ...image, channels: image.channels === 3 ? 3 : 1 },
          sets.dev.y as Int32Array,
          analysis.predictions,
          { max: 40, columns: 10, scale: image.height < 16 ? 4 : 2 },
        );
        writeFileSync(join(outDir, 'errors.png'), g.png);
      }
    } else {
      const ev = (d: knobs.data.Dataset): Record<string, number> => model.evaluate(d.x, d.y) as unknown as Record<string, number>;
      const r = { train: ev(sets.train), trainDev: ev(sets.trainDev), dev: ev(sets.dev), test: ev(sets.test) };
      run.evaluation = r;
      for (const [k, v] of Object.entries(r))
        lines.push(
          `${k.padEnd(9)} ${Object.entries(v)
            .map(([m, x]) => `${m} ${x.toPrecision(4)}`)
            .join('   ')}`,
        );
    }
    for (const l of lines.slice(2)) log(l);

    await model.save(`file://${outDir}`);
    const data = snapshot('done', {
      ...(diagnosis ? { diagnosis } : {}),
      ...(analysis ? { analysis } : {}),
      ...(analysis && image ? { examples: { x: sets.dev.x, y: sets.dev.y, image } } : {}),
      ...(classNames ? { classNames } : {}),
      ...(analysis
        ? {
            mislabels: knobs.analyze
              .rankSuspectedMislabels(analysis.probabilities, sets.dev.y as Int32Array, all.classes!, { top: 12 })
              .filter((m) => m.predictedLabel !== m.label),
          }
        : {}),
      history: { epoch: history.epoch, history: history.history, ...(history.health ? { health: history.health } : {}) },
      ...(learningCurve ? { learningCurve } : {}),
    });
    run.report = data;
    writeFileSync(join(outDir, 'run.json'), JSON.stringify(run));
    writeFileSync(join(outDir, 'report.txt'), lines.join('\n') + '\n');
    await report.write(join(outDir, 'report.html'), data);
    dash?.update(data);
    out.log(
      `wrote ${outDir}: model.json, report.html, report.txt, run.json${task === 'classification' && image ? ', errors.png' : ''} (${((performance.now() - t0) / 1000).toFixed(1)} s)`,
    );
    return 0;
  } finally {
    await dash?.close();
  }
}
