/**
 * Acting on the analysis: error-focused weights (hand-computed) and the cleaning loop over
 * simulated training; and the one-call analyze() over a stub model.
 */
import { describe, expect, it } from 'vitest';
import { analyze, cleaningLoop, confidentRelabel, errorFocusedWeights, type ErrorFocusedOptions, type Predictor, type Suspect } from '../../src/analyze';
import { expectThrows, near } from '../metrics/helpers';

describe('errorFocusedWeights', () => {
  // errors: example 1 (class 0) and example 4 (class 2): shares 1/2, 0, 1/2 over K = 3 classes
  // class factors 1 + 3 x share: 2.5, 1, 2.5
  const T = [0, 0, 1, 1, 2, 2],
    P = [0, 1, 1, 1, 0, 2];
  const CASES: [string, ErrorFocusedOptions, number[]][] = [
    ['class shares, scaled to mean 1', {}, [2.5, 2.5, 1, 1, 2.5, 2.5].map((v) => v / 2)],
    ['strength 0 gives ones', { strength: 0 }, [1, 1, 1, 1, 1, 1]],
    ['half strength', { strength: 0.5 }, [1.75, 1.75, 1, 1, 1.75, 1.75].map((v) => (v * 6) / 9)],
    ['misclassified examples boosted', { exampleBoost: 1 }, [2.5, 5, 1, 1, 5, 2.5].map((v) => (v * 6) / 17)],
    // both errors are tagged blurry: share 1, factor 2 for the blurry examples 0, 1 and 4
    ['tags holding the errors', { tags: { 0: ['blurry'], 1: ['blurry'], 4: ['blurry'] } }, [5, 5, 1, 1, 5, 2.5].map((v) => (v * 6) / 19.5)],
    ['capped', { maxWeight: 1.2 }, [1.2, 1.2, 0.5, 0.5, 1.2, 1.2]],
    // the dev set gets class 1 wrong: factor 1 + 3 x 1 = 4 for class 1
    ['shares from the dev set', { shareFrom: { yTrue: [1, 1], yPred: [0, 0] } }, [1, 1, 4, 4, 1, 1].map((v) => v / 2)],
  ];
  for (const [name, options, expected] of CASES) it(name, () => near(errorFocusedWeights(T, P, options), expected, name, { rtol: 1e-6 }));

  it('gives ones when nothing is wrong, and rejects bad options', () => {
    near(errorFocusedWeights([0, 1], [0, 1]), [1, 1]);
    expectThrows(() => errorFocusedWeights(T, P, { strength: -1 }), RangeError, 'options.strength', '-1');
    expectThrows(() => errorFocusedWeights(T, P, { maxWeight: 0.5 }), RangeError, 'options.maxWeight');
  });
});

describe('cleaningLoop', () => {
  // 20 examples of true class i % 4; examples 3, 7 and 11 are mislabeled. The simulated dev
  // error grows with the wrong labels still in training and with the examples removed.
  const truth = Array.from({ length: 20 }, (_, i) => i % 4);
  const given = truth.map((t, i) => ([3, 7, 11].includes(i) ? (t + 1) % 4 : t));
  const devError = (labels: Int32Array, active: Uint8Array): number => {
    let wrong = 0,
      removed = 0;
    labels.forEach((l, i) => {
      if (!active[i]) removed++;
      else if (l !== truth[i]) wrong++;
    });
    return 0.05 + 0.02 * wrong + 0.005 * removed;
  };
  const listSuspects = (s: { labels: Int32Array }): Suspect[] => [
    // the model is sure about the mislabeled ones, unsure about example 0
    ...[3, 7, 11].filter((i) => s.labels[i] !== truth[i]).map((i) => ({ index: i, predictedLabel: truth[i]!, predictedProbability: 0.95 })),
    { index: 0, predictedLabel: 2, predictedProbability: 0.5 },
  ];

  it('relabels by a rule, records the dev error each round, keeps the original labels', async () => {
    const seen: number[][] = [];
    const r = await cleaningLoop({
      labels: given,
      rounds: 3,
      trainAndEvaluate: async (s) => {
        seen.push([s.round, s.trainIdx.length]);
        return { devError: devError(s.labels, s.active) };
      },
      listSuspects,
      decide: confidentRelabel(0.9),
    });
    near(
      r.rounds.map((x) => x.devError),
      [0.11, 0.05],
    );
    near(r.rounds[1]!.change, -0.06);
    expect(r.rounds[1]!.relabeled).toEqual([
      { index: 3, from: 0, to: 3 },
      { index: 7, from: 0, to: 3 },
      { index: 11, from: 0, to: 3 },
    ]);
    expect(r.stopped).toBe('no changes');
    expect(r.bestRound).toBe(1);
    expect([...r.labels]).toEqual(truth);
    expect([...r.originalLabels]).toEqual(given);
    expect(seen).toEqual([
      [0, 20],
      [1, 20],
    ]);
  });

  it('removes by decision and never decides on a removed example again', async () => {
    const listed: number[][] = [];
    const r = await cleaningLoop({
      labels: given,
      rounds: 2,
      maxSuspectsPerRound: 2,
      trainAndEvaluate: async (s) => ({ devError: devError(s.labels, s.active) }),
      listSuspects: (s) => {
        const l = listSuspects(s);
        listed.push(l.map((x) => x.index));
        return l;
      },
      decide: confidentRelabel(0.99, 'remove'),
    });
    expect(r.rounds.map((x) => x.removed)).toEqual([[], [3, 7], [11, 0]]);
    near(
      r.rounds.map((x) => x.devError),
      [0.11, 0.05 + 0.02 + 0.01, 0.05 + 0.02],
    );
    expect([...r.active].filter((a) => a === 0)).toHaveLength(4);
    expect(listed[1]).toEqual([3, 7, 11, 0]);
    expect(r.stopped).toBe('rounds');
  });

  it('rejects bad callbacks and decisions', async () => {
    await expect(
      cleaningLoop({ labels: given, rounds: 1, trainAndEvaluate: async () => ({}) as never, listSuspects, decide: confidentRelabel() }),
    ).rejects.toThrow(/devError/);
    await expect(
      cleaningLoop({ labels: given, rounds: 1, trainAndEvaluate: async () => ({ devError: 0.1 }), listSuspects, decide: () => ({ action: 'fix' }) as never }),
    ).rejects.toThrow(/'keep', 'relabel' or 'remove'/);
    await expect(
      cleaningLoop({ labels: given, rounds: -1, trainAndEvaluate: async () => ({ devError: 0.1 }), listSuspects, decide: confidentRelabel() }),
    ).rejects.toThrow(/options.rounds/);
  });
});

describe('analyze(model, x, yTrue)', () => {
  // a 2 x 2 "image" model whose first three inputs are its class probabilities, plus a constant
  const model: Predictor = {
    inputSize: 4,
    outputSize: 3,
    predict: (x) => {
      const n = x.length / 4,
        out = new Float32Array(n * 3);
      for (let i = 0; i < n; i++) out.set(x.subarray(i * 4, i * 4 + 3), i * 3);
      return out;
    },
  };
  const rows = [
    [0.8, 0.1, 0.1],
    [0.1, 0.7, 0.2],
    [0.45, 0.5, 0.05],
    [0.2, 0.2, 0.6],
    [0.6, 0.3, 0.1],
  ];
  const x = new Float32Array(rows.flatMap((r) => [...r, 1]));
  const y = [0, 1, 0, 2, 2];

  it('analyzes the errors in one call', () => {
    const a = analyze(model, x, y, { images: { height: 2, width: 2, scale: 1 } });
    expect([...a.predictions]).toEqual([0, 1, 1, 2, 0]);
    near(a.accuracy, 0.6);
    expect(a.confusion).toEqual([
      [1, 1, 0],
      [0, 1, 0],
      [1, 0, 1],
    ]);
    expect(a.topConfusions.map((c) => [c.trueLabel, c.predLabel, c.indices])).toEqual([
      [0, 1, [2]],
      [2, 0, [4]],
    ]);
    expect(a.errorsByClass.classes.map((c) => c.label)).toEqual([0, 2, 1]);
    expect(a.hesitant.map((h) => h.index)).toEqual([2]);
    expect(a.report.split('\n')[0]).toBe('              precision    recall  f1-score   support');
    expect(a.gallery?.tiles.map((t) => t.index)).toEqual([2, 4]);
  });

  it('checks the model and the shapes', () => {
    expectThrows(() => analyze({ predict: () => new Float32Array(0) } as never, x, y), TypeError, 'model.inputSize');
    expectThrows(() => analyze(model, x, [0, 1]), RangeError, 'yTrue', 'one label per row (5)');
    expectThrows(() => analyze(model, x, y, { images: { height: 3, width: 3 } }), RangeError, 'model.inputSize is 4');
    expectThrows(() => analyze({ ...model, predict: () => new Float32Array(2) }, x, y), RangeError, 'model.predict returned', 'expected 15 values');
  });
});
