// The Node entry's code cache (build/node-script-loader.ts): build/dist/node/knobs.js imported in
// child processes, each with its own cache directory (KNOBS_COMPILE_CACHE) and with
// KNOBS_COMPILE_CACHE_DEBUG=1, which prints on stderr what happened to the cache.
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Script } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers';

const ENTRY = join(ROOT, 'build/dist/node/knobs.js');

// m x k times k x n on random inputs (seeded by the argument), printed with the product
const MATMUL = `
import * as knobs from ${JSON.stringify(ENTRY)};
let s = Number(process.argv[1]);
const next = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296;
const m = 7, k = 13, n = 5;
const a = new Float32Array(m * k).map(() => next() * 2 - 1);
const b = new Float32Array(k * n).map(() => next() * 2 - 1);
const c = knobs.ops.matMul(a, b, { m, k, n });
console.log(JSON.stringify({ m, k, n, a: [...a], b: [...b], c: [...c] }));
`;

interface Run {
  stderr: string;
  product: { m: number; k: number; n: number; a: number[]; b: number[]; c: number[] };
}

function run(env: Record<string, string>, seed = 1): Run {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', MATMUL, String(seed)], {
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '', KNOBS_COMPILE_CACHE_DEBUG: '1', ...env },
  });
  if (r.status !== 0) throw new Error(`node exited with ${r.status ?? r.signal}:\n${r.stderr}`);
  return { stderr: r.stderr, product: JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Run['product'] };
}

/** The product checked against a plain triple loop in doubles. */
function checkProduct({ m, k, n, a, b, c }: Run['product']): void {
  expect(c).toHaveLength(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let p = 0; p < k; p++) sum += a[i * k + p]! * b[p * n + j]!;
      expect(Math.abs(c[i * n + j]! - sum)).toBeLessThan(1e-5);
    }
}

/** The debug lines of a run: `missing`, `accepted`, `rejected`, `off`, `written`, `not written`. */
const events = (stderr: string): string[] =>
  [...stderr.matchAll(/^knobs compile cache: (missing|accepted|rejected|off|written|not written)\b/gm)].map((m) => m[1]!);

const fresh = (): string => mkdtempSync(join(tmpdir(), 'knobs-cache-test-'));

describe('Node entry: V8 code cache', () => {
  it('the first run writes the cache, the next ones accept it', () => {
    const dir = join(fresh(), 'cache');
    const first = run({ KNOBS_COMPILE_CACHE: dir });
    expect(events(first.stderr)).toEqual(['missing', 'written']);
    checkProduct(first.product);
    const files = readdirSync(dir);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(new RegExp(`^knobs-lib-[0-9a-f]{16}-[0-9a-f]{8}-${process.versions.v8.replace(/\./g, '\\.')}-${process.arch}\\.cache$`));
    // the directory holds code the process runs: the owner's alone
    expect(statSync(dir).mode & 0o077).toBe(0);
    for (const seed of [2, 3]) {
      const next = run({ KNOBS_COMPILE_CACHE: dir }, seed);
      expect(events(next.stderr)).toEqual(['accepted']);
      checkProduct(next.product);
    }
    expect(readdirSync(dir)).toEqual(files);
  });

  it('a corrupt or foreign cache file is rejected and replaced, and the import still works', () => {
    const dir = join(fresh(), 'cache');
    run({ KNOBS_COMPILE_CACHE: dir });
    const file = join(dir, readdirSync(dir)[0]!);
    const good = readFileSync(file);
    let s = 99;
    const next = (): number => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 24;
    // the file holds V8's data twice: the loader compares the copies (a damaged payload under a
    // valid header aborts Node 20, whose V8 verifies no checksum); V8 checks that the data is for
    // this script (its length), V8 version and flags
    const half = good.length / 2;
    const twice = (data: Uint8Array): Buffer => Buffer.concat([data, data]);
    const random = (n: number): Buffer => Buffer.from(new Uint8Array(n).map(() => next()));
    const corrupt = [
      random(good.length), // random bytes, the same length
      Buffer.concat([good.subarray(0, half), good.subarray(0, 64), random(half - 64)]), // a copy with V8's header and random data
      Buffer.from(good.map((v, i) => (i === half >> 1 ? v ^ 0xff : v))), // a flipped byte in the first copy
      Buffer.from(good.subarray(0, half + 100)), // truncated
      Buffer.alloc(0), // empty
      twice(random(1000)), // random data, twice
      twice(new Script('function f() { return 1 } f()', { filename: 'other.js' }).createCachedData()), // another script's
    ];
    for (const [i, bad] of corrupt.entries()) {
      writeFileSync(file, bad);
      const r = run({ KNOBS_COMPILE_CACHE: dir }, 10 + i);
      expect(events(r.stderr), `corruption ${i}`).toEqual(['rejected', 'written']);
      checkProduct(r.product);
      expect(readFileSync(file).equals(bad)).toBe(false);
      expect(events(run({ KNOBS_COMPILE_CACHE: dir }, 20 + i).stderr)).toEqual(['accepted']);
    }
  });

  it('an unusable cache directory: the import works and nothing is written', () => {
    const base = fresh();
    // below a regular file: the directory cannot be made (read-only and similar file systems)
    writeFileSync(join(base, 'file'), 'x');
    const r = run({ KNOBS_COMPILE_CACHE: join(base, 'file/cache') });
    expect(events(r.stderr)).toEqual(['missing', 'not written']);
    checkProduct(r.product);
    // a directory others can write to: never read nor written
    const shared = join(base, 'shared');
    mkdirSync(shared);
    chmodSync(shared, 0o777);
    for (const seed of [1, 2]) {
      const x = run({ KNOBS_COMPILE_CACHE: shared }, seed);
      expect(events(x.stderr)).toEqual(['missing', 'not written']);
      checkProduct(x.product);
    }
    expect(readdirSync(shared)).toEqual([]);
  });

  it('KNOBS_COMPILE_CACHE=0 writes nothing; by default the cache is in the temporary directory', () => {
    const tmp = fresh();
    const off = run({ KNOBS_COMPILE_CACHE: '0', TMPDIR: tmp });
    expect(events(off.stderr)).toEqual(['off']);
    checkProduct(off.product);
    expect(readdirSync(tmp)).toEqual([]);
    const env = { ...process.env };
    delete env.KNOBS_COMPILE_CACHE;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', MATMUL, '4'], {
      encoding: 'utf8',
      env: { ...env, NODE_OPTIONS: '', TMPDIR: tmp, KNOBS_COMPILE_CACHE_DEBUG: '1' },
    });
    expect(r.status).toBe(0);
    expect(events(r.stderr)).toEqual(['missing', 'written']);
    // one directory per user, so that another user's cannot turn the cache off
    expect(readdirSync(join(tmp, `knobs-compile-cache-${process.getuid!()}`))).toHaveLength(1);
  });

  it('writing a cache removes the files of other versions left for 30 days, and dead temporary files', () => {
    const dir = join(fresh(), 'cache');
    expect(events(run({ KNOBS_COMPILE_CACHE: dir }).stderr)).toEqual(['missing', 'written']);
    const [current] = readdirSync(dir);
    const base = 'knobs-lib';
    expect(current!.startsWith(`${base}-`)).toBe(true);
    const day = 24 * 3600;
    const now = Date.now() / 1000;
    const files = {
      old: `${base}-0123456789ab-11.3.244.8-node-x64.cache`,
      recent: `${base}-ba9876543210-11.3.244.8-node-x64.cache`,
      deadTemporary: `${base}-0123456789ab-11.3.244.8-node-x64.cache.4242.tmp`,
      liveTemporary: `${base}-ba9876543210-11.3.244.8-node-x64.cache.4343.tmp`,
      otherScript: 'report-0123456789ab-11.3.244.8-node-x64.cache',
      notOurs: `${base}-notes.txt`,
    };
    for (const f of Object.values(files)) writeFileSync(join(dir, f), 'x');
    utimesSync(join(dir, files.old), now - 31 * day, now - 31 * day);
    utimesSync(join(dir, files.recent), now - 29 * day, now - 29 * day);
    utimesSync(join(dir, files.deadTemporary), now - 2 * day, now - 2 * day);
    utimesSync(join(dir, files.otherScript), now - 90 * day, now - 90 * day);
    utimesSync(join(dir, files.notOurs), now - 90 * day, now - 90 * day);
    // the current file is stale too: V8 rejects it and the next write keeps the new one
    utimesSync(join(dir, current!), now - 90 * day, now - 90 * day);
    writeFileSync(join(dir, current!), 'damaged');
    const r = run({ KNOBS_COMPILE_CACHE: dir }, 3);
    expect(events(r.stderr)).toEqual(['rejected', 'written']);
    checkProduct(r.product);
    expect(r.stderr).toContain(`removed ${join(dir, files.old)}`);
    expect(readdirSync(dir).sort()).toEqual([current!, files.recent, files.liveTemporary, files.otherScript, files.notOurs].sort());
    // a warm start removes nothing
    expect(events(run({ KNOBS_COMPILE_CACHE: dir }, 4).stderr)).toEqual(['accepted']);
    utimesSync(join(dir, files.recent), now - 40 * day, now - 40 * day);
    run({ KNOBS_COMPILE_CACHE: dir }, 5);
    expect(readdirSync(dir)).toContain(files.recent);
  });

  it('two installs of the same build keep their own cache files, and stack traces name their own script', () => {
    const dir = join(fresh(), 'cache');
    const installs = [fresh(), fresh()].map((root) => {
      mkdirSync(join(root, 'node'));
      for (const f of ['knobs.js', 'knobs-lib.cjs']) copyFileSync(join(ROOT, 'build/dist/node', f), join(root, 'node', f));
      symlinkSync(join(ROOT, 'build/dist/browser'), join(root, 'browser'));
      return join(root, 'node/knobs.js');
    });
    const code = (entry: string): string => `import * as knobs from ${JSON.stringify(entry)};
try { knobs.ops.matMul(new Float32Array(3), new Float32Array(6), { m: 2, k: 3, n: 2 }); } catch (e) { console.log(e.stack); }`;
    const traces = installs.map((entry) => {
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', code(entry)], {
        encoding: 'utf8',
        env: { ...process.env, NODE_OPTIONS: '', KNOBS_COMPILE_CACHE: dir, KNOBS_COMPILE_CACHE_DEBUG: '1' },
      });
      expect(r.status, r.stderr).toBe(0);
      expect(events(r.stderr)).toEqual(['missing', 'written']);
      return r.stdout;
    });
    expect(readdirSync(dir)).toHaveLength(2);
    installs.forEach((entry, i) => {
      expect(traces[i]).toContain(entry.replace(/knobs\.js$/, 'knobs-lib.cjs'));
      expect(traces[i]).not.toContain(installs[1 - i]!.replace(/knobs\.js$/, 'knobs-lib.cjs'));
    });
  });

  it('with source maps enabled the script is required, and stack traces name the sources', () => {
    const code = `import * as knobs from ${JSON.stringify(ENTRY)};
try { knobs.ops.matMul(new Float32Array(3), new Float32Array(6), { m: 2, k: 3, n: 2 }); } catch (e) { console.log(e.stack); }`;
    const r = spawnSync(process.execPath, ['--enable-source-maps', '--input-type=module', '-e', code], {
      encoding: 'utf8',
      env: { ...process.env, NODE_OPTIONS: '', KNOBS_COMPILE_CACHE: join(fresh(), 'cache'), KNOBS_COMPILE_CACHE_DEBUG: '1' },
    });
    expect(r.status).toBe(0);
    expect(events(r.stderr)).toEqual(['off']);
    expect(r.stdout).toMatch(/ShapeError: ops\.matMul: a must have 6 elements, got 3/);
    expect(r.stdout).toMatch(/src[\\/]ops\.ts:\d+:\d+/);
  });
});
