/**
 * Per-source breakdown: the lecture's ordering human < train < dev1 < dev < dev2 < test, and
 * the source that pulls the dev error up.
 */
import { describe, expect, it } from 'vitest';
import { diagnoseBySource, type SourcedSet } from '../../src/diagnose';
import { expectThrows, near } from '../metrics/helpers';

/** A set with, for each source, `count` examples of which the first `wrong` are misclassified. */
function sourced(parts: [string, number, number][]): SourcedSet {
  const yTrue: number[] = [],
    yPred: number[] = [],
    source: string[] = [];
  for (const [name, count, wrong] of parts) {
    for (let i = 0; i < count; i++) {
      yTrue.push(i % 3);
      yPred.push(i < wrong ? (i % 3) + 1 : i % 3);
      source.push(name);
    }
  }
  return { yTrue, yPred, source };
}

// train: only distribution "1" (2% error); dev: "1" at 4% and "2" at 20% (12% overall);
// test: the real-world mix "3" at 25%
const SETS = {
  train: sourced([['1', 100, 2]]),
  dev: sourced([
    ['1', 50, 2],
    ['2', 50, 10],
  ]),
  test: sourced([['3', 100, 25]]),
};

describe('diagnoseBySource', () => {
  it("shows the lecture's ordering human < train < dev1 < dev < dev2 < test", () => {
    const b = diagnoseBySource({ sets: SETS, humanLevelError: 0.01 });
    expect(b.orderingText).toBe('human 1.00% < train 2.00% < dev[1] 4.00% < dev 12.00% < dev[2] 20.00% < test 25.00%');
    near(
      b.ordering.map((o) => o.error),
      [0.01, 0.02, 0.04, 0.12, 0.2, 0.25],
    );
  });

  it('names the source that pulls the dev error up, and how much it costs', () => {
    const b = diagnoseBySource({ sets: SETS, humanLevelError: 0.01 });
    // 50/100 x (20% - 4%) = 8 points of dev error
    near(b.pullsUp, { set: 'dev', source: '2', errors: 10, count: 50, error: 0.2, pull: 0.08 });
    near(
      b.sets.dev!.sources.map((s) => s.pull),
      [0.08, -0.08],
    );
    expect(b.missingFromTrain).toEqual(['2', '3']);
    expect(b.summary).toContain('Source "2" pulls the dev error up');
    expect(b.summary).toContain('Sources never seen in training: 2, 3');
  });

  it('diagnoses the overall errors', () => {
    const b = diagnoseBySource({ sets: { ...SETS, trainDev: sourced([['1', 100, 3]]) }, humanLevelError: 0.01 });
    near(b.diagnosis.errors, { trainError: 0.02, trainDevError: 0.03, devError: 0.12, testError: 0.25 });
    expect(b.diagnosis.focus).toBe('dataMismatch');
    expect(b.orderingText).toContain('train 2.00% < trainDev 3.00% < dev[1] 4.00%');
  });

  it('has no culprit when the sources err alike', () => {
    const b = diagnoseBySource({
      sets: {
        train: sourced([['a', 10, 0]]),
        dev: sourced([
          ['a', 20, 2],
          ['b', 10, 1],
        ]),
      },
      humanLevelError: 0,
    });
    expect(b.pullsUp).toBeNull();
    expect(b.orderingText).toBe('human 0.00% = train 0.00% < dev 10.00% = dev[a] 10.00% = dev[b] 10.00%');
  });

  it('rejects malformed sets', () => {
    expectThrows(() => diagnoseBySource({ sets: { train: SETS.train } as never, humanLevelError: 0 }), TypeError, 'sets.dev');
    expectThrows(
      () => diagnoseBySource({ sets: { ...SETS, dev: { ...SETS.dev, source: ['1'] } }, humanLevelError: 0 }),
      RangeError,
      'sets.dev.source',
      '(100)',
      'got 1',
    );
    expectThrows(
      () => diagnoseBySource({ sets: { ...SETS, dev: { ...SETS.dev, yPred: [0] } }, humanLevelError: 0 }),
      RangeError,
      'sets.dev.yTrue and sets.dev.yPred',
    );
    expectThrows(() => diagnoseBySource({ sets: { ...SETS, validation: SETS.dev } as never, humanLevelError: 0 }), RangeError, 'options.sets.validation');
  });
});
