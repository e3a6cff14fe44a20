/**
 * Learning curves over a callback that simulates train and dev error as a function of the
 * training-set size: the verdict separates "more data helps" from "it will not".
 */
import { describe, expect, it } from 'vitest';
import { learningCurve } from '../../src/diagnose';
import { near } from '../metrics/helpers';

type Curve = (size: number) => { trainError: number; devError: number };
const run = (curve: Curve, n = 1000, sizes?: number[]) => {
  const subsets: Int32Array[] = [];
  const promise = learningCurve(
    async (idx) => {
      subsets.push(idx);
      return curve(idx.length);
    },
    n,
    { seed: 7, ...(sizes ? { sizes } : {}) },
  );
  return { promise, subsets };
};

const CASES: [string, Curve, 'more data helps' | 'more data will not help', string][] = [
  ['high variance, dev still falling', (s) => ({ trainError: 0.01, devError: 0.02 + 2 / Math.sqrt(s) }), 'more data helps', 'variance problem'],
  ['high bias, curves have met', (s) => ({ trainError: 0.12, devError: 0.125 + 0.1 / s }), 'more data will not help', 'have met'],
  ['a gap but a flat dev error', () => ({ trainError: 0.02, devError: 0.1 }), 'more data will not help', 'stopped falling'],
];

describe('learningCurve', () => {
  for (const [name, curve, verdict, words] of CASES) {
    it(name, async () => {
      const c = await run(curve).promise;
      expect(c.verdict).toBe(verdict);
      expect(c.explanation).toContain(words);
      expect(c.points.map((p) => p.size)).toEqual([100, 250, 500, 750, 1000]);
    });
  }

  it('trains on nested, sorted, seeded subsets', async () => {
    const a = run(() => ({ trainError: 0, devError: 0 }), 50, [10, 20, 50]);
    await a.promise;
    const [s10, s20, s50] = a.subsets;
    expect([s10!.length, s20!.length, s50!.length]).toEqual([10, 20, 50]);
    for (const s of a.subsets) for (let i = 1; i < s.length; i++) expect(s[i]!).toBeGreaterThan(s[i - 1]!);
    expect([...s10!].every((i) => s20!.includes(i))).toBe(true);
    const b = run(() => ({ trainError: 0, devError: 0 }), 50, [10, 20, 50]);
    await b.promise;
    expect(b.subsets[0]).toEqual(s10);
  });

  it('reports the gap and the fall per doubling', async () => {
    // 500 -> 1000 examples is one doubling: dev falls 0.10 -> 0.08
    const c = await run((s) => ({ trainError: 0.01, devError: s >= 1000 ? 0.08 : 0.1 }), 1000, [0.5, 1]).promise;
    near(c.gap, 0.07);
    near(c.devDropPerDoubling, 0.02);
  });

  it('rejects bad arguments', async () => {
    await expect(learningCurve(async () => ({ trainError: 0, devError: 0 }), 10, { sizes: [5] })).rejects.toThrow(/at least 2 sizes/);
    await expect(learningCurve(async () => ({ trainError: 0, devError: 0 }), 10, { sizes: [5, 20] })).rejects.toThrow(
      /options.sizes\[1\].*at most the 10 examples/,
    );
    await expect(learningCurve(async () => ({ trainError: 2, devError: 0 }), 10)).rejects.toThrow(/fractions in \[0, 1\]/);
    await expect(learningCurve('fit' as never, 10)).rejects.toThrow(TypeError);
  });
});
