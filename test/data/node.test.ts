import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import * as data from '../../src/data/node/index';
import { rng } from '../helpers';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'knobs-data-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A CSV whose category "z" first appears near the end: a one-pass encoder would miss its column. */
function generatedCsv(rows: number): string {
  const r = rng(1);
  const lines = ['id,color,weight,label'];
  for (let i = 0; i < rows; i++) {
    const color = i === rows - 3 ? 'z' : ['red', 'green', 'blue'][Math.floor(r() * 3)];
    const weight = (r() * 100).toFixed(2);
    lines.push(`${i},${color},${i % 97 === 0 ? '"1000.5"' : weight},${r() < 0.3 ? 'rare' : 'common'}`);
  }
  return lines.join('\n') + '\n';
}

describe('streamCsv', () => {
  it('reads a file in batches with one encoding, fitted by a first pass, equal to reading it whole', async () => {
    const text = generatedCsv(5000);
    const path = join(dir, 'big.csv');
    await writeFile(path, text);
    const whole = data.fromCsv(text, { labelColumn: 'label' });
    const batches = [];
    for await (const b of data.streamCsv(path, { labelColumn: 'label', batchSize: 512 })) batches.push(b);
    expect(batches.map((b) => b.length)).toEqual([...new Array(9).fill(512), 5000 - 9 * 512]);
    // the same columns in every batch, including the late category
    for (const b of batches) expect(b.featureNames).toEqual(['id', 'color=blue', 'color=green', 'color=red', 'color=z', 'weight']);
    for (const b of batches) expect(b.encoding).toEqual(batches[0]!.encoding);
    const x = new Float32Array(5000 * whole.features),
      y = new Int32Array(5000);
    let o = 0;
    for (const b of batches) {
      x.set(b.x, o * whole.features);
      y.set(b.y as Int32Array, o);
      o += b.length;
    }
    expect(x).toEqual(whole.x);
    expect(y).toEqual(whole.y);
  });

  it('takes a given encoding (one pass), and reports bad rows by line', async () => {
    const path = join(dir, 'small.csv');
    await writeFile(path, 'a,b,label\n1,x,0\n2,y,1\n3,x,0\n');
    const encoding = await data.fitCsvEncoding(path, {});
    const batches = [];
    for await (const b of data.streamCsv(path, { encoding, batchSize: 2 })) batches.push(b.length);
    expect(batches).toEqual([2, 1]);
    const bad = join(dir, 'bad.csv');
    await writeFile(bad, 'a,b,label\n1,x,0\n2,w,1\n');
    await expect(async () => {
      for await (const _ of data.streamCsv(bad, { encoding })) void _;
    }).rejects.toThrow(/line 3 column "b": "w" is not one of its 2 categories/);
    await expect(async () => {
      for await (const _ of data.streamCsv(path, { batchSize: 0 })) void _;
    }).rejects.toThrow(/options.batchSize must be a positive integer, got 0/);
  });
});

describe('Node file loaders', () => {
  it('fromCsv reads a { path }', async () => {
    const path = join(dir, 'f.csv');
    await writeFile(path, 'a,label\n1,cat\n2,dog\n');
    const d = await data.fromCsv({ path }, { labelColumn: 'label' });
    expect(d.classNames).toEqual(['cat', 'dog']);
    await expect(data.fromCsv({ path: join(dir, 'missing.csv') })).rejects.toThrow(/ENOENT/);
  });

  it('loadIdx reads gzip-compressed IDX files', async () => {
    const images = new Uint8Array([0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 2, 0, 255, 51, 102]);
    const labels = new Uint8Array([0, 0, 8, 1, 0, 0, 0, 2, 3, 4]);
    await writeFile(join(dir, 'img.gz'), gzipSync(images));
    await writeFile(join(dir, 'lab'), labels);
    const d = await data.loadIdx({ images: join(dir, 'img.gz'), labels: join(dir, 'lab') });
    expect(Array.from(d.x)).toEqual([0, 1, 0.2, 0.4].map(Math.fround));
    expect(Array.from(d.y)).toEqual([3, 4]);
  });

  it('loadIdx stops decompressing a gzip bomb at the size its header declares (issue 11)', async () => {
    // a labels header for 4 bytes of labels, followed by 64 MB of zeros (64 KB compressed)
    const bomb = new Uint8Array(8 + 4 + (64 << 20));
    bomb.set([0, 0, 8, 1, 0, 0, 0, 4]);
    await writeFile(join(dir, 'bomb.gz'), gzipSync(bomb));
    await writeFile(join(dir, 'img4'), new Uint8Array([0, 0, 8, 3, 0, 0, 0, 4, 0, 0, 0, 1, 0, 0, 0, 1, 1, 2, 3, 4]));
    await expect(data.loadIdx({ images: join(dir, 'img4'), labels: join(dir, 'bomb.gz') })).rejects.toThrow(
      /loadIdx: labels decompresses to more than the 12 bytes its header declares \(a corrupt file or a gzip bomb\); stopped there/,
    );
    // a gzip file that is not IDX fails on its first bytes
    await writeFile(join(dir, 'text.gz'), gzipSync(new TextEncoder().encode('hello world')));
    await expect(data.loadIdx({ images: join(dir, 'img4'), labels: join(dir, 'text.gz') })).rejects.toThrow(/labels is not an IDX file/);
    // a truncated one keeps readIdx's size message
    await writeFile(join(dir, 'short.gz'), gzipSync(new Uint8Array([0, 0, 8, 1, 0, 0, 0, 4, 1, 2])));
    await expect(data.loadIdx({ images: join(dir, 'img4'), labels: join(dir, 'short.gz') })).rejects.toThrow(
      /labels has 10 bytes, but its header .* needs exactly 12/,
    );
  });

  it('preview writes its PNG file', async () => {
    const p = data.augmentation([{ type: 'rotate', degrees: 10 }], { height: 4, width: 4, channels: 1 });
    const path = join(dir, 'sub', 'preview.png');
    const png = await data.preview(p, new Float32Array(32).fill(0.5), { path, variants: 2 });
    expect(new Uint8Array(await readFile(path))).toEqual(png);
  });
});

describe('loadMnist', () => {
  it('loads the digits from the mnist package, caches them, and reads the cache the second time', async () => {
    const cacheDir = join(dir, 'cache');
    const first = await data.loadMnist({ count: 300, cacheDir });
    const cache = data.mnistCachePath(cacheDir);
    expect((await stat(cache)).size).toBe(16 + 10000 * 785);
    const second = await data.loadMnist({ count: 300, cacheDir });
    expect(second.x).toEqual(first.x);
    expect(second.y).toEqual(first.y);
    expect(first.shape).toEqual({ height: 28, width: 28, channels: 1 });
    expect(first.classNames!.length).toBe(10);
    // a shuffled order: the first 300 hold every class
    expect(new Set(first.y).size).toBe(10);
    // offsets give the next digits of the same order
    const next = await data.loadMnist({ offset: 100, count: 50, cacheDir });
    expect(next.x).toEqual(first.x.subarray(100 * 784, 150 * 784));
    const uncached = await data.loadMnist({ count: 300, cache: false });
    expect(uncached.x).toEqual(first.x);
  });

  it('recovers the pixels of the package exactly (values are k / 255 rounded to 3 decimals)', async () => {
    const d = await data.loadMnist({ count: 20, cacheDir: join(dir, 'cache') });
    const require = createRequire(import.meta.url);
    for (let i = 0; i < 3; i++) {
      const raw: number[] = require(`mnist/src/digits/${d.y[i]}.json`).data;
      const digit = Array.from(d.x.subarray(i * 784, (i + 1) * 784), (v) => Math.round(v * 1000) / 1000);
      let found = false;
      for (let k = 0; k < raw.length / 784 && !found; k++) {
        found = digit.every((v, j) => Math.abs(v - raw[k * 784 + j]!) < 1e-9);
      }
      expect(found, `digit ${i} (a ${d.y[i]}) is in the package's file for its class`).toBe(true);
    }
  });

  it('rejects a count out of range', async () => {
    await expect(data.loadMnist({ count: 10001 })).rejects.toThrow(/options.count must be an integer with offset \+ count <= 10000/);
  });
});
