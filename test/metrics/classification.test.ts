/**
 * Confusion matrix, accuracies, Matthews correlation and Cohen's kappa against hand-computed
 * values (derivations in the comments) and scikit-learn's documented examples.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { accuracyScore, balancedAccuracyScore, cohenKappaScore, confusionMatrix, matthewsCorrcoef, topKAccuracy } from '../../src/metrics';
import { captureWarnings, near } from './helpers';

afterEach(() => {
  vi.restoreAllMocks();
});

// Case M (see fscore.test.ts): rows true 0..4, columns predicted 0..4
const MT = [0, 0, 0, 1, 1, 2, 2, 2, 3, 3];
const MP = [0, 0, 1, 1, 4, 2, 2, 0, 2, 1];
const M_CM = [
  [2, 1, 0, 0, 0],
  [0, 1, 0, 0, 1],
  [1, 0, 2, 0, 0],
  [0, 1, 1, 0, 0],
  [0, 0, 0, 0, 0],
];
// Case W: weighted binary; counts tn 2, fp 3, fn 2, tp 1.5
const WT = [1, 1, 1, 0, 0, 0];
const WP = [1, 0, 1, 1, 0, 0];
const WW = [1, 2, 0.5, 3, 1, 1];

const CASES: [string, () => unknown, unknown][] = [
  [
    'confusion: doc example',
    () => confusionMatrix([2, 0, 2, 2, 0, 1], [0, 0, 2, 2, 0, 2]),
    [
      [2, 0, 0],
      [0, 0, 1],
      [1, 0, 2],
    ],
  ],
  ['confusion: doc binary ravel', () => confusionMatrix([0, 1, 0, 1], [1, 1, 1, 0]).flat(), [0, 2, 1, 1]],
  ['confusion: case M', () => confusionMatrix(MT, MP), M_CM],
  [
    'confusion: labels reorder and select',
    () => confusionMatrix(MT, MP, { labels: [2, 0] }),
    [
      [2, 1],
      [0, 2],
    ],
  ],
  [
    'confusion: label absent everywhere gets a zero row and column',
    () => confusionMatrix([0, 1], [1, 1], { labels: [0, 1, 5] }),
    [
      [0, 1, 0],
      [0, 1, 0],
      [0, 0, 0],
    ],
  ],
  [
    'confusion: weighted',
    () => confusionMatrix(WT, WP, { sampleWeight: WW }),
    [
      [2, 3],
      [2, 1.5],
    ],
  ],
  ['confusion: normalize true (empty row is zeros)', () => confusionMatrix(MT, MP, { normalize: 'true' })[4], [0, 0, 0, 0, 0]],
  [
    'confusion: normalize true',
    () => confusionMatrix(WT, WP, { sampleWeight: WW, normalize: 'true' }),
    [
      [0.4, 0.6],
      [2 / 3.5, 1.5 / 3.5],
    ],
  ],
  [
    'confusion: normalize pred',
    () => confusionMatrix(WT, WP, { sampleWeight: WW, normalize: 'pred' }),
    [
      [0.5, 3 / 4.5],
      [0.5, 1.5 / 4.5],
    ],
  ],
  [
    'confusion: normalize all',
    () => confusionMatrix(WT, WP, { sampleWeight: WW, normalize: 'all' }),
    [
      [2 / 8.5, 3 / 8.5],
      [2 / 8.5, 1.5 / 8.5],
    ],
  ],
  [
    'confusion: empty with labels',
    () => confusionMatrix([], [], { labels: [0, 1] }),
    [
      [0, 0],
      [0, 0],
    ],
  ],
  [
    'confusion: Int32Array and Float32Array labels',
    () => confusionMatrix(new Int32Array([0, 1, 1]), new Float32Array([0, 1, 0])),
    [
      [1, 0],
      [1, 1],
    ],
  ],
  ['accuracy: doc', () => accuracyScore([0, 1, 2, 3], [0, 2, 1, 3]), 0.5],
  ['accuracy: count', () => accuracyScore([0, 1, 2, 3], [0, 2, 1, 3], { normalize: false }), 2],
  ['accuracy: case M', () => accuracyScore(MT, MP), 0.5],
  ['accuracy: weighted', () => accuracyScore(WT, WP, { sampleWeight: WW }), 3.5 / 8.5],
  ['accuracy: weighted count', () => accuracyScore(WT, WP, { sampleWeight: WW, normalize: false }), 3.5],
  ['balanced accuracy: doc', () => balancedAccuracyScore([0, 1, 0, 0, 1, 0], [0, 1, 0, 0, 0, 1]), 0.625],
  // case M: recalls [2/3, 1/2, 2/3, 0] for the classes in yTrue; class 4 (only predicted) is left out
  ['balanced accuracy: case M', () => balancedAccuracyScore(MT, MP), (2 / 3 + 1 / 2 + 2 / 3) / 4],
  ['balanced accuracy: adjusted', () => balancedAccuracyScore([0, 1, 0, 0, 1, 0], [0, 1, 0, 0, 0, 1], { adjusted: true }), 0.25],
  // case W: recall of class 1 = 1.5/3.5, of class 0 = 2/5
  ['balanced accuracy: weighted', () => balancedAccuracyScore(WT, WP, { sampleWeight: WW }), (3 / 7 + 0.4) / 2],
  ['MCC: doc', () => matthewsCorrcoef([1, 1, 1, 0], [1, 0, 1, 1]), -1 / 3],
  // case M: t = [3,2,3,2,0], p = [3,3,3,0,1], correct 5, n 10: (50 - 24) / sqrt((100 - 28)(100 - 26))
  ['MCC: case M', () => matthewsCorrcoef(MT, MP), 26 / Math.sqrt(72 * 74)],
  // case W: (tp tn - fp fn) / sqrt((tp+fp)(tp+fn)(tn+fp)(tn+fn)) = (3 - 6) / sqrt(4.5 * 3.5 * 5 * 4)
  ['MCC: weighted binary', () => matthewsCorrcoef(WT, WP, { sampleWeight: WW }), -3 / Math.sqrt(315)],
  ['MCC: constant prediction is 0', () => matthewsCorrcoef([0, 1, 1], [1, 1, 1]), 0],
  ['MCC: perfect', () => matthewsCorrcoef([0, 1, 2], [0, 1, 2]), 1],
  ['kappa: doc (negative/neutral/positive as 0/1/2)', () => cohenKappaScore([0, 2, 0, 1, 2], [0, 2, 0, 1, 0]), 0.6875],
  // case M: p_o = 0.5, p_e = sum(t_k p_k) / n² = 24/100
  ['kappa: case M', () => cohenKappaScore(MT, MP), (0.5 - 0.24) / 0.76],
  // case W: p_o = 3.5/8.5 = 7/17, p_e = (5*4 + 3.5*4.5)/8.5² = 143/289: kappa = -24/146
  ['kappa: weighted', () => cohenKappaScore(WT, WP, { sampleWeight: WW }), -24 / 146],
  // linear weights on [0,1,2] vs [0,2,2]: observed sum |i-j| C = 1; expected: rows [1,1,1], cols [1,0,2], n 3
  //   sum |i-j| cols_i rows_j / 3 = (1*(|0-1|+|0-2|) + 2*(|2-0|+|2-1|)) / 3 = (3 + 6) / 3 = 3
  ['kappa: linear weights', () => cohenKappaScore([0, 1, 2], [0, 2, 2], { weights: 'linear' }), 1 - 1 / 3],
  // quadratic: observed 1; expected (1*(1+4) + 2*(4+1)) / 3 = 5
  ['kappa: quadratic weights', () => cohenKappaScore([0, 1, 2], [0, 2, 2], { weights: 'quadratic' }), 1 - 1 / 5],
  // only the pairs with both labels in {0, 2} count: (0,0) (0,0) (2,2) (2,2) (2,0)
  //   p_o = 4/5; rows [2, 3], columns [3, 2]: p_e = (2*3 + 3*2)/25 = 0.48
  ['kappa: labels subset', () => cohenKappaScore(MT, MP, { labels: [0, 2] }), (0.8 - 0.48) / 0.52],
  ['top-k: doc', () => topKAccuracy([0, 1, 2, 2], [0.5, 0.2, 0.2, 0.3, 0.4, 0.2, 0.2, 0.4, 0.3, 0.7, 0.2, 0.1], { k: 2 }), 0.75],
  ['top-k: doc count', () => topKAccuracy([0, 1, 2, 2], [0.5, 0.2, 0.2, 0.3, 0.4, 0.2, 0.2, 0.4, 0.3, 0.7, 0.2, 0.1], { k: 2, normalize: false }), 3],
  [
    'top-k: k 1 is accuracy of argmax',
    () => topKAccuracy([0, 1, 2, 2], new Float32Array([0.5, 0.2, 0.2, 0.3, 0.4, 0.2, 0.2, 0.4, 0.3, 0.7, 0.2, 0.1]), { k: 1 }),
    0.5,
  ],
  ['top-k: ties go to the higher class', () => topKAccuracy([0, 1], [0.5, 0.5, 0, 0.5, 0.5, 0], { k: 1 }), 0.5],
  [
    'top-k: weighted',
    () => topKAccuracy([0, 1, 2, 2], [0.5, 0.2, 0.2, 0.3, 0.4, 0.2, 0.2, 0.4, 0.3, 0.7, 0.2, 0.1], { k: 2, sampleWeight: [1, 1, 1, 3] }),
    0.5,
  ],
  ['top-k: binary scores, k 1', () => topKAccuracy([0, 1, 1, 0], [0.2, 0.7, 0.4, 0.6], { k: 1 }), 0.5],
];

describe('confusion matrix, accuracy, agreement', () => {
  for (const [name, f, expected] of CASES)
    it(name, () => {
      captureWarnings();
      near(f(), expected, name);
    });

  it('balanced accuracy warns when a class is only predicted', () => {
    const warn = captureWarnings();
    balancedAccuracyScore(MT, MP);
    expect(String(warn.mock.calls[0]![0])).toContain('yPred contains classes not in yTrue');
  });
});
