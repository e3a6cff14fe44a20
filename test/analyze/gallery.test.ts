/**
 * The digit font and the gallery PNG, decoded back to pixels.
 */
import { describe, expect, it } from 'vitest';
import { drawText, misclassifiedGallery, textWidth } from '../../src/analyze';
import { readPng } from '../image/read-png';
import { expectThrows } from '../metrics/helpers';

/** Decodes an RGB PNG: its size and a pixel reader. */
function decodePng(png: Uint8Array): { width: number; height: number; rgb: (x: number, y: number) => number[] } {
  const { width, height, colorType, pixels } = readPng(png);
  expect(colorType).toBe(2);
  return { width, height, rgb: (x, y) => [...pixels.subarray((y * width + x) * 3, (y * width + x) * 3 + 3)] };
}

describe('the 3 x 5 digit font', () => {
  it('draws glyphs one column apart', () => {
    expect(textWidth('7>1')).toBe(11);
    const { width, mask } = drawText('10');
    const rows = Array.from({ length: 5 }, (_, y) => [...mask.subarray(y * width, (y + 1) * width)].map((v) => (v ? '#' : '.')).join(''));
    expect(rows).toEqual(['.#..###', '##..#.#', '.#..#.#', '.#..#.#', '###.###']);
  });
});

describe('misclassifiedGallery', () => {
  // three 4 x 4 grayscale images; examples 1 and 2 are misclassified (2 -> 7 and 3 -> 5)
  const images = new Float32Array(3 * 16);
  for (let i = 0; i < 3; i++) for (let j = 0; j < 16; j++) images[i * 16 + j] = (i + 1) * 0.25;

  it('lays out the misclassified images with "true>predicted" under each', () => {
    const g = misclassifiedGallery(images, { height: 4, width: 4 }, [1, 2, 3], [1, 7, 5], { scale: 1 });
    expect(g.tiles).toEqual([
      { index: 1, trueLabel: 2, predLabel: 7 },
      { index: 2, trueLabel: 3, predLabel: 5 },
    ]);
    // tiles are 11 wide (the caption "2>7") and 4 + 7 high; 2 columns with 1-pixel borders
    expect([g.width, g.height]).toEqual([25, 13]);
    const png = decodePng(g.png);
    expect([png.width, png.height]).toEqual([25, 13]);
    // tile 0 starts at (1, 1); its image is centred at x 3..6, value 0.5
    expect(png.rgb(1 + 3, 1)).toEqual([128, 128, 128]);
    expect(png.rgb(1 + 2, 1)).toEqual([0, 0, 0]);
    // caption row 0 at y = 1 + 5: "2" (111) in green, ">" (100) in gray, "7" (111) in red
    // (green 0.9 in float32 is 0.8999999762: 229.49 rounds to 229)
    const row = [0, 1, 2, 4, 5, 8, 9, 10].map((x) => png.rgb(1 + x, 1 + 5));
    expect(row).toEqual([
      [26, 229, 51],
      [26, 229, 51],
      [26, 229, 51],
      [153, 153, 153],
      [0, 0, 0],
      [255, 51, 51],
      [255, 51, 51],
      [255, 51, 51],
    ]);
    // tile 1 starts at x = 1 + 11 + 1: its image holds 0.75
    expect(png.rgb(13 + 3, 1)).toEqual([191, 191, 191]);
  });

  it('shows chosen indices, at most max, from per-image arrays', () => {
    const per = [images.subarray(0, 16), images.subarray(16, 32), images.subarray(32, 48)];
    const g = misclassifiedGallery(per, { height: 4, width: 4 }, [1, 2, 3], [1, 7, 5], { indices: [0, 2], max: 1 });
    expect(g.tiles).toEqual([{ index: 0, trueLabel: 1, predLabel: 1 }]);
  });

  it('rejects mismatched images', () => {
    expectThrows(() => misclassifiedGallery(images, { height: 4, width: 4 }, [1, 2], [1, 7]), RangeError, '3 images but 2 labels');
    expectThrows(() => misclassifiedGallery(images, { height: 5, width: 4 }, [1, 2, 3], [1, 7, 5]), RangeError, 'n x 5 x 4 x 1');
    expectThrows(() => misclassifiedGallery(images, { height: 4, width: 4 }, [1, 2, 3], [1, 7, 5], { indices: [3] }), RangeError, 'options.indices[0]');
  });
});
