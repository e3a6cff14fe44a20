/**
 * analyze(model, x, y, { images }) with a real knobs.sequential model on real MNIST digits:
 * the figures agree with the model's own evaluation and with the metrics, and the gallery is
 * a valid PNG (signature, IHDR of the stated size, chunk CRCs, zlib stream of the right size)
 * whose first tile shows the first misclassified digit.
 */
import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import * as knobs from '../../src/index.node';
import { mlp, mnist, pct } from './mnist-noisy';

const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc32 = (bytes: Uint8Array): number => {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};

/** Parses a PNG's chunks, checking each CRC; returns the IHDR fields and the inflated image data. */
function readPng(png: Uint8Array): { width: number; height: number; bitDepth: number; colorType: number; chunks: string[]; raw: Uint8Array } {
  expect([...png.subarray(0, 8)], 'PNG signature').toEqual([137, 80, 78, 71, 13, 10, 26, 10]);
  const dv = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const chunks: string[] = [], idat: Uint8Array[] = [];
  let p = 8, ihdr: DataView | undefined;
  while (p < png.length) {
    const len = dv.getUint32(p), type = String.fromCharCode(...png.subarray(p + 4, p + 8));
    expect(dv.getUint32(p + 8 + len), `CRC of ${type}`).toBe(crc32(png.subarray(p + 4, p + 8 + len)));
    if (type === 'IHDR') { expect(len, 'IHDR length').toBe(13); ihdr = new DataView(png.buffer, png.byteOffset + p + 8, 13); }
    if (type === 'IDAT') idat.push(png.subarray(p + 8, p + 8 + len));
    chunks.push(type);
    p += 12 + len;
  }
  expect(p).toBe(png.length);
  const all = new Uint8Array(idat.reduce((n, c) => n + c.length, 0));
  idat.reduce((o, c) => (all.set(c, o), o + c.length), 0);
  return { width: ihdr!.getUint32(0), height: ihdr!.getUint32(4), bitDepth: ihdr!.getUint8(8), colorType: ihdr!.getUint8(9), chunks, raw: new Uint8Array(inflateSync(all)) };
}

describe('analyze(model, x, y, { images }) on MNIST', () => {
  it('agrees with evaluate and the metrics, and draws a valid PNG gallery of the errors', async () => {
    const train = await mnist(2000), test = await mnist(1000, 8000);
    const model = mlp([64], 1)();
    await model.fit(train.x, train.y, { epochs: 5, batchSize: 32, verbose: 0 });
    const a = knobs.analyze.analyze(model, test.x, test.y, { images: { height: 28, width: 28 }, top: 5 });

    expect(a.accuracy).toBeCloseTo(model.evaluate(test.x, test.y).accuracy!, 12);
    expect(a.predictions).toEqual(knobs.analyze.argmaxRows(model.predict(test.x), 10));
    expect(a.confusion).toEqual(knobs.metrics.confusionMatrix(test.y, a.predictions, { labels: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] }));
    const errors = a.predictions.reduce((n, p, i) => n + (p !== test.y[i] ? 1 : 0), 0);
    expect(a.errorsByClass.errors).toBe(errors);
    expect(a.topConfusions).toHaveLength(5);
    expect(a.topConfusions.reduce((n, g) => n + g.count, 0)).toBeLessThanOrEqual(errors);
    expect(a.report).toContain('accuracy');
    console.log(`analyze on MNIST (784-64-10, 2,000 digits, 5 epochs): accuracy ${pct(a.accuracy)} on 1,000 digits; ` +
      `top confusion ${a.topConfusions[0]!.trueLabel}>${a.topConfusions[0]!.predLabel} (${a.topConfusions[0]!.count}); ` +
      `class ${a.errorsByClass.classes[0]!.label} holds ${pct(a.errorsByClass.classes[0]!.share)} of the errors; ` +
      `gallery ${a.gallery!.width} x ${a.gallery!.height} px, ${a.gallery!.png.length} bytes`);

    const g = a.gallery!;
    expect(g.tiles).toHaveLength(Math.min(100, errors));
    const first = a.predictions.findIndex((p, i) => p !== test.y[i]);
    expect(g.tiles[0]).toEqual({ index: first, trueLabel: test.y[first], predLabel: a.predictions[first] });
    const png = readPng(g.png);
    expect([png.width, png.height, png.bitDepth, png.colorType]).toEqual([g.width, g.height, 8, 2]);
    expect(png.chunks[0]).toBe('IHDR');
    expect(png.chunks.at(-1)).toBe('IEND');
    // 10 tiles a row, each (28 + 7 caption rows) x 28 pixels at scale 2, one-pixel borders
    const rows = Math.ceil(g.tiles.length / 10);
    expect([g.width, g.height]).toEqual([10 * (28 * 2 + 1) + 1, rows * (35 * 2 + 1) + 1]);
    expect(png.raw.length).toBe(png.height * (1 + png.width * 3));
    // the first tile, at (1, 1), is the first misclassified digit, magnified twice, in gray
    const digit = test.x.subarray(first * 784, (first + 1) * 784);
    const stride = 1 + png.width * 3;
    for (let y = 0; y < 56; y++) {
      for (let x = 0; x < 56; x++) {
        const v = Math.round(digit[(y >> 1) * 28 + (x >> 1)]! * 255);
        const o = (1 + y) * stride + 1 + (1 + x) * 3;
        expect([png.raw[o], png.raw[o + 1], png.raw[o + 2]], `pixel (${x}, ${y})`).toEqual([v, v, v]);
      }
    }
  });
});
