/**
 * Fashion-MNIST from Debian's `dataset-fashion-mnist` package: the four gzipped IDX files under
 * `/usr/share/datasets/fashion-mnist/` (60,000 training and 10,000 test images, 28 x 28, one
 * byte per pixel, labels 0-9), read with the IDX loader.
 * @module
 */
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Dataset } from '../dataset';
import { FASHION_MNIST_CLASS_NAMES } from '../fashion-mnist';
import { readIdx } from '../idx';
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

async function readPart(where: string, dir: string, part: 'train' | 'test', count: number): Promise<Dataset> {
  const f = FILES[part];
  const [imagesPath, labelsPath] = await Promise.all([find(dir, f.images), find(dir, f.labels)]);
  if (!imagesPath || !labelsPath) {
    throw new Error(
      `${where}: Fashion-MNIST is not installed: no ${imagesPath ? f.labels : f.images}(.gz) in ${dir}. ` +
        `Install it with \`apt-get install dataset-fashion-mnist\` (Debian, Ubuntu), or pass options.dir, a folder holding the four IDX files of https://github.com/zalandoresearch/fashion-mnist`,
    );
  }
  const read = async (path: string): Promise<Uint8Array> => {
    const bytes = new Uint8Array(await readFile(path));
    return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b ? new Uint8Array(gunzipSync(bytes)) : bytes;
  };
  const [imgBytes, labBytes] = await Promise.all([read(imagesPath), read(labelsPath)]);
  const img = readIdx(imgBytes, imagesPath),
    lab = readIdx(labBytes, labelsPath);
  if (img.type !== 'uint8' || img.dims.length !== 3 || img.dims[1] !== 28 || img.dims[2] !== 28 || img.dims[0]! < count)
    throw new ShapeError(`${where}: ${imagesPath} holds ${img.type} ${img.dims.join(' x ')}, expected at least ${count} x 28 x 28 bytes`);
  if (lab.dims.length !== 1 || lab.dims[0] !== img.dims[0])
    throw new ShapeError(`${where}: ${labelsPath} holds ${lab.dims.join(' x ')} labels for ${img.dims[0]} images`);
  const pixels = 28 * 28;
  const x = new Float32Array(count * pixels);
  // byte b gives the f32 nearest to b / 255, as fromIdx does; a table of the 256 values
  // avoids 47 million float64 divisions
  const table = new Float32Array(256).map((_, b) => b / 255);
  const bytes = img.data as Uint8Array;
  for (let i = 0; i < x.length; i++) x[i] = table[bytes[i]!]!;
  const y = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const v = lab.data[i]!;
    if (!(v >= 0 && v <= 9)) throw new RangeError(`${where}: ${labelsPath} has label ${v} at ${i}; Fashion-MNIST labels are 0-9`);
    y[i] = v;
  }
  return new Dataset({ x, y, features: pixels, classes: 10, classNames: FASHION_MNIST_CLASS_NAMES, shape: { height: 28, width: 28, channels: 1 } });
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
 * @example
 * ```ts
 * const { train, test } = await knobs.data.loadFashionMnist();
 * train.x.length;          // 60000 * 784
 * train.classNames![0];    // 'T-shirt/top'
 * const small = await knobs.data.loadFashionMnist({ trainCount: 5000, testCount: 1000 });
 * ```
 */
export async function loadFashionMnist(options: FashionMnistOptions = {}): Promise<{ train: Dataset; test: Dataset }> {
  const where = 'loadFashionMnist';
  if (options === null || typeof options !== 'object') throw new TypeError(`${where}: options must be an object, got ${describe(options)}`);
  for (const key of Object.keys(options)) {
    if (!['dir', 'trainCount', 'testCount'].includes(key))
      throw new TypeError(`${where}: unknown option ${JSON.stringify(key)}; known options are dir, trainCount, testCount`);
  }
  const dir = options.dir ?? FASHION_MNIST_DIR;
  if (typeof dir !== 'string') throw new TypeError(`${where}: options.dir must be a folder path, got ${describe(dir)}`);
  const trainCount = countOption(where, 'trainCount', options.trainCount, FILES.train.count);
  const testCount = countOption(where, 'testCount', options.testCount, FILES.test.count);
  const train = await readPart(where, dir, 'train', trainCount);
  const test = await readPart(where, dir, 'test', testCount);
  return { train, test };
}
