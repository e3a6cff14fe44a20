/**
 * Fashion-MNIST from Debian's `dataset-fashion-mnist` package: the four gzipped IDX files under
 * `/usr/share/datasets/fashion-mnist/` (60,000 training and 10,000 test images, 28 x 28, one
 * byte per pixel, labels 0-9), read with the IDX loader.
 * @module
 */
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Dataset, bytesToFloat32 } from '../dataset';
import { FASHION_MNIST_CLASS_NAMES } from '../fashion-mnist';
import { idxHeader, readIdx } from '../idx';
import { ShapeError, describe } from '../../errors';

/** Where `apt-get install dataset-fashion-mnist` puts the files. */
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

const FILES = {
  train: { images: 'train-images-idx3-ubyte', labels: 'train-labels-idx1-ubyte', count: 60000 },
  test: { images: 't10k-images-idx3-ubyte', labels: 't10k-labels-idx1-ubyte', count: 10000 },
} as const;

/** Options of {@link loadFashionMnist}. */
export interface FashionMnistOptions {
  /** Folder with the four IDX files (`.gz` or not). Default {@link FASHION_MNIST_DIR}. */
  dir?: string;
  /** Training images to load, the first ones of the file (they come in a shuffled order). Default 60,000. */
  trainCount?: number;
  /** Test images to load, the first ones of the file. Default 10,000. */
  testCount?: number;
  /**
   * How x holds the pixels. `'float32'` (default): floats in [0, 1], 4 bytes per pixel (188 MB
   * for the 60,000 training images). `'uint8'`: the file's bytes 0-255, one byte per pixel
   * (47 MB), which `fit`, `evaluate` and `predict` read as `byte / 255`, the same floats.
   */
  pixels?: 'float32' | 'uint8';
}

/** The path of `name` in dir, gzipped or not; undefined when neither exists. */
async function find(dir: string, name: string): Promise<string | undefined> {
  for (const path of [join(dir, `${name}.gz`), join(dir, name)]) {
    try {
      await access(path);
      return path;
    } catch {
      // try the next form
    }
  }
  return undefined;
}

async function readPart(
  where: string,
  dir: string,
  part: 'train' | 'test',
  count: number,
  pixels: 'float32' | 'uint8',
): Promise<Dataset<Float32Array | Uint8Array>> {
  const f = FILES[part];
  const [imagesPath, labelsPath] = await Promise.all([find(dir, f.images), find(dir, f.labels)]);
  if (!imagesPath || !labelsPath) {
    throw new Error(
      `${where}: Fashion-MNIST is not installed: no ${imagesPath ? f.labels : f.images}(.gz) in ${dir}. ` +
        `Install it with \`apt-get install dataset-fashion-mnist\` (Debian, Ubuntu), or pass options.dir, a folder holding the four IDX files of https://github.com/zalandoresearch/fashion-mnist`,
    );
  }
  const read = async (path: string): Promise<Uint8Array> => (path.endsWith('.gz') ? gunzipIdx(where, path) : new Uint8Array(await readFile(path)));
  const [imgBytes, labBytes] = await Promise.all([read(imagesPath), read(labelsPath)]);
  const img = readIdx(imgBytes, imagesPath),
    lab = readIdx(labBytes, labelsPath);
  if (img.type !== 'uint8' || img.dims.length !== 3 || img.dims[1] !== 28 || img.dims[2] !== 28 || img.dims[0]! < count)
    throw new ShapeError(`${where}: ${imagesPath} holds ${img.type} ${img.dims.join(' x ')}, expected at least ${count} x 28 x 28 bytes`);
  if (lab.dims.length !== 1 || lab.dims[0] !== img.dims[0])
    throw new ShapeError(`${where}: ${labelsPath} holds ${lab.dims.join(' x ')} labels for ${img.dims[0]} images`);
  const size = 28 * 28;
  // the decompressed file's own bytes (a view, no copy; the whole file when all images are
  // asked, else a copy of the first ones, so the rest can be freed), or byte b as the f32
  // nearest to b / 255, as fromIdx gives it
  const all = img.data as Uint8Array;
  const x = pixels === 'uint8' ? (count * size === all.length ? all : all.slice(0, count * size)) : bytesToFloat32(all.subarray(0, count * size));
  const y = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const v = lab.data[i]!;
    if (!(v >= 0 && v <= 9)) throw new RangeError(`${where}: ${labelsPath} has label ${v} at ${i}; Fashion-MNIST labels are 0-9`);
    y[i] = v;
  }
  return new Dataset<Float32Array | Uint8Array>({
    x,
    y,
    features: size,
    classes: 10,
    classNames: FASHION_MNIST_CLASS_NAMES,
    shape: { height: 28, width: 28, channels: 1 },
  });
}

/** Largest IDX file read (decompressed): 2 GiB, far above Fashion-MNIST's 47 MB of training images. */
const MAX_IDX_BYTES = 2 ** 31 - 1;

/**
 * Decompresses a gzipped IDX file, on the thread pool, into one buffer of the size its gzip
 * trailer declares (ISIZE, the last four bytes), then checks that size against the IDX header.
 *
 * Why one output buffer: a streamed decompression hands out a fresh chunk Buffer per input
 * chunk (about 400 of ~115 KB for the training images), and their memory goes back to glibc's
 * heap only when V8 collects them; the heap then kept about 17 MiB resident for the rest of
 * the process (measured with the 60,000 images: RSS +75 MiB for 52 MiB of data, now +53-57).
 * The trailer's size also caps the work: a file that decompresses to more stops there.
 */
async function gunzipIdx(where: string, path: string): Promise<Uint8Array> {
  let compressed: Buffer | undefined = await readFile(path);
  if (compressed.length < 18) throw new RangeError(`${where}: ${path} is not valid gzip data (${compressed.length} bytes)`);
  const size = compressed.readUInt32LE(compressed.length - 4);
  if (size > MAX_IDX_BYTES) throw new RangeError(`${where}: ${path} declares ${size} bytes decompressed, more than the ${MAX_IDX_BYTES} read`);
  let out: Buffer;
  try {
    // node:zlib and node:util are loaded on first use, not at import (start-up, issue 15: the ESM
    // facade of node:util loads parseArgs, MIMEType and the abort helpers)
    const [{ gunzip }, { promisify }] = await Promise.all([import('node:zlib'), import('node:util')]);
    const gunzipAsync = promisify(gunzip);
    out = await gunzipAsync(compressed, { chunkSize: Math.max(64, size), maxOutputLength: Math.max(1, size) });
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE')
      throw new RangeError(`${where}: ${path} decompresses to more than the ${size} bytes its gzip trailer declares (a corrupt file); stopped there`);
    throw new RangeError(`${where}: ${path} is not valid gzip data: ${(err as Error).message}`);
  }
  compressed = undefined;
  const h = idxHeader(where, out, path);
  if (!h || out.length < h.bytes) throw new RangeError(`${where}: ${path} is truncated: ${out.length} bytes${h ? `, its IDX header declares ${h.bytes}` : ''}`);
  if (out.length > h.bytes) throw new RangeError(`${where}: ${path} holds more bytes than its IDX header declares (${h.bytes})`);
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

function countOption(where: string, name: string, v: unknown, max: number): number {
  if (v === undefined) return max;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max)
    throw new RangeError(`${where}: options.${name} must be an integer in [0, ${max}], got ${describe(v)}`);
  return v;
}

/**
 * Loads Fashion-MNIST: `train` (60,000 images) and `test` (10,000), x in [0, 1] (pixel / 255),
 * one 28 x 28 x 1 image per row (`inputShape: [28, 28, 1]`), labels 0-9 with their class
 * names. Needs the files of Debian's `dataset-fashion-mnist` package (or `options.dir`).
 *
 * `pixels: 'uint8'` keeps one byte per pixel (a quarter of the memory): such an x goes to
 * `fit`, `evaluate` and `predict` as it is, and they read each byte as `byte / 255`, so a model
 * trains exactly as on the floats. Training on all 60,000 images then peaks under 300 MB.
 *
 * @example
 * ```ts
 * const { train, test } = await knobs.data.loadFashionMnist();
 * train.x.length;          // 60000 * 784
 * train.classNames![0];    // 'T-shirt/top'
 * const small = await knobs.data.loadFashionMnist({ trainCount: 5000, testCount: 1000 });
 * const bytes = await knobs.data.loadFashionMnist({ pixels: 'uint8' });   // x: Uint8Array
 * await model.fit(bytes.train.x, bytes.train.y, { epochs: 10 });          // reads byte / 255
 * ```
 */
export async function loadFashionMnist(options?: FashionMnistOptions & { pixels?: 'float32' }): Promise<{ train: Dataset; test: Dataset }>;
export async function loadFashionMnist(options: FashionMnistOptions & { pixels: 'uint8' }): Promise<{ train: Dataset<Uint8Array>; test: Dataset<Uint8Array> }>;
export async function loadFashionMnist(
  options?: FashionMnistOptions,
): Promise<{ train: Dataset<Float32Array | Uint8Array>; test: Dataset<Float32Array | Uint8Array> }>;
export async function loadFashionMnist(
  options: FashionMnistOptions = {},
): Promise<{ train: Dataset<Float32Array | Uint8Array>; test: Dataset<Float32Array | Uint8Array> }> {
  const where = 'loadFashionMnist';
  if (options === null || typeof options !== 'object') throw new TypeError(`${where}: options must be an object, got ${describe(options)}`);
  for (const key of Object.keys(options)) {
    if (!['dir', 'trainCount', 'testCount', 'pixels'].includes(key))
      throw new TypeError(`${where}: unknown option ${JSON.stringify(key)}; known options are dir, trainCount, testCount, pixels`);
  }
  const pixels = options.pixels ?? 'float32';
  if (pixels !== 'float32' && pixels !== 'uint8') throw new RangeError(`${where}: options.pixels must be 'float32' or 'uint8', got ${describe(pixels)}`);
  const dir = options.dir ?? FASHION_MNIST_DIR;
  if (typeof dir !== 'string') throw new TypeError(`${where}: options.dir must be a folder path, got ${describe(dir)}`);
  const trainCount = countOption(where, 'trainCount', options.trainCount, FILES.train.count);
  const testCount = countOption(where, 'testCount', options.testCount, FILES.test.count);
  const train = await readPart(where, dir, 'train', trainCount, pixels);
  const test = await readPart(where, dir, 'test', testCount, pixels);
  return { train, test };
}
