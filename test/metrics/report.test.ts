/**
 * The classification report: scikit-learn's documented outputs character for character, a
 * weighted report (support printed as floats, as scikit-learn does), the object form, and
 * Python's round-half-even formatting.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { classificationReport } from '../../src/metrics';
import { formatFixed } from '../../src/metrics/report';
import { captureWarnings, expectThrows, near } from './helpers';

afterEach(() => {
  vi.restoreAllMocks();
});

const lines = (...l: string[]): string => l.join('\n') + '\n';

describe('classificationReport', () => {
  it("matches scikit-learn's documented report", () => {
    const text = classificationReport([0, 1, 2, 2, 2], [0, 0, 2, 2, 1], { targetNames: ['class 0', 'class 1', 'class 2'] });
    expect(text).toBe(
      lines(
        '              precision    recall  f1-score   support',
        '',
        '     class 0       0.50      1.00      0.67         1',
        '     class 1       0.00      0.00      0.00         1',
        '     class 2       1.00      0.67      0.80         3',
        '',
        '    accuracy                           0.60         5',
        '   macro avg       0.50      0.56      0.49         5',
        'weighted avg       0.70      0.60      0.61         5',
      ),
    );
  });

  it("matches scikit-learn's documented report with labels absent from the data (micro avg, not accuracy)", () => {
    captureWarnings();
    expect(classificationReport([1, 1, 1], [1, 1, 0], { labels: [1, 2, 3] })).toBe(
      lines(
        '              precision    recall  f1-score   support',
        '',
        '           1       1.00      0.67      0.80         3',
        '           2       0.00      0.00      0.00         0',
        '           3       0.00      0.00      0.00         0',
        '',
        '   micro avg       1.00      0.67      0.80         3',
        '   macro avg       0.33      0.22      0.27         3',
        'weighted avg       1.00      0.67      0.80         3',
      ),
    );
  });

  it('prints weighted support as floats, with the requested digits', () => {
    // case W of fscore.test.ts; values derived there
    const text = classificationReport([1, 1, 1, 0, 0, 0], [1, 0, 1, 1, 0, 0], { sampleWeight: [1, 2, 0.5, 3, 1, 1], digits: 3 });
    expect(text).toBe(
      lines(
        '              precision    recall  f1-score   support',
        '',
        '           0      0.500     0.400     0.444       5.0',
        '           1      0.333     0.429     0.375       3.5',
        '',
        '    accuracy                          0.412       8.5',
        '   macro avg      0.417     0.414     0.410       8.5',
        'weighted avg      0.431     0.412     0.416       8.5',
      ),
    );
  });

  it('widens the name column for long target names', () => {
    const text = classificationReport([0, 1], [0, 1], { targetNames: ['a rather long class name', 'b'] });
    expect(text.split('\n')[2]).toBe('a rather long class name       1.00      1.00      1.00         1');
  });

  it('returns the unrounded numbers as an object', () => {
    const dict = classificationReport([0, 1, 2, 2, 2], [0, 0, 2, 2, 1], { outputDict: true, targetNames: ['a', 'b', 'c'] });
    near(dict, {
      a: { precision: 0.5, recall: 1, 'f1-score': 2 / 3, support: 1 },
      b: { precision: 0, recall: 0, 'f1-score': 0, support: 1 },
      c: { precision: 1, recall: 2 / 3, 'f1-score': 0.8, support: 3 },
      accuracy: 0.6,
      'macro avg': { precision: 0.5, recall: 5 / 9, 'f1-score': (2 / 3 + 0.8) / 3, support: 5 },
      'weighted avg': { precision: 0.7, recall: 0.6, 'f1-score': (2 / 3 + 2.4) / 5, support: 5 },
    });
    expect(Object.keys(dict)).toEqual(['a', 'b', 'c', 'accuracy', 'macro avg', 'weighted avg']);
  });

  it('uses micro avg in the object when labels select a subset', () => {
    captureWarnings();
    const dict = classificationReport([1, 1, 1], [1, 1, 0], { labels: [1, 2, 3], outputDict: true });
    near(dict['micro avg'], { precision: 1, recall: 2 / 3, 'f1-score': 0.8, support: 3 });
    expect(dict.accuracy).toBeUndefined();
  });

  it('rejects target names that do not match the labels', () => {
    expectThrows(() => classificationReport([0, 1, 2], [0, 1, 1], { targetNames: ['a', 'b'] }), RangeError, 'options.targetNames', '3 labels');
    expectThrows(() => classificationReport([0, 1], [0, 1], { digits: -1 }), RangeError, 'options.digits', '-1');
  });
});

describe('formatFixed rounds like Python', () => {
  const CASES: [number, number, string][] = [
    [0.125, 2, '0.12'],
    [0.375, 2, '0.38'],
    [0.5, 0, '0'],
    [1.5, 0, '2'],
    [2.5, 0, '2'],
    [0.135, 2, '0.14'],
    [0.145, 2, '0.14'],
    [2 / 3, 2, '0.67'],
    [1, 2, '1.00'],
    [0, 3, '0.000'],
    [-0.125, 2, '-0.12'],
    [NaN, 2, 'nan'],
    [0.0625, 3, '0.062'],
    [0.4375, 3, '0.438'],
  ];
  for (const [x, d, s] of CASES) it(`${x} with ${d} digits is ${s}`, () => expect(formatFixed(x, d)).toBe(s));
});
