/**
 * Pruners against hand-computed decisions. Each case runs trials one after another with
 * given learning curves (one value per step 0, 1, 2, ...) and lists, per trial, the step at
 * which it must be pruned (null: it runs to the end). The expected steps are worked out in
 * the comments; for median, ASHA and Hyperband they are also what Optuna 3.1 decides for the
 * same curves (checked with its MedianPruner, SuccessiveHalvingPruner and HyperbandPruner).
 */
import { describe, expect, test } from 'vitest';
import * as tune from '../../src/tune';
import { handDriven } from './helpers';

async function decisions(pruner: tune.Pruner, curves: number[][], direction: tune.StudyDirection = 'maximize', studyName = 'hand') {
  const { run } = await handDriven(pruner, direction, studyName);
  const out: (number | null)[] = [];
  for (const c of curves) out.push(await run(c));
  return out;
}

describe('medianPruner', () => {
  test('prunes a trial whose best value so far is below the median of completed trials at that step', async () => {
    const curves = [
      [0.1, 0.4, 0.6, 0.8], // T0: no completed trial yet -> runs
      [0.2, 0.3, 0.5, 0.7], // T1: 1 completed < nStartupTrials=2 -> runs
      [0.3, 0.2, 0.3, 0.9], // T2: step 0 is warm-up; step 1: best 0.3 < median(0.4, 0.3) = 0.35 -> pruned at 1
      [0.0, 0.5, 0.55, 0.9], // T3: step 1: 0.5 >= 0.35; step 2: 0.55 >= median(0.6, 0.5) = 0.55; step 3: 0.9 >= 0.75 -> runs
      [0.9, 0.1, 0.1, 0.1], // T4: compares its best so far (0.9) -> never below the medians -> runs
    ];
    expect(await decisions(tune.medianPruner({ nStartupTrials: 2, nWarmupSteps: 1 }), curves)).toEqual([null, null, 1, null, null]);
  });

  test('checks once per interval after the warm-up (minimize)', async () => {
    const curves = [
      [5, 4, 3, 2, 1], // T0 completes
      [6, 5, 9, 9, 9], // T1: step 1 checked: best 5 > T0's 4 -> pruned at 1
      [6, 3.5, 9, 9, 9], // T2: step 1: 3.5 <= 4; step 2 not a check step (interval 2 after warm-up 1); step 3: best 3.5 > 2 -> pruned at 3
    ];
    expect(await decisions(tune.medianPruner({ nStartupTrials: 1, nWarmupSteps: 1, intervalSteps: 2 }), curves, 'minimize')).toEqual([null, 1, 3]);
  });

  test('percentilePruner keeps the top quarter', async () => {
    const completed = [[1], [2], [3], [4], [5]];
    // 25th percentile from the top of [1..5] = 4 (maximize): 3.9 is pruned, 4 is not.
    expect(await decisions(tune.percentilePruner({ percentile: 25, nStartupTrials: 5 }), [...completed, [3.9], [4]])).toEqual([
      null,
      null,
      null,
      null,
      null,
      0,
      null,
    ]);
  });
});

describe('ashaPruner (asynchronous successive halving)', () => {
  test('promotes the top 1/eta of the values recorded at each rung so far', async () => {
    // minResource 1, eta 2: rungs at steps 1, 2, 4.
    const curves = [
      [0.1, 0.5, 0.6, 0.65, 0.7], // T0: alone at every rung -> promoted -> runs
      [0.1, 0.4, 0.5, 0.5, 0.5], // T1: rung 0 {0.5, 0.4}: top 1 is 0.5 -> pruned at 1
      [0.1, 0.55, 0.58, 0.6, 0.62], // T2: rung 0 {0.5, 0.4, 0.55}: top 1 -> promoted; rung 1 {0.6, 0.58}: not top 1 -> pruned at 2
      [0.1, 0.45, 0.7, 0.8, 0.9], // T3: rung 0 {.5,.4,.55,.45}: top 2 are .55, .5 -> pruned at 1
      [0.1, 0.52, 0.61, 0.7, 0.75], // T4: rung 0 top 2 of 5 (.55, .52) -> yes; rung 1 {.6,.58,.61} top 1 -> yes; rung 2 {.7,.75} -> yes -> runs
    ];
    expect(await decisions(tune.ashaPruner({ minResource: 1, reductionFactor: 2 }), curves)).toEqual([null, 1, 2, 1, null]);
  });

  test('records each rung value as Optuna does (completed_rung_<k>)', async () => {
    const { study, run } = await handDriven(tune.ashaPruner({ minResource: 1, reductionFactor: 2 }));
    await run([0.1, 0.5, 0.6, 0.65, 0.7]);
    expect(study.trials[0]!.systemAttrs).toEqual({ completed_rung_0: 0.5, completed_rung_1: 0.6, completed_rung_2: 0.7 });
  });

  test("minResource 'auto' waits for a completed trial, then uses 1% of its length", async () => {
    const long = Array.from({ length: 300 }, (_, i) => i / 300);
    const weak = Array.from({ length: 300 }, () => 0);
    // T0 completes before any rung exists (no completed trial to estimate from). Then
    // minResource = max(floor(299 / 100), 1) = 2: rungs at steps 2, 8, 32, 128. T1 is alone at
    // each rung -> runs; T2 is below T1 at rung 0 -> pruned at 2.
    expect(await decisions(tune.ashaPruner({ reductionFactor: 4 }), [long, long, weak])).toEqual([null, null, 2]);
  });
});

describe('successiveHalvingPruner (the budget of synchronous successive halving)', () => {
  test('at most n / eta^(k+1) trials of a bracket go past rung k', async () => {
    // minResource 1, eta 2, brackets of 4 trials: quotas 2 past rung 0 (step 1), 1 past rung 1 (step 2), 1 past rung 2 (step 4).
    const curves = [
      [0.1, 0.5, 0.6, 0.65, 0.7], // T0: promoted at rungs 0, 1, 2 -> runs
      [0.1, 0.55, 0.7, 0.8, 0.9], // T1: rung 0 top -> promoted (2nd of quota 2); rung 1: top, but quota 1 used by T0 -> pruned at 2 (ASHA would promote)
      [0.1, 0.9, 0.9, 0.9, 0.9], // T2: rung 0 top, but quota 2 used -> pruned at 1 (ASHA would promote)
      [0.1, 0.3, 0.3, 0.3, 0.3], // T3: rung 0 not in the top 2 of 4 -> pruned at 1
      [0.1, 0.2, 0.3, 0.4, 0.5], // T4: a new bracket, judged only against trials 4..7 -> runs
    ];
    expect(await decisions(tune.successiveHalvingPruner({ minResource: 1, reductionFactor: 2, bracketSize: 4 }), curves)).toEqual([null, 2, 1, 1, null]);
    // The same curves under ASHA: T1 and T2 go on, T4 is pruned against the whole study.
    expect(await decisions(tune.ashaPruner({ minResource: 1, reductionFactor: 2 }), curves)).toEqual([null, null, null, 1, 1]);
  });
});

describe('hyperbandPruner', () => {
  test('brackets by crc32(studyName_number), successive halving within each', async () => {
    // minResource 1, maxResource 9, eta 3: 3 brackets with budgets 9, 5, 3 (total 17);
    // bracket s has rungs at steps 3^s, 3^(s+1), ... For study "hb", crc32("hb_<n>") % 17 is
    // [7, 0, 16, 16, 9, 11, 11, 14, 13, 5, 13, 2] (Python's binascii.crc32), so trials 0, 1, 9,
    // 11 are in bracket 0 (rungs 1, 3, 9), 4, 5, 6, 8, 10 in bracket 1 (rungs 3, 9), 2, 3, 7 in
    // bracket 2 (rung 9).
    const pruner = tune.hyperbandPruner({ minResource: 1, maxResource: 9, reductionFactor: 3 });
    const levels = [0.5, 0.4, 0.1, 0.05, 0.3, 0.35, 0.2, 0.9, 0.33, 0.45, 0.36, 0.6];
    const expected = [
      null, // T0 (b0): alone at rungs 1, 3, 9
      1, // T1 (b0): rung 1 {0.5, 0.4}: top 1 of 2 is 0.5
      null, // T2 (b2): alone at rung 9 (ASHA over the whole study would prune it at step 1)
      9, // T3 (b2): rung 9 {0.1, 0.05}
      null, // T4 (b1): alone at rungs 3, 9
      null, // T5 (b1): best at rungs 3, 9
      3, // T6 (b1): rung 3 {.3, .35, .2}: top 1 is .35
      null, // T7 (b2): best at rung 9
      3, // T8 (b1): rung 3 {.3,.35,.2,.33}: top 1 is .35
      1, // T9 (b0): rung 1 {.5,.4,.45}: top 1 is .5
      null, // T10 (b1): rung 3 top of 5; rung 9 {.3,.35,.36}: top
      null, // T11 (b0): best at rungs 1, 3, 9
    ];
    expect(
      await decisions(
        pruner,
        levels.map((l) => new Array(10).fill(l)),
        'maximize',
        'hb',
      ),
    ).toEqual(expected);
    expect(levels.map((_, n) => pruner.bracketOf('hb', n))).toEqual([0, 0, 2, 2, 1, 1, 1, 2, 1, 0, 1, 0]);
  });

  test("maxResource 'auto' starts once a trial completed", async () => {
    const pruner = tune.hyperbandPruner({ minResource: 1 });
    const { study, run } = await handDriven(pruner);
    expect(await run(new Array(9).fill(1))).toBe(null);
    expect(pruner.bracketOf(study.studyName, 0)).toBe(null);
    await run([1]); // the first prune() after a completion sets maxResource = 9: 3 brackets
    expect([0, 1, 2]).toContain(pruner.bracketOf(study.studyName, 0));
  });
});

test('a pruned trial keeps its reported curve', async () => {
  const study = tune.createStudy({
    direction: 'maximize',
    pruner: tune.ashaPruner({ minResource: 1, reductionFactor: 2 }),
    sampler: tune.randomSampler({ seed: 1 }),
  });
  await study.optimize(
    (t) => {
      const x = t.suggestFloat('x', 0, 1);
      for (let step = 0; step < 5; step++) {
        t.report(x * (step + 1), step);
        if (t.shouldPrune()) throw new tune.TrialPruned();
      }
      return x * 5;
    },
    { nTrials: 10 },
  );
  const pruned = study.getTrials({ states: ['PRUNED'] });
  expect(pruned.length).toBeGreaterThan(2);
  for (const t of pruned) {
    const steps = Object.keys(t.intermediateValues).map(Number);
    expect(steps).toEqual([...Array(steps.length).keys()]);
    expect(t.value).toBe(t.intermediateValues[steps.at(-1)!]);
  }
});
