/**
 * The tuning benchmark's harness (test/bench/tune.ts): its bookkeeping on trials whose dev
 * accuracies are known in advance, and its summary arithmetic on hand-made rows. Whether TPE +
 * ASHA meets the target is measured on MNIST by `npm run bench:tune` only; nothing here claims it.
 */
import { describe, expect, it } from 'vitest';
import { benchTune, epochsToReach, summarizeTune, type BenchTuneRow, type MakeTrial } from '../bench/tune';

// trial n answers accuracy ACC[n % 7] after every epoch, whatever its hyperparameters
const ACC = [0.5, 0.8, 0.6, 0.9, 0.7, 0.55, 0.95];
const constantTrial: MakeTrial = (_p, { trialNumber }) => ({ trainEpoch: () => ACC[trialNumber % ACC.length]! });

const row = (method: BenchTuneRow['method'], seed: number, best: number, reach?: number): BenchTuneRow => ({
  method,
  seed,
  trials: 0,
  completed: 0,
  pruned: 0,
  epochs: 0,
  bestDevAccuracy: best,
  curve: [],
  trialCurves: [],
  ...(reach === undefined ? {} : { epochsToReachRandom: reach }),
});

describe('tuning benchmark harness', () => {
  it('random search spends exactly the budget, cutting the trial that hits it', async () => {
    // 9 epochs per trial, budget 20: trials 0 and 1 complete (18 epochs), trial 2 is cut after 2
    const { rows } = await benchTune({ makeTrial: constantTrial, epochBudget: 20, maxEpochs: 9, seeds: [0] });
    const random = rows.find((r) => r.method === 'random')!;
    expect(random.epochs).toBe(20);
    expect(random.trials).toBe(3);
    expect(random.completed).toBe(2);
    expect(random.pruned).toBe(0);
    expect(random.curve).toEqual([
      [9, 0.5],
      [18, 0.8],
    ]);
    expect(random.bestDevAccuracy).toBe(0.8);
    expect(random.trialCurves.map((t) => t.curve.length)).toEqual([9, 9, 2]);
  });

  it('TPE + ASHA: the budget is spent, completions and prunings add up, epochs to reach read off its own curve', async () => {
    const { rows } = await benchTune({ makeTrial: constantTrial, epochBudget: 60, maxEpochs: 9, seeds: [1] });
    const random = rows.find((r) => r.method === 'random')!,
      tpe = rows.find((r) => r.method === 'tpe+asha')!;
    expect(tpe.epochs).toBe(60);
    expect(tpe.trialCurves.reduce((n, t) => n + t.curve.length, 0)).toBe(60);
    expect(tpe.completed + tpe.pruned + 1).toBe(tpe.trials); // + the trial cut by the budget
    expect(tpe.pruned).toBeGreaterThan(0);
    for (const t of tpe.trialCurves.filter((t) => t.state === 'COMPLETE')) expect(t.curve).toHaveLength(9);
    // ASHA's rungs are at epochs 1, 3 and 9: a pruned trial stopped at one of them
    for (const t of tpe.trialCurves.filter((t) => t.state === 'PRUNED')) expect([1, 3, 9]).toContain(t.curve.length);
    // the curve: epochs so far and the running best, at each completion
    let epochs = 0;
    const completedBest: number[] = [];
    for (const t of tpe.trialCurves) {
      epochs += t.curve.length;
      if (t.state === 'COMPLETE') {
        completedBest.push(Math.max(t.curve.at(-1)!, ...completedBest));
        expect(tpe.curve[completedBest.length - 1]).toEqual([epochs, completedBest.at(-1)]);
      }
    }
    expect(tpe.curve).toHaveLength(completedBest.length);
    expect(tpe.epochsToReachRandom).toBe(epochsToReach(tpe.curve, random.bestDevAccuracy));
  });

  it('epochsToReach: the first completion at or above the target, Infinity if none', () => {
    const curve: [number, number][] = [
      [9, 0.9],
      [18, 0.93],
      [27, 0.95],
    ];
    expect(epochsToReach(curve, 0.93)).toBe(18);
    expect(epochsToReach(curve, 0.9)).toBe(9);
    expect(epochsToReach(curve, 0.96)).toBe(Infinity);
    expect(epochsToReach([], 0)).toBe(Infinity);
  });

  it('summary: mean bests, mean fraction of the budget (never reached counts 1.01), seeds within half, verdict', () => {
    const rows = [
      row('random', 0, 0.9),
      row('tpe+asha', 0, 0.92, 50),
      row('random', 1, 0.8),
      row('tpe+asha', 1, 0.7, Infinity),
      row('random', 2, 0.7),
      row('tpe+asha', 2, 0.75, 100),
    ];
    const s = summarizeTune(rows, 200);
    expect(s.meanBestRandom).toBeCloseTo(0.8, 12);
    expect(s.meanBestTpeAsha).toBeCloseTo(0.79, 12);
    expect(s.meanEpochFraction).toBeCloseTo((0.25 + 1.01 + 0.5) / 3, 12);
    expect(s.seedsWithinHalf).toBe(2); // 0.25 and exactly 0.5
    expect(s.seeds).toBe(3);
    expect(s.targetMet).toBe(false); // mean 0.587
    const s2 = summarizeTune([row('random', 0, 0.9), row('tpe+asha', 0, 0.9, 100), row('random', 1, 0.9), row('tpe+asha', 1, 0.9, 100)], 200);
    expect(s2.meanEpochFraction).toBe(0.5);
    expect(s2.targetMet).toBe(true); // the target is "at most half"
  });
});
