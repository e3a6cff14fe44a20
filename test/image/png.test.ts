/**
 * knobs' own deflate (zlibCompress) and PNG encoder: streams inflated by Node's zlib, PNGs
 * decoded back to the pixels (test/image/read-png.ts: chunk CRCs, zlib, filters 0-4), and the
 * sizes the compression reaches on random data, long runs and a gallery of MNIST errors.
 */
import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { misclassifiedGallery } from '../../src/analyze';
import { drawText } from '../../src/analyze/font';
import { codeLengths, zlibCompress } from '../../src/image/deflate';
import { encodePng } from '../../src/image/png';
import { mnist } from '../analyze/mnist-noisy';
import { rng } from '../helpers';
import { readPng } from './read-png';

/** n bytes drawn uniformly from `levels` values (0 .. levels - 1). */
function noise(n: number, seed: number, levels = 256): Uint8Array {
  const r = rng(seed);
  return Uint8Array.from({ length: n }, () => Math.floor(r() * levels));
}

/** About n bytes of text: words from a small vocabulary, so many short matches at many distances. */
function words(n: number, seed: number): Uint8Array {
  const r = rng(seed);
  const vocabulary = Array.from({ length: 500 }, () =>
    String.fromCharCode(...Array.from({ length: 2 + Math.floor(r() * 8) }, () => 97 + Math.floor(r() * 26))),
  );
  let text = '';
  while (text.length < n) text += vocabulary[Math.floor(r() * r() * vocabulary.length)]! + ' ';
  return new TextEncoder().encode(text.slice(0, n));
}

/** Adler-32, written independently of src/image/deflate.ts. */
function adler32(data: Uint8Array): number {
  let a = 1,
    b = 0;
  for (const v of data) {
    a = (a + v) % 65521;
    b = (b + a) % 65521;
  }
  return ((b << 16) | a) >>> 0;
}

/** Compresses, checks the zlib header and Adler-32, inflates with Node's zlib and compares. */
function roundTrip(data: Uint8Array): Uint8Array {
  const z = zlibCompress(data);
  expect(((z[0]! << 8) | z[1]!) % 31, 'zlib header check bits').toBe(0);
  expect(z[0]! & 15, 'method deflate').toBe(8);
  expect(new DataView(z.buffer, z.byteOffset).getUint32(z.length - 4), 'Adler-32').toBe(adler32(data));
  const back = new Uint8Array(inflateSync(z));
  expect(back.length).toBe(data.length);
  expect(Buffer.from(back).equals(Buffer.from(data)), 'inflated bytes equal the input').toBe(true);
  return z;
}

/** The type of the first deflate block: 0 stored, 1 fixed Huffman, 2 dynamic Huffman. */
const firstBlockType = (z: Uint8Array): number => (z[2]! >> 1) & 3;

/** The size of the PNG the stored-block encoder wrote: signature, IHDR, IDAT of stored blocks, IEND. */
const storedPngSize = (raw: number): number => 8 + 25 + 12 + 2 + 5 * Math.ceil(raw / 65535) + raw + 4 + 12;

describe('codeLengths', () => {
  /** Kraft's sum of 2^-length over the coded symbols: 1 for a complete prefix code. */
  const kraft = (lengths: Uint8Array): number => lengths.reduce((s, l) => s + (l ? 2 ** -l : 0), 0);

  it('gives Huffman lengths, limited to maxBits, to every symbol used', () => {
    expect([...codeLengths(Uint32Array.of(5, 1, 1, 2, 0), 15)]).toEqual([1, 3, 3, 2, 0]);
    // Fibonacci frequencies make the deepest Huffman trees: depth 29 for 30 symbols
    const fib = new Uint32Array(30);
    fib[0] = fib[1] = 1;
    for (let i = 2; i < 30; i++) fib[i] = fib[i - 1]! + fib[i - 2]!;
    for (const maxBits of [15, 7, 5]) {
      const lengths = codeLengths(fib, maxBits);
      expect(Math.max(...lengths)).toBe(maxBits);
      expect(Math.min(...lengths)).toBeGreaterThan(0);
      expect(kraft(lengths)).toBe(1);
      // more frequent symbols never get longer codes
      for (let i = 1; i < 30; i++) expect(lengths[i]).toBeLessThanOrEqual(lengths[i - 1]!);
    }
  });

  it('codes at least two symbols, so the code is complete', () => {
    expect([...codeLengths(new Uint32Array(4), 15)]).toEqual([1, 1, 0, 0]);
    expect([...codeLengths(Uint32Array.of(0, 0, 9), 15)]).toEqual([1, 0, 1]);
  });
});

describe('zlibCompress', () => {
  it('round-trips empty and one-byte input', () => {
    expect(roundTrip(new Uint8Array(0)).length).toBeLessThanOrEqual(2 + 2 + 4);
    roundTrip(Uint8Array.of(0));
    roundTrip(Uint8Array.of(255));
  });

  it('codes short text with the fixed Huffman codes', () => {
    const z = roundTrip(new TextEncoder().encode('a gallery of errors, a gallery of errors, a gallery of errors'));
    expect(firstBlockType(z)).toBe(1);
  });

  it('stores random bytes, in blocks of at most 65,535 bytes', () => {
    const data = noise(200_000, 1);
    const z = roundTrip(data);
    expect(firstBlockType(z)).toBe(0);
    // stored blocks: 5 header bytes each, one per 16,384 tokens (or 65,535 bytes)
    expect(z.length).toBeLessThanOrEqual(data.length + 6 + 5 * Math.ceil(data.length / 16384));
  });

  it('codes long runs as matches of 258 bytes', () => {
    const data = new Uint8Array(300_000);
    data.fill(7, 100_000, 100_001);
    const z = roundTrip(data);
    // 1,163 matches of 258 zeros, a few bits each
    expect(z.length).toBeLessThan(600);
  });

  it('codes two-valued noise with dynamic Huffman codes over several blocks', () => {
    const data = noise(200_000, 2, 2);
    const z = roundTrip(data);
    expect(firstBlockType(z)).toBe(2);
    // 1 bit of information a byte: at most 1.6 bits a byte after LZ77 and Huffman coding
    expect(z.length).toBeLessThan(data.length * 0.2);
  });

  it('matches across the whole 32 KiB window and across block boundaries', () => {
    // a random 30,000-byte piece repeated: matches at distance 30,000
    const piece = noise(30_000, 3);
    const repeated = new Uint8Array(150_000);
    for (let o = 0; o < repeated.length; o += piece.length) repeated.set(piece, o);
    expect(roundTrip(repeated).length).toBeLessThan(piece.length + 2_000);
    // a random 40,000-byte piece repeated lies beyond the window: nothing to gain, still exact
    const far = new Uint8Array(120_000);
    const wide = noise(40_000, 4);
    for (let o = 0; o < far.length; o += wide.length) far.set(wide, o);
    roundTrip(far);
  });

  it('switches between stored and Huffman blocks in one stream', () => {
    const parts = [noise(70_000, 5), words(70_000, 6), noise(40_000, 7), words(100_000, 8), noise(3, 9)];
    const data = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    parts.reduce((o, p) => (data.set(p, o), o + p.length), 0);
    const z = roundTrip(data);
    expect(z.length).toBeLessThan(110_000 + 0.5 * 170_000);
    roundTrip(words(300_000, 10));
  });

  it('round-trips mixtures of runs, noise and copies of earlier bytes', () => {
    const r = rng(13);
    for (let k = 0; k < 40; k++) {
      const n = Math.floor(r() ** 2 * 150_000),
        data = new Uint8Array(n);
      for (let p = 0; p < n;) {
        const len = Math.min(n - p, 1 + Math.floor(r() ** 3 * 3000)),
          kind = Math.floor(r() * 4);
        if (kind === 0) data.fill(Math.floor(r() * 256), p, p + len);
        else if (kind === 1 || p === 0) data.set(noise(len, k * 1000 + p, 1 + Math.floor(r() * 255)), p);
        else {
          const from = Math.max(0, p - 1 - Math.floor(r() * 40_000));
          for (let i = 0; i < len; i++) data[p + i] = data[from + i]!; // may overlap, like an LZ77 copy
        }
        p += len;
      }
      roundTrip(data);
    }
  });
});

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
    expect(png.length).toBeLessThan(0.6 * zlibCompress(unfiltered).length);
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
