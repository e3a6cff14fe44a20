import { describe, expect, it } from 'vitest';
import { Dataset, dataset } from '../../src/data/dataset';
import { chiSquareSurvival, kFold, splitReport, stratifiedKFold, trainDevSplit, trainDevTestSplit } from '../../src/data/split';
import { rng } from '../helpers';

/** n examples with imbalanced classes (class c has weight c + 1) and a source per example. */
function data(n: number, classes: number, seed = 1, withSource = false): Dataset {
  const r = rng(seed);
  const total = (classes * (classes + 1)) / 2;
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let u = r() * total,
      c = 0;
    while (u >= c + 1) {
      u -= c + 1;
      c++;
    }
    y[i] = Math.min(c, classes - 1);
  }
  const x = new Float32Array(n * 2).map((_, i) => i);
  return new Dataset({ x, y, features: 2, classes, ...(withSource ? { source: Array.from({ length: n }, (_, i) => `g${i % 37}`) } : {}) });
}

function counts(y: ArrayLike<number>, classes: number): number[] {
  const c = new Array<number>(classes).fill(0);
  for (let i = 0; i < y.length; i++) c[y[i]!]!++;
  return c;
}

describe('trainDevTestSplit', () => {
  it('keeps class proportions within one example per class, for every preset and size', () => {
    for (const [n, classes] of [
      [1000, 5],
      [997, 10],
      [5000, 3],
      [123, 4],
    ] as const) {
      const d = data(n, classes, n);
      const total = counts(d.y, classes);
      for (const ratios of ['classic', [0.7, 0.15, 0.15], [0.5, 0.25, 0.25]] as const) {
        const s = trainDevTestSplit(d, { ratios, seed: 3 });
        const r = ratios === 'classic' ? [0.6, 0.2, 0.2] : ratios;
        [s.train, s.dev, s.test].forEach((set, k) => {
          const c = counts(set.y, classes);
          c.forEach((v, cls) => expect(Math.abs(v - total[cls]! * r[k]!), `n ${n}, ${JSON.stringify(ratios)}, set ${k}, class ${cls}`).toBeLessThanOrEqual(1));
        });
        // the set sizes hit their targets, and the three sets partition the data
        expect(s.train.length + s.dev.length + s.test.length).toBe(n);
        expect(Math.abs(s.dev.length - n * r[1]!)).toBeLessThanOrEqual(1);
        const all = [...s.indices.train, ...s.indices.dev, ...s.indices.test].sort((a, b) => a - b);
        expect(all).toEqual(Array.from({ length: n }, (_, i) => i));
      }
    }
  });

  it("uses the 'large' preset (98/1/1) on a large set", () => {
    const d = data(20000, 4, 9);
    const s = trainDevTestSplit(d, { ratios: 'large', seed: 1 });
    expect([s.train.length, s.dev.length, s.test.length]).toEqual([19600, 200, 200]);
  });

  it('is seeded: the same seed gives the same split, another seed another', () => {
    const d = data(300, 3);
    const a = trainDevTestSplit(d, { seed: 5 }),
      b = trainDevTestSplit(d, { seed: 5 }),
      c = trainDevTestSplit(d, { seed: 6 });
    expect(a.indices.dev).toEqual(b.indices.dev);
    expect(a.indices.dev).not.toEqual(c.indices.dev);
  });

  it('splits by sizes, leaving the rest unused only when all three are given', () => {
    const d = data(1000, 3);
    const s = trainDevTestSplit(d, { sizes: { dev: 100, test: 200 }, seed: 1 });
    expect([s.train.length, s.dev.length, s.test.length, s.indices.unused.length]).toEqual([700, 100, 200, 0]);
    const t = trainDevTestSplit(d, { sizes: [100, 50, 50], seed: 1 });
    expect([t.train.length, t.dev.length, t.test.length, t.indices.unused.length]).toEqual([100, 50, 50, 800]);
  });

  it('never lets a group straddle two sets', () => {
    const d = data(2000, 3, 4, true);
    const s = trainDevTestSplit(d, { groups: 'source', ratios: [0.6, 0.2, 0.2], seed: 2 });
    const where = new Map<string, string>();
    for (const [name, set] of [
      ['train', s.train],
      ['dev', s.dev],
      ['test', s.test],
    ] as const) {
      for (const g of set.source as string[]) {
        expect(where.get(g) ?? name, `group ${g}`).toBe(name);
        where.set(g, name);
      }
    }
    expect(where.size).toBe(37);
    expect(Math.abs(s.dev.length - 400)).toBeLessThan(120); // whole groups of ~54 examples
  });

  it('accepts plain {x, y} typed arrays', () => {
    const s = trainDevTestSplit({ x: new Float32Array(200), y: new Int32Array(100).map((_, i) => i % 2) }, { seed: 1 });
    expect(s.train.features).toBe(2);
    expect(s.train.length).toBe(60);
  });

  const bad: [string, () => unknown, RegExp][] = [
    [
      'ratios that do not sum to 1',
      () => trainDevTestSplit(data(100, 2), { ratios: [0.6, 0.3, 0.2] }),
      /options.ratios must sum to 1, got 0.6 \+ 0.3 \+ 0.2 = 1.1/,
    ],
    ['an unknown preset', () => trainDevTestSplit(data(100, 2), { ratios: 'huge' as never }), /options.ratios must be 'classic', 'large'/],
    [
      'sizes over the total',
      () => trainDevTestSplit(data(100, 2), { sizes: { dev: 80, test: 30 } }),
      /options.sizes add up to 110, more than the 100 examples/,
    ],
    [
      'a class left out of a set',
      () => trainDevTestSplit(new Dataset({ x: new Float32Array(12), features: 1, y: new Int32Array([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1]) }), { seed: 1 }),
      /leaves class 1 out of the (dev|test) set \(the class has 2 examples in all/,
    ],
    ['stratify with groups', () => trainDevTestSplit(data(100, 2, 1, true), { groups: 'source', stratify: true }), /cannot be combined/],
    ['groups of the wrong length', () => trainDevTestSplit(data(100, 2), { groups: ['a'] }), /options.groups has 1 values but the data has 100 examples/],
  ];
  for (const [name, fn, message] of bad) it(`rejects ${name}`, () => expect(fn).toThrow(message));

  it('allows a missing class when asked', () => {
    const d = new Dataset({ x: new Float32Array(12), features: 1, y: new Int32Array([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1]) });
    expect(trainDevTestSplit(d, { seed: 1, allowMissingClasses: true }).train.length).toBe(7);
  });
});

describe('trainDevSplit', () => {
  it('carves a stratified train-dev set out of the training set', () => {
    const d = data(1000, 4);
    const { train, trainDev, indices } = trainDevSplit(d, { ratio: 0.1, seed: 2 });
    expect(trainDev.length).toBe(100);
    expect(train.length).toBe(900);
    const total = counts(d.y, 4),
      c = counts(trainDev.y, 4);
    c.forEach((v, k) => expect(Math.abs(v - total[k]! * 0.1)).toBeLessThanOrEqual(1));
    expect(new Set([...indices.train, ...indices.trainDev]).size).toBe(1000);
    expect(() => trainDevSplit(d, { ratio: 1.5 })).toThrow(/options.ratio must be a number in \(0, 1\), got 1.5/);
  });
});

describe('kFold and stratifiedKFold', () => {
  it('partitions the indices into k folds of sizes differing by at most one', () => {
    const folds = kFold(103, { k: 5, seed: 1 });
    expect(folds.map((f) => f.dev.length)).toEqual([21, 21, 21, 20, 20]);
    const seen = folds.flatMap((f) => [...f.dev]).sort((a, b) => a - b);
    expect(seen).toEqual(Array.from({ length: 103 }, (_, i) => i));
    for (const f of folds) expect(f.train.length + f.dev.length).toBe(103);
    expect(Array.from(kFold(6, { k: 3, shuffle: false })[1]!.dev)).toEqual([2, 3]);
    expect(() => kFold(3, { k: 4 })).toThrow(/options.k = 4 is more than the 3 examples/);
    expect(() => kFold(10, { k: 1 })).toThrow(/options.k must be an integer >= 2/);
  });

  it('keeps each class within one example of its share in every fold', () => {
    const d = data(1003, 6, 7);
    const total = counts(d.y, 6);
    const folds = stratifiedKFold(d.y as Int32Array, { k: 5, seed: 3 });
    const sizes = folds.map((f) => f.dev.length);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    for (const f of folds) {
      const c = counts(
        Array.from(f.dev, (i) => d.y[i]!),
        6,
      );
      c.forEach((v, k) => expect(Math.abs(v - total[k]! / 5)).toBeLessThanOrEqual(1));
    }
    expect(() => stratifiedKFold([0, 0, 0, 1], { k: 2 })).toThrow(/class 1 has 1 example, fewer than k = 2/);
  });
});

describe('splitReport', () => {
  it('reports proportions and no warning for a stratified split', () => {
    const s = trainDevTestSplit(data(3000, 4, 1, true), { seed: 1 });
    const r = splitReport(s);
    expect(r.warnings).toEqual([]);
    expect(r.sets.map((x) => x.name)).toEqual(['train', 'dev', 'test']);
    // the dev set's class counts are its labels counted
    const devCounts: Record<string, number> = {};
    for (const c of s.dev.y as Int32Array) devCounts[String(c)] = (devCounts[String(c)] ?? 0) + 1;
    expect(r.sets[1]!.class!.counts).toEqual(devCounts);
    expect(r.comparisons.length).toBe(6); // dev and test vs train, test vs dev; class and source
    expect(r.text).toMatch(/total variation distance > 0.1 and a chi-square test of homogeneity gives p < 0.01/);
  });

  it('warns when dev holds a source the training set lacks, or other class proportions', () => {
    const train = dataset({ x: new Float32Array(400), features: 1, y: new Int32Array(400).map((_, i) => i % 2), source: Array(400).fill('web') });
    const dev = dataset({
      x: new Float32Array(200),
      features: 1,
      y: new Int32Array(200).map((_, i) => (i % 10 === 0 ? 0 : 1)),
      source: Array.from({ length: 200 }, (_, i) => (i < 100 ? 'web' : 'phone')),
    });
    const r = splitReport({ train, dev });
    expect(r.warnings.some((w) => /dev holds source "phone" \(100 examples, 50.0%\) that train lacks/.test(w))).toBe(true);
    expect(r.warnings.some((w) => /dev's class proportions differ from train's: total variation distance 0.400 > 0.1/.test(w))).toBe(true);
  });

  it('does not warn for a small set whose proportions differ only by chance', () => {
    // 20 dev examples: a TVD of 0.15 is within sampling noise, so the chi-square test does not reject
    const train = dataset({ x: new Float32Array(1000), features: 1, y: new Int32Array(1000).map((_, i) => i % 2) });
    const dev = dataset({ x: new Float32Array(20), features: 1, y: new Int32Array(20).map((_, i) => (i < 13 ? 0 : 1)) });
    const r = splitReport({ train, dev });
    expect(r.comparisons[0]!.tvd).toBeCloseTo(0.15, 5);
    expect(r.warnings).toEqual([]);
  });

  it('computes chi-square p-values', () => {
    expect(chiSquareSurvival(3.841458820694124, 1)).toBeCloseTo(0.05, 6);
    expect(chiSquareSurvival(11.344866730144373, 3)).toBeCloseTo(0.01, 6);
    expect(chiSquareSurvival(124.3421134, 100)).toBeCloseTo(0.05, 5);
    expect(chiSquareSurvival(0, 4)).toBe(1);
  });
});
