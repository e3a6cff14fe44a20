/**
 * Child process of the Fashion-MNIST benchmarks (`npm run bench -- fashion`, `fashion-memory`).
 * Trains one of the small conv nets of issue 12 on the 60,000 training images within a wall-time
 * budget and measures it on the 10,000 test images. Usage:
 *
 *   fashion.js <net> [--workers 2] [--cpu-minutes 20] [--minutes N] [--epochs N] [--pixels uint8|float32] [--train 60000] [--seed 1]
 *              [--tta] [--batch 128] [--lr 2e-3] [--dropout R] [--translate P] [--cutout S] [--weight-decay W (AdamW)]
 *              [--label-smoothing E] [--ema] [--optimizer adam|sgd] [--momentum 0.9] [--widths 32,64,64] [--arch SPEC] [--act relu]
 *
 *   net  bn      conv-bn-relu blocks with max pooling and dropout, no augmentation (issue 12's
 *                "small conv net": 87,754 parameters)
 *        bn-aug  the same net trained with augmentation (horizontal flips and 2-pixel shifts)
 *        bn-flip the same net trained with horizontal flips only (p 0.5), dropout 0.3
 *        bn-deep bn-flip with a fourth block (64 filters) and a max pool before the head (99,114 parameters)
 *        bn4-flip four blocks, two of them at 14x14 (32 filters, then 32 and 48, then 64: `--arch
 *                c32,p,c32,c48,p,c64`; 83,050 parameters), flips and dropout 0.3 as bn-flip
 *        plain   the same blocks without batch norm
 *        keras   the Keras "simple MNIST convnet" (34,826 parameters), for reference
 *
 * The budget is CPU time: `--cpu-minutes 20` is what 10 minutes on 2 idle cores give (the
 * process's user + system time, all threads, spin-waits included). The machine these runs share
 * is loaded by other jobs, so a wall-clock budget would measure the neighbours; the wall time
 * and the load average are reported beside it. `--minutes` adds a wall-clock budget.
 *
 * The learning rate follows a cosine decay over the budget, not over a fixed epoch count: each
 * epoch starts at the rate for the fraction of the budget its middle will reach (from the
 * epochs measured so far), and no epoch starts that would end past the budget. The test set is
 * never looked at before the end (no early stopping, no model selection on it).
 *
 * Prints progress to stderr and one JSON line ({@link FashionResult}) to stdout.
 */
import { loadavg } from 'node:os';
import * as knobs from '../../build/entry.node';
import { simpleConvnetLayers } from './simple-convnet';

/** What one run reports. */
export interface FashionResult {
  net: string;
  params: number;
  workers: number;
  pixels: string;
  trainImages: number;
  epochs: number;
  budgetSeconds: number;
  cpuBudgetSeconds: number;
  trainSeconds: number;
  /** CPU time of the training (user + system, every thread). */
  cpuSeconds: number;
  samplesPerSec: number;
  trainAccuracy: number;
  testAccuracy: number;
  /** With `--tta`: accuracy of the mean of the predictions for each test image and its mirror image. */
  testAccuracyFlipTta?: number;
  /** With `--ema`: test accuracy of the moving averages of the weights, by momentum per step. */
  testAccuracyEma?: Record<string, number>;
  /** Peak RSS of training and the test evaluation (before `--tta`'s mirrored copy of the test images and its predictions). */
  peakRssMiB: number;
  /** With `--tta`: the peak including the test-time augmentation (a mirrored copy of the 10,000 test images, two predictions). */
  peakRssWithTtaMiB?: number;
  /** RSS after the data is loaded, before the model exists. */
  loadedRssMiB: number;
  /** 1-minute load averages at the start and the end of training. */
  loadStart: number;
  loadEnd: number;
}

const args = process.argv.slice(2);
const net = args[0] ?? 'plain';
const opt = (name: string, fallback: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : fallback;
};
const workers = Number(opt('workers', '2'));
const budgetSeconds = Number(opt('minutes', 'Infinity')) * 60;
/**
 * `--epochs N` fixes the epoch count instead (the cosine decay then runs over epochs, and no CPU
 * budget applies unless `--cpu-minutes` is also given): the result no longer depends on how
 * busy the machine is, and the same seed gives the same weights. Time the same command on a quiet
 * machine to check the 10 minutes.
 */
const fixedEpochs = args.includes('--epochs');
const cpuBudgetSeconds = Number(opt('cpu-minutes', fixedEpochs ? 'Infinity' : '20')) * 60;
const pixels = opt('pixels', 'uint8') as 'uint8' | 'float32';
const trainCount = Number(opt('train', '60000'));
const seed = Number(opt('seed', '1'));
const maxEpochs = Number(opt('epochs', '200'));
/** Knobs for accuracy experiments: `--dropout R` and `--lr X` override the net's dropout rate and Adam's initial rate; `--translate P` adds shifts of up to P pixels to the flip net's augmentation. */
const dropoutOverride = args.includes('--dropout') ? Number(opt('dropout', '0')) : undefined;
const translate = Number(opt('translate', '0'));
/** `--cutout S`: also erase a random S x S square (to 0) in half of the training images. */
const cutout = Number(opt('cutout', '0'));
const batchSize = Number(opt('batch', '128'));
const weightDecay = Number(opt('weight-decay', '0'));
/** `--label-smoothing E`: train on targets (1 - E) * one-hot + E / 10 with categorical cross-entropy. */
const labelSmoothing = Number(opt('label-smoothing', '0'));
/**
 * `--ema`: also keep exponential moving averages of every weight (batch norm's moving statistics
 * included) over the steps, with momenta {@link EMA_MOMENTA}, and score each on the test set at
 * the end beside the trained weights (bench code: JavaScript loops once per batch, outside the
 * engine's step).
 */
const emaOn = args.includes('--ema');
const EMA_MOMENTA = [0.99, 0.998, 0.9995];
/** Memory runs: stop after this many batches (the peak is reached once the data and every buffer are staged). */
const maxBatches = Number(opt('batches', 'Infinity'));
const abort = new AbortController();

let peakRss = 0;
// memoryUsage.rss(): memoryUsage() also measures the V8 heaps, 1% of a training step's time at 20 calls a second
const sample = (): void => {
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
};
const sampler = setInterval(sample, 50);

const L = knobs.layers;
/** `--widths A,B,C`: the filters of the three conv blocks (default 32,64,64). */
const widths = opt('widths', '32,64,64').split(',').map(Number);
if (widths.length !== 3 || !widths.every((w) => Number.isInteger(w) && w > 0))
  throw new Error(`fashion bench: --widths needs three positive integers, got ${opt('widths', '')}`);
/** `--act NAME`: the activation after each batch norm (default relu). */
const act = opt('act', 'relu');
/** conv 'same' (+ batch norm) + activation; `poolFirst` max pools between the conv and the batch norm. */
const block = (filters: number, bn: boolean, kernelSize = 3, poolFirst = false): knobs.layers.Layer[] =>
  bn
    ? [
        L.conv2d({ filters, kernelSize, padding: 'same', useBias: false, kernelInitializer: 'heNormal' }),
        ...(poolFirst ? [L.maxPooling2d({ poolSize: 2 })] : []),
        L.batchNormalization(),
        L.activation({ activation: act }),
      ]
    : [L.conv2d({ filters, kernelSize, padding: 'same', activation: 'relu', kernelInitializer: 'heNormal' })];
/**
 * `--arch SPEC`: the conv stack of a bn net instead of the three blocks, comma-separated: `cN` a 3x3
 * conv-bn-act block of N filters (`cNkK` a KxK kernel; `cNp` max pools between the conv and the batch norm), `p` max pool 2, `a` average pool 2, `g` global average pooling
 * (instead of flatten). The head stays dropout + dense 10.
 */
const archSpec = opt('arch', '');
/** The conv stack of `bn4-flip`. */
const BN4_ARCH = 'c32,p,c32,c48,p,c64';
function archLayers(spec: string): knobs.layers.Layer[] {
  const out: knobs.layers.Layer[] = [];
  let pooled = false;
  for (const t of spec.split(',')) {
    const m = /^c(\d+)(?:k(\d+))?(p?)$/.exec(t);
    if (m) out.push(...block(Number(m[1]), true, Number(m[2] ?? 3), m[3] === 'p'));
    else if (t === 'p') out.push(L.maxPooling2d({ poolSize: 2 }));
    else if (t === 'a') out.push(L.averagePooling2d({ poolSize: 2 }));
    else if (t === 'g') {
      out.push(L.globalAveragePooling2d());
      pooled = true;
    } else throw new Error(`fashion bench: --arch token ${JSON.stringify(t)} (cN, cNkK, p, a, g)`);
  }
  if (!pooled) out.push(L.flatten());
  return out;
}

function layers(name: string): knobs.layers.Layer[] {
  if (name === 'keras') return simpleConvnetLayers();
  const spec = archSpec || (name === 'bn4-flip' ? BN4_ARCH : '');
  if (spec) return [...archLayers(spec), L.dropout({ rate: dropoutOverride ?? 0.3 }), L.dense({ units: 10, activation: 'softmax' })];
  const deep = name === 'bn-deep';
  const bn = deep || name === 'bn-aug' || name === 'bn-flip' || name === 'bn';
  if (name !== 'plain' && !bn) throw new Error(`fashion bench: unknown net ${JSON.stringify(name)} (bn, bn-aug, bn-flip, bn-deep, bn4-flip, plain, keras)`);
  // 28x28x1 -> 28x28x32 -> 14x14x32 -> 14x14x64 -> 7x7x64 -> 7x7x64 -> 3136 -> 10; bn-deep: -> 7x7x64 -> 3x3x64 -> 576 -> 10
  const [w1, w2, w3] = widths;
  return [
    ...block(w1!, bn),
    L.maxPooling2d({ poolSize: 2 }),
    ...block(w2!, bn),
    L.maxPooling2d({ poolSize: 2 }),
    ...block(w3!, bn),
    ...(deep ? [...block(64, bn), L.maxPooling2d({ poolSize: 2 })] : []),
    L.flatten(),
    L.dropout({ rate: dropoutOverride ?? (name === 'bn-aug' ? 0.25 : name === 'bn-flip' || deep ? 0.3 : 0.4) }),
    L.dense({ units: 10, activation: 'softmax' }),
  ];
}

const { train, test } = await knobs.data.loadFashionMnist({ trainCount, pixels });
sample();
const loadedRss = process.memoryUsage.rss();
const model = knobs.sequential({ inputShape: [28, 28, 1], seed, layers: layers(net) });
const lr0 = Number(opt('lr', '2e-3'));
/**
 * `--optimizer sgd`: SGD with Nesterov momentum (`--momentum`, default 0.9) and coupled L2 weight decay
 * (`--weight-decay`) instead of Adam(W); `--lr` is then SGD's initial rate.
 */
const optimizerName = opt('optimizer', 'adam');
if (optimizerName !== 'adam' && optimizerName !== 'sgd') throw new Error(`fashion bench: unknown --optimizer ${optimizerName} (adam, sgd)`);
const optimizer =
  optimizerName === 'sgd'
    ? knobs.optimizers.sgd({ learningRate: lr0, momentum: Number(opt('momentum', '0.9')), nesterov: true, weightDecay })
    : weightDecay > 0
      ? knobs.optimizers.adamw({ learningRate: lr0, weightDecay })
      : knobs.optimizers.adam({ learningRate: lr0 });
model.compile({ optimizer, loss: labelSmoothing > 0 ? 'categoricalCrossentropy' : 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
/** Smoothed one-hot targets (bench code: built once before training). */
function smoothed(labels: ArrayLike<number>): Float32Array {
  const y = new Float32Array(labels.length * 10).fill(labelSmoothing / 10);
  for (let i = 0; i < labels.length; i++) y[i * 10 + labels[i]!] = 1 - labelSmoothing + labelSmoothing / 10;
  return y;
}
const trainY = labelSmoothing > 0 ? smoothed(train.y as ArrayLike<number>) : train.y;
const augment =
  net === 'bn-aug'
    ? knobs.data.augmentation([
        { type: 'flip', direction: 'horizontal', p: 0.5 },
        { type: 'translate', pixels: 2 },
      ])
    : net === 'bn-flip' || net === 'bn-deep' || net === 'bn4-flip' || archSpec
      ? knobs.data.augmentation([
          { type: 'flip', direction: 'horizontal', p: 0.5 },
          ...(translate > 0 ? [{ type: 'translate' as const, pixels: translate }] : []),
          ...(cutout > 0 ? [{ type: 'cutout' as const, size: cutout, p: 0.5 }] : []),
        ])
      : undefined;

let emas: Float32Array[][] = [];
let emaSteps = 0;
function updateEmas(): void {
  const w = model.getWeights();
  if (emaSteps++ === 0) emas = EMA_MOMENTA.map(() => w.map((a) => a.slice()));
  else
    EMA_MOMENTA.forEach((m, k) => {
      const avg = emas[k]!;
      for (let i = 0; i < w.length; i++) {
        const a = avg[i]!,
          b = w[i]!;
        for (let j = 0; j < a.length; j++) a[j] = m * a[j]! + (1 - m) * b[j]!;
      }
    });
}

const loadStart = loadavg()[0]!;
const t0 = performance.now();
const c0 = process.cpuUsage();
const elapsed = (): number => (performance.now() - t0) / 1000;
const cpu = (): number => {
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1e6;
};
/** How far the run is through its budget, 0 to 1 (whichever budget is nearer its end). */
const used = (): number => Math.max(elapsed() / budgetSeconds, cpu() / cpuBudgetSeconds);
let epochStart = 0;
let longestEpoch = 0;
const fitting = model.fit(train.x, trainY, {
  batchSize,
  epochs: maxEpochs,
  workers,
  verbose: 0,
  signal: abort.signal,
  ...(augment ? { augment } : {}),
  callbacks: {
    ...(emaOn ? { onBatchEnd: () => updateEmas() } : {}),
    ...(Number.isFinite(maxBatches)
      ? {
          onBatchEnd: (batch: number) => {
            sample();
            if (batch + 1 >= maxBatches) abort.abort(new Error('enough batches'));
          },
        }
      : {}),
    onEpochBegin: (epoch: number) => {
      epochStart = used();
      const est = longestEpoch || 1 / 15;
      const progress = fixedEpochs ? (epoch + 0.5) / maxEpochs : Math.min(1, epochStart + est / 2);
      optimizer.learningRate = lr0 * 0.5 * (1 + Math.cos(Math.PI * progress));
    },
    onEpochEnd: (epoch: number, logs?: Record<string, number>) => {
      const now = used();
      longestEpoch = Math.max(longestEpoch, now - epochStart);
      process.stderr.write(
        `  ${net} epoch ${epoch + 1}: loss ${logs!.loss!.toFixed(4)}, train acc ${(100 * logs!.accuracy!).toFixed(2)}%, lr ${optimizer.learningRate.toExponential(2)}, ` +
          `${(100 * now).toFixed(1)}% of the budget, wall ${elapsed().toFixed(0)} s, cpu ${cpu().toFixed(0)} s, load ${loadavg()[0]!.toFixed(1)}\n`,
      );
      // the next epoch would end past the budget: stop here
      if (now + longestEpoch > 1) model.stopTraining = true;
    },
  },
});
const history = await fitting.catch((err: unknown) => {
  if (!abort.signal.aborted) throw err;
  return undefined;
});
const trainSeconds = elapsed();
const cpuSeconds = cpu();
const loadEnd = loadavg()[0]!;
const epochs = history ? history.epoch.length : maxBatches / Math.ceil(train.length / batchSize);
// at evaluate's default batch (256): its buffer set holds only the forward pass (two activation
// buffers of the widest layer), smaller than the training buffers fit has just freed
/** The test labels in the form the loss takes (smoothed one-hot rows with --label-smoothing). */
const testY = labelSmoothing > 0 ? smoothed(test.y as ArrayLike<number>) : test.y;
const testAccuracy = model.evaluate(test.x, testY).accuracy!;
/**
 * Test-time augmentation, reported beside the plain figure (never instead of it): the mean of the
 * predicted probabilities for each test image and its horizontal mirror, the one augmentation the
 * flip nets trained with. Bench code, not the training path: the loops here run once.
 */
function flipTtaAccuracy(): number {
  const x = test.x as Float32Array | Uint8Array;
  const mirrored = x instanceof Uint8Array ? new Uint8Array(x.length) : new Float32Array(x.length);
  for (let r = 0; r < test.length * 28; r++) for (let c = 0; c < 28; c++) mirrored[r * 28 + c] = x[r * 28 + 27 - c]!;
  const a = model.predict(x, { batchSize: 128 }),
    b = model.predict(mirrored, { batchSize: 128 });
  const labels = test.y as ArrayLike<number>;
  let correct = 0;
  for (let i = 0; i < test.length; i++) {
    let best = 0;
    for (let k = 1; k < 10; k++) if (a[i * 10 + k]! + b[i * 10 + k]! > a[i * 10 + best]! + b[i * 10 + best]!) best = k;
    if (best === labels[i]) correct++;
  }
  return correct / test.length;
}
/** Test accuracy of each moving average of the weights (the trained weights are put back after). */
function emaAccuracies(): Record<string, number> {
  const trained = model.getWeights();
  const out: Record<string, number> = {};
  EMA_MOMENTA.forEach((m, k) => {
    model.setWeights(emas[k]!);
    out[String(m)] = model.evaluate(test.x, testY).accuracy!;
  });
  model.setWeights(trained);
  return out;
}
const testAccuracyEma = emaOn && emaSteps > 0 ? emaAccuracies() : undefined;
sample();
// the peak of the run itself (training and the test evaluation), before the bench's own TTA copies
const runPeakRss = peakRss;
const testAccuracyFlipTta = args.includes('--tta') ? flipTtaAccuracy() : undefined;
sample();
clearInterval(sampler);
const result: FashionResult = {
  net,
  params: model.countParams(),
  workers,
  pixels,
  trainImages: train.length,
  epochs,
  budgetSeconds,
  cpuBudgetSeconds,
  trainSeconds,
  cpuSeconds,
  samplesPerSec: (epochs * train.length) / trainSeconds,
  trainAccuracy: history ? history.history.accuracy![epochs - 1]! : NaN,
  testAccuracy,
  ...(testAccuracyEma === undefined ? {} : { testAccuracyEma }),
  ...(testAccuracyFlipTta === undefined ? {} : { testAccuracyFlipTta }),
  peakRssMiB: runPeakRss / 2 ** 20,
  ...(testAccuracyFlipTta === undefined ? {} : { peakRssWithTtaMiB: peakRss / 2 ** 20 }),
  loadedRssMiB: loadedRss / 2 ** 20,
  loadStart,
  loadEnd,
};
await knobs.shutdown();
console.log(JSON.stringify(result));
