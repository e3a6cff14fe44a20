/**
 * A PNG gallery of misclassified images, each tile labelled "true>predicted" in a built-in
 * 3 x 5 pixel font: the true class in green, the predicted class in red.
 * @module
 */
import { describe } from '../errors';
import { encodePng, imageGrid } from '../image/png';
import { checkPair, type Labels } from '../metrics/validate';
import { drawText, GLYPH_HEIGHT, GLYPH_SPACING, GLYPH_WIDTH, textWidth } from './font';

/** The shape of each image: height x width x channels values, row-major. */
export interface ImageShape {
  height: number;
  width: number;
  /** 1 (grayscale, the default) or 3 (RGB). */
  channels?: 1 | 3;
}

/** Options of {@link misclassifiedGallery}. */
export interface GalleryOptions {
  /** The examples to show. Default: every misclassified one, in order. */
  indices?: ArrayLike<number>;
  /** At most this many tiles. Default 100. */
  max?: number;
  /** Tiles per row. Default 10. */
  columns?: number;
  /** Pixel magnification. Default 2. */
  scale?: number;
  /** The range of the image values. Default [0, 1]. */
  lo?: number;
  hi?: number;
}

/** A gallery: the PNG bytes and what each tile shows. */
export interface Gallery {
  png: Uint8Array;
  width: number;
  height: number;
  /** Tiles in reading order. */
  tiles: { index: number; trueLabel: number; predLabel: number }[];
}

const LABEL_ROWS = GLYPH_HEIGHT + 2; // one blank row above and below the text
const GREEN = [0.1, 0.9, 0.2],
  RED = [1, 0.2, 0.2],
  GRAY = [0.6, 0.6, 0.6];

/**
 * Lays out the misclassified images in a grid, with "true>predicted" drawn under each, as an
 * RGB PNG (encoded by knobs' own PNG encoder). `images` holds n x height x width x channels
 * values row-major (e.g. the rows of x for MNIST), or one array per image.
 *
 * @example
 * ```ts
 * const g = misclassifiedGallery(xTest, { height: 28, width: 28 }, yTest, predictions, { max: 50 });
 * fs.writeFileSync('runs/errors.png', g.png);
 * ```
 */
export function misclassifiedGallery(
  images: ArrayLike<number> | ArrayLike<number>[],
  shape: ImageShape,
  yTrue: Labels,
  yPred: Labels,
  options: GalleryOptions = {},
): Gallery {
  const fn = 'misclassifiedGallery';
  const [t, p] = checkPair(fn, yTrue, yPred);
  if (shape === null || typeof shape !== 'object') throw new TypeError(`${fn}: shape must be { height, width, channels? }, got ${describe(shape)}`);
  const { height: h, width: w } = shape;
  const ch = shape.channels ?? 1;
  if (!Number.isInteger(h) || h < 1 || !Number.isInteger(w) || w < 1 || (ch !== 1 && ch !== 3)) {
    throw new RangeError(`${fn}: shape must have positive integer height and width and 1 or 3 channels, got ${h} x ${w} x ${ch}`);
  }
  const size = h * w * ch;
  const perImage = Array.isArray(images) && images.length > 0 && typeof images[0] === 'object';
  const count = perImage ? images.length : (images as ArrayLike<number>).length / size;
  if (!Number.isInteger(count))
    throw new RangeError(`${fn}: images must hold n x ${h} x ${w} x ${ch} values, got length ${(images as ArrayLike<number>).length}`);
  if (count !== t.length) throw new RangeError(`${fn}: ${count} images but ${t.length} labels`);
  const image = (i: number): ArrayLike<number> => {
    if (perImage) {
      const img = (images as ArrayLike<number>[])[i]!;
      if (img.length !== size) throw new RangeError(`${fn}: images[${i}] must hold ${size} values, got ${img.length}`);
      return img;
    }
    const a = images as ArrayLike<number>;
    return ArrayBuffer.isView(a) ? (a as unknown as Float32Array).subarray(i * size, (i + 1) * size) : Array.prototype.slice.call(a, i * size, (i + 1) * size);
  };

  let indices: number[];
  if (options.indices !== undefined) {
    indices = Array.from(options.indices);
    indices.forEach((idx, k) => {
      if (!Number.isInteger(idx) || idx < 0 || idx >= count)
        throw new RangeError(`${fn}: options.indices[${k}] must be an example index in [0, ${count}), got ${describe(idx)}`);
    });
  } else {
    indices = [];
    for (let i = 0; i < t.length; i++) if (t[i] !== p[i]) indices.push(i);
  }
  indices = indices.slice(0, options.max ?? 100);
  const lo = options.lo ?? 0,
    hi = options.hi ?? 1;
  if (!(hi > lo)) throw new RangeError(`${fn}: options.hi must exceed options.lo, got [${lo}, ${hi}]`);

  const captions = indices.map((i) => ({ trueText: String(t[i]), predText: String(p[i]) }));
  const tileW = Math.max(w, ...captions.map((c) => textWidth(`${c.trueText}>${c.predText}`)));
  const tileH = h + LABEL_ROWS;
  const tiles = indices.map((i, k) => {
    const tile = new Float32Array(tileH * tileW * 3);
    const img = image(i),
      x0 = Math.floor((tileW - w) / 2);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        for (let c = 0; c < 3; c++) {
          const v = img[(y * w + x) * ch + (ch === 1 ? 0 : c)]!;
          tile[(y * tileW + x0 + x) * 3 + c] = (v - lo) / (hi - lo);
        }
      }
    }
    // caption: true label (green), '>' (gray), predicted label (red), centred under the image
    const { trueText, predText } = captions[k]!;
    const text = `${trueText}>${predText}`;
    const { width: tw, mask } = drawText(text);
    const tx0 = Math.floor((tileW - tw) / 2),
      ty0 = h + 1;
    const colorOf = (col: number): number[] => {
      const glyph = Math.floor(col / (GLYPH_WIDTH + GLYPH_SPACING));
      return glyph < trueText.length ? GREEN : glyph === trueText.length ? GRAY : RED;
    };
    for (let y = 0; y < GLYPH_HEIGHT; y++) {
      for (let x = 0; x < tw; x++) {
        if (!mask[y * tw + x]) continue;
        const color = colorOf(x);
        for (let c = 0; c < 3; c++) tile[((ty0 + y) * tileW + tx0 + x) * 3 + c] = color[c]!;
      }
    }
    return tile;
  });
  const grid = imageGrid(
    tiles.length ? tiles : [new Float32Array(tileH * tileW * 3)],
    { height: tileH, width: tileW, channels: 3 },
    {
      columns: options.columns ?? 10,
      scale: options.scale ?? 2,
      lo: 0,
      hi: 1,
    },
  );
  return {
    png: encodePng(grid.pixels, grid.width, grid.height, 3),
    width: grid.width,
    height: grid.height,
    tiles: indices.map((i) => ({ index: i, trueLabel: t[i]!, predLabel: p[i]! })),
  };
}
