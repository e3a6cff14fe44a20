/**
 * The tuning benchmark's harness (test/bench/tune.ts) on its synthetic MLP: the protocol runs
 * and its numbers add up. The MNIST MLP is wired to the same harness by the benchmark entry.
 */
import { expect, test } from 'vitest';
import { benchTune, benchTuneThroughput, syntheticMlpTrial } from '../bench/tune';

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

test('throughput of 1 and 2 concurrent trials', async () => {
  const { perMinute1, perMinute2, ratio } = await benchTuneThroughput({ makeTrial: syntheticMlpTrial, trials: 4, epochs: 2 });
  expect(perMinute1).toBeGreaterThan(0);
  expect(ratio).toBeCloseTo(perMinute2 / perMinute1, 10);
});
