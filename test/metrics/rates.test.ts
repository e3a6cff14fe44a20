/**
 * binaryRates against a hand-computed table, one-vs-rest consistency with the per-class
 * precision and recall, and the lecture's per-class means of classifiers A-F.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { binaryRates, classMeans, precisionScore, rankClassifiers, recallScore } from '../../src/metrics';
import { captureWarnings, expectThrows, near } from './helpers';

afterEach(() => {
  vi.restoreAllMocks();
});

// rows true 0/1, columns predicted 0/1: tn 50, fp 10, fn 5, tp 35; P 40, N 60, PP 45, PN 55
const RATES_50_10_5_35 = {
  tp: 35,
  fp: 10,
  fn: 5,
  tn: 50,
  p: 40,
  n: 60,
  pp: 45,
  pn: 55,
  total: 100,
  tpr: 35 / 40,
  recall: 35 / 40,
  sensitivity: 35 / 40,
  tnr: 50 / 60,
  specificity: 50 / 60,
  selectivity: 50 / 60,
  fpr: 10 / 60,
  fallOut: 10 / 60,
  fnr: 5 / 40,
  missRate: 5 / 40,
  ppv: 35 / 45,
  precision: 35 / 45,
  npv: 50 / 55,
  fdr: 10 / 45,
  for: 5 / 55,
  prevalence: 0.4,
  accuracy: 0.85,
  f1: 70 / 85,
  lrPlus: 35 / 40 / (10 / 60),
  lrMinus: 5 / 40 / (50 / 60),
  dor: (35 * 50) / (10 * 5),
};

describe('binaryRates', () => {
  it('gives every rate of a 2 x 2 confusion matrix', () =>
    near(
      binaryRates([
        [50, 10],
        [5, 35],
      ]),
      RATES_50_10_5_35,
    ));

  it('gives the same rates from labels', () => {
    const yTrue = [...Array(60).fill(0), ...Array(40).fill(1)];
    const yPred = [...Array(50).fill(0), ...Array(10).fill(1), ...Array(5).fill(0), ...Array(35).fill(1)];
    near(binaryRates(yTrue, yPred), RATES_50_10_5_35);
    near(binaryRates(yTrue, yPred, { posLabel: 0 }), { tp: 50, fn: 10, fp: 5, tn: 35 });
  });

  it('is one-vs-rest per class, consistent with per-class precision and recall', () => {
    const t = [0, 0, 0, 1, 1, 2, 2, 2, 3, 3],
      p = [0, 0, 1, 1, 4, 2, 2, 0, 2, 1];
    captureWarnings();
    const per = binaryRates(t, p, { perClass: true });
    expect(per.map((r) => r.label)).toEqual([0, 1, 2, 3, 4]);
    near(
      per.map((r) => r.precision),
      precisionScore(t, p, { average: null, zeroDivision: NaN }),
    );
    near(
      per.map((r) => r.recall),
      recallScore(t, p, { average: null, zeroDivision: NaN }),
    );
    // class 3 is never predicted: tp 0, fn 2, fp 0, tn 8
    near(per[3], { tp: 0, fn: 2, fp: 0, tn: 8, tpr: 0, fpr: 0, ppv: NaN, npv: 0.8, lrPlus: NaN, dor: NaN });
    near(binaryRates(t, p, { posLabel: 3, zeroDivision: 0 }), { ppv: 0, lrPlus: 0 });
  });

  it('works from a k x k matrix with a positive row index, and weights', () => {
    near(
      binaryRates(
        [
          [5, 1, 0],
          [2, 6, 1],
          [0, 0, 4],
        ],
        { posLabel: 1 },
      ),
      { tp: 6, fn: 3, fp: 1, tn: 9 },
    );
    near(binaryRates([1, 1, 1, 0, 0, 0], [1, 0, 1, 1, 0, 0], { sampleWeight: [1, 2, 0.5, 3, 1, 1] }), { tp: 1.5, fn: 2, fp: 3, tn: 2 });
  });

  it('rejects ambiguous or malformed input', () => {
    expectThrows(() => binaryRates([0, 1, 2], [0, 1, 1]), RangeError, 'posLabel', 'perClass');
    expectThrows(() => binaryRates([0, 1, 1], [0, 1, 0], { posLabel: 7 }), RangeError, 'options.posLabel', '7', '[0, 1]');
    expectThrows(() => binaryRates([[1, 2], [3]]), RangeError, 'square');
    expectThrows(
      () =>
        binaryRates([
          [1, 2],
          [3, -1],
        ]),
      RangeError,
      'matrix[1][1]',
      '-1',
    );
  });
});

describe('class means (the lecture table of classifiers A-F over classes A-D)', () => {
  // The lecture prints averages to 1 decimal, rounding half up (C: 94.25 -> 94.3, E: 96.75 -> 96.8).
  const TABLE: [string, number[], number, string, string][] = [
    ['A', [95, 90, 94, 99], 94.5, '94.5', '94.39'],
    ['B', [96, 93, 97, 94], 95.0, '95.0', '94.97'],
    ['C', [92, 93, 95, 97], 94.25, '94.3', '94.21'],
    ['D', [94, 95, 99, 94], 95.5, '95.5', '95.46'],
    ['E', [97, 98, 95, 97], 96.75, '96.8', '96.74'],
    ['F', [99, 91, 96, 92], 94.5, '94.5', '94.39'],
  ];
  for (const [name, perClass, average, printed, harmonic] of TABLE) {
    it(`classifier ${name}: average ${printed}%, harmonic mean ${harmonic}%`, () => {
      const m = classMeans(perClass.map((v) => v / 100));
      near(m.arithmetic * 100, average, name, { atol: 1e-9 });
      expect((Math.round(average * 10 + 1e-9) / 10).toFixed(1)).toBe(printed);
      expect((m.harmonic * 100).toFixed(2)).toBe(harmonic);
      near(m.harmonic, 4 / perClass.reduce((s, v) => s + 100 / v, 0), name);
    });
  }

  it('ranks on unrounded values: F beats A although both show 94.39%', () => {
    const ranked = rankClassifiers(TABLE.map(([name, perClass]) => ({ name, perClass: perClass.map((v) => v / 100) })));
    expect(ranked.map((r) => r.name)).toEqual(['E', 'D', 'B', 'F', 'A', 'C']);
    expect(ranked.find((r) => r.name === 'F')!.tiedAtTwoDecimals).toEqual(['A']);
    expect(ranked.find((r) => r.name === 'A')!.rank).toBe(5);
  });

  it('shares a rank on exact ties and keeps the input order', () => {
    const ranked = rankClassifiers(
      TABLE.map(([name, perClass]) => ({ name, perClass: perClass.map((v) => v / 100) })),
      { by: 'arithmetic' },
    );
    expect(ranked.map((r) => `${r.rank}${r.name}`)).toEqual(['1E', '2D', '3B', '4A', '4F', '6C']);
  });

  it('handles a zero score and rejects bad scores', () => {
    near(classMeans([0, 0.5]), { arithmetic: 0.25, harmonic: 0, min: 0 });
    expectThrows(() => classMeans([0.5, NaN]), RangeError, 'perClass[1]', 'NaN');
    expectThrows(() => classMeans([]), RangeError, 'at least one');
  });
});
