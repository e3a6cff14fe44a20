// Build script for knobs. Run by `npm install` (prepare), `npm run build` and before tests.
//
//   node build/build.mjs          everything: wasm kernels, bundles, types
//   node build/build.mjs --wasm   only the kernels in build/wasm/ (what tests of src/ need)
//
// Steps:
//  1. asc compiles assembly/index.ts twice from the same sources (asconfig.json targets):
//     `release` (knobs.wasm) imports a plain memory, `shared` (knobs-shared.wasm) a shared memory
//     for the worker pool.
//  2. esbuild bundles the entries, each with the loader of its platform in place of
//     src/engine/wasm-source.ts (see wasmSourcePlugin), and the .wasm files are copied beside
//     them: Node reads them, browsers fetch them (streaming compilation), edge hosts import them
//     as modules. Nothing is compiled at import.
//       build/dist/node/      knobs.js, node-worker.js            (Node; Deno and Bun through it)
//       build/dist/browser/   knobs.js, browser-worker.js, ops.js (browsers, Deno/Bun web builds)
//       build/dist/edge/      workerd.js, edge-light.js            (Cloudflare Workers, Vercel edge)
//     plus the demo and the benchmarks.
//  3. tsc writes the declaration files the package exports.
import { spawnSync } from 'node:child_process';
import { copyFileSync, writeFileSync, mkdirSync, readFileSync, statSync, readdirSync, existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = new Set(process.argv.slice(2));
// asc reads process.argv when it is imported; keep our own flags away from it
process.argv.length = 2;
const wasmOnly = args.has('--wasm');

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

async function buildWasm() {
  const generated = join(root, 'build/wasm/knobs-shared.wasm');
  const sourcesTime = Math.max(newestMtime(join(root, 'assembly')), statSync(join(root, 'asconfig.json')).mtimeMs);
  if (!args.has('--force') && existsSync(generated) && statSync(generated).mtimeMs > sourcesTime) return false;
  const { default: asc } = await import('assemblyscript/asc');
  mkdirSync(join(root, 'build/wasm'), { recursive: true });
  const binaries = {};
  for (const target of ['release', 'shared']) {
    const { error, stderr } = await asc.main(['assembly/index.ts', '--config', 'asconfig.json', '--target', target], {
      stdout: process.stdout,
      stderr: process.stderr,
    });
    if (error) {
      console.error(stderr.toString());
      throw new Error(`asc failed for target ${target}: ${error.message}`);
    }
    const file = target === 'release' ? 'build/wasm/knobs.wasm' : 'build/wasm/knobs-shared.wasm';
    binaries[target] = readFileSync(join(root, file));
  }
  console.log(`wasm: release ${binaries.release.length} B, shared ${binaries.shared.length} B`);
  return true;
}

/**
 * Puts the platform's kernel loader in place of src/engine/wasm-source.ts (the Node one), and on
 * edge hosts keeps the `.wasm` import for the host to compile (`?module` is Vercel's spelling).
 */
function wasmSourcePlugin(platform) {
  return {
    name: 'knobs-wasm-source',
    setup(build) {
      if (platform === 'node') return;
      build.onResolve({ filter: /[\\/]wasm-source$/ }, (args) => ({
        path: join(args.resolveDir, `wasm-source.${platform === 'browser' ? 'browser' : 'edge'}.ts`),
      }));
      build.onResolve({ filter: /\.wasm$/ }, (args) => ({ path: platform === 'edge-light' ? `${args.path}?module` : args.path, external: true }));
    },
  };
}

/** Copies the kernels beside the bundles that load them. */
function copyWasm() {
  const places = { node: ['knobs.wasm', 'knobs-shared.wasm'], browser: ['knobs.wasm', 'knobs-shared.wasm'], edge: ['knobs.wasm'] };
  for (const [dir, files] of Object.entries(places)) {
    mkdirSync(join(root, 'build/dist', dir), { recursive: true });
    for (const f of files) copyFileSync(join(root, 'build/wasm', f), join(root, 'build/dist', dir, f));
  }
}

async function bundle() {
  const esbuild = await import('esbuild');
  copyWasm();
  // minified (names kept: errors and layers are identified by name) for small bundles and fast cold starts
  // ignoreAnnotations: package.json's "sideEffects" describes the published bundles for users'
  // bundlers; applied to our own sources it would drop the registering imports (file-io, indexeddb-io)
  const common = {
    ignoreAnnotations: true,
    bundle: true,
    format: 'esm',
    target: 'es2022',
    sourcemap: true,
    logLevel: 'warning',
    legalComments: 'none',
    minify: true,
    keepNames: true,
  };
  const nodeBanner = { js: "import { createRequire as __knobsCreateRequire } from 'node:module'; const require = __knobsCreateRequire(import.meta.url);" };
  const builds = [
    {
      entryPoints: { knobs: 'build/entry.node.ts', ops: 'build/entry.ops.ts' },
      outdir: 'build/dist/node',
      platform: 'node',
      banner: nodeBanner,
      external: ['piscina'],
    },
    { entryPoints: { knobs: 'build/entry.browser.ts', ops: 'build/entry.ops.ts' }, outdir: 'build/dist/browser', platform: 'browser', knobs: 'browser' },
    // edge hosts: the browser library (their Worker is missing, fit({ workers }) says so) over an imported module
    { entryPoints: { workerd: 'build/entry.browser.ts' }, outdir: 'build/dist/edge', platform: 'browser', knobs: 'edge' },
    { entryPoints: { 'edge-light': 'build/entry.browser.ts' }, outdir: 'build/dist/edge', platform: 'browser', knobs: 'edge-light' },
  ];
  const optional = [
    { entryPoints: { 'node-worker': 'workers/node-worker.ts' }, outdir: 'build/dist/node', platform: 'node', banner: nodeBanner, external: ['piscina'] },
    { entryPoints: { 'browser-worker': 'workers/browser-worker.ts' }, outdir: 'build/dist/browser', platform: 'browser', knobs: 'browser' },
    { entryPoints: { demo: 'src/cli/demo.ts' }, outdir: 'build/dist', platform: 'node', banner: nodeBanner, external: ['piscina', 'mnist'] },
  ];
  for (const b of optional) if (Object.values(b.entryPoints).every((p) => existsSync(join(root, p)))) builds.push(b);
  // Benchmarks: every test/bench/*.bench.ts becomes build/dist/bench/<name>.js
  const benchDir = join(root, 'test/bench');
  if (existsSync(benchDir)) {
    const entries = {};
    for (const f of readdirSync(benchDir)) if (f.endsWith('.bench.ts')) entries[f.replace(/\.bench\.ts$/, '')] = join('test/bench', f);
    if (Object.keys(entries).length)
      builds.push({
        entryPoints: entries,
        outdir: 'build/dist/bench',
        platform: 'node',
        banner: nodeBanner,
        external: ['piscina', 'mnist', '@tensorflow/*', 'esbuild', 'playwright-core'],
      });
  }
  await Promise.all(builds.map(({ knobs = 'node', ...b }) => esbuild.build({ ...common, absWorkingDir: root, ...b, plugins: [wasmSourcePlugin(knobs)] })));
  console.log(`bundles: ${builds.map((b) => relative(root, join(root, b.outdir, Object.keys(b.entryPoints)[0] + '.js'))).join(', ')}`);
}

function types() {
  const tsc = join(root, 'node_modules/typescript/bin/tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.types.json'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('tsc declaration build failed');
  addDeclarationExtensions(join(root, 'build/types'));
}

/**
 * Gives the relative imports of the declaration files their extensions (`./x.js`,
 * `./dir/index.js`), as Node's ESM resolution requires: under moduleResolution node16/nodenext
 * an extensionless import resolves to nothing and `import * as knobs from 'knobs'` types as empty.
 */
function addDeclarationExtensions(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) {
      addDeclarationExtensions(p);
      continue;
    }
    if (!entry.name.endsWith('.d.ts')) continue;
    const text = readFileSync(p, 'utf8');
    const fixed = text.replace(/((?:from|import)\s*\(?\s*['"])(\.{1,2}\/[^'"]*)(['"])/g, (all, pre, spec, post) => {
      if (/\.(js|mjs|cjs|json|wasm)$/.test(spec)) return all;
      const base = join(dirname(p), spec);
      if (existsSync(base + '.d.ts')) return pre + spec + '.js' + post;
      if (existsSync(join(base, 'index.d.ts'))) return pre + spec + '/index.js' + post;
      return all;
    });
    if (fixed !== text) writeFileSync(p, fixed);
  }
}

await buildWasm();
if (!wasmOnly) {
  await bundle();
  if (!args.has('--no-types')) types();
}
