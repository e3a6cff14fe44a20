/**
 * Metrics of scores: ROC curve and area (against a pairwise O(n²) reference: the share of
 * positive-negative pairs ranked right, ties half), precision-recall curve, log loss.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { logLoss, precisionRecallCurve, rocAucScore, rocCurve } from '../../src/metrics';
import { captureWarnings, near, rng } from './helpers';

afterEach(() => {
  vi.restoreAllMocks();
});

/** The probability that a positive outscores a negative (ties count half), weighted by pair. */
function pairwiseAuc(positive: boolean[], score: ArrayLike<number>, w?: number[]): number {
  let num = 0,
    wp = 0,
    wn = 0;
  positive.forEach((p, i) => {
    if (p) wp += w?.[i] ?? 1;
    else wn += w?.[i] ?? 1;
  });
  positive.forEach((pi, i) => {
    if (!pi) return;
    positive.forEach((pj, j) => {
      if (pj) return;
      const pair = (w?.[i] ?? 1) * (w?.[j] ?? 1);
      num += score[i]! > score[j]! ? pair : score[i] === score[j] ? pair / 2 : 0;
    });
  });
  return num / (wp * wn);
}

/** n labels in [0, k) and row-normalized scores, rounded to 1 decimal so that ties occur. */
function randomProblem(n: number, k: number, seed: number): { y: number[]; s: Float64Array; w: number[] } {
  const r = rng(seed);
  const y = Array.from({ length: n }, (_, i) => i % k);
  const s = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let j = 0; j < k; j++) {
      const v = Math.round((r() + (y[i] === j ? 0.6 : 0)) * 10) / 10 + 0.1;
      s[i * k + j] = v;
      sum += v;
    }
    for (let j = 0; j < k; j++) s[i * k + j]! /= sum;
  }
  return { y, s, w: Array.from({ length: n }, () => Math.round(r() * 4) / 2) };
}

describe('rocCurve and rocAucScore', () => {
  it("matches scikit-learn's documented curve", () => {
    near(rocCurve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]), { fpr: [0, 0, 0.5, 0.5, 1], tpr: [0, 0.5, 0.5, 1, 1], thresholds: [Infinity, 0.8, 0.4, 0.35, 0.1] });
    near(rocAucScore([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]), 0.75);
  });

  it('drops collinear points only when asked', () => {
    const y = [1, 1, 1, 0, 0, 0],
      s = [0.9, 0.8, 0.7, 0.3, 0.2, 0.1];
    // fps [0,0,0,1,2,3], tps [1,2,3,3,3,3]: the corners are the first point, (0, 3) and the last
    expect(rocCurve(y, s).fpr).toEqual([0, 0, 0, 1]);
    expect(rocCurve(y, s).tpr).toEqual([0, 1 / 3, 1, 1]);
    expect(rocCurve(y, s, { dropIntermediate: false }).fpr).toEqual([0, 0, 0, 0, 1 / 3, 2 / 3, 1]);
  });

  const binary: [string, number[], number[], number[] | undefined][] = [
    ['ties count half', [0, 1, 0, 1], [0.5, 0.5, 0.2, 0.9], undefined],
    ['perfect', [0, 0, 1, 1], [0.1, 0.2, 0.3, 0.4], undefined],
    ['inverted', [1, 1, 0, 0], [0.1, 0.2, 0.3, 0.4], undefined],
    ['all scores equal', [1, 0, 1, 0], [0.5, 0.5, 0.5, 0.5], undefined],
    ['weighted with ties', [0, 1, 0, 1, 1, 0], [0.5, 0.5, 0.2, 0.9, 0.2, 0.7], [1, 2, 0.5, 1, 3, 2]],
  ];
  for (const [name, y, s, w] of binary) {
    it(`binary AUC: ${name}`, () =>
      near(
        rocAucScore(y, s, w ? { sampleWeight: w } : {}),
        pairwiseAuc(
          y.map((v) => v === 1),
          s,
          w,
        ),
        name,
        { atol: 1e-12 },
      ));
  }

  it('binary AUC of random scores matches the pairwise reference, weighted or not', () => {
    for (let seed = 1; seed <= 5; seed++) {
      const { y, s, w } = randomProblem(60, 2, seed);
      const pos = Float64Array.from({ length: 60 }, (_, i) => s[2 * i + 1]!);
      near(
        rocAucScore(y, pos),
        pairwiseAuc(
          y.map((v) => v === 1),
          pos,
        ),
        `seed ${seed}`,
        { atol: 1e-12 },
      );
      near(
        rocAucScore(y, pos, { sampleWeight: w }),
        pairwiseAuc(
          y.map((v) => v === 1),
          pos,
          w,
        ),
        `weighted seed ${seed}`,
        { atol: 1e-12 },
      );
      near(rocAucScore(y, s), rocAucScore(y, pos), 'n x 2 scores use the second column', { atol: 0 });
    }
  });

  it('binary AUC: the positive class defaults to the larger label, or posLabel', () => {
    near(rocAucScore([3, 3, 7, 7], [0.1, 0.4, 0.35, 0.8]), 0.75);
    near(rocAucScore([3, 3, 7, 7], [0.1, 0.4, 0.35, 0.8], { posLabel: 3 }), 0.25);
  });

  it('multiclass one-vs-rest: macro, weighted, micro and per class match the pairwise reference', () => {
    for (let seed = 1; seed <= 4; seed++) {
      const k = 3 + (seed % 2);
      const { y, s, w } = randomProblem(40 + seed, k, 100 + seed);
      const n = y.length;
      const col = (c: number): number[] => Array.from({ length: n }, (_, i) => s[i * k + c]!);
      const per = Array.from({ length: k }, (_, c) =>
        pairwiseAuc(
          y.map((v) => v === c),
          col(c),
        ),
      );
      const perW = Array.from({ length: k }, (_, c) =>
        pairwiseAuc(
          y.map((v) => v === c),
          col(c),
          w,
        ),
      );
      const prevalence = Array.from({ length: k }, (_, c) => y.filter((v) => v === c).length);
      const prevalenceW = Array.from({ length: k }, (_, c) => y.reduce((a, v, i) => a + (v === c ? w[i]! : 0), 0));
      const micro = pairwiseAuc(
        Array.from({ length: n * k }, (_, i) => y[Math.floor(i / k)] === i % k),
        s,
      );
      const label = `seed ${seed}`;
      near(rocAucScore(y, s, { average: null }), per, label, { atol: 1e-12 });
      near(rocAucScore(y, s), per.reduce((a, b) => a + b) / k, label, { atol: 1e-12 });
      near(rocAucScore(y, s, { average: 'weighted' }), per.reduce((a, v, c) => a + v * prevalence[c]!, 0) / n, label, { atol: 1e-12 });
      near(rocAucScore(y, s, { average: 'micro' }), micro, label, { atol: 1e-12 });
      near(rocAucScore(y, s, { sampleWeight: w, average: null }), perW, `weighted ${label}`, { atol: 1e-12 });
      near(
        rocAucScore(y, s, { sampleWeight: w, average: 'weighted' }),
        perW.reduce((a, v, c) => a + v * prevalenceW[c]!, 0) / prevalenceW.reduce((a, b) => a + b),
        `weighted ${label}`,
        { atol: 1e-12 },
      );
    }
  });
});

describe('precisionRecallCurve', () => {
  it("matches scikit-learn's documented curve", () => {
    near(precisionRecallCurve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]), {
      precision: [0.5, 2 / 3, 0.5, 1, 1],
      recall: [1, 1, 0.5, 0.5, 0],
      thresholds: [0.1, 0.35, 0.4, 0.8],
    });
  });

  it('groups tied scores into one threshold and weights examples', () => {
    // sorted by score: 0.9 (pos, w2), 0.5 (pos w1, neg w1), 0.2 (neg w3)
    // thresholds 0.9: tp 2 fp 0; 0.5: tp 3 fp 1; 0.2: tp 3 fp 4
    near(precisionRecallCurve([1, 1, 0, 0], [0.9, 0.5, 0.5, 0.2], { sampleWeight: [2, 1, 1, 3] }), {
      precision: [3 / 7, 3 / 4, 1, 1],
      recall: [1, 1, 2 / 3, 0],
      thresholds: [0.2, 0.5, 0.9],
    });
  });

  it('drops intermediate thresholds when asked', () => {
    // tps at thresholds 0.9, 0.8, 0.7, 0.6, 0.1: [1, 1, 1, 1, 2]; 0.8 and 0.7 lie inside the run of 1s
    const c = precisionRecallCurve([1, 0, 0, 0, 1], [0.9, 0.8, 0.7, 0.6, 0.1], { dropIntermediate: true });
    expect(c.thresholds).toEqual([0.1, 0.6, 0.9]);
    expect(precisionRecallCurve([1, 0, 0, 0, 1], [0.9, 0.8, 0.7, 0.6, 0.1]).thresholds).toHaveLength(5);
  });

  it('sets recall to 1 and warns when yTrue has no positive', () => {
    const warn = captureWarnings();
    near(precisionRecallCurve([0, 0], [0.2, 0.6]), { precision: [0, 0, 1], recall: [1, 1, 0], thresholds: [0.2, 0.6] });
    expect(warn).toHaveBeenCalledOnce();
  });
});

describe('logLoss', () => {
  // -(ln 0.9 + ln 0.9 + ln 0.8 + ln 0.65) / 4, scikit-learn's documented 0.21616...
  const docLoss = -(Math.log(0.9) * 2 + Math.log(0.8) + Math.log(0.65)) / 4;
  const CASES: [string, () => number, number][] = [
    ['doc, n x 2', () => logLoss([1, 0, 0, 1], [0.1, 0.9, 0.9, 0.1, 0.8, 0.2, 0.35, 0.65]), docLoss],
    ['doc, one probability per example', () => logLoss([1, 0, 0, 1], [0.9, 0.1, 0.2, 0.65]), docLoss],
    ['multiclass', () => logLoss([0, 2, 1], [0.7, 0.2, 0.1, 0.1, 0.3, 0.6, 0.2, 0.5, 0.3]), -(Math.log(0.7) + Math.log(0.6) + Math.log(0.5)) / 3],
    ['weighted', () => logLoss([0, 1], [0.8, 0.2, 0.4, 0.6], { sampleWeight: [3, 1] }), -(3 * Math.log(0.8) + Math.log(0.6)) / 4],
    ['sum', () => logLoss([0, 1], [0.8, 0.2, 0.4, 0.6], { normalize: false }), -(Math.log(0.8) + Math.log(0.6))],
    ['labels name the columns', () => logLoss([5, 9], [0.8, 0.2, 0.4, 0.6], { labels: [5, 9] }), -(Math.log(0.8) + Math.log(0.6)) / 2],
    ['zero probability, float64: clipped at 2^-52', () => logLoss([0, 1], [0, 1, 0, 1]), (52 * Math.LN2) / 2],
    ['zero probability, float32: clipped at 2^-23', () => logLoss([0, 1], new Float32Array([0, 1, 0, 1])), (23 * Math.LN2 - Math.log(1 - 2 ** -23)) / 2],
  ];
  for (const [name, f, expected] of CASES) it(name, () => near(f(), expected, name, { atol: 1e-12, rtol: 1e-7 }));
});
