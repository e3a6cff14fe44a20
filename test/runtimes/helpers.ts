// Shared by the runtime tests: a consumer project that depends on the package as a user's would
// (node_modules/knobs is the package directory itself, resolved through its export map), the
// training every runtime runs, and the runtime binaries the dev dependencies ship.
import { mkdtempSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BIN = join(ROOT, 'node_modules/.bin');

/**
 * A small project in a temp directory whose node_modules/knobs links to this package, with the
 * given files. Tests that need the packed tarball instead use test/runtimes/pack.test.ts.
 */
export function consumerProject(files: Record<string, string>, pkg: Record<string, unknown> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'knobs-consumer-'));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(ROOT, join(dir, 'node_modules/knobs'), 'dir');
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module', dependencies: { knobs: '*' }, ...pkg }));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

/**
 * The training every runtime test runs, as JavaScript source defining `trainSmall(knobs,
 * workers)`: four classes by the quadrant of the first two of 8 features, 384 rows to train and
 * 128 held out; returns the held-out accuracy and the warnings printed meanwhile.
 */
export const TRAIN_SMALL = `
async function trainSmall(knobs, workers) {
  const warnings = [];
  const warn = console.warn;
  console.warn = (...a) => { warnings.push(a.join(' ')); warn(...a); };
  try {
    let s = 12345;
    const next = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296;
    const n = 512, f = 8, train = 384;
    const x = new Float32Array(n * f).map(() => next() * 2 - 1);
    const y = Int32Array.from({ length: n }, (_, i) => (x[i * f] > 0 ? 1 : 0) + (x[i * f + 1] > 0 ? 2 : 0));
    const L = knobs.layers;
    const m = knobs.sequential({ inputShape: [f], seed: 3, layers: [L.dense({ units: 32, activation: 'relu' }), L.dense({ units: 4, activation: 'softmax' })] });
    m.compile({ optimizer: knobs.optimizers.adam({ learningRate: 0.01 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const h = await m.fit(x.subarray(0, train * f), y.subarray(0, train), { batchSize: 32, epochs: 25, verbose: 0, workers });
    const p = m.predict(x.subarray(train * f));
    let correct = 0;
    for (let i = 0; i < n - train; i++) {
      let best = 0;
      for (let c = 1; c < 4; c++) if (p[i * 4 + c] > p[i * 4 + best]) best = c;
      if (best === y[train + i]) correct++;
    }
    return { accuracy: correct / (n - train), epochs: h.epoch.length, trainAccuracy: h.history.accuracy.at(-1), warnings };
  } finally {
    console.warn = warn;
  }
}
`;
