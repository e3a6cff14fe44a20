/**
 * The browser demo's script: trains an MLP on MNIST (or Fashion-MNIST) in Web Workers, draws
 * the curves live with the report renderer, then the diagnosis and the confusion matrix; reads a
 * digit drawn on a canvas the way MNIST digits were prepared (the ink's box scaled to 20 px,
 * centred by its centre of mass in 28 x 28); saves the model to IndexedDB and loads it back.
 * @module
 */
import { REPORT_PAGE_CSS } from '../../build/generated/report-page';
import * as knobs from '../../build/entry.browser';
import * as report from '../../build/entry.report';
import { REPORT_CSS } from '../report/render';

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const STORE = 'indexeddb://knobs-demo';
const HUMAN_LEVEL_ERROR: Record<string, number> = { mnist: 0.002, 'fashion-mnist': knobs.data.FASHION_MNIST_HUMAN_LEVEL_ERROR };

const style = document.createElement('style');
style.textContent = REPORT_PAGE_CSS + REPORT_CSS;
document.head.append(style);

interface DemoState {
  state: 'idle' | 'loading' | 'training' | 'done' | 'failed';
  devAccuracy?: number;
  model?: knobs.LayersModel;
  dataset?: string;
  lastPrediction?: { label: number; probabilities: number[] };
  error?: string;
}
const demo: DemoState = { state: 'idle' };
(window as unknown as { demo: DemoState }).demo = demo;

function setStatus(state: DemoState['state'], text: string): void {
  demo.state = state;
  const s = $('status');
  s.textContent = text;
  s.dataset.state = state;
}

const isolation = $('isolation');
if (self.crossOriginIsolated && knobs.sharedMemorySupported()) {
  isolation.textContent = 'cross-origin isolated: the worker pool shares one WebAssembly memory (SharedArrayBuffer)';
  isolation.dataset.mode = 'shared';
} else {
  isolation.textContent =
    'not cross-origin isolated: the workers fall back to message passing (each batch copied to them; slower). Serve the page with COOP/COEP headers to share memory.';
  isolation.className = 'warn';
  isolation.dataset.mode = 'messages';
}

async function fetchSet(name: string, count: number): Promise<knobs.data.Dataset> {
  const r = await fetch(`data/${name}.bin`);
  if (!r.ok) throw new Error(`data/${name}.bin: HTTP ${r.status}`);
  const bytes = new Uint8Array(await r.arrayBuffer());
  const total = new DataView(bytes.buffer).getUint32(0, true);
  const n = Math.min(count, total);
  const x = new Float32Array(n * 784);
  for (let i = 0; i < n * 784; i++) x[i] = bytes[4 + i]! / 255;
  const y = Int32Array.from(bytes.subarray(4 + total * 784, 4 + total * 784 + n));
  return knobs.data.dataset({ x, y, features: 784, classes: 10 });
}

const view = report.render($('report'), report.reportData({ title: 'train a model to see its curves here', status: 'done' }));

async function train(): Promise<void> {
  await knobs.ready(); // fetches and compiles the kernels (knobs.wasm, beside this script) once
  const name = ($('dataset') as HTMLSelectElement).value;
  const count = Number(($('count') as HTMLSelectElement).value);
  const epochs = Number(($('epochs') as HTMLSelectElement).value);
  const workers = Number(($('workers') as HTMLSelectElement).value);
  setStatus('loading', `loading ${name}...`);
  const all = await fetchSet(name, count);
  const { train: t0, dev, test } = knobs.data.trainDevTestSplit(all, { ratios: [0.8, 0.1, 0.1], seed: 1 });
  const { train, trainDev } = knobs.data.trainDevSplit(t0, { ratio: 0.1, seed: 1 });
  const model = knobs.sequential({
    inputShape: [784],
    seed: 1,
    layers: [
      knobs.layers.dense({ units: 128, activation: 'relu', kernelInitializer: 'heNormal' }),
      knobs.layers.dense({ units: 64, activation: 'relu', kernelInitializer: 'heNormal' }),
      knobs.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
  model.compile({ optimizer: knobs.optimizers.adam({ learningRate: 1e-3 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  model.metadata.dataset = name;
  const title = `${name}: MLP 784-128-64-10, ${train.length} training examples, ${workers} worker${workers > 1 ? 's' : ''}`;
  const batchLoss: number[] = [];
  const epochLogs = { epoch: [] as number[], history: {} as Record<string, number[]> };
  let last = 0;
  const draw = (): void => view.update(report.reportData({ title, status: 'running', notes: [isolation.textContent ?? ''], history: epochLogs, batchLoss }));
  setStatus('training', 'training...');
  const history = await model.fit(train.x, train.y, {
    epochs,
    batchSize: 64,
    workers,
    verbose: 0,
    validationData: [dev.x, dev.y],
    callbacks: [
      {
        onBatchEnd: (_b: number, logs?: Record<string, number>) => {
          batchLoss.push(logs!.loss!);
          if (performance.now() - last > 500) {
            last = performance.now();
            draw();
          }
        },
        onEpochEnd: (epoch: number, logs?: Record<string, number>) => {
          epochLogs.epoch.push(epoch);
          for (const [k, v] of Object.entries(logs ?? {})) (epochLogs.history[k] ??= []).push(v);
          setStatus('training', `epoch ${epoch + 1}/${epochs}: dev accuracy ${(100 * (logs?.val_accuracy ?? 0)).toFixed(1)}%`);
          draw();
        },
      },
    ],
  });
  const lab = (d: knobs.data.Dataset): { x: Float32Array; y: Int32Array } => ({ x: d.x, y: d.y as Int32Array });
  const diagnosis = knobs.diagnose(
    model,
    { train: lab(train), trainDev: lab(trainDev), dev: lab(dev), test: lab(test) },
    { humanLevelError: HUMAN_LEVEL_ERROR[name] ?? 0 },
  );
  const analysis = knobs.analyze.analyze(model, dev.x, dev.y as Int32Array);
  view.update(
    report.reportData({
      title,
      status: 'done',
      notes: [isolation.textContent ?? ''],
      model,
      history,
      batchLoss,
      diagnosis,
      analysis,
      examples: { x: dev.x, y: dev.y, image: { height: 28, width: 28 } },
      ...(name === 'fashion-mnist' ? { classNames: [...knobs.data.FASHION_MNIST_CLASS_NAMES] } : {}),
    }),
  );
  demo.model = model;
  demo.dataset = name;
  demo.devAccuracy = analysis.accuracy;
  setStatus('done', `done: dev accuracy ${(100 * analysis.accuracy).toFixed(1)}% - ${diagnosis.verdict}`);
}

// ---- the drawing pad
const pad = $<HTMLCanvasElement>('pad');
const g = pad.getContext('2d', { willReadFrequently: true })!;
function clearPad(): void {
  g.fillStyle = '#000';
  g.fillRect(0, 0, pad.width, pad.height);
}
clearPad();
let drawing = false;
let prev: [number, number] | undefined;
const at = (e: PointerEvent): [number, number] => {
  const r = pad.getBoundingClientRect();
  return [((e.clientX - r.left) * pad.width) / r.width, ((e.clientY - r.top) * pad.height) / r.height];
};
pad.addEventListener('pointerdown', (e) => {
  drawing = true;
  prev = at(e);
  pad.setPointerCapture(e.pointerId);
});
pad.addEventListener('pointermove', (e) => {
  if (!drawing || !prev) return;
  const p = at(e);
  g.strokeStyle = '#fff';
  g.lineWidth = 22;
  g.lineCap = 'round';
  g.beginPath();
  g.moveTo(prev[0], prev[1]);
  g.lineTo(p[0], p[1]);
  g.stroke();
  prev = p;
});
pad.addEventListener('pointerup', () => {
  drawing = false;
  prev = undefined;
});

/** The drawing as MNIST prepared its digits: ink box scaled to fit 20 x 20, centred by mass in 28 x 28, values in [0, 1]. */
function padPixels(): Float32Array | undefined {
  const { data, width, height } = g.getImageData(0, 0, pad.width, pad.height);
  let x0 = width,
    y0 = height,
    x1 = -1,
    y1 = -1;
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      if (data[(y * width + x) * 4]! > 20) {
        x0 = Math.min(x0, x);
        x1 = Math.max(x1, x);
        y0 = Math.min(y0, y);
        y1 = Math.max(y1, y);
      }
  if (x1 < 0) return undefined;
  const bw = x1 - x0 + 1,
    bh = y1 - y0 + 1;
  const s = 20 / Math.max(bw, bh);
  const small = document.createElement('canvas');
  small.width = small.height = 28;
  const sg = small.getContext('2d', { willReadFrequently: true })!;
  sg.fillStyle = '#000';
  sg.fillRect(0, 0, 28, 28);
  sg.imageSmoothingEnabled = true;
  sg.imageSmoothingQuality = 'high';
  sg.drawImage(pad, x0, y0, bw, bh, 14 - (bw * s) / 2, 14 - (bh * s) / 2, bw * s, bh * s);
  const px = sg.getImageData(0, 0, 28, 28).data;
  const v = new Float32Array(784);
  let m = 0,
    cx = 0,
    cy = 0;
  for (let i = 0; i < 784; i++) {
    v[i] = px[i * 4]! / 255;
    m += v[i]!;
    cx += v[i]! * (i % 28);
    cy += v[i]! * Math.floor(i / 28);
  }
  // shift the centre of mass to the centre, as MNIST did
  const dx = Math.round(13.5 - cx / m),
    dy = Math.round(13.5 - cy / m);
  const out = new Float32Array(784);
  for (let y = 0; y < 28; y++)
    for (let x = 0; x < 28; x++) {
      const sx = x - dx,
        sy = y - dy;
      if (sx >= 0 && sx < 28 && sy >= 0 && sy < 28) out[y * 28 + x] = v[sy * 28 + sx]!;
    }
  return out;
}

function predict(): void {
  const p = $('prediction');
  if (!demo.model) {
    p.textContent = 'train or load a model first';
    return;
  }
  const x = padPixels();
  if (!x) {
    p.textContent = 'draw a digit first';
    return;
  }
  const probs = Array.from(demo.model.predict(x));
  const label = probs.indexOf(Math.max(...probs));
  const names = demo.dataset === 'fashion-mnist' ? knobs.data.FASHION_MNIST_CLASS_NAMES : undefined;
  demo.lastPrediction = { label, probabilities: probs };
  p.textContent = `prediction: ${names?.[label] ?? label} (${(100 * probs[label]!).toFixed(0)}%)`;
  p.dataset.label = String(label);
  $('probs').replaceChildren(
    ...probs.map((q, i) => {
      const row = document.createElement('div');
      const bar = document.createElement('span');
      bar.className = 'bar';
      bar.style.width = `${Math.round(q * 200)}px`;
      row.append(`${names?.[i] ?? i}`.padEnd(3), bar, `${(100 * q).toFixed(1)}%`);
      return row;
    }),
  );
}

async function save(): Promise<void> {
  if (!demo.model) {
    $('store').textContent = 'nothing to save: train a model first';
    return;
  }
  await demo.model.save(STORE);
  $('store').textContent = `saved to ${STORE}`;
  $('store').dataset.saved = 'true';
}

async function load(): Promise<void> {
  try {
    await knobs.ready();
    demo.model = await knobs.loadModel(STORE);
    demo.dataset = String(demo.model.metadata.dataset ?? 'mnist');
    $('store').textContent = `loaded the ${demo.dataset} model from ${STORE}: draw and predict`;
    $('store').dataset.loaded = 'true';
    setStatus('done', 'model loaded from IndexedDB');
  } catch (e) {
    $('store').textContent = `no saved model in ${STORE} (${(e as Error).message.split('\n')[0]})`;
  }
}

const guard =
  (f: () => Promise<void> | void): (() => void) =>
  () =>
    void Promise.resolve()
      .then(f)
      .catch((e: Error) => {
        demo.error = e.message;
        setStatus('failed', `failed: ${e.message}`);
      });
$('train').addEventListener('click', guard(train));
$('predict').addEventListener('click', guard(predict));
$('clear').addEventListener('click', () => {
  clearPad();
  $('prediction').textContent = '';
  $('probs').replaceChildren();
});
$('save').addEventListener('click', guard(save));
$('load').addEventListener('click', guard(load));

// the data sets the server has, and a model saved by an earlier visit
void fetch('data/list.json')
  .then((r) => r.json() as Promise<string[]>)
  .then((names) => {
    const sel = $<HTMLSelectElement>('dataset');
    for (const n of names) sel.append(new Option(n, n));
  });
void knobs
  .ready()
  .then(() => knobs.loadModel(STORE))
  .then((m) => {
    $('store').textContent = `a ${String(m.metadata.dataset ?? 'mnist')} model saved earlier is in IndexedDB: press load`;
    $('store').dataset.found = 'true';
  })
  .catch(() => ($('store').textContent = 'no model saved in this browser yet'));
(window as unknown as { demoReady: boolean }).demoReady = true;
