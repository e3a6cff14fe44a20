import { describe, expect, it } from 'vitest';
import { dataset } from '../../src/data/dataset';
import { minMax, normalizerFromJSON, standardize } from '../../src/data/normalize';
import { expectClose, randomArray } from '../helpers';

/** Column means and population standard deviations, float64. */
function columnStats(x: Float32Array, f: number): { mean: number[]; std: number[] } {
  const n = x.length / f;
  const mean = new Array<number>(f).fill(0),
    std = new Array<number>(f).fill(0);
  for (let i = 0; i < n; i++) for (let j = 0; j < f; j++) mean[j]! += x[i * f + j]! / n;
  for (let i = 0; i < n; i++) for (let j = 0; j < f; j++) std[j]! += (x[i * f + j]! - mean[j]!) ** 2 / n;
  return { mean, std: std.map(Math.sqrt) };
}

describe('standardize', () => {
  it('gives the training set mean 0 and standard deviation 1 per feature', () => {
    const f = 5;
    const x = randomArray(1000 * f, 1, -3, 10).map((v, i) => v * (i % f) + 100 * (i % f));
    const norm = standardize().fit(x, f);
    const { mean, std } = columnStats(norm.transform(x), f);
    expectClose(mean, new Array(f).fill(0), { atol: 1e-5 }, 'mean');
    // feature 0 is constant 0 (v * 0): zero variance, divided by 1, stays at 0 - mean = 0
    expectClose(std, [0, 1, 1, 1, 1], { atol: 1e-5 }, 'std');
  });

  it('uses training statistics only: transforming dev neither depends on nor changes them', () => {
    const f = 3;
    const train = randomArray(300 * f, 2, 0, 1),
      dev = randomArray(100 * f, 3, 5, 9);
    const norm = standardize().fit(train, f);
    const before = JSON.stringify(norm.toJSON());
    const devOut = norm.transform(dev);
    norm.transform(randomArray(50 * f, 4, -100, 100)); // more unseen data
    expect(JSON.stringify(norm.toJSON())).toBe(before);
    // dev is transformed with train's statistics, not its own: its mean is far from 0
    const { mean } = columnStats(devOut, f);
    for (const m of mean) expect(m).toBeGreaterThan(10);
    // and exactly the same transform as a normalizer fitted on train alone, applied to dev
    expect(standardize().fit(train, f).transform(dev)).toEqual(devOut);
    // a value transforms to the same bits whichever array or row it is in
    const one = norm.transform(dev.subarray(3 * 7, 3 * 8));
    expect(Array.from(one)).toEqual(Array.from(devOut.subarray(3 * 7, 3 * 8)));
  });

  it('round-trips through JSON bit for bit, and inverts', () => {
    const f = 4;
    const x = randomArray(200 * f, 5, -2, 7);
    const norm = standardize({ skip: [2] }).fit(x, f);
    const restored = normalizerFromJSON(JSON.parse(JSON.stringify(norm)));
    expect(restored.transform(x)).toEqual(norm.transform(x));
    expectClose(norm.inverseTransform(norm.transform(x)), x, { rtol: 1e-5, atol: 1e-5 }, 'inverse');
    // the skipped column passes through
    const out = norm.transform(x);
    for (let i = 0; i < 200; i++) expect(out[i * f + 2]).toBe(x[i * f + 2]);
  });

  it('fits and transforms datasets', () => {
    const d = dataset({
      x: [
        [1, 10],
        [3, 30],
      ],
      y: [0, 1],
      source: ['a', 'b'],
    });
    const norm = standardize().fit(d);
    const t = norm.transform(d);
    expect(Array.from(t.x)).toEqual([-1, -1, 1, 1]);
    expect(t.source).toEqual(['a', 'b']);
    expect(Array.from(t.y)).toEqual([0, 1]);
  });

  it('rejects non-finite data and shape mismatches', () => {
    expect(() => standardize().fit(new Float32Array([1, NaN]), 1)).toThrow(/non-finite value NaN at row 1, column 0/);
    expect(() => standardize().fit(new Float32Array(6), 4)).toThrow(/6 values, not a multiple of features = 4/);
    expect(() => standardize().fit(new Float32Array(6), 3).transform(new Float32Array(4))).toThrow(
      /not a multiple of the 3 features the normalizer was fitted on/,
    );
    expect(() => normalizerFromJSON({ kind: 'standardize', features: 2, shift: [0, 0], scale: [1, 0] })).toThrow(
      /scale\[1\] must be a finite, non-zero number/,
    );
  });
});

describe('minMax', () => {
  it('maps the training range onto [lo, hi], constant features to lo, and leaves dev unclipped', () => {
    const x = new Float32Array([0, 5, 2, 5, 4, 5]); // column 1 is constant
    const norm = minMax({ range: [-1, 1] }).fit(x, 2);
    expect(Array.from(norm.transform(x))).toEqual([-1, -1, 0, -1, 1, -1]);
    expect(Array.from(norm.transform(new Float32Array([6, 7])))).toEqual([2, 3]); // (7 - 5) / 1 * 2 - 1
    expect(normalizerFromJSON(norm.toJSON()).transform(x)).toEqual(norm.transform(x));
    expect(() => minMax({ range: [1, 1] })).toThrow(/options.range must be \[lo, hi\] with finite lo < hi/);
  });
});
