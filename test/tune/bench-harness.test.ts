/**
 * The tuning benchmark's harness (test/bench/tune.ts) on its synthetic MLP: the protocol runs
 * and its numbers add up. The MNIST MLP is wired to the same harness by the benchmark entry.
 */
import { expect, test } from 'vitest';
import { benchTune, syntheticMlpTrial } from '../bench/tune';

test('random search against TPE + ASHA on a fixed epoch budget (synthetic MLP, 5 seeds)', async () => {
  const { rows, summary } = await benchTune({ makeTrial: syntheticMlpTrial, epochBudget: 150 });
  expect(rows).toHaveLength(10);
  for (const r of rows) {
    expect(r.epochs).toBe(150);
    expect(r.curve.at(-1)![1]).toBe(r.bestDevAccuracy);
    for (let i = 1; i < r.curve.length; i++) expect(r.curve[i]![1]).toBeGreaterThanOrEqual(r.curve[i - 1]![1]);
    if (r.method === 'random') expect(r.pruned).toBe(0);
  }
  // TPE + ASHA runs more trials on the same budget, pruning most.
  for (let i = 0; i < rows.length; i += 2) expect(rows[i + 1]!.trials).toBeGreaterThan(rows[i]!.trials);
  expect(summary.meanBestTpeAsha).toBeGreaterThan(summary.meanBestRandom);
  expect(summary.targetMet).toBe(true);
});

test("random search's results from an earlier run stand in for running it again", async () => {
  const seeds = [0, 1];
  const full = await benchTune({ makeTrial: syntheticMlpTrial, epochBudget: 90, seeds });
  const randomBest = Object.fromEntries(full.rows.filter((r) => r.method === 'random').map((r) => [r.seed, r.bestDevAccuracy]));
  const again = await benchTune({ makeTrial: syntheticMlpTrial, epochBudget: 90, seeds, randomBest });
  const tpe = (rows: typeof full.rows) => rows.filter((r) => r.method === 'tpe+asha').map((r) => [r.bestDevAccuracy, r.epochsToReachRandom, r.trials]);
  expect(tpe(again.rows)).toEqual(tpe(full.rows));
  expect(again.summary.meanEpochFraction).toBe(full.summary.meanEpochFraction);
  expect(again.rows.filter((r) => r.method === 'random').every((r) => Number.isNaN(r.trials))).toBe(true);
});
