// Cloudflare Workers, in workerd itself (through miniflare, a dev dependency that ships the
// binary): workerd forbids compiling WebAssembly from bytes, so the package's `workerd` export
// imports knobs.wasm as a module the host compiles. Each Worker is bundled the way wrangler does
// it (esbuild with the workerd conditions, .wasm imports kept as modules beside the script).
import { copyFileSync, mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import * as esbuild from 'esbuild';
import { Miniflare } from 'miniflare';
import { afterAll, describe, expect, it } from 'vitest';
import { TRAIN_SMALL, consumerProject } from './helpers';

const instances: Miniflare[] = [];
afterAll(async () => {
  for (const mf of instances) await mf.dispose();
});

/** Bundles `worker.js` of a consumer project as wrangler would and starts it in workerd. */
async function start(source: string): Promise<Miniflare> {
  const dir = consumerProject({ 'worker.js': TRAIN_SMALL + source });
  const out = join(dir, 'out');
  mkdirSync(out);
  await esbuild.build({
    entryPoints: [join(dir, 'worker.js')],
    outfile: join(out, 'worker.js'),
    bundle: true,
    format: 'esm',
    conditions: ['workerd', 'worker', 'browser'],
    logLevel: 'error',
    plugins: [
      {
        name: 'wasm-modules',
        setup(build) {
          // wrangler's rule: a .wasm import becomes a module of the Worker, compiled by workerd
          build.onResolve({ filter: /\.wasm$/ }, (args) => {
            const file = args.path.startsWith('.')
              ? join(args.resolveDir, args.path)
              : join(dir, 'node_modules', args.path.replace('knobs/wasm/', 'knobs/build/dist/browser/'));
            copyFileSync(file, join(out, basename(file)));
            return { path: `./${basename(file)}`, external: true };
          });
        },
      },
    ],
  });
  const mf = new Miniflare({
    modules: true,
    scriptPath: join(out, 'worker.js'),
    modulesRoot: out,
    modulesRules: [{ type: 'CompiledWasm', include: ['**/*.wasm'] }],
    compatibilityDate: '2025-09-01',
  });
  instances.push(mf);
  await mf.ready;
  return mf;
}

describe('Cloudflare Workers (workerd)', () => {
  it('trains and predicts with the kernels imported as a module, and workers: 2 trains on one thread saying so once', async () => {
    const mf = await start(`
      import * as knobs from 'knobs';
      export default {
        async fetch() {
          const one = await trainSmall(knobs, 1);
          const two = await trainSmall(knobs, 2);
          return Response.json({ one, two, hasWorker: typeof Worker });
        },
      };
    `);
    const r = (await (await mf.dispatchFetch('http://localhost/')).json()) as {
      one: { accuracy: number; epochs: number; warnings: string[] };
      two: { accuracy: number; warnings: string[] };
      hasWorker: string;
    };
    expect(r.hasWorker).toBe('undefined');
    expect(r.one.epochs).toBe(25);
    expect(r.one.accuracy).toBeGreaterThan(0.9);
    expect(r.one.warnings).toEqual([]);
    // one thread, the same seed: the same model as with workers: 1
    expect(r.two.accuracy).toBe(r.one.accuracy);
    expect(r.two.warnings).toEqual(['knobs: fit({ workers: 2 }) trains on one thread: this runtime has no Worker.']);
  });

  it('answers a training request with predictions, the module handed over by the Worker through ready({ module })', async () => {
    const mf = await start(`
      import * as knobs from 'knobs';
      import kernels from 'knobs/wasm/knobs.wasm';
      export default {
        async fetch(request) {
          await knobs.ready({ module: kernels });
          const { x, y, features, test } = await request.json();
          const m = knobs.sequential({ inputShape: [features], seed: 1, layers: [knobs.layers.dense({ units: 16, activation: 'relu' }), knobs.layers.dense({ units: 2, activation: 'softmax' })] });
          m.compile({ optimizer: knobs.optimizers.adam({ learningRate: 0.02 }), loss: 'sparseCategoricalCrossentropy' });
          await m.fit(new Float32Array(x), new Int32Array(y), { epochs: 30, batchSize: 16, verbose: 0 });
          return Response.json({ predictions: Array.from(m.predict(new Float32Array(test))) });
        },
      };
    `);
    // the label: whether the features sum above zero
    let s = 99;
    const next = (): number => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296;
    const features = 4;
    const rows = (n: number): number[] => Array.from({ length: n * features }, () => next() * 2 - 1);
    const label = (x: number[], i: number): number => (x.slice(i * features, (i + 1) * features).reduce((a, b) => a + b, 0) > 0 ? 1 : 0);
    const x = rows(256),
      test = rows(100);
    const y = Array.from({ length: 256 }, (_, i) => label(x, i));
    const res = await mf.dispatchFetch('http://localhost/train', { method: 'POST', body: JSON.stringify({ x, y, features, test }) });
    expect(res.status).toBe(200);
    const { predictions } = (await res.json()) as { predictions: number[] };
    expect(predictions).toHaveLength(200);
    let correct = 0;
    for (let i = 0; i < 100; i++) if ((predictions[2 * i + 1]! > predictions[2 * i]! ? 1 : 0) === label(test, i)) correct++;
    expect(correct).toBeGreaterThanOrEqual(90);
  });
});
