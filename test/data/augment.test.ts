import { describe, expect, it } from 'vitest';
import { augmentation, preview, type AugmentationSpec } from '../../src/data/augment';
import { dataset } from '../../src/data/dataset';
import { randomArray } from '../helpers';

const SHAPE = { height: 6, width: 5, channels: 1 };

describe('augmentation pipeline', () => {
  it('applies to a plain Float32Array without changing it, and clips when asked', () => {
    const x = randomArray(4 * 30, 1, 0, 1);
    const copy = x.slice();
    const p = augmentation([{ type: 'brightness', delta: [0.5, 0.5] }], { ...SHAPE, clip: [0, 1] });
    const out = p.applyTo(x);
    expect(x).toEqual(copy);
    for (let i = 0; i < x.length; i++) expect(out[i]).toBe(Math.min(1, Math.fround(x[i]! + 0.5)));
  });

  it('is an identity with no steps, or with every p = 0', () => {
    const x = randomArray(3 * 30, 2);
    expect(augmentation([], SHAPE).applyTo(x)).toEqual(x);
    const none: AugmentationSpec[] = [
      { type: 'rotate', degrees: 30, p: 0 },
      { type: 'noise', std: 1, p: 0 },
      { type: 'elastic', alpha: 5, p: 0 },
    ];
    expect(augmentation(none, SHAPE).applyTo(x, { seed: 3 })).toEqual(x);
  });

  it('serializes to JSON and rebuilds the same pipeline (for workers)', () => {
    const p = augmentation(
      [
        { type: 'rotate', degrees: 15 },
        { type: 'cutout', size: [1, 3], p: 0.5 },
      ],
      { ...SHAPE, fill: 0.1, clip: [0, 1] },
    );
    const json = JSON.parse(JSON.stringify(p));
    const q = augmentation(json.steps, json);
    const x = randomArray(10 * 30, 3, 0, 1);
    expect(q.applyTo(x, { seed: 4, epoch: 2 })).toEqual(p.applyTo(x, { seed: 4, epoch: 2 }));
    expect(Array.from(q.table)).toEqual(Array.from(p.table));
  });

  // bad steps and options: one line per case
  const bad: [string, () => unknown, RegExp][] = [
    ['an unknown type', () => augmentation([{ type: 'shear' } as never], SHAPE), /step 0 has type "shear"; the types are rotate, scale/],
    ['p above 1', () => augmentation([{ type: 'rotate', degrees: 10, p: 1.5 }], SHAPE), /step 0 \("rotate"\): p must be a probability in \[0, 1\], got 1.5/],
    [
      'a reversed range',
      () => augmentation([{ type: 'scale', range: [1.2, 0.8] }], SHAPE),
      /range must give a range lo <= hi with factors > 0, got \[1.2,0.8\]/,
    ],
    ['a zero scale', () => augmentation([{ type: 'scale', range: [0, 1] }], SHAPE), /factors > 0/],
    ['a crop fraction above 1', () => augmentation([{ type: 'crop', scale: 1.5 }], SHAPE), /side fractions in \(0, 1\]/],
    ['a blur sigma above 8', () => augmentation([{ type: 'blur', sigma: 9 }], SHAPE), /sigmas in \[0, 8\] pixels/],
    ['a negative translation', () => augmentation([{ type: 'translate', pixels: -1 }], SHAPE), /pixels must be a number >= 0 or \[x, y\]/],
    [
      'a bad flip direction',
      () => augmentation([{ type: 'flip', direction: 'diagonal' as never }], SHAPE),
      /direction must be 'horizontal' or 'vertical', got "diagonal"/,
    ],
    ['a missing shape', () => augmentation([], { height: 0, width: 5, channels: 1 }), /options.height must be a positive integer, got 0/],
    ['a bad clip', () => augmentation([], { ...SHAPE, clip: [1, 0] }), /options.clip must be \[lo, hi\] with lo <= hi/],
    [
      'example indices of the wrong length',
      () => augmentation([], SHAPE).applyTo(new Float32Array(60), { exampleIndices: [1] }),
      /options.exampleIndices has 1 values for 2 rows/,
    ],
    ['rows of the wrong size', () => augmentation([], SHAPE).applyTo(new Float32Array(31)), /x has 31 values, not a multiple of 6 x 5 x 1 = 30/],
  ];
  for (const [name, fn, message] of bad) it(`rejects ${name}`, () => expect(fn).toThrow(message));
});

describe('preview', () => {
  it('writes a PNG grid of originals and augmented variants', () => {
    const d = dataset({ x: randomArray(3 * 30, 5, 0, 1), features: 30, y: new Int32Array(3), shape: SHAPE });
    const p = augmentation(
      [
        { type: 'rotate', degrees: 20 },
        { type: 'translate', pixels: 1 },
      ],
      SHAPE,
    );
    const png = preview(p, d, { count: 2, variants: 4, scale: 2 });
    expect(Array.from(png.subarray(0, 8))).toEqual([137, 80, 78, 71, 13, 10, 26, 10]);
    const view = new DataView(png.buffer, png.byteOffset);
    // 5 columns of (5 * 2 + 1) pixels plus the border; 2 rows of (6 * 2 + 1) plus the border
    expect(view.getUint32(16)).toBe(5 * 11 + 1);
    expect(view.getUint32(20)).toBe(2 * 13 + 1);
    expect(() => preview(augmentation([], { height: 2, width: 2, channels: 2 }), new Float32Array(8))).toThrow(/1 or 3 channels/);
  });
});
