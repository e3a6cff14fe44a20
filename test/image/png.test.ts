/**
 * knobs' PNG encoder (its deflate is fflate's zlibSync): PNGs decoded back to the pixels by an
 * independent reader (test/image/read-png.ts: chunk CRCs, Node's zlib, filters 0-4), and the
 * sizes the compression reaches on digits, gradients and a gallery of MNIST errors.
 */
import { zlibSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { misclassifiedGallery } from '../../src/analyze';
import { drawText } from '../../src/analyze/font';
import { encodePng } from '../../src/image/png';
import { mnist } from '../analyze/mnist-noisy';
import { rng } from '../helpers';
import { readPng } from './read-png';

/** n bytes drawn uniformly from `levels` values (0 .. levels - 1). */
function noise(n: number, seed: number, levels = 256): Uint8Array {
  const r = rng(seed);
  return Uint8Array.from({ length: n }, () => Math.floor(r() * levels));
}

/** The size of the PNG the stored-block encoder wrote: signature, IHDR, IDAT of stored blocks, IEND. */
const storedPngSize = (raw: number): number => 8 + 25 + 12 + 2 + 5 * Math.ceil(raw / 65535) + raw + 4 + 12;

describe('encodePng', () => {
  const cases: [number, number][] = [
    [1, 1],
    [2, 3],
    [17, 5],
    [5, 17],
    [300, 250],
  ];
  for (const channels of [1, 3, 4] as const) {
    for (const [w, h] of cases) {
      it(`round-trips a random ${w} x ${h} image with ${channels} channel${channels > 1 ? 's' : ''}`, () => {
        const pixels = noise(w * h * channels, w * 1000 + h * 10 + channels);
        const png = readPng(encodePng(pixels, w, h, channels));
        expect([png.width, png.height, png.channels, png.colorType]).toEqual([w, h, channels, { 1: 0, 3: 2, 4: 6 }[channels]]);
        expect(png.chunks).toEqual(['IHDR', 'IDAT', 'IEND']);
        expect(Buffer.from(png.pixels).equals(Buffer.from(pixels))).toBe(true);
      });
    }
  }

  it('round-trips 1 x 1 images of each kind', () => {
    for (const [channels, pixels] of [
      [1, [0]],
      [1, [255]],
      [3, [1, 2, 3]],
      [4, [255, 0, 128, 7]],
    ] as const) {
      expect([...readPng(encodePng(Uint8Array.from(pixels), 1, 1, channels)).pixels]).toEqual([...pixels]);
    }
  });

  it('compresses a mostly black image of digits (like MNIST tiles) over 50 times', () => {
    // 20 x 20 digits in white, each glyph pixel 4 x 4, on black: 640 x 480 gray = 307,680 raw bytes
    const w = 640,
      h = 480,
      pixels = new Uint8Array(w * h),
      r = rng(11);
    for (let k = 0; k < 400; k++) {
      const { width, mask } = drawText(String(Math.floor(r() * 100)));
      const x0 = (k % 20) * 32 + 2,
        y0 = Math.floor(k / 20) * 24 + 2;
      for (let y = 0; y < 20; y++) for (let x = 0; x < width * 4; x++) if (mask[(y >> 2) * width + (x >> 2)]) pixels[(y0 + y) * w + x0 + x] = 255;
    }
    const png = encodePng(pixels, w, h, 1);
    const back = readPng(png);
    expect(Buffer.from(back.pixels).equals(Buffer.from(pixels))).toBe(true);
    const raw = h * (w + 1);
    expect(back.raw.length).toBe(raw);
    expect(png.length * 50).toBeLessThan(raw);
  });

  it('filters smooth images, and keeps them exact', () => {
    // a diagonal RGB gradient with a little noise: Sub, Up, Average or Paeth beat None
    const w = 200,
      h = 150,
      r = rng(12),
      pixels = new Uint8Array(w * h * 3);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) for (let c = 0; c < 3; c++) pixels[(y * w + x) * 3 + c] = (x + 2 * y + 40 * c + Math.floor(r() * 3)) & 255;
    const png = encodePng(pixels, w, h, 3);
    const back = readPng(png);
    expect(Buffer.from(back.pixels).equals(Buffer.from(pixels))).toBe(true);
    expect(back.filters.some((f) => f !== 0)).toBe(true);
    // about half the size of the unfiltered rows compressed
    const unfiltered = new Uint8Array(h * (1 + w * 3));
    for (let y = 0; y < h; y++) unfiltered.set(pixels.subarray(y * w * 3, (y + 1) * w * 3), y * (1 + w * 3) + 1);
    expect(png.length).toBeLessThan(0.6 * zlibSync(unfiltered, { level: 9 }).length);
  });

  it('writes a gallery of 100 MNIST digits over 20 times smaller than stored blocks did', async () => {
    const { x, y } = await mnist(100, 8000);
    const wrong = y.map((v) => (v + 1) % 10);
    const g = misclassifiedGallery(x, { height: 28, width: 28 }, y, wrong, { max: 100 });
    const png = readPng(g.png);
    expect(g.tiles).toHaveLength(100);
    const raw = g.height * (1 + g.width * 3);
    const start = performance.now();
    const again = encodePng(png.pixels, g.width, g.height, 3);
    const ms = performance.now() - start;
    expect(again).toEqual(g.png);
    console.log(
      `PNG of a 100-tile MNIST gallery (${g.width} x ${g.height} RGB, ${raw} raw bytes): ${g.png.length} bytes ` +
        `(stored blocks: ${storedPngSize(raw)}, ${(storedPngSize(raw) / g.png.length).toFixed(1)} times larger), encoded in ${ms.toFixed(0)} ms`,
    );
    expect(g.png.length * 20).toBeLessThan(raw);
  });
});
