/**
 * analyze(model, x, y, { images }) with a real knobs.sequential model on real MNIST digits:
 * the figures agree with the model's own evaluation and with the metrics, and the gallery is
 * a valid PNG (signature, IHDR of the stated size, chunk CRCs, zlib stream of the right size)
 * whose first tile shows the first misclassified digit.
 */
import { describe, expect, it } from 'vitest';
import * as knobs from '../../src/index.node';
import { readPng } from '../image/read-png';
import { mlp, mnist, pct } from './mnist-noisy';

describe('analyze(model, x, y, { images }) on MNIST', () => {
  it('agrees with evaluate and the metrics, and draws a valid PNG gallery of the errors', async () => {
    const train = await mnist(2000),
      test = await mnist(1000, 8000);
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
    console.log(
      `analyze on MNIST (784-64-10, 2,000 digits, 5 epochs): accuracy ${pct(a.accuracy)} on 1,000 digits; ` +
        `top confusion ${a.topConfusions[0]!.trueLabel}>${a.topConfusions[0]!.predLabel} (${a.topConfusions[0]!.count}); ` +
        `class ${a.errorsByClass.classes[0]!.label} holds ${pct(a.errorsByClass.classes[0]!.share)} of the errors; ` +
        `gallery ${a.gallery!.width} x ${a.gallery!.height} px, ${a.gallery!.png.length} bytes`,
    );

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
    expect(png.pixels.length).toBe(png.height * png.width * 3);
    // the first tile, at (1, 1), is the first misclassified digit, magnified twice, in gray
    const digit = test.x.subarray(first * 784, (first + 1) * 784);
    const stride = png.width * 3;
    for (let y = 0; y < 56; y++) {
      for (let x = 0; x < 56; x++) {
        const v = Math.round(digit[(y >> 1) * 28 + (x >> 1)]! * 255);
        const o = (1 + y) * stride + (1 + x) * 3;
        expect([png.pixels[o], png.pixels[o + 1], png.pixels[o + 2]], `pixel (${x}, ${y})`).toEqual([v, v, v]);
      }
    }
  });
});
