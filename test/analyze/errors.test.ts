/**
 * Where the errors are: confusion groups, class shares and ceilings, hesitant predictions
 * (the lecture's two-high-probabilities case), and the lecture's error-analysis tag table.
 */
import { describe, expect, it } from 'vitest';
import { errorsByClass, hesitantPredictions, tagTally, topConfusions } from '../../src/analyze';
import { expectThrows, near } from '../metrics/helpers';

describe('topConfusions', () => {
  it('groups misclassified examples by (true, predicted), largest first', () => {
    expect(topConfusions([4, 9, 4, 7, 4], [9, 4, 9, 1, 4])).toEqual([
      { trueLabel: 4, predLabel: 9, count: 2, share: 0.5, indices: [0, 2] },
      { trueLabel: 7, predLabel: 1, count: 1, share: 0.25, indices: [3] },
      { trueLabel: 9, predLabel: 4, count: 1, share: 0.25, indices: [1] },
    ]);
    expect(topConfusions([4, 9, 4, 7, 4], [9, 4, 9, 1, 4], { top: 1 })).toHaveLength(1);
    expect(topConfusions([1, 2], [1, 2])).toEqual([]);
  });
});

describe('errorsByClass', () => {
  it("gives each class's share of the errors and its ceiling", () => {
    // errors: example 1 (0 -> 1), 4 (2 -> 0), 5 (2 -> 1): 3 of 8
    const e = errorsByClass([0, 0, 1, 1, 2, 2, 2, 2], [0, 1, 1, 1, 0, 1, 2, 2]);
    near(e, { errorRate: 3 / 8, errors: 3, n: 8 });
    near(e.classes, [
      { label: 2, support: 4, errors: 2, errorRate: 0.5, share: 2 / 3, ceiling: 2 / 8, predictedAs: 0 },
      { label: 0, support: 2, errors: 1, errorRate: 0.5, share: 1 / 3, ceiling: 1 / 8, predictedAs: 1 },
      { label: 1, support: 2, errors: 0, errorRate: 0, share: 0, ceiling: 0, predictedAs: 2 },
    ]);
  });

  it('includes classes absent from the data when labels are given', () => {
    const e = errorsByClass([0, 1], [0, 0], { labels: [0, 1, 2] });
    near(
      e.classes.find((c) => c.label === 2),
      { support: 0, errors: 0, errorRate: NaN, share: 0 },
    );
  });
});

describe('hesitantPredictions', () => {
  // The lecture: logistic outputs (0.06, 0.98, 0.04, 0.92) divided by their sum 2.0 give
  // (0.03, 0.49, 0.02, 0.46) (the slide prints 0.41 for the last); (0.14, 0.88, 0.12, 0.06)
  // divided by 1.2 give (0.117, 0.733, 0.1, 0.05): one clear winner.
  const a = [0.06, 0.98, 0.04, 0.92].map((v) => v / 2.0);
  const b = [0.14, 0.88, 0.12, 0.06].map((v) => v / 1.2);
  const slide = [0.03, 0.49, 0.02, 0.41];

  it("flags the lecture's case (a) and not case (b)", () => {
    const h = hesitantPredictions(new Float32Array([...a, ...b, ...slide]), 4, { labels: [1, 1, 3] });
    expect(h.map((x) => x.index)).toEqual([0, 2]);
    near(h[0], { label: 1, runnerUp: 3, probability: 0.49, runnerUpProbability: 0.46, margin: 0.03, trueLabel: 1, correct: true }, 'a', { atol: 1e-6 });
    near(h[1], { label: 1, runnerUp: 3, margin: 0.08, correct: false }, 'slide', { atol: 1e-6 });
  });

  it('takes the margin as an option, sorts by margin and cuts to top', () => {
    const probs = [0.5, 0.5, 0.7, 0.3, 0.6, 0.4];
    expect(hesitantPredictions(probs, 2, { maxMargin: 0.5 }).map((x) => x.index)).toEqual([0, 2, 1]);
    expect(hesitantPredictions(probs, 2, { maxMargin: 0.5, top: 1 }).map((x) => x.index)).toEqual([0]);
    expect(hesitantPredictions(probs, 2).map((x) => x.index)).toEqual([0]);
  });

  it('rejects a wrong shape and non-finite values', () => {
    expectThrows(() => hesitantPredictions([0.5, 0.5, 0.2], 2), RangeError, 'rows x 2', 'length 3');
    expectThrows(() => hesitantPredictions([0.5, NaN], 2), RangeError, 'probs[1]', 'NaN');
    expectThrows(() => hesitantPredictions([0.5, 0.5], 2, { labels: [2] }), RangeError, 'options.labels[0] = 2');
  });
});

describe('tagTally', () => {
  it("reproduces the lecture's error-analysis table", () => {
    // 100 misclassified examples; example 1 blurry and mislabeled, example 2 cars with a weak class
    const tags = new Map<number, string[]>();
    const tag = (from: number, to: number, name: string): void => {
      for (let i = from; i < to; i++) tags.set(i, [...(tags.get(i) ?? []), name]);
    };
    tag(0, 42, 'Blurry');
    tag(0, 18, 'Mislabeled');
    tag(42, 74, 'Cars');
    tag(42, 60, 'Weak representation of this class');
    tag(60, 75, 'Too big');
    tag(80, 92, 'Data Distribution 1');
    const errors = Array.from({ length: 100 }, (_, i) => i);
    const t = tagTally(errors, tags);
    const byName = Object.fromEntries(t.tags.map((x) => [x.tag, Math.round(x.share * 100)]));
    expect(byName).toEqual({ 'Too big': 15, Blurry: 42, Mislabeled: 18, Cars: 32, 'Data Distribution 1': 12, 'Weak representation of this class': 18 });
    expect(t.tags.map((x) => x.tag)).toEqual(['Blurry', 'Cars', 'Mislabeled', 'Weak representation of this class', 'Too big', 'Data Distribution 1']);
    expect(t.total).toBe(100);
    expect(t.untagged).toHaveLength(13);
    expect(t.text.split('\n')[1]).toBe('Blurry                                 42       42.0%');
  });

  it('counts each error once, ignores tags of other examples, accepts a plain object', () => {
    const t = tagTally([3, 8, 12, 20, 3], { 3: ['blurry', 'mislabeled', 'blurry'], 8: ['blurry'], 20: ['cars'], 99: ['blurry'] });
    expect(t.tags.map((x) => [x.tag, x.count, x.share])).toEqual([
      ['blurry', 2, 0.5],
      ['mislabeled', 1, 0.25],
      ['cars', 1, 0.25],
    ]);
    expect(t.untagged).toEqual([12]);
  });

  it('rejects bad input', () => {
    expectThrows(() => tagTally([1.5], {}), RangeError, 'errorsIdx[0]', '1.5');
    expectThrows(() => tagTally([1], { 1: 'blurry' } as never), TypeError, 'example 1', '"blurry"');
  });
});
