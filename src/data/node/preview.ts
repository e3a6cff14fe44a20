/**
 * The augmentation preview, written to a PNG file in Node.
 * @module
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { type AugmentationPipeline, type PreviewOptions, preview as previewBytes } from '../augment';
import type { Dataset } from '../dataset';

/**
 * The PNG grid of augmented examples (see the browser-safe `preview` in `src/data/augment.ts`);
 * with `path`, also writes it there (creating the directory) and resolves when written.
 *
 * @example
 * ```ts
 * await knobs.data.preview(pipeline, train, { path: 'runs/augmentation.png', count: 8, variants: 9 });
 * ```
 */
export function preview(pipeline: AugmentationPipeline, images: Float32Array | Dataset, options: PreviewOptions & { path: string }): Promise<Uint8Array>;
export function preview(pipeline: AugmentationPipeline, images: Float32Array | Dataset, options?: PreviewOptions): Uint8Array;
export function preview(
  pipeline: AugmentationPipeline,
  images: Float32Array | Dataset,
  options: PreviewOptions & { path?: string } = {},
): Uint8Array | Promise<Uint8Array> {
  const { path, ...rest } = options;
  if (path === undefined) return previewBytes(pipeline, images, rest);
  let png: Uint8Array;
  try {
    png = previewBytes(pipeline, images, rest);
  } catch (err) {
    return Promise.reject(err);
  }
  return mkdir(dirname(path), { recursive: true })
    .then(() => writeFile(path, png))
    .then(() => png);
}
