/**
 * `npm run bench -- startup`: what a user pays before the first result.
 * - Node: a process that imports knobs and runs one ops.matMul, against `node -e 0` measured
 *   in the same run (interleaved, medians): the difference is knobs' start-up. A process that
 *   only imports knobs, interleaved too, shows the import's share of it. Both warm (the Node
 *   entry's V8 code cache in place: the target row) and cold (an empty cache directory).
 * - Sizes (gzip -9, each file alone): apps bundled by esbuild from the package's export map, with
 *   `splitting` on as a user's build would have it: esbuild resolves 'knobs' to the per-module
 *   browser build (the `module` condition), and what the app reaches only through `import()`,
 *   such as saving and loading models, becomes chunks of the app. A training app counts the
 *   JavaScript files Chromium fetched by the end of its first epoch plus the kernels; apps that
 *   use only `ops` (through the main entry, and through `knobs/ops` with its own kernel file,
 *   knobs-ops.wasm) count the files their entry imports statically. Also the worker script.
 * - Chromium: page load to the end of a small model's first epoch on one thread (cold page,
 *   median over loads), the app bundled by esbuild.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { fmt, median, table } from './util';

// this file runs bundled as build/dist/bench/main.js
const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const dist = join(root, 'build/dist');

const gz = (bytes: Uint8Array | string): number => gzipSync(bytes, { level: 9 }).length;
const kb = (b: number): string => fmt(b / 1000, 1);
const verdict = (ok: boolean): string => (ok ? 'met' : 'missed');

/**
 * Runs `node args` with `env` added to the environment and returns its wall-clock time, and the
 * CPU time (user + system) the process used up to its last line, which it reports itself: on a
 * loaded machine the wall clock mostly measures waiting for a core, the CPU time much less so.
 */
function run(args: string[], env: Record<string, string> = {}): { wall: number; cpu: number } {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', env: { ...process.env, ...env } });
  const wall = performance.now() - t0;
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} failed:\n${r.stderr}`);
  return { wall, cpu: Number(r.stdout.trim().split('\n').at(-1)) };
}

const CPU = 'const u = process.cpuUsage(); console.log((u.user + u.system) / 1000);';

/** The kinds of process the Node start-up runs time. */
type Kind = 'baseline' | 'knobs' | 'importOnly' | 'knobsCold' | 'importOnlyCold';

/** Medians of the Node start-up runs: wall-clock and CPU ms of each kind of process. */
type NodeStartup = Record<Kind, { wall: number; cpu: number }>;

/**
 * `node -e CPU`, a process that imports knobs and runs one matMul, and one that only imports
 * knobs, interleaved `rounds` times (after one warm-up run of each); medians. The import-only
 * process splits the start-up into what `import` costs (compiling and evaluating the bundle)
 * and what the first matMul adds (reading, compiling and instantiating the kernels).
 *
 * Each of the two knobs processes runs warm (`knobs`, `importOnly`: the V8 code cache of the
 * Node entry, see build/node-script-loader.ts, is in place, written by the warm-up runs into a
 * directory of this run) and cold (`knobsCold`, `importOnlyCold`: a new empty cache directory
 * each time, so the process compiles everything and writes the cache as it exits). A user pays
 * the cold start once per installed version of knobs and Node.
 */
function nodeStartup(rounds: number): NodeStartup {
  const importKnobs = `import * as knobs from ${JSON.stringify(join(dist, 'node/knobs.js'))};`;
  const importAndMatMul =
    importKnobs +
    'const c = knobs.ops.matMul(new Float32Array([1, 2, 3, 4, 5, 6]), new Float32Array([1, 0, 0, 1, 1, 1]), { m: 2, k: 3, n: 2 });' +
    "if (c[3] !== 11) throw new Error('wrong product');" +
    CPU;
  const importOnly = importKnobs + "if (typeof knobs.ops.matMul !== 'function') throw new Error('no ops.matMul');" + CPU;
  const caches = mkdtempSync(join(tmpdir(), 'knobs-bench-cache-'));
  const warm = { KNOBS_COMPILE_CACHE: join(caches, 'warm') };
  let fresh = 0;
  const cold = (): Record<string, string> => ({ KNOBS_COMPILE_CACHE: join(caches, `cold-${fresh++}`) });
  const kinds: Record<Kind, [string[], () => Record<string, string>]> = {
    baseline: [['-e', CPU], () => ({})],
    knobs: [['--input-type=module', '-e', importAndMatMul], () => warm],
    importOnly: [['--input-type=module', '-e', importOnly], () => warm],
    knobsCold: [['--input-type=module', '-e', importAndMatMul], cold],
    importOnlyCold: [['--input-type=module', '-e', importOnly], cold],
  };
  const order = Object.keys(kinds) as Kind[];
  const runs = Object.fromEntries(order.map((k) => [k, [] as { wall: number; cpu: number }[]])) as Record<Kind, { wall: number; cpu: number }[]>;
  try {
    for (const kind of order) run(kinds[kind][0], kinds[kind][1]()); // warm-up; writes the warm cache
    for (let i = 0; i < rounds; i++) for (const kind of order) runs[kind].push(run(kinds[kind][0], kinds[kind][1]()));
  } finally {
    rmSync(caches, { recursive: true, force: true });
  }
  return Object.fromEntries(order.map((k) => [k, { wall: median(runs[k].map((x) => x.wall)), cpu: median(runs[k].map((x) => x.cpu)) }])) as NodeStartup;
}

/** A project whose node_modules/knobs is this package (resolved through its export map). */
function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'knobs-bench-'));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(root, join(dir, 'node_modules/knobs'), 'dir');
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

/** An app bundled as a user would: esbuild, code splitting on, the kernels copied beside it. */
async function bundleApp(source: string): Promise<{ out: string; files: string[] }> {
  const esbuild = await import('esbuild');
  const dir = project({ 'app.js': source });
  await esbuild.build({
    absWorkingDir: dir,
    entryPoints: [
      { in: './app.js', out: 'app' },
      { in: 'knobs/wasm/knobs.wasm', out: 'knobs' },
    ],
    loader: { '.wasm': 'copy' },
    outdir: join(dir, 'out'),
    bundle: true,
    splitting: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    logLevel: 'error',
  });
  const out = join(dir, 'out');
  return { out, files: readdirSync(out).filter((f) => f.endsWith('.js')) };
}

/** The files `entry` loads before it runs: itself and its static imports, transitively (not `import()`). */
function staticGraph(out: string, entry: string): string[] {
  const seen = new Set<string>();
  const visit = (f: string): void => {
    if (seen.has(f)) return;
    seen.add(f);
    const js = readFileSync(join(out, f), 'utf8');
    // esbuild's minified ESM: `import{a as b}from"./chunk-X.js"`, `import"./chunk-X.js"`
    for (const m of js.matchAll(/(?:\bfrom\s*|\bimport\s*)["']\.\/([^"']+\.js)["']/g)) visit(m[1]!);
  };
  visit(entry);
  return [...seen];
}

/** gzip -9 bytes of each file, summed. */
const gzFiles = (out: string, files: string[]): number => files.reduce((a, f) => a + gz(readFileSync(join(out, f))), 0);

const OPS_APP = (from: string): string =>
  `import { ops } from ${JSON.stringify(from)};\nconst c = ops.matMul(new Float32Array(6), new Float32Array(6), { m: 2, k: 3, n: 2 });\nconsole.log(c);\n`;

const EPOCH_APP = `import * as knobs from 'knobs';
await knobs.ready();
let s = 12345;
const next = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296;
const n = 384, f = 8;
const x = new Float32Array(n * f).map(() => next() * 2 - 1);
const y = Int32Array.from({ length: n }, (_, i) => (x[i * f] > 0 ? 1 : 0) + (x[i * f + 1] > 0 ? 2 : 0));
const m = knobs.sequential({ inputShape: [f], seed: 3, layers: [knobs.layers.dense({ units: 32, activation: 'relu' }), knobs.layers.dense({ units: 4, activation: 'softmax' })] });
m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
await m.fit(x, y, { epochs: 1, batchSize: 32, verbose: 0 });
window.firstEpochMs = performance.now();
`;

/**
 * Loads the training app `loads` times (after one warm-up load) and returns the time to the end
 * of its first epoch in each, and the JavaScript files the page fetched (the same every load).
 */
async function chromiumFirstEpoch(out: string, loads: number): Promise<{ times: number[]; fetched: string[] } | string> {
  const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!existsSync(chromiumPath)) return `Chromium not found at ${chromiumPath}`;
  const fetched = new Set<string>();
  const page = '<!doctype html><meta charset="utf-8"><script type="module" src="./app.js"></script>';
  const types: Record<string, string> = { '.js': 'text/javascript', '.wasm': 'application/wasm' };
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === '/') {
      res.writeHead(200, { 'Content-Type': 'text/html', 'Cache-Control': 'no-store' });
      res.end(page);
      return;
    }
    const file = join(out, path);
    if (path.endsWith('.js')) fetched.add(path.slice(1));
    if (!existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': types[file.slice(file.lastIndexOf('.'))] ?? 'application/octet-stream', 'Cache-Control': 'no-store' });
    res.end(readFileSync(file));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run'] });
  const times: number[] = [];
  try {
    for (let i = 0; i < loads + 1; i++) {
      // a new context each time: nothing cached, no compiled-module cache
      const context = await browser.newContext();
      const p = await context.newPage();
      await p.goto(url);
      await p.waitForFunction(() => (globalThis as { firstEpochMs?: number }).firstEpochMs !== undefined, undefined, { timeout: 60_000 });
      const ms = await p.evaluate(() => (globalThis as unknown as { firstEpochMs: number }).firstEpochMs);
      if (i > 0) times.push(ms); // the first load warms the browser process itself
      await context.close();
    }
  } finally {
    await browser.close();
    server.close();
  }
  return { times, fetched: [...fetched].sort() };
}

/** The start-up section of the benchmark, as markdown. */
export async function benchStartup(): Promise<string> {
  process.stderr.write('start-up (Node import + first matMul vs node -e 0; bundle sizes; Chromium page load to first epoch)\n');
  const load = (await import('node:os')).loadavg()[0]!;
  const node = nodeStartup(9);
  const over = node.knobs.wall - node.baseline.wall;
  const overBaseline = (k: Kind): string => `${fmt(node[k].wall - node.baseline.wall, 1)} (${fmt(node[k].cpu - node.baseline.cpu, 1)})`;
  const wasm = gz(readFileSync(join(dist, 'browser/knobs.wasm')));
  const opsWasm = gz(readFileSync(join(dist, 'browser/knobs-ops.wasm')));
  const worker = gz(readFileSync(join(dist, 'browser/browser-worker.js')));
  const opsApp = async (from: string): Promise<number> => {
    const { out } = await bundleApp(OPS_APP(from));
    return gzFiles(out, staticGraph(out, 'app.js'));
  };
  const opsMain = await opsApp('knobs');
  const opsSub = await opsApp('knobs/ops');
  const epochApp = await bundleApp(EPOCH_APP);
  const page = await chromiumFirstEpoch(epochApp.out, 5);
  const pageMs = typeof page === 'string' ? NaN : median(page.times);
  // what the training app loads: the files the page fetched; without Chromium, every file of the
  // bundle (an upper bound: it includes chunks no first epoch loads, such as tfjs' format)
  const loaded = typeof page === 'string' ? epochApp.files : page.fetched;
  const appJs = gzFiles(epochApp.out, loaded);
  const atStart = staticGraph(epochApp.out, 'app.js');
  const later = loaded.filter((f) => !atStart.includes(f));
  const split = `${kb(gzFiles(epochApp.out, atStart))} at start (${atStart.length} files) + ${kb(gzFiles(epochApp.out, later))} by fit (${later.join(', ') || 'none'})`;
  return table(
    `Start-up (medians; Node ${process.version}; load average ${fmt(load, 1)} on ${(await import('node:os')).cpus().length} cores; sizes gzip -9, kernels ${kb(wasm)} KB of each)`,
    ['measure', 'value', 'target'],
    [
      ['`node -e 0` (baseline): wall ms, CPU ms', `${fmt(node.baseline.wall, 1)}, ${fmt(node.baseline.cpu, 1)}`, '-'],
      ['Node: import knobs + first ops.matMul, code cache in place: wall ms, CPU ms', `${fmt(node.knobs.wall, 1)}, ${fmt(node.knobs.cpu, 1)}`, '-'],
      ['Node: over the baseline, code cache in place (the target row): wall ms (CPU ms)', overBaseline('knobs'), `<= 40: ${verdict(over <= 40)}`],
      ['Node: of which the import alone (no matMul), over the baseline: wall ms (CPU ms)', overBaseline('importOnly'), '-'],
      [
        'Node, cold (empty cache directory; compiles and writes the cache): import + first matMul, over the baseline: wall ms (CPU ms)',
        overBaseline('knobsCold'),
        '-',
      ],
      ['Node, cold: the import alone, over the baseline: wall ms (CPU ms)', overBaseline('importOnlyCold'), '-'],
      [
        `browser training app (${typeof page === 'string' ? 'every file of its bundle' : 'the JS Chromium fetched by the end of its first epoch'}) + kernels (KB gzip)`,
        `${kb(appJs + wasm)} (${kb(appJs)} + ${kb(wasm)}; JS ${split})`,
        `<= 100: ${verdict(appJs + wasm <= 100_000)}`,
      ],
      ['browser worker script (KB gzip; gets the compiled kernels from the page)', kb(worker), '-'],
      [
        "ops-only app, `import { ops } from 'knobs'` + kernels (KB gzip)",
        `${kb(opsMain + wasm)} (${kb(opsMain)} + ${kb(wasm)})`,
        `<= 40: ${verdict(opsMain + wasm <= 40_000)}`,
      ],
      [
        "ops-only app, `import { ops } from 'knobs/ops'` + its kernels, knobs-ops.wasm (KB gzip)",
        `${kb(opsSub + opsWasm)} (${kb(opsSub)} + ${kb(opsWasm)})`,
        `<= 40: ${verdict(opsSub + opsWasm <= 40_000)}`,
      ],
      [
        'Chromium: page load to end of first epoch, one thread (ms)',
        typeof page === 'string' ? `not measured: ${page}` : `${fmt(pageMs, 0)} (of ${page.times.map((t) => fmt(t, 0)).join(', ')})`,
        `<= 300: ${typeof page === 'string' ? 'not measured' : verdict(pageMs <= 300)}`,
      ],
    ],
  );
}
