// Vercel's edge runtime, as the `edge-runtime` dev dependency emulates it, with WebAssembly code
// generation from bytes turned off as in production. The app is bundled the way Vercel does it
// (esbuild with the edge-light condition): the package's edge-light build imports
// `knobs.wasm?module`, which the host binds to a module it compiled itself.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { EdgeRuntime } from 'edge-runtime';
import { describe, expect, it } from 'vitest';
import { ROOT, TRAIN_SMALL, consumerProject } from './helpers';

describe("Vercel's edge runtime (edge-light)", () => {
  it('trains and predicts with the kernels imported as a module; workers: 2 trains on one thread, said once', async () => {
    const dir = consumerProject({
      'app.js': `${TRAIN_SMALL}
import * as knobs from 'knobs';
globalThis.run = async () => JSON.stringify({ one: await trainSmall(knobs, 1), two: await trainSmall(knobs, 2), hasWorker: typeof Worker });
`,
    });
    const built = await esbuild.build({
      absWorkingDir: dir,
      entryPoints: ['./app.js'],
      bundle: true,
      write: false,
      format: 'iife',
      platform: 'browser',
      conditions: ['edge-light', 'worker', 'browser'],
      logLevel: 'error',
      plugins: [
        {
          name: 'vercel-wasm-modules',
          setup(build) {
            // Vercel's rule: `import m from './x.wasm?module'` is a module the platform compiled
            build.onResolve({ filter: /\.wasm\?module$/ }, (args) => ({ path: args.path, namespace: 'wasm-binding' }));
            build.onLoad({ filter: /.*/, namespace: 'wasm-binding' }, () => ({ contents: 'export default globalThis.__knobsWasmBinding;', loader: 'js' }));
          },
        },
      ],
    });
    const kernels = new WebAssembly.Module(readFileSync(join(ROOT, 'build/dist/edge/knobs.wasm')));
    const runtime = new EdgeRuntime({
      codeGeneration: { strings: false, wasm: false },
      extend: (context) => Object.assign(context, { __knobsWasmBinding: kernels }),
    });
    // the restriction is real here: compiling from bytes fails
    expect(() => runtime.evaluate('new WebAssembly.Module(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]))')).toThrow(/disallowed/);
    runtime.evaluate(built.outputFiles[0]!.text);
    const r = JSON.parse(await (runtime.evaluate('run()') as Promise<string>)) as {
      one: { accuracy: number; epochs: number; warnings: string[] };
      two: { accuracy: number; warnings: string[] };
      hasWorker: string;
    };
    expect(r.hasWorker).toBe('undefined');
    expect(r.one.epochs).toBe(25);
    expect(r.one.accuracy).toBeGreaterThan(0.9);
    expect(r.two.accuracy).toBe(r.one.accuracy);
    expect(r.two.warnings).toEqual(['knobs: fit({ workers: 2 }) trains on one thread: this runtime has no Worker.']);
  });
});
