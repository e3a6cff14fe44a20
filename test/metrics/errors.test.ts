/**
 * Bad input gets a clear error naming the function, the argument and the value: a TypeError
 * for a wrong type, a RangeError for a wrong value.
 */
import { describe, it } from 'vitest';
import * as m from '../../src/metrics';
import { expectThrows } from './helpers';

type Case = [string, () => unknown, new (...args: never[]) => Error, ...string[]];

const CASES: Case[] = [
  ['lengths differ', () => m.f1Score([0, 1, 1], [0, 1]), RangeError, 'f1Score', 'yTrue and yPred', '3 and 2'],
  ['lengths differ (confusion)', () => m.confusionMatrix([0], [0, 1]), RangeError, 'confusionMatrix', '1 and 2'],
  ['lengths differ (accuracy)', () => m.accuracyScore([0, 1], [0]), RangeError, 'accuracyScore', '2 and 1'],
  ['lengths differ (kappa names y1, y2)', () => m.cohenKappaScore([0, 1], [0]), RangeError, 'y1 and y2'],
  ['not an array', () => m.precisionScore('01' as never, [0, 1]), TypeError, 'precisionScore', 'yTrue', '"01"'],
  ['non-integer label', () => m.recallScore([0, 1.5], [0, 1]), RangeError, 'yTrue[1]', 'integer', '1.5'],
  ['NaN label', () => m.accuracyScore([0, 1], [0, NaN]), RangeError, 'yPred[1]', 'NaN'],
  ['string label', () => m.accuracyScore([0, 'a'] as never, [0, 1]), TypeError, 'yTrue[1]', '"a"'],
  ['posLabel not a label', () => m.f1Score([0, 1, 1], [0, 1, 0], { posLabel: 2 }), RangeError, 'options.posLabel', '[0, 1]', 'got 2'],
  ['binary average on multiclass', () => m.f1Score([0, 1, 2], [0, 1, 1]), RangeError, "'binary'", '[0, 1, 2]'],
  ['unknown average', () => m.f1Score([0, 1], [0, 1], { average: 'samples' as never }), RangeError, 'options.average', '"samples"'],
  ['bad zeroDivision', () => m.precisionScore([0, 1], [0, 1], { zeroDivision: 2 }), RangeError, 'options.zeroDivision', 'got 2'],
  ['labels repeat', () => m.f1Score([0, 1], [0, 1], { average: null, labels: [0, 0] }), RangeError, 'options.labels', '0 twice'],
  ['labels empty', () => m.confusionMatrix([0, 1], [0, 1], { labels: [] }), RangeError, 'options.labels', 'at least one'],
  ['labels none in yTrue', () => m.confusionMatrix([0, 1], [0, 1], { labels: [5, 6] }), RangeError, 'options.labels', 'yTrue', '[5, 6]'],
  ['labels non-integer', () => m.confusionMatrix([0, 1], [0, 1], { labels: [0.5] }), RangeError, 'options.labels[0]', '0.5'],
  ['beta missing', () => m.fbetaScore([0, 1], [0, 1], {} as never), TypeError, 'options.beta'],
  ['beta negative', () => m.fbetaScore([0, 1], [0, 1], { beta: -1 }), RangeError, 'options.beta', '-1'],
  ['weights wrong length', () => m.accuracyScore([0, 1], [0, 1], { sampleWeight: [1] }), RangeError, 'options.sampleWeight', '(2)', 'got 1'],
  ['weights negative', () => m.accuracyScore([0, 1], [0, 1], { sampleWeight: [1, -2] }), RangeError, 'options.sampleWeight[1]', '-2'],
  ['weights all zero', () => m.accuracyScore([0, 1], [0, 1], { sampleWeight: [0, 0] }), RangeError, 'sum to zero'],
  ['normalize unknown', () => m.confusionMatrix([0, 1], [0, 1], { normalize: 'rows' as never }), RangeError, 'options.normalize', '"rows"'],
  ['kappa weights unknown', () => m.cohenKappaScore([0, 1], [0, 1], { weights: 'cubic' as never }), RangeError, 'options.weights', '"cubic"'],
  ['scores NaN', () => m.rocAucScore([0, 1], [0.2, NaN]), RangeError, 'rocAucScore', 'yScore[1]', 'NaN'],
  ['scores Infinity', () => m.logLoss([0, 1], [0.2, Infinity]), RangeError, 'yPred[1]', 'Infinity'],
  ['scores wrong length', () => m.rocAucScore([0, 1, 2], [0.2, 0.3, 0.5, 0.1]), RangeError, 'yScore', 'length 4'],
  ['scores wrong length (pr curve)', () => m.precisionRecallCurve([0, 1], [0.2]), RangeError, 'yTrue and yScore', '2 and 1'],
  ['AUC with one class', () => m.rocAucScore([1, 1], [0.2, 0.3]), RangeError, 'only one class'],
  ['AUC label beyond the columns', () => m.rocAucScore([0, 1, 3], [0.2, 0.3, 0.5, 0.1, 0.1, 0.8, 0.3, 0.3, 0.4]), RangeError, 'yTrue[2] = 3', '3 columns'],
  ['AUC class absent from yTrue', () => m.rocAucScore([0, 1, 1], [0.2, 0.3, 0.5, 0.1, 0.1, 0.8, 0.3, 0.3, 0.4]), RangeError, 'class 2'],
  ['AUC rows not probabilities', () => m.rocAucScore([0, 1, 2], [0.2, 0.3, 0.6, 0.1, 0.1, 0.8, 0.3, 0.3, 0.4]), RangeError, 'row 0 sums to'],
  ['logLoss unknown label', () => m.logLoss([0, 3], [0.8, 0.2, 0.4, 0.6]), RangeError, 'yTrue[1] = 3', '[0, 1]'],
  ['logLoss labels count', () => m.logLoss([0, 1], [0.8, 0.2, 0.4, 0.6], { labels: [0, 1, 2] }), RangeError, '3 classes', '2 columns'],
  ['top-k label beyond the columns', () => m.topKAccuracy([0, 5], [0.5, 0.5, 0.5, 0.5]), RangeError, 'yTrue[1] = 5'],
  ['top-k k zero', () => m.topKAccuracy([0, 1], [0.5, 0.5, 0.5, 0.5], { k: 0 }), RangeError, 'options.k', '0'],
  ['report target names', () => m.classificationReport([0, 1], [0, 1], { targetNames: ['a'] }), RangeError, 'options.targetNames'],
];

describe('metrics reject bad input with clear errors', () => {
  for (const [name, f, type, ...fragments] of CASES) it(name, () => expectThrows(f, type, ...fragments));
});
