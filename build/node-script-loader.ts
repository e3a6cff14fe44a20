/**
 * The Node entry's loader (issue 15): build/build.mjs bundles this into build/dist/node/knobs.js
 * with a call of {@link runScript} on the library's classic script (knobs-lib.cjs) and the list of
 * its exports. Node 20 caches no compiled code for ES modules, and three quarters of importing
 * knobs was V8 parsing its source; a classic script compiled through node:vm can be given the
 * code cache of an earlier run, which V8 checks (its version, flags and the source's length) and
 * uses or rejects. The file holds V8's data twice, compared before use (see runScript).
 *
 * The cache is one file per build and path of the script, V8 version and architecture, in
 * `os.tmpdir()/knobs-compile-cache-<uid>/`, or in the directory `KNOBS_COMPILE_CACHE` names;
 * `KNOBS_COMPILE_CACHE=0` turns it off. It is written, when there was none or V8 rejected it,
 * when the process exits or after a few seconds, whichever comes first, so that it holds the
 * functions the program compiled by then too; through a temporary file and a rename, and any
 * error of the file system is ignored (read-only installs, serverless hosts). A directory that
 * another user owns or can write to is not used: cached code runs as it is. Writing a file
 * removes the script's files that were not written for 30 days (other versions).
 * `KNOBS_COMPILE_CACHE_DEBUG=1` prints what happened on stderr (`knobs compile cache: ...`).
 *
 * Without a cache (turned off, Deno and Bun, whose engines do not read V8's, or a process with
 * source maps enabled, which Node 20 applies to required files but not to node:vm scripts) the
 * script is required as a CommonJS module, whose exports are the same function.
 * @internal
 * @module
 */
import { createRequire } from 'node:module';

/** What happened to the code cache of this process's import. */
export type CompileCacheStatus = 'accepted' | 'rejected' | 'missing' | 'off';

/** The script: the library's CommonJS module as a function of what a module gets. */
type LibraryScript = (require: NodeRequire, importMetaUrl: string, module: { exports: object }, exports: object) => void;

type Fs = typeof import('node:fs');

/** The cache directory, or undefined when the cache is off or unsupported here. */
function cacheDir(require: NodeRequire): string | undefined {
  const g = globalThis as { Deno?: unknown; Bun?: unknown };
  // V8's code cache is Node's: Deno and Bun may accept the option and ignore it
  if (g.Deno !== undefined || g.Bun !== undefined || process.versions.bun !== undefined) return undefined;
  if ((process as { sourceMapsEnabled?: boolean }).sourceMapsEnabled) return undefined;
  const env = process.env.KNOBS_COMPILE_CACHE;
  if (env === '0') return undefined;
  if (env) return env;
  const { tmpdir } = require('node:os') as typeof import('node:os');
  // one directory per user: a directory another user made first would not be trusted
  return `${tmpdir()}/knobs-compile-cache${typeof process.getuid === 'function' ? `-${process.getuid()}` : ''}`;
}

/** Whether the directory may hold code this process runs: its own, writable by no one else. */
function trusted(fs: Fs, dir: string): boolean {
  const s = fs.statSync(dir);
  return s.isDirectory() && (typeof process.getuid !== 'function' || (s.uid === process.getuid() && (s.mode & 0o022) === 0));
}

/** FNV-1a of a path, 8 hex digits: which install of knobs a cache file belongs to. */
function pathKey(path: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < path.length; i++) h = Math.imul(h ^ path.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}

/** Files of the cache left untouched this long are removed when another is written. */
const STALE_MS = 30 * 24 * 3600 * 1000;
/** Temporary files older than this belong to processes that died while writing. */
const DEAD_TEMPORARY_MS = 24 * 3600 * 1000;

/**
 * Removes the stale files of the script `base` from the cache directory: caches of other builds,
 * Node versions or architectures last written over {@link STALE_MS} ago (a version still in use
 * is written again after its next start, once), and temporary files of processes that died
 * while writing, after a day. Runs only when a cache was written, so never on a warm start.
 */
function prune(fs: Fs, dir: string, base: string, keep: string, debug: boolean): void {
  const now = Date.now();
  let entries: string[];
  try {
    entries = fs.readdirSync(dir);
  } catch {
    return;
  }
  for (const entry of entries) {
    const path = `${dir}/${entry}`;
    if (path === keep || !entry.startsWith(`${base}-`)) continue;
    const temporary = /\.cache\.\d+\.tmp$/.test(entry);
    if (!temporary && !entry.endsWith('.cache')) continue;
    try {
      if (now - fs.statSync(path).mtimeMs > (temporary ? DEAD_TEMPORARY_MS : STALE_MS)) {
        fs.rmSync(path, { force: true });
        if (debug) process.stderr.write(`knobs compile cache: removed ${path}\n`);
      }
    } catch {
      // another process removed it first
    }
  }
}

/**
 * Compiles and runs the script `name` beside `entryUrl` (a function expression of `require`,
 * `import.meta.url`, `module` and `exports`, which build/build.mjs writes) with the code cache of
 * an earlier run, and returns its exports. `hash` names this build of the script in the cache.
 */
export function runScript(entryUrl: string, name: string, hash: string): Record<string, unknown> {
  const require = createRequire(entryUrl);
  const { fileURLToPath } = require('node:url') as typeof import('node:url');
  const filename = fileURLToPath(new URL(`./${name}`, entryUrl));
  const module = { exports: {} as Record<string, unknown> };
  const fs = require('node:fs') as Fs;
  if (!fs.existsSync(filename))
    throw new Error(
      `knobs: the library script ${name} is missing beside ${fileURLToPath(entryUrl)}; an app that bundles knobs for Node must copy ` +
        `${name}, node-worker.js and the kernels (.wasm) from knobs' build/dist beside its bundle (see the README)`,
    );
  let dir: string | undefined;
  let debug = false;
  try {
    dir = cacheDir(require);
    debug = process.env.KNOBS_COMPILE_CACHE_DEBUG === '1';
  } catch {
    dir = undefined; // no permission to read the environment (Deno without --allow-env)
  }
  if (dir === undefined) {
    if (debug) process.stderr.write('knobs compile cache: off\n');
    (require(filename) as LibraryScript).call(module.exports, require, entryUrl, module, module.exports);
    return module.exports;
  }
  const vm = require('node:vm') as typeof import('node:vm');
  const source = fs.readFileSync(filename, 'utf8');
  // the script's path is part of the name: V8's data keeps the name of the script that wrote it,
  // so a second install of the same build would otherwise get stack traces naming the first one
  const base = name.replace(/\.c?js$/, '');
  const file = `${dir}/${base}-${hash}-${pathKey(filename)}-${process.versions.v8}-${process.arch}.cache`;
  // the file: V8's data twice. V8 checks that the data is for this source (its length), V8
  // version and flags, and rejects truncated or foreign data, but not that it is intact: Node
  // 20's V8 verifies no checksum, and a damaged payload under a valid header aborts the process.
  // Comparing two copies costs a memcmp; a checksum would load node:crypto or node:zlib, ~12 M
  // instructions (~4 ms) of each import
  let cachedData: Buffer | undefined;
  let corrupt = false;
  try {
    if (trusted(fs, dir)) {
      const data = fs.readFileSync(file);
      const half = data.length >> 1;
      corrupt = half === 0 || data.length !== 2 * half || !data.subarray(0, half).equals(data.subarray(half));
      if (!corrupt) cachedData = data.subarray(0, half);
    }
  } catch {
    cachedData = undefined; // no cache yet, or no readable one
  }
  let script: import('node:vm').Script;
  try {
    script = new vm.Script(source, { filename, cachedData });
  } catch (e) {
    if (!cachedData) throw e;
    cachedData = undefined;
    corrupt = true;
    script = new vm.Script(source, { filename });
  }
  const status: CompileCacheStatus = corrupt ? 'rejected' : !cachedData ? 'missing' : script.cachedDataRejected ? 'rejected' : 'accepted';
  if (debug) process.stderr.write(`knobs compile cache: ${status} ${file}\n`);
  (script.runInThisContext() as LibraryScript).call(module.exports, require, entryUrl, module, module.exports);
  if (status !== 'accepted') {
    let done = false;
    const write = (): void => {
      if (done) return;
      done = true;
      process.off('exit', write);
      const tmp = `${file}.${process.pid}.tmp`;
      try {
        fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
        if (!trusted(fs, dir)) throw new Error(`${dir} is writable by others`);
        const data = script.createCachedData();
        fs.writeFileSync(tmp, Buffer.concat([data, data]));
        fs.renameSync(tmp, file);
        if (debug) process.stderr.write(`knobs compile cache: written ${file}\n`);
        prune(fs, dir, base, file, debug);
      } catch (e) {
        try {
          fs.rmSync(tmp, { force: true });
        } catch {
          // nothing to clean up
        }
        if (debug) process.stderr.write(`knobs compile cache: not written (${(e as Error).message})\n`);
      }
    };
    process.once('exit', write);
    setTimeout(write, 5000).unref();
  }
  return module.exports;
}
