/**
 * Training: `fit` (its options checked, validation split, target scaling fitted, data staged),
 * the epoch loop with callbacks and validation, and the single-threaded runner, which steps with
 * the shared training step (src/model/step.ts) as the worker pool does.
 * @module
 */
import { ShapeError, describe, divergenceError } from '../errors';
import { markJoined } from './graph';
import { AugmentationPipeline } from '../data/augment';
import { Callback, hasBatchHooks, toCallback, type CallbackHooks, type FitParams, type Logs } from '../callbacks/callback';
import { History } from '../callbacks/history';
import { ProgressBar } from '../callbacks/progress';
import { Normalization } from '../layers/normalization';
import { Reshape } from '../layers/reshape';
import { deriveSeed, Random } from '../util/random';
import { checkKnownOptions, finiteNumber, nonNegativeInt, positiveInt } from '../util/options';
import { toLabels } from './data';
import { targetCols } from './heads';
import { evaluateStaged } from './evaluate';
import { HEALTH_EVERY, HealthRecorder, healthProbes, measureHealth, recordSize } from './health';
import { FIT_OPTIONS, type FitOptions, type ModelInput } from './options';
import { EpochTally, batchLoss, parallelBackend, type BatchHooks, type EpochRunner, type FitData, type RunnerSpec } from './parallel';
import { allocateShard, freeShard, inputFloats, trainShard, zeroFrozenGradients } from './runtime';
import { loadBatch, modelInputs, modelTargets, stage, unstage, type StagedData } from './staging';
import { STEP_NONFINITE_NORM, STEP_OK, stepPart, stepPenalty, stepUpdate, updateLayerStates } from './step';
import { fitTargetScaling } from './target';
import type { LayersModel } from './layers-model';

/** The seed stream of augmentation (apart from initialization, shuffling and dropout). */
export const AUGMENT_STREAM = 0xa06;

/** {@link LayersModel.fit}: checks the options, stages the data and runs the training loop. */
export async function fit(model: LayersModel, x: ModelInput, y: unknown, options: FitOptions): Promise<History> {
  const W = 'fit';
  checkKnownOptions(W, options, FIT_OPTIONS);
  const c = model.requireCompiled(W);
  model.warnTrainableChange(W);
  const batchSize = positiveInt(W, 'options.batchSize', options.batchSize ?? 32);
  const epochs = nonNegativeInt(W, 'options.epochs', options.epochs ?? 1);
  const verbose = options.verbose ?? 1;
  // Keras: epochs are numbered from initialEpoch (default 0) in logs and callbacks; the model's own
  // epoch count (shuffles, augmentation, schedules) goes on from epochsCompleted unless the
  // caller says where the run stands by giving initialEpoch
  const initialEpoch = nonNegativeInt(W, 'options.initialEpoch', options.initialEpoch ?? 0);
  const firstRunEpoch = options.initialEpoch === undefined ? model.epochsCompleted : initialEpoch;
  const clipNorm = options.clipNorm === undefined ? undefined : finiteNumber(W, 'options.clipNorm', options.clipNorm);
  if (clipNorm !== undefined && clipNorm <= 0) throw new RangeError(`${W}: options.clipNorm must be > 0, got ${clipNorm}`);
  const workers = options.workers ?? 1;
  if (workers !== 'auto' && (!Number.isInteger(workers) || workers < 1))
    throw new RangeError(`${W}: options.workers must be a positive integer or 'auto', got ${describe(workers)}`);
  if (workers !== 1 && typeof c.loss === 'function')
    throw new RangeError(`${W}: a custom loss function trains on one thread (it cannot be sent to workers); use options.workers 1, got ${describe(workers)}`);
  const userCallbacks = callbackList(W, options.callbacks);
  const signal = options.signal;
  signal?.throwIfAborted?.();
  let augment = options.augment;
  if (augment !== undefined) {
    if (!(augment instanceof AugmentationPipeline))
      throw new TypeError(`${W}: options.augment must be a knobs.data.augmentation(...) pipeline, got ${describe(augment)}`);
    augment = augmentFor(model, W, augment);
  }

  // data: validation split first (Keras takes the tail, before any shuffling)
  let xs: unknown = x,
    ys: unknown = y,
    sw: unknown = options.sampleWeight;
  let validation = options.validationData;
  if (options.validationSplit !== undefined) {
    const f = finiteNumber(W, 'options.validationSplit', options.validationSplit);
    if (!(f > 0 && f < 1)) throw new RangeError(`${W}: options.validationSplit must be in (0, 1), got ${f}`);
    if (validation) throw new TypeError(`${W}: give validationData or validationSplit, not both`);
    const { data, rows } = modelInputs(model, W, 'x', x);
    const cols = targetCols(model);
    const labels = toLabels(W, modelTargets(model, W, y), cols, c.sparse, c.loss);
    const nTrain = rows - Math.floor(rows * f);
    if (nTrain <= 0 || nTrain >= rows) throw new RangeError(`${W}: validationSplit ${f} of ${rows} examples leaves an empty set`);
    // (targets of several outputs stay joined side by side)
    const sliceY = (a: number, b: number): unknown => (labels.i32 ? labels.i32.slice(a, b) : markJoined(labels.f32!.slice(a * cols, b * cols)));
    // (rows of several inputs stay joined side by side)
    xs = markJoined(data.slice(0, nTrain * model.inputSize));
    ys = sliceY(0, nTrain);
    const swArr = sw as Float32Array | number[] | undefined;
    validation = [markJoined(data.slice(nTrain * model.inputSize)), sliceY(nTrain, rows), ...(swArr ? [swArr.slice(nTrain)] : [])] as [unknown, unknown];
    sw = swArr?.slice(0, nTrain);
  }
  if (model.metadata.targetScaling === 'standardize') {
    // fitted once, on the training targets only (after validationSplit took its tail)
    const labels = toLabels(W, ys, model.outputSize, c.sparse, c.loss);
    if (labels.rows === 0) throw new RangeError(`${W}: targetScaling needs at least one training example`);
    model.metadata.targetScaling = fitTargetScaling(labels.f32!, model.outputSize);
  }
  const train = stage(model, W, xs, ys, sw, options.classWeight);
  let dev: StagedData | undefined;
  try {
    if (validation) {
      if (!Array.isArray(validation) || validation.length < 2)
        throw new TypeError(`${W}: options.validationData must be [xDev, yDev] or [xDev, yDev, sampleWeight]`);
      dev = stage(model, `${W}: options.validationData`, validation[0], validation[1], validation[2], undefined);
    }
    // a normalization layer that was not adapted learns its statistics from the training data only
    const norm = model.layers[0];
    if (norm instanceof Normalization && !norm.adapted) norm.adapt(inputFloats(model.engine, train, model.inputSize));
    const health =
      options.health === false ? 0 : typeof options.health === 'object' ? positiveInt(W, 'options.health.every', options.health.every) : HEALTH_EVERY;
    return await trainLoop(model, train, dev, {
      batchSize,
      epochs,
      verbose,
      initialEpoch,
      firstRunEpoch,
      clipNorm,
      workers,
      signal,
      augment,
      health,
      shuffle: options.shuffle ?? true,
      callbacks: userCallbacks,
    });
  } finally {
    unstage(model.engine, train);
    if (dev) unstage(model.engine, dev);
  }
}

/** The epochs of a fit: callbacks, the epoch order, a runner (one thread or the worker pool), validation. */
async function trainLoop(
  model: LayersModel,
  train: StagedData,
  dev: StagedData | undefined,
  o: {
    batchSize: number;
    epochs: number;
    verbose: number;
    initialEpoch: number;
    /** The model's own count of the first epoch run (seeds shuffles and augmentation, drives schedules). */
    firstRunEpoch: number;
    clipNorm: number | undefined;
    workers: number | 'auto';
    signal: AbortSignal | undefined;
    shuffle: boolean;
    callbacks: Callback[];
    augment: AugmentationPipeline | undefined;
    health: number;
  },
): Promise<History> {
  const c = model.compiled!;
  const e = model.engine;
  const history = new History();
  const callbacks: Callback[] = [new ProgressBar(o.verbose), ...o.callbacks, history];
  const steps = Math.ceil(train.rows / o.batchSize);
  const params: FitParams = {
    epochs: o.epochs,
    initialEpoch: o.initialEpoch,
    steps,
    batchSize: o.batchSize,
    samples: train.rows,
    verbose: o.verbose,
    doValidation: dev !== undefined,
    metrics: ['loss', ...c.metrics.map((m) => m.name)],
  };
  for (const cb of callbacks) {
    cb.setModel(model);
    cb.setParams(params);
  }
  const batchHooks = callbacks.some(hasBatchHooks);
  const accuracyName = c.metrics.find((m) => m.kind === 'accuracy')?.name;
  // the progress bar only observes; user callbacks with batch hooks must run between steps
  const lockstep = o.callbacks.some(hasBatchHooks);
  const order = e.allocF32(Math.max(1, train.rows));
  const fitData: FitData = {
    rows: train.rows,
    x: train.x,
    xBytes: train.xBytes,
    labelsF32: train.labelsF32,
    labelsI32: train.labelsI32,
    weights: train.weights,
    order,
  };
  let runner: EpochRunner | undefined;
  model.stopTraining = false;
  try {
    const spec: RunnerSpec = {
      core: model,
      data: fitData,
      // buffers are sized by the batch: one larger than the data holds only the data (as Keras)
      batchSize: Math.min(o.batchSize, train.rows),
      sparse: c.sparse,
      useWeights: train.weights !== 0,
      countCorrect: c.metrics.some((m) => m.kind === 'accuracy'),
      clipNorm: o.clipNorm,
      seed: model.seed,
      workers: o.workers,
      augment: o.augment ? { pipeline: o.augment, seed: deriveSeed(model.seed, AUGMENT_STREAM) } : undefined,
      health: o.health ? { every: o.health, recorder: new HealthRecorder(healthProbes(model)) } : undefined,
    };
    history.health = spec.health?.recorder.health;
    if (o.workers !== 1) {
      const backend = parallelBackend();
      if (!backend) throw new Error("fit: options.workers needs the worker pool, which loads with knobs' Node or browser entry ('knobs')");
      runner = await backend.createRunner(model, spec);
    }
    runner ??= localRunner(model, spec);
    for (const cb of callbacks) await cb.onTrainBegin();
    // 0: the first batch yields to the event loop, so that the garbage collector's finalizers
    // (which free dropped models' engine memory) run even in a loop of short fits
    let lastYield = 0;
    for (let epoch = o.initialEpoch; epoch < o.epochs; epoch++) {
      const runEpoch = o.firstRunEpoch + (epoch - o.initialEpoch);
      if (c.optimizer.schedule) c.optimizer.learningRate = c.optimizer.schedule(runEpoch);
      for (const cb of callbacks) await cb.onEpochBegin(epoch);
      // a callback may have run another model that shares layers with this one: take them back (reuse.ts)
      model.claim();
      writeOrder(model, order, train.rows, runEpoch, o.shuffle);
      const hooks: BatchHooks = {
        lockstep,
        begin: async (b) => {
          if (batchHooks) {
            for (const cb of callbacks) await cb.onBatchBegin(b, { batch: b, size: Math.min(o.batchSize, train.rows - b * o.batchSize) });
            model.claim();
          }
        },
        end: async (b, logs) => {
          if (batchHooks) {
            const { accuracy, ...rest } = logs;
            // the batch's accuracy under the name it was compiled with ('acc' or 'accuracy')
            const batchLogs: Logs = { batch: b, ...rest, ...(accuracyName && accuracy !== undefined ? { [accuracyName]: accuracy } : {}) };
            for (const cb of callbacks) await cb.onBatchEnd(b, batchLogs);
            model.claim();
          }
          // let timers, I/O and abort signals through now and then
          if (Date.now() - lastYield > 100) {
            await yieldToEventLoop();
            lastYield = Date.now();
          }
        },
        check: () => {
          if (o.signal?.aborted) throw o.signal.reason ?? new Error('fit: aborted');
        },
      };
      const r = await runner.runEpoch(runEpoch, hooks);
      model.claim();
      const logs: Logs = { loss: r.loss };
      // accuracy is the running count over the epoch's batches; the regression errors are
      // measured on the training set after the epoch (the same on every runner)
      const trainErrors = c.metrics.some((m) => m.kind !== 'accuracy') ? evaluateStaged(model, train, 256) : undefined;
      for (const m of c.metrics) logs[m.name] = m.kind === 'accuracy' ? r.accuracy : trainErrors![m.name]!;
      if (c.heads) {
        // per output, measured on the training set after the epoch (inference mode)
        for (const [k, value] of Object.entries(evaluateStaged(model, train, 256))) if (k !== 'loss') logs[k] = value!;
      }
      if (dev) {
        const v = evaluateStaged(model, dev, 256);
        logs.val_loss = v.loss;
        for (const m of c.metrics) logs[`val_${m.name}`] = v[m.name]!;
        // several outputs: <output>_loss and <output>_<metric>, as Keras names them
        if (c.heads) for (const [k, value] of Object.entries(v)) if (k !== 'loss') logs[`val_${k}`] = value!;
      }
      logs.lr = c.optimizer.learningRate;
      model.epochsCompleted = runEpoch + 1;
      for (const cb of callbacks) await cb.onEpochEnd(epoch, logs);
      if (model.stopTraining) break;
    }
    for (const cb of callbacks) await cb.onTrainEnd();
  } finally {
    await runner?.close();
    e.free(order);
  }
  return history;
}

/** Writes the epoch's example order: a permutation seeded by (seed, epoch), or 0..n-1. */
function writeOrder(model: LayersModel, order: number, rows: number, epoch: number, shuffle: boolean): void {
  const idx = new Int32Array(rows);
  for (let i = 0; i < rows; i++) idx[i] = i;
  if (shuffle) new Random(deriveSeed(model.seed, 0x5eed, epoch)).shuffle(idx);
  model.engine.i32.set(idx, order >> 2);
}

/** The single-threaded runner: one shard covering each whole batch, stepped by the shared step (src/model/step.ts). */
function localRunner(model: LayersModel, spec: RunnerSpec): EpochRunner {
  const c = model.compiled!;
  const aug = spec.augment;
  const e = model.engine;
  // this fit's own buffers, freed by close(): nothing outlives the fit
  const sb = allocateShard(e, model, spec.batchSize, spec.sparse, 0, 0, aug ? aug.pipeline.workspaceBytes(e) : 0);
  const d: StagedData = { ...spec.data, xBytes: spec.data.xBytes ?? false, totalWeight: 0 };
  const probes = spec.health ? healthProbes(model) : undefined;
  const record = probes ? new Float64Array(recordSize(probes)) : new Float64Array(0);
  // one context and one step part for the fit, updated in place each step
  const ctx = model.context(sb, 0, true, 0);
  const part = stepPart({
    e,
    core: model,
    optimizer: c.optimizer,
    from: 0,
    to: model.paramCount,
    clipNorm: spec.clipNorm,
    grads: sb.grads,
    stride: model.paramCount,
    slots: 1,
  });
  zeroFrozenGradients(e, model, sb.grads);
  return {
    runEpoch: async (epoch, hooks) => {
      const tally = new EpochTally(spec.countCorrect);
      const opt = c.optimizer;
      for (let b = 0, start = 0; start < d.rows; b++, start += spec.batchSize) {
        hooks.check();
        await hooks.begin(b);
        const rows = Math.min(spec.batchSize, d.rows - start);
        const batchWeight = loadBatch(model, d, sb, spec.data.order, start, rows, spec.sparse);
        const step = opt.iterations;
        ctx.rows = ctx.batchRows = rows;
        ctx.step = step;
        ctx.params = model.params;
        ctx.state = model.state;
        const scale = batchWeight > 0 ? 1 / batchWeight : 0;
        if (aug) aug.pipeline.apply(e, sb.x, sb.xAug, rows, { seed: aug.seed, epoch, exampleIndices: spec.data.order + start * 4, workspace: sb.augWs });
        const r = trainShard(ctx, model, sb, scale, spec.useWeights, true, spec.countCorrect, aug ? sb.xAug : sb.x);
        const loss = batchLoss(r.lossSum, batchWeight, stepPenalty(part, model.params));
        const status = stepUpdate(part, loss, model.params, model.slots, step + 1, opt.learningRate);
        if (status !== STEP_OK) throw divergenceError(status === STEP_NONFINITE_NORM ? 'gradient norm' : 'loss', part.diverged, epoch, b, opt.learningRate);
        opt.iterations++;
        if (spec.health && step % spec.health.every === 0) {
          // the gradient as the step used it (reduced, regularized, clipped)
          measureHealth(e, model, probes!, sb, sb.grads, rows, record);
          spec.health.recorder.add(step, loss, record);
        }
        updateLayerStates(ctx, model, sb.layers);
        await hooks.end(b, tally.add(loss, r.correct, batchWeight, rows));
      }
      return tally.result();
    },
    close: async () => {
      freeShard(e, sb, true, true);
    },
  };
}

/**
 * The pipeline for a model's images: one made without a shape takes [h, w, c] (or [h, w],
 * one channel) from the model's inputShape, or from a first reshape layer of flat rows; one
 * with a shape must match that image exactly, or a flat input in size.
 */
function augmentFor(model: LayersModel, W: string, augment: AugmentationPipeline): AugmentationPipeline {
  // flat rows reshaped to images by the first layer count as images too
  const first = model.layers[0];
  const s = model.inputShape.length === 1 && first instanceof Reshape && first.outputShape.length === 3 ? first.outputShape : model.inputShape;
  const image = s.length === 3 ? { height: s[0]!, width: s[1]!, channels: s[2]! } : s.length === 2 ? { height: s[0]!, width: s[1]!, channels: 1 } : undefined;
  if (!augment.hasShape) {
    if (!image) {
      throw new ShapeError(
        `${W}: options.augment has no image shape and the model's inputShape [${s.join(', ')}] is not an image [height, width, channels]: ` +
          `give the pipeline {height, width, channels}, or build the model with an image inputShape`,
      );
    }
    return augment.withShape(image);
  }
  const { height, width, channels } = augment.shape;
  if (image ? image.height !== height || image.width !== width || image.channels !== channels : height * width * channels !== model.inputSize) {
    throw new ShapeError(
      `${W}: options.augment works on ${height} x ${width} x ${channels} images (${height * width * channels} values) but ` +
        `${s === model.inputShape ? "the model's inputShape is" : "the model's first layer reshapes its input to"} [${s.join(', ')}]`,
    );
  }
  return augment;
}

/** fit's callbacks option: one callback or hook object, or an array of them, as Callback objects. */
function callbackList(where: string, value: unknown): Callback[] {
  if (value === undefined) return [];
  if (value === null || typeof value !== 'object')
    throw new TypeError(`${where}: options.callbacks must be a callback, an object of hooks ({ onEpochEnd }) or an array of them, got ${describe(value)}`);
  return (Array.isArray(value) ? value : [value]).map((c) => toCallback(c as Callback | CallbackHooks));
}

/** Yields to the event loop (setImmediate in Node, a message in browsers): fast, unlike setTimeout(0). */
function yieldToEventLoop(): Promise<void> {
  const g = globalThis as { setImmediate?: (f: () => void) => void };
  if (g.setImmediate) return new Promise((r) => g.setImmediate!(r));
  if (typeof MessageChannel === 'function') {
    return new Promise((r) => {
      const ch = new MessageChannel();
      ch.port1.onmessage = () => {
        ch.port1.close();
        r();
      };
      ch.port2.postMessage(0);
    });
  }
  return new Promise((r) => setTimeout(r, 0));
}
