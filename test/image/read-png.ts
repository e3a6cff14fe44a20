/**
 * A test-side PNG reader for the 8-bit, non-interlaced images knobs writes: checks the
 * signature, the chunk layout and every CRC, inflates the IDAT data with Node's zlib and
 * undoes the row filters 0-4 (None, Sub, Up, Average, Paeth).
 */
import { inflateSync } from 'node:zlib';
import { expect } from 'vitest';

const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

/** CRC-32 of the bytes, computed independently of src/image/png.ts. */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export interface DecodedPng {
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
  /** Bytes per pixel: 1 (gray), 3 (RGB) or 4 (RGBA). */
  channels: number;
  /** Chunk types in order. */
  chunks: string[];
  /** The IDAT data joined: the zlib stream. */
  zlib: Uint8Array;
  /** The inflated image data: each row's filter type, then its filtered bytes. */
  raw: Uint8Array;
  /** The filter type of each row. */
  filters: number[];
  /** The pixels, row-major, width * height * channels bytes. */
  pixels: Uint8Array;
}

/** Decodes an 8-bit gray, RGB or RGBA PNG, asserting its structure on the way. */
export function readPng(png: Uint8Array): DecodedPng {
  expect([...png.subarray(0, 8)], 'PNG signature').toEqual([137, 80, 78, 71, 13, 10, 26, 10]);
  const dv = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const chunks: string[] = [],
    idat: Uint8Array[] = [];
  let p = 8,
    ihdr: DataView | undefined;
  while (p < png.length) {
    const len = dv.getUint32(p),
      type = String.fromCharCode(...png.subarray(p + 4, p + 8));
    expect(dv.getUint32(p + 8 + len), `CRC of ${type}`).toBe(crc32(png.subarray(p + 4, p + 8 + len)));
    if (type === 'IHDR') {
      expect(len, 'IHDR length').toBe(13);
      ihdr = new DataView(png.buffer, png.byteOffset + p + 8, 13);
    }
    if (type === 'IDAT') idat.push(png.subarray(p + 8, p + 8 + len));
    chunks.push(type);
    p += 12 + len;
  }
  expect(p, 'chunks end with the file').toBe(png.length);
  expect(chunks[0]).toBe('IHDR');
  expect(chunks.at(-1)).toBe('IEND');
  const width = ihdr!.getUint32(0),
    height = ihdr!.getUint32(4),
    bitDepth = ihdr!.getUint8(8),
    colorType = ihdr!.getUint8(9);
  expect([bitDepth, ihdr!.getUint8(10), ihdr!.getUint8(11), ihdr!.getUint8(12)], 'bit depth 8, compression, filter and interlace methods 0').toEqual([
    8, 0, 0, 0,
  ]);
  const channels = ({ 0: 1, 2: 3, 6: 4 } as Record<number, number>)[colorType]!;
  expect(channels, `color type ${colorType}`).toBeDefined();

  const zlib = new Uint8Array(idat.reduce((n, c) => n + c.length, 0));
  idat.reduce((o, c) => (zlib.set(c, o), o + c.length), 0);
  const raw = new Uint8Array(inflateSync(zlib));
  const stride = width * channels;
  expect(raw.length, 'inflated size').toBe(height * (stride + 1));
  const pixels = new Uint8Array(height * stride),
    filters: number[] = [];
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    filters.push(filter);
    expect(filter, `filter type of row ${y}`).toBeLessThanOrEqual(4);
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? pixels[y * stride + x - channels]! : 0;
      const b = y > 0 ? pixels[(y - 1) * stride + x]! : 0;
      const c = x >= channels && y > 0 ? pixels[(y - 1) * stride + x - channels]! : 0;
      const pa = Math.abs(b - c),
        pb = Math.abs(a - c),
        pc = Math.abs(a + b - 2 * c);
      const predictor = [0, a, b, (a + b) >> 1, pa <= pb && pa <= pc ? a : pb <= pc ? b : c][filter]!;
      pixels[y * stride + x] = (raw[y * (stride + 1) + 1 + x]! + predictor) & 255;
    }
  }
  return { width, height, bitDepth, colorType, channels, chunks, zlib, raw, filters, pixels };
}
