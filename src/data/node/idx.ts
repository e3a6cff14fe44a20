/**
 * IDX files in Node (MNIST, Fashion-MNIST...), plain or gzip-compressed as they are
 * distributed (`train-images-idx3-ubyte.gz`).
 * @module
 */
import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import type { Dataset } from '../dataset';
import { fromIdx, type IdxOptions } from '../idx';
import { describe } from '../../errors';

async function readMaybeGzip(path: string): Promise<Uint8Array> {
  const bytes = new Uint8Array(await readFile(path));
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b ? new Uint8Array(gunzipSync(bytes)) : bytes;
}

/**
 * Reads an images file and a labels file in the IDX format (gzip or not) into an image dataset.
 *
 * @example
 * ```ts
 * const train = await knobs.data.loadIdx({ images: 'train-images-idx3-ubyte.gz', labels: 'train-labels-idx1-ubyte.gz' });
 * ```
 */
export async function loadIdx(paths: { images: string; labels: string }, options: IdxOptions = {}): Promise<Dataset> {
  if (paths === null || typeof paths !== 'object' || typeof paths.images !== 'string' || typeof paths.labels !== 'string') {
    throw new TypeError(`loadIdx: expected { images, labels } file paths, got ${describe(paths)}`);
  }
  const [images, labels] = await Promise.all([readMaybeGzip(paths.images), readMaybeGzip(paths.labels)]);
  return fromIdx(images, labels, options);
}
