/**
 * IDX files in Node (MNIST, Fashion-MNIST...), plain or gzip-compressed as they are
 * distributed (`train-images-idx3-ubyte.gz`).
 * @module
 */
import { readFile } from 'node:fs/promises';
import type { Dataset } from '../dataset';
import { fromIdx, idxHeader, type IdxOptions } from '../idx';
import { describe } from '../../errors';

/** Largest IDX file read (decompressed): 2 GiB, far above EMNIST's 547 MB of images. */
const MAX_IDX_BYTES = 2 ** 31 - 1;

/**
 * Decompresses a gzip IDX file as a stream, reading its header from the first bytes out: the
 * output is capped at the size the header implies (a gzip bomb stops there with an error, not
 * after gigabytes), and is written into one buffer of that size.
 * @internal
 */
export async function gunzipIdx(compressed: Uint8Array, name: string): Promise<Uint8Array> {
  const where = 'loadIdx';
  // loaded on first use, not at import: node:zlib and its streams cost every start-up (issue 15)
  const { createGunzip } = await import('node:zlib');
  const gunzip = createGunzip();
  let prefix = new Uint8Array(0);
  let out: Uint8Array | undefined;
  let size = 0;
  const done = new Promise<void>((resolve, reject) => {
    gunzip.on('data', (chunk: Buffer) => {
      try {
        if (!out) {
          const joined = new Uint8Array(prefix.length + chunk.length);
          joined.set(prefix);
          joined.set(chunk, prefix.length);
          prefix = joined;
          const h = idxHeader(where, prefix, name);
          if (!h) return;
          if (h.bytes > MAX_IDX_BYTES)
            throw new RangeError(`${where}: ${name}'s header (dims ${h.dims.join(' x ')}) declares ${h.bytes} bytes, more than the ${MAX_IDX_BYTES} read`);
          out = new Uint8Array(h.bytes);
          chunk = Buffer.from(prefix.buffer, prefix.byteOffset, prefix.byteLength);
        }
        if (size + chunk.length > out.length)
          throw new RangeError(
            `${where}: ${name} decompresses to more than the ${out.length} bytes its header declares (a corrupt file or a gzip bomb); stopped there`,
          );
        out.set(chunk, size);
        size += chunk.length;
      } catch (err) {
        gunzip.destroy();
        reject(err as Error);
      }
    });
    gunzip.on('error', (err) => reject(new RangeError(`${where}: ${name} is not valid gzip data: ${err.message}`)));
    gunzip.on('end', () => resolve());
  });
  gunzip.end(compressed);
  await done;
  // a short file keeps its length, so that readIdx names the size mismatch
  return out ? out.subarray(0, size) : prefix;
}

async function readMaybeGzip(path: string, name: string): Promise<Uint8Array> {
  const bytes = new Uint8Array(await readFile(path));
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipIdx(bytes, name) : bytes;
}

/**
 * Reads an images file and a labels file in the IDX format (gzip or not) into an image dataset.
 * A compressed file is decompressed only up to the size its header declares.
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
  const [images, labels] = await Promise.all([readMaybeGzip(paths.images, 'images'), readMaybeGzip(paths.labels, 'labels')]);
  return fromIdx(images, labels, options);
}
