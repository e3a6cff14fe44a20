/**
 * Suspected mislabels: folds, out-of-fold bookkeeping, ranking, and an end-to-end check on
 * synthetic data with 5% of the labels flipped, using a small nearest-centroid classifier in
 * place of the trainer (the MNIST acceptance check needs the real model).
 */
import { describe, expect, it } from 'vitest';
import { kFolds, outOfFoldProbabilities, rankSuspectedMislabels } from '../../src/analyze';
import { kFold } from '../../src/data/split';
import { expectThrows, rng } from '../metrics/helpers';

describe('kFolds', () => {
  it('splits into k shuffled folds of near-equal size, covering every example once', () => {
    const folds = kFolds(23, 5, 42);
    // scikit-learn's KFold: the first n % k folds are one larger
    expect(folds.map((f) => f.valIdx.length)).toEqual([5, 5, 5, 4, 4]);
    const all = folds.flatMap((f) => [...f.valIdx]).sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: 23 }, (_, i) => i));
    for (const f of folds) {
      expect(f.trainIdx.length + f.valIdx.length).toBe(23);
      expect([...f.trainIdx].some((i) => f.valIdx.includes(i))).toBe(false);
    }
    expect(kFolds(23, 5, 42)).toEqual(folds);
    expect(kFolds(23, 5, 43)[0]!.valIdx).not.toEqual(folds[0]!.valIdx);
  });

  it('holds out exactly the examples of knobs.data.kFold with the same seed: one implementation (issue 11)', () => {
    for (const [n, k, seed] of [
      [23, 5, 42],
      [10, 3, 1],
      [101, 7, 9],
    ] as const) {
      const a = kFolds(n, k, seed);
      const b = kFold(n, { k, seed });
      expect(a.map((f) => [...f.valIdx])).toEqual(b.map((f) => [...f.dev]));
      expect(a.map((f) => [...f.trainIdx])).toEqual(b.map((f) => [...f.train]));
    }
  });
});

describe('outOfFoldProbabilities', () => {
  it('calls the callback once per fold and places each prediction at its example', async () => {
    const calls: [number, number][] = [];
    // the "model" predicts, for each held-out row, probability 1 on class (index mod 3)
    const oof = await outOfFoldProbabilities(10, 3, 7, async (trainIdx, valIdx) => {
      calls.push([trainIdx.length, valIdx.length]);
      const out = new Float32Array(valIdx.length * 3);
      valIdx.forEach((row, r) => {
        out[r * 3 + (row % 3)] = 1;
      });
      return out;
    });
    expect(calls.map(([t, v]) => t + v)).toEqual([10, 10, 10]);
    for (let i = 0; i < 10; i++) expect([...oof.subarray(i * 3, i * 3 + 3)]).toEqual([0, 1, 2].map((c) => (c === i % 3 ? 1 : 0)));
  });

  it('rejects inconsistent predictions', async () => {
    let fold = 0;
    await expect(outOfFoldProbabilities(6, 2, 0, async (_t, v) => new Float32Array(v.length * (fold++ === 0 ? 2 : 3)))).rejects.toThrow(
      /fold 1 returned 9 values for 3 rows; expected 6/,
    );
    await expect(outOfFoldProbabilities(6, 7, 0, async () => new Float32Array(0))).rejects.toThrow(/k must be an integer in \[2, n = 6\]/);
    await expect(outOfFoldProbabilities(6, 2, 0, async () => [0.5] as never)).rejects.toThrow(TypeError);
  });
});

describe('rankSuspectedMislabels', () => {
  it('ranks by the probability of the given label, lowest first', () => {
    const probs = [0.9, 0.1, 0.2, 0.8, 0.6, 0.4, 0.2, 0.8];
    const r = rankSuspectedMislabels(probs, [0, 0, 1, 0], 2);
    expect(r.map((s) => s.index)).toEqual([1, 3, 2, 0]);
    expect(r[0]).toEqual({ index: 1, label: 0, labelProbability: 0.2, predictedLabel: 1, predictedProbability: 0.8 });
    expect(rankSuspectedMislabels(probs, [0, 0, 1, 0], 2, { top: 2 })).toHaveLength(2);
  });

  it('rejects labels outside the classes', () => {
    expectThrows(() => rankSuspectedMislabels([0.5, 0.5], [2], 2), RangeError, 'labels[0] = 2');
    expectThrows(() => rankSuspectedMislabels([0.5, 0.5], [0, 1], 2), RangeError, 'one label per row (1)');
  });

  it('finds flipped labels: at least 70% of the top 5% suspects are flipped ones', async () => {
    // 2000 points in 8 dimensions around 5 class centres; 5% of the labels flipped with a seed
    const n = 2000,
      d = 8,
      k = 5,
      r = rng(2024);
    const gauss = (): number => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
    const centres = Array.from({ length: k * d }, () => gauss() * 2);
    const truth = Array.from({ length: n }, (_, i) => i % k);
    const x = new Float64Array(n * d);
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) x[i * d + j] = centres[truth[i]! * d + j]! + gauss();
    const labels = truth.slice();
    const flipped = new Set<number>();
    while (flipped.size < n / 20) {
      const i = Math.floor(r() * n);
      if (flipped.has(i)) continue;
      flipped.add(i);
      labels[i] = (labels[i]! + 1 + Math.floor(r() * (k - 1))) % k;
    }
    // nearest-centroid classifier with Gaussian posteriors, trained on the (noisy) labels of the other folds
    const oof = await outOfFoldProbabilities(n, 5, 1, async (trainIdx, valIdx) => {
      const mean = new Float64Array(k * d),
        count = new Float64Array(k);
      for (const i of trainIdx) {
        count[labels[i]!]!++;
        for (let j = 0; j < d; j++) mean[labels[i]! * d + j]! += x[i * d + j]!;
      }
      for (let c = 0; c < k; c++) for (let j = 0; j < d; j++) mean[c * d + j]! /= count[c]!;
      const out = new Float32Array(valIdx.length * k);
      valIdx.forEach((i, row) => {
        const logits = Array.from({ length: k }, (_, c) => {
          let s = 0;
          for (let j = 0; j < d; j++) s += (x[i * d + j]! - mean[c * d + j]!) ** 2;
          return -s / 2;
        });
        const m = Math.max(...logits),
          e = logits.map((v) => Math.exp(v - m)),
          z = e.reduce((a, b) => a + b);
        e.forEach((v, c) => {
          out[row * k + c] = v / z;
        });
      });
      return out;
    });
    const suspects = rankSuspectedMislabels(oof, labels, k, { top: flipped.size });
    const hits = suspects.filter((s) => flipped.has(s.index)).length;
    expect(hits / flipped.size).toBeGreaterThanOrEqual(0.7);
  });
});
