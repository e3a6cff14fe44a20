/**
 * A static server on 127.0.0.1 for the browser tests: serves the browser bundle and a test page,
 * with the cross-origin isolation headers (COOP/COEP) under /isolated/ and without them under
 * /plain/.
 */
import { createServer, type Server } from 'node:http';
import { readFileSync, existsSync } from 'node:fs';
import { join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const TYPES: Record<string, string> = { '.js': 'text/javascript', '.html': 'text/html', '.map': 'application/json', '.wasm': 'application/wasm' };

export const PAGE = `<!doctype html><meta charset="utf-8"><title>knobs browser test</title>
<script type="module">
  import * as knobs from './dist/knobs.js';
  import * as tune from './dist/tune.js';
  // the same data and model as the Node side of the test (test/browser/training.ts)
  function data(n, f) {
    let s = 12345;
    const next = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296);
    const x = new Float32Array(n * f).map(() => next() * 2 - 1);
    const y = Int32Array.from({ length: n }, (_, i) => (x[i * f] > 0 ? 1 : 0) + (x[i * f + 1] > 0 ? 2 : 0));
    return { x, y };
  }
  // fits: the epochs of each fit call in turn ([2, 1]: a second fit trains on, as in Keras)
  window.train = async (workers, fits = [3]) => {
    const { x, y } = data(384, 24);
    const L = knobs.layers;
    const m = knobs.sequential({ inputShape: [24], seed: 3, layers: [
      L.dense({ units: 32, activation: 'relu' }), L.dropout({ rate: 0.2 }), L.dense({ units: 4, activation: 'softmax' })] });
    m.compile({ optimizer: knobs.optimizers.adam({ learningRate: 0.01 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    let h;
    const epochs = [];
    for (const n of fits) {
      h = await m.fit(x, y, { batchSize: 64, epochs: n, verbose: 0, workers, health: { every: 2 } });
      epochs.push(h.epoch);
    }
    return { epochs, isolated: self.crossOriginIsolated, shared: knobs.sharedMemorySupported(), loss: h.history.loss, weights: m.getWeights().map((w) => Array.from(w)), health: h.health };
  };
  window.idbRoundTrip = async () => {
    const { x, y } = data(64, 24);
    const m = knobs.sequential({ inputShape: [24], seed: 4, layers: [knobs.layers.dense({ units: 4, activation: 'softmax' })] });
    m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
    await m.fit(x, y, { epochs: 2, verbose: 0 });
    await m.save('indexeddb://roundtrip');
    const back = await knobs.loadModel('indexeddb://roundtrip');
    const buf = await knobs.loadModel(knobs.toArrayBuffer(m));
    return { same: Array.from(back.predict(x)).join() === Array.from(m.predict(x)).join(), sameBuffer: Array.from(buf.predict(x)).join() === Array.from(m.predict(x)).join(),
      iterations: back.optimizer.iterations, epochs: back.epochsCompleted };
  };
  // A study on IndexedDB: trials report to the page as they go; the trial numbered \`hangAt\`
  // never ends (the test closes the page while it runs, as a crash would).
  window.tuneProgress = [];
  window.tuneStudy = async (nTrials, hangAt) => {
    const study = tune.createStudy({ storage: tune.indexedDbStorage('knobs-browser-tuning'), studyName: 'branin',
      loadIfExists: true, sampler: tune.tpeSampler({ seed: 3, nStartupTrials: 5 }), heartbeatInterval: 0.1, gracePeriod: 0.3 });
    await study.ready();
    await study.optimize(async (trial) => {
      const x = trial.suggestFloat('x', -5, 10), y = trial.suggestFloat('y', 0, 15);
      trial.report(x + y, 1);
      if (trial.number === hangAt) { window.tuneProgress.push({ running: trial.number }); await new Promise(() => {}); }
      const v = (y - 5.1 / (4 * Math.PI ** 2) * x * x + 5 / Math.PI * x - 6) ** 2 + 10 * (1 - 1 / (8 * Math.PI)) * Math.cos(x) + 10;
      window.tuneProgress.push({ done: trial.number });
      return v;
    }, { nTrials });
    return study.trials.map((t) => ({ number: t.number, state: t.state, params: t.params, value: t.value ?? null, systemAttrs: t.systemAttrs }));
  };
  // importing compiled nothing: the page loads the kernels (knobs.wasm beside the bundle) once
  await knobs.ready();
  window.ready = true;
</script>`;

export function startServer(): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const isolated = url.pathname.startsWith('/isolated/');
    const path = url.pathname.replace(/^\/(isolated|plain)\//, '/');
    const headers: Record<string, string> = { 'Cache-Control': 'no-store' };
    if (isolated) {
      headers['Cross-Origin-Opener-Policy'] = 'same-origin';
      headers['Cross-Origin-Embedder-Policy'] = 'require-corp';
      headers['Cross-Origin-Resource-Policy'] = 'same-origin';
    }
    if (path === '/' || path === '/index.html') {
      res.writeHead(200, { ...headers, 'Content-Type': 'text/html' });
      res.end(PAGE);
      return;
    }
    if (path.startsWith('/dist/')) {
      const file = normalize(join(root, 'build/dist/browser', path.slice('/dist/'.length)));
      if (file.startsWith(join(root, 'build/dist/browser')) && existsSync(file)) {
        res.writeHead(200, { ...headers, 'Content-Type': TYPES[file.slice(file.lastIndexOf('.'))] ?? 'application/octet-stream' });
        res.end(readFileSync(file));
        return;
      }
    }
    res.writeHead(404, headers);
    res.end('not found');
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const addr = server.address() as { port: number };
      resolve({ server, url: `http://127.0.0.1:${addr.port}` });
    }),
  );
}
