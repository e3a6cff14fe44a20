// The package as users get it: `npm pack`, then `npm install ./knobs-x.y.z.tgz` into a fresh
// project (knobs from the local tarball; its three dependencies from npm's cache, else the registry), which runs no build script; a smoke script
// trains a small model and uses the subpaths knobs/onnx, knobs/report and knobs/tune; the `knobs` command
// runs from node_modules/.bin; and TypeScript consumer projects compile against the installed
// types under moduleResolution bundler (browser types, no Node APIs), node16 and nodenext.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT, TRAIN_SMALL } from './helpers';

const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');

function sh(command: string, args: string[], cwd: string): SpawnSyncReturns<string> {
  const r = spawnSync(command, args, { cwd, encoding: 'utf8', timeout: 300_000 });
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
  return r;
}

let project: string;
let packed: { filename: string; unpackedSize: number; files: { path: string; size: number }[] };
let installLog: string;

beforeAll(() => {
  // the declaration files are not part of the tests' usual build (--no-types)
  sh(process.execPath, ['build/build.mjs'], ROOT);
  const dest = mkdtempSync(join(tmpdir(), 'knobs-pack-'));
  // --ignore-scripts: the package was just built; prepare would only build it again
  packed = JSON.parse(sh(NPM, ['pack', '--json', '--ignore-scripts', '--pack-destination', dest], ROOT).stdout)[0];
  project = mkdtempSync(join(tmpdir(), 'knobs-user-'));
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'user-app', version: '1.0.0', private: true, type: 'module' }));
  installLog = sh(NPM, ['install', '--prefer-offline', '--no-audit', '--no-fund', '--foreground-scripts', join(dest, packed.filename)], project).stdout;
}, 600_000);

describe('the published package', () => {
  it('holds the bundles, kernels and types only, and installs without running a build', () => {
    const paths = packed.files.map((f) => f.path);
    expect(paths).toContain('build/dist/node/knobs.js');
    expect(paths).toContain('build/dist/browser/knobs.wasm');
    expect(paths).toContain('build/dist/edge/workerd.js');
    expect(paths).toContain('build/types/build/entry.browser.d.ts');
    for (const p of [
      'build/dist/onnx.js',
      'build/dist/node/report.js',
      'build/dist/browser/report.js',
      'build/types/build/entry.report.node.d.ts',
      'build/dist/node/tune.js',
      'build/dist/browser/tune.js',
      'build/types/build/entry.tune.node.d.ts',
    ])
      expect(paths).toContain(p);
    // no benchmarks, sources, maps or demos (the web demo's page script included), one copy of each kernel file for Node and browsers
    // (knobs-ops.wasm: the few kernels of 'knobs/ops')
    expect(paths.filter((p) => /(^|\/)(test|bench|assembly)\/|\.map$|demo[-\w]*\.js$/.test(p))).toEqual([]);
    expect(paths.filter((p) => p.endsWith('.wasm')).sort()).toEqual([
      'build/dist/browser/knobs-ops.wasm',
      'build/dist/browser/knobs-shared.wasm',
      'build/dist/browser/knobs.wasm',
      'build/dist/edge/knobs.wasm',
    ]);
    // the browser library once more as one module per source file, for bundlers (the `module` condition)
    expect(paths).toContain('build/dist/browser/esm/build/entry.browser.js');
    expect(paths).toContain('build/dist/browser/esm-wasm-source.js');
    // a budget against bloat (what may be shipped is checked above): 4,001,643 bytes after the start-up split and
    // the reuse of built models' layers, 4,450,901 with the per-module browser build (509 KB: what lets a bundler
    // leave out what an app does not use, issue 15); knobs.wasm and knobs-shared.wasm differ by one byte (the
    // memory's shared flag), 254 KB that one file could save
    expect(packed.unpackedSize).toBeLessThan(4_500_000);
    const pkg = JSON.parse(readFileSync(join(project, 'node_modules/knobs/package.json'), 'utf8')) as { private?: boolean; scripts?: Record<string, string> };
    expect(pkg.private).toBeUndefined();
    for (const hook of ['preinstall', 'install', 'postinstall']) expect(pkg.scripts?.[hook]).toBeUndefined();
    // npm prints every script it runs with --foreground-scripts
    expect(installLog).not.toMatch(/> knobs@/);
  });

  it('a smoke script trains a small model from the installed package, and the process exits by itself', () => {
    writeFileSync(
      join(project, 'smoke.mjs'),
      `${TRAIN_SMALL}\nimport * as knobs from 'knobs';\nconst r = await trainSmall(knobs, 2);\nconsole.log(JSON.stringify(r));\n`,
    );
    const r = spawnSync(process.execPath, ['smoke.mjs'], { cwd: project, encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { accuracy: number; epochs: number };
    expect(out.epochs).toBe(25);
    expect(out.accuracy).toBeGreaterThan(0.9);
  });

  it('exports ONNX, writes the report and tunes through the subpaths, which the core entry leaves out', () => {
    writeFileSync(
      join(project, 'subpaths.mjs'),
      `import * as knobs from 'knobs';
import { exportModel } from 'knobs/onnx';
import * as report from 'knobs/report';
import * as tune from 'knobs/tune';
import { readFileSync } from 'node:fs';
const m = knobs.sequential({ inputShape: [3], seed: 1, layers: [knobs.layers.dense({ units: 2, activation: 'softmax' })] });
m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
const bytes = exportModel(m);
const h = await m.fit(new Float32Array([1, 0, 0, 0, 1, 0]), new Int32Array([0, 1]), { epochs: 2, verbose: 0 });
const data = await report.write('run/report.html', { model: m, history: h });
// a study in a journal file (the Node flavour's scheme) whose trials train with 'knobs'
const study = tune.createStudy({ storage: 'journal:./study.jsonl', studyName: 's', sampler: tune.randomSampler({ seed: 1 }) });
await study.optimize(async (trial) => {
  const t = knobs.sequential({ inputShape: [3], seed: 1, layers: [knobs.layers.dense({ units: 2, activation: 'softmax' })] });
  t.compile({ optimizer: knobs.optimizers.adam({ learningRate: trial.suggestFloat('lr', 1e-3, 1e-1, { log: true }) }), loss: 'sparseCategoricalCrossentropy' });
  const th = await t.fit(new Float32Array([1, 0, 0, 0, 1, 0]), new Int32Array([0, 1]), { epochs: 2, verbose: 0 });
  return th.history.loss.at(-1);
}, { nTrials: 3 });
const journal = readFileSync('study.jsonl', 'utf8').split('\\n').filter(Boolean).length;
console.log(JSON.stringify({ core: [typeof knobs.onnx, typeof knobs.report, typeof knobs.tune], trials: study.trials.length, journal, onnxBytes: bytes.length, producer: new TextDecoder().decode(bytes).includes('knobs'),
  epochs: data.epochs.epoch.length, html: readFileSync('run/report.html', 'utf8').length, serve: typeof report.serveDashboard }));
`,
    );
    const r = spawnSync(process.execPath, ['subpaths.mjs'], { cwd: project, encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as {
      core: string[];
      trials: number;
      journal: number;
      onnxBytes: number;
      producer: boolean;
      epochs: number;
      html: number;
      serve: string;
    };
    expect(out.core).toEqual(['undefined', 'undefined', 'undefined']);
    expect(out.trials).toBe(3);
    expect(out.journal).toBeGreaterThan(3); // the study's creation, and records per trial
    expect(out.onnxBytes).toBeGreaterThan(3 * 2 * 4); // at least the weights, as float32
    expect(out.producer).toBe(true);
    expect(out.epochs).toBe(2);
    expect(out.html).toBeGreaterThan(50_000); // the page carries its script and uPlot
    expect(out.serve).toBe('function');
  });

  it("a browser app bundled from 'knobs' leaves out the exporter, the report and the tuner, which its subpaths carry", async () => {
    const esbuild = await import('esbuild');
    const bundle = async (source: string): Promise<string> => {
      writeFileSync(join(project, 'app.js'), source);
      const r = await esbuild.build({
        absWorkingDir: project,
        entryPoints: ['./app.js'],
        bundle: true,
        write: false,
        format: 'esm',
        platform: 'browser',
        logLevel: 'error',
      });
      return r.outputFiles[0]!.text;
    };
    // markers: a message of the ONNX schema, uPlot's legend class (its name is minified away), the report page's data element,
    // the pruned-trial error's name
    const has = (js: string): boolean[] => [js.includes('OperatorSetIdProto'), js.includes('u-legend'), js.includes('knobs-data'), js.includes('TrialPruned')];
    expect(has(await bundle("import * as knobs from 'knobs';\nconsole.log(knobs.sequential, knobs.loadModel);\n"))).toEqual([false, false, false, false]);
    expect(has(await bundle("import * as tune from 'knobs/tune';\nconsole.log(tune.createStudy);\n"))).toEqual([false, false, false, true]);
    expect(
      has(
        await bundle(
          "import { exportModel } from 'knobs/onnx';\nimport * as report from 'knobs/report';\nconsole.log(exportModel, report.render, report.html);\n",
        ),
      ),
    ).toEqual([true, true, true, false]);
  });

  it('a browser app bundled by esbuild from the installed package loads no more than it uses: saving, loading and the worker pool come later, if ever', async () => {
    const esbuild = await import('esbuild');
    // the files the app loads before it runs (its static imports, transitively), as a user's build with splitting emits them
    const loaded = async (source: string): Promise<string> => {
      writeFileSync(join(project, 'app.js'), source);
      const r = await esbuild.build({
        absWorkingDir: project,
        entryPoints: ['./app.js'],
        bundle: true,
        splitting: true,
        outdir: join(project, 'split-out'),
        write: false,
        format: 'esm',
        platform: 'browser',
        logLevel: 'error',
      });
      const files = new Map(r.outputFiles.map((f) => [f.path.slice(f.path.lastIndexOf('/') + 1), f.text]));
      const seen = new Set<string>();
      const visit = (name: string): void => {
        if (seen.has(name)) return;
        seen.add(name);
        for (const m of files.get(name)!.matchAll(/(?:\bfrom\s*|\bimport\s*)["']\.\/([^"']+\.js)["']/g)) visit(m[1]!);
      };
      visit('app.js');
      return [...seen].map((f) => files.get(f)!).join('\n');
    };
    // markers, messages that minifying keeps: a save's checks (io.ts), rebuilding a layer from its config (from-config.ts),
    // the worker pool's runner (browser-runner.ts), the training loop (fit.ts)
    const has = (js: string): boolean[] => [
      js.includes('unsupported knobs model format version'),
      js.includes('unknown layer class'),
      js.includes('trains on one thread: this runtime has no Worker'),
      js.includes('options.workers needs the worker pool'),
    ];
    const train =
      "import * as knobs from 'knobs';\nconst m = knobs.sequential({ inputShape: [2], layers: [knobs.layers.dense({ units: 2 })] });\n" +
      "m.compile({ optimizer: 'adam', loss: 'meanSquaredError' });\nawait m.fit(new Float32Array(4), new Float32Array(4), { verbose: 0 });\n";
    const start = await loaded(train);
    // the training loop loads with the library (src/model/layers-model.ts imports it): no round trip when fit starts
    expect(has(start)).toEqual([false, false, false, true]);
    // what the browser entry registers at import stays: the indexeddb:// scheme, and fit({ workers })'s way to the pool
    expect([start.includes('IndexedDB transaction aborted'), start.includes('createBrowserRunner')]).toEqual([true, true]);
    // the same code is there for an app that calls it (a chunk loaded on the first call)
    const all = (
      await esbuild.build({
        absWorkingDir: project,
        stdin: { contents: train + "await knobs.loadModel('indexeddb://m');\n", resolveDir: project },
        bundle: true,
        write: false,
        format: 'esm',
        platform: 'browser',
        logLevel: 'error',
      })
    ).outputFiles[0]!.text;
    expect(has(all)).toEqual([true, true, true, true]);
    // an ops-only app through the main entry: less than half of what an app using the whole namespace loads ('knobs/ops' is
    // the small way: its own bundle and kernels)
    const whole = await loaded("import * as knobs from 'knobs';\nconsole.log(knobs);\n");
    const opsOnly = await loaded("import { ops } from 'knobs';\nconsole.log(ops.matMul(new Float32Array(4), new Float32Array(4), { m: 2, k: 2, n: 2 }));\n");
    expect(opsOnly.length).toBeLessThan(whole.length / 2);
  });

  it('a Node app bundled by esbuild runs with the files the README names beside its bundle, and says which one is missing', async () => {
    const esbuild = await import('esbuild');
    const out = join(project, 'node-out');
    writeFileSync(join(project, 'node-app.mjs'), `${TRAIN_SMALL}\nimport * as knobs from 'knobs';\nconsole.log(JSON.stringify(await trainSmall(knobs, 2)));\n`);
    await esbuild.build({
      absWorkingDir: project,
      entryPoints: ['./node-app.mjs'],
      bundle: true,
      outfile: join(out, 'app.mjs'),
      format: 'esm',
      platform: 'node',
      logLevel: 'error',
    });
    const start = (): SpawnSyncReturns<string> => spawnSync(process.execPath, ['app.mjs'], { cwd: out, encoding: 'utf8', timeout: 60_000 });
    const bare = start();
    expect(bare.status).not.toBe(0);
    expect(bare.stderr).toContain('the library script knobs-lib.cjs is missing beside');
    const dist = join(project, 'node_modules/knobs/build/dist');
    for (const f of ['node/knobs-lib.cjs', 'node/node-worker.js', 'browser/knobs.wasm', 'browser/knobs-shared.wasm'])
      copyFileSync(join(dist, f), join(out, f.slice(f.indexOf('/') + 1)));
    const r = start();
    expect(r.status, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { accuracy: number; epochs: number };
    expect(result.epochs).toBe(25);
    expect(result.accuracy).toBeGreaterThan(0.9);
  });

  it('`knobs` runs from node_modules/.bin, importing the installed library', () => {
    // the command imports ./node/knobs.js rather than carrying a second copy of the library
    const cli = readFileSync(join(project, 'node_modules/knobs/build/dist/cli.js'), 'utf8');
    expect(cli).toMatch(/from\s*["']\.\/node\/knobs\.js["']/);
    expect(packed.files.find((f) => f.path === 'build/dist/cli.js')!.size).toBeLessThan(100_000);
    const r = spawnSync(join(project, 'node_modules/.bin/knobs'), ['--version'], { cwd: project, encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe((JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version);
  });

  // A typed mistake must be caught: if the types resolved to nothing (any, or an empty module),
  // the @ts-expect-error lines would be errors themselves.
  const USE = `import * as knobs from 'knobs';
import { ops } from 'knobs/ops';
import { exportModel } from 'knobs/onnx';
import * as report from 'knobs/report';
import * as tune from 'knobs/tune';
const m = knobs.sequential({ inputShape: [4], layers: [knobs.layers.dense({ units: 2, activation: 'softmax' })] });
m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
const c: Float32Array = ops.matMul(new Float32Array(4), new Float32Array(4), { m: 2, k: 2, n: 2 });
void knobs.ready({ module: undefined });
const onnxBytes: Uint8Array = exportModel(m, { opset: 13 });
const page: string = report.html(report.reportData({ model: m }));
const study: tune.Study = tune.createStudy({ direction: 'maximize', sampler: tune.tpeSampler({ seed: 1 }) });
// @ts-expect-error: the tuner is the subpath's, not the core's
void knobs.tune;
// @ts-expect-error: a direction is 'minimize' or 'maximize'
tune.createStudy({ direction: 'up' });
// @ts-expect-error: the exporter is the subpath's, not the core's
void knobs.onnx;
// @ts-expect-error: units must be a number
knobs.layers.dense({ units: 'two' });
// @ts-expect-error: no such export
knobs.noSuchThing();
export { c, onnxBytes, page, study };
`;

  function compile(name: string, compilerOptions: Record<string, unknown>, extra = ''): void {
    const dir = join(project, name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'use.ts'), USE + extra);
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { strict: true, noEmit: true, skipLibCheck: false, target: 'ES2022', ...compilerOptions }, files: ['use.ts'] }),
    );
    sh(process.execPath, [TSC, '-p', join(dir, 'tsconfig.json')], dir);
  }

  it('types resolve under moduleResolution bundler with browser types that need no Node API', () => {
    // no @types/node at all: a Node type anywhere in the browser declarations fails to compile
    compile(
      'bundler',
      { module: 'ESNext', moduleResolution: 'bundler', lib: ['ES2022', 'DOM'], types: [] },
      'knobs.workerPool({ workerUrl: new URL("https://cdn.example/w.js") });\n' +
        "report.render(document.body, report.reportData({}));\n// @ts-expect-error: writing files is Node's\nvoid report.write('r.html', {});\n",
    );
  });

  it('types resolve under moduleResolution node16 and nodenext (the Node entry)', () => {
    const typeRoots = [join(ROOT, 'node_modules/@types')];
    // skipLibCheck as \`tsc --init\` sets it: the declarations name WebAssembly and IndexedDB types,
    // which a Node project without the DOM lib (and @types/node 20) does not declare
    const lib = { lib: ['ES2022'], types: ['node'], typeRoots, skipLibCheck: true };
    const node =
      "void knobs.shutdown(); void knobs.data.loadIdx;\nconst written: Promise<report.ReportData> = report.write('r.html', {}); void written; void report.serveDashboard;\n";
    compile('node16', { module: 'Node16', moduleResolution: 'node16', ...lib }, node);
    compile('nodenext', { module: 'NodeNext', moduleResolution: 'nodenext', ...lib }, node);
  });
});
