/**
 * Precision, recall and F-scores against values computed by hand from small confusion tables
 * (derivations in the comments), and against the examples printed in scikit-learn's
 * documentation. No scikit-learn on this machine: every expected value is written out.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { f1Score, fbetaScore, precisionRecallFscoreSupport, precisionScore, recallScore, type PrfOptions } from '../../src/metrics';
import { captureWarnings, fromCounts, near } from './helpers';

afterEach(() => {
  vi.restoreAllMocks();
});

// Multiclass case M: class 3 is never predicted, class 4 never occurs in yTrue.
//   confusion (rows true 0..4, columns predicted 0..4):
//     [2,1,0,0,0] [0,1,0,0,1] [1,0,2,0,0] [0,1,1,0,0] [0,0,0,0,0]
//   tp = [2,1,2,0,0], predicted = [3,3,3,0,1], true = [3,2,3,2,0]
//   precision = [2/3, 1/3, 2/3, 0/0, 0/1], recall = [2/3, 1/2, 2/3, 0/2, 0/0]
//   F1 = 2tp/(true+pred) = [2/3, 2/5, 2/3, 0/2, 0/1]: never 0/0
const MT = [0, 0, 0, 1, 1, 2, 2, 2, 3, 3];
const MP = [0, 0, 1, 1, 4, 2, 2, 0, 2, 1];

// Weighted binary case W: weights [1, 2, 0.5, 3, 1, 1]
//   tp = 1 + 0.5 = 1.5 (examples 0, 2), fn = 2 (example 1), fp = 3 (example 3), tn = 2
//   class 1: P = 1.5/4.5 = 1/3, R = 1.5/3.5 = 3/7, F1 = 3/(3 + 3 + 2) = 3/8
//   class 0: tp 2, predicted 4, true 5: P = 1/2, R = 2/5, F1 = 4/9
const WT = [1, 1, 1, 0, 0, 0];
const WP = [1, 0, 1, 1, 0, 0];
const WW = [1, 2, 0.5, 3, 1, 1];

type Fn = (t: number[], p: number[], o: PrfOptions & { beta?: number }) => unknown;
const P: Fn = (t, p, o) => precisionScore(t, p, o);
const R: Fn = (t, p, o) => recallScore(t, p, o);
const F: Fn = (t, p, o) => f1Score(t, p, o);
const FB: Fn = (t, p, o) => fbetaScore(t, p, { ...o, beta: o.beta ?? 1 });

const CASES: [string, Fn, number[], number[], PrfOptions & { beta?: number }, number | number[]][] = [
  // scikit-learn documentation examples
  ['doc: macro precision', P, [0, 1, 2, 0, 1, 2], [0, 2, 1, 0, 0, 1], { average: 'macro' }, 2 / 9],
  ['doc: micro precision', P, [0, 1, 2, 0, 1, 2], [0, 2, 1, 0, 0, 1], { average: 'micro' }, 1 / 3],
  ['doc: per-class precision', P, [0, 1, 2, 0, 1, 2], [0, 2, 1, 0, 0, 1], { average: null }, [2 / 3, 0, 0]],
  ['doc: per-class recall', R, [0, 1, 2, 0, 1, 2], [0, 2, 1, 0, 0, 1], { average: null }, [1, 0, 0]],
  ['doc: macro F1', F, [0, 1, 2, 0, 1, 2], [0, 2, 1, 0, 0, 1], { average: 'macro' }, 0.8 / 3],
  ['doc: precision, never predicted, zd 1', P, [0, 1, 2, 0, 1, 2], [0, 0, 0, 0, 0, 0], { average: null, zeroDivision: 1 }, [1 / 3, 1, 1]],
  ['doc: precision, never predicted, zd NaN', P, [0, 1, 2, 0, 1, 2], [0, 0, 0, 0, 0, 0], { average: null, zeroDivision: NaN }, [1 / 3, NaN, NaN]],
  ['doc: recall, absent from yTrue, zd 1', R, [0, 0, 0, 0, 0, 0], [0, 2, 1, 0, 0, 1], { average: null, zeroDivision: 1 }, [0.5, 1, 1]],
  // binary, posLabel
  ['binary precision', P, [0, 1, 1, 0], [1, 1, 0, 0], {}, 0.5],
  ['binary recall posLabel 0', R, [0, 0, 0, 1], [0, 1, 1, 1], { posLabel: 0 }, 1 / 3],
  ['binary F-beta 2', FB, [1, 1, 0], [1, 0, 0], { beta: 2 }, 5 / 9],
  ['binary F-beta 0 is precision', FB, [1, 1, 0, 0], [1, 0, 1, 0], { beta: 0 }, 0.5],
  ['binary F-beta Infinity is recall', FB, [1, 1, 1, 0], [1, 0, 0, 0], { beta: Infinity }, 1 / 3],
  ['binary, no positive at all: zd 1', F, [0, 0], [0, 0], { zeroDivision: 1 }, 1],
  ['binary, labels other than 0/1', P, [3, 7, 7, 3], [7, 7, 3, 3], { posLabel: 7 }, 0.5],
  // case M: a class never predicted (3) and a class absent from yTrue (4)
  ['M per-class precision', P, MT, MP, { average: null, zeroDivision: 0 }, [2 / 3, 1 / 3, 2 / 3, 0, 0]],
  ['M per-class recall', R, MT, MP, { average: null, zeroDivision: 0 }, [2 / 3, 1 / 2, 2 / 3, 0, 0]],
  ['M per-class F1', F, MT, MP, { average: null, zeroDivision: 0 }, [2 / 3, 2 / 5, 2 / 3, 0, 0]],
  ['M per-class F1 zd NaN: no 0/0 in F', F, MT, MP, { average: null, zeroDivision: NaN }, [2 / 3, 2 / 5, 2 / 3, 0, 0]],
  ['M macro precision zd 0', P, MT, MP, { average: 'macro', zeroDivision: 0 }, 1 / 3],
  ['M macro precision zd 1', P, MT, MP, { average: 'macro', zeroDivision: 1 }, 8 / 15],
  ['M macro precision zd NaN (mean of 4)', P, MT, MP, { average: 'macro', zeroDivision: NaN }, 5 / 12],
  ['M macro recall zd 0', R, MT, MP, { average: 'macro', zeroDivision: 0 }, 11 / 30],
  ['M macro recall zd 1', R, MT, MP, { average: 'macro', zeroDivision: 1 }, 17 / 30],
  ['M macro recall zd NaN', R, MT, MP, { average: 'macro', zeroDivision: NaN }, 11 / 24],
  ['M macro F1', F, MT, MP, { average: 'macro', zeroDivision: 0 }, (2 / 3 + 0.4 + 2 / 3) / 5],
  // weighted by true counts [3,2,3,2,0] / 10
  ['M weighted precision zd 0', P, MT, MP, { average: 'weighted', zeroDivision: 0 }, (2 + 2 / 3 + 2) / 10],
  ['M weighted precision zd 1', P, MT, MP, { average: 'weighted', zeroDivision: 1 }, (2 + 2 / 3 + 2 + 2) / 10],
  ['M weighted precision zd NaN (class 3 left out)', P, MT, MP, { average: 'weighted', zeroDivision: NaN }, (2 + 2 / 3 + 2) / 8],
  ['M weighted recall is accuracy', R, MT, MP, { average: 'weighted', zeroDivision: 1 }, 0.5],
  ['M weighted F1', F, MT, MP, { average: 'weighted', zeroDivision: 0 }, (2 + 0.8 + 2) / 10],
  ['M micro precision', P, MT, MP, { average: 'micro' }, 0.5],
  ['M micro F1', F, MT, MP, { average: 'micro' }, 0.5],
  // labels [0, 1, 2]: micro counts tp 5, predicted 9, true 8
  ['M labels subset micro precision', P, MT, MP, { average: 'micro', labels: [0, 1, 2] }, 5 / 9],
  ['M labels subset micro recall', R, MT, MP, { average: 'micro', labels: [0, 1, 2] }, 5 / 8],
  ['M labels subset micro F1', F, MT, MP, { average: 'micro', labels: [0, 1, 2] }, 10 / 17],
  ['M labels subset macro recall', R, MT, MP, { average: 'macro', labels: [0, 1, 2] }, 11 / 18],
  ['M labels reordered per class', P, MT, MP, { average: null, labels: [2, 0] }, [2 / 3, 2 / 3]],
  ['M label absent everywhere', R, MT, MP, { average: null, labels: [9, 0], zeroDivision: 1 }, [1, 2 / 3]],
  ['M labels only absent classes, weighted falls back to mean', P, MT, MP, { average: 'weighted', labels: [4, 9], zeroDivision: 1 }, 0.5],
  // case W: sample weights
  ['W binary precision', P, WT, WP, { sampleWeight: WW }, 1 / 3],
  ['W binary recall', R, WT, WP, { sampleWeight: WW }, 3 / 7],
  ['W binary F1', F, WT, WP, { sampleWeight: WW }, 3 / 8],
  ['W F-beta 2', FB, WT, WP, { sampleWeight: WW, beta: 2 }, 7.5 / 18.5],
  ['W F-beta 0.5', FB, WT, WP, { sampleWeight: WW, beta: 0.5 }, 1.875 / 5.375],
  ['W per-class F1', F, WT, WP, { sampleWeight: WW, average: null }, [4 / 9, 3 / 8]],
  ['W macro F1', F, WT, WP, { sampleWeight: WW, average: 'macro' }, (4 / 9 + 3 / 8) / 2],
  ['W weighted F1', F, WT, WP, { sampleWeight: WW, average: 'weighted' }, ((5 * 4) / 9 + (3.5 * 3) / 8) / 8.5],
  ['W weighted recall is weighted accuracy', R, WT, WP, { sampleWeight: WW, average: 'weighted' }, 3.5 / 8.5],
  ['W zero weights drop examples', P, WT, WP, { sampleWeight: [1, 1, 1, 0, 1, 1] }, 1],
];

describe('precision, recall and F-scores', () => {
  for (const [name, fn, t, p, o, expected] of CASES)
    it(name, () => {
      captureWarnings();
      near(fn(t, p, o), expected, name);
    });

  it('precisionRecallFscoreSupport gives per-class values with labels and support', () => {
    near(precisionRecallFscoreSupport(MT, MP, { zeroDivision: 0 }), {
      labels: [0, 1, 2, 3, 4],
      precision: [2 / 3, 1 / 3, 2 / 3, 0, 0],
      recall: [2 / 3, 0.5, 2 / 3, 0, 0],
      fScore: [2 / 3, 0.4, 2 / 3, 0, 0],
      support: [3, 2, 3, 2, 0],
    });
    near(precisionRecallFscoreSupport(WT, WP, { sampleWeight: WW }), { labels: [0, 1], support: [5, 3.5] });
    const avg = precisionRecallFscoreSupport(MT, MP, { average: 'macro', zeroDivision: 0 });
    near(avg, { precision: 1 / 3, recall: 11 / 30, fScore: (2 / 3 + 0.4 + 2 / 3) / 5 });
    expect(avg.support).toBeNull();
    near(precisionRecallFscoreSupport([0, 1, 1], [0, 1, 0], { beta: 2, average: 'binary' }).fScore, 5 / 9);
  });

  it("zeroDivision 'warn' acts as 0 and warns, once per undefined metric", () => {
    const warn = captureWarnings();
    near(precisionScore(MT, MP, { average: 'macro' }), 1 / 3);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]![0])).toContain('Precision is ill-defined and being set to 0.0 in labels with no predicted samples');
    warn.mockClear();
    precisionRecallFscoreSupport(MT, MP); // precision (class 3) and recall (class 4); F1 is defined everywhere
    expect(warn).toHaveBeenCalledTimes(2);
    warn.mockClear();
    precisionScore(MT, MP, { average: 'macro', zeroDivision: 0 });
    recallScore([0, 0], [0, 0], { zeroDivision: NaN });
    expect(warn).not.toHaveBeenCalled();
  });

  it('reproduces the lecture F1 scores of classifiers A, B and C', () => {
    // precision tp/(tp+fp) and recall tp/(tp+fn) exactly 0.96/0.90, 0.98/0.88, 0.94/0.93
    const table: [{ tp: number; fp: number; fn: number; tn: number }, number, number, string][] = [
      [{ tp: 432, fp: 18, fn: 48, tn: 502 }, 0.96, 0.9, '92.90'],
      [{ tp: 1078, fp: 22, fn: 147, tn: 753 }, 0.98, 0.88, '92.73'],
      [{ tp: 4371, fp: 279, fn: 329, tn: 1021 }, 0.94, 0.93, '93.50'],
    ];
    for (const [counts, p, r, f1Percent] of table) {
      const { yTrue, yPred } = fromCounts(counts);
      near(precisionScore(yTrue, yPred), p, 'precision', { atol: 1e-12 });
      near(recallScore(yTrue, yPred), r, 'recall', { atol: 1e-12 });
      const f1 = f1Score(yTrue, yPred);
      near(f1, 2 / (1 / p + 1 / r), 'F1 is the harmonic mean', { atol: 1e-12 });
      expect((f1 * 100).toFixed(2)).toBe(f1Percent);
    }
  });
});
