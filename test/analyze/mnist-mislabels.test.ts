/**
 * The acceptance check for suspected mislabels, on real MNIST with the real trainer:
 * 5% of 8,000 training labels flipped with a seed to another class; 5-fold out-of-fold
 * probabilities from a 784-128-64-10 MLP; at least 70% of the 400 highest-ranked suspects
 * must be flipped ones.
 */
import { describe, expect, it } from 'vitest';
import * as knobs from '../../src/index.node';
import { flipLabels, mlp, mnist, pct } from './mnist-noisy';

describe('suspectMislabels on MNIST with 5% of the labels flipped', () => {
  it('at least 70% of the 400 highest-ranked suspects are flipped labels', async () => {
    const { x, y } = await mnist(8000);
    const { noisy, flipped } = flipLabels(y, 400, 2024);
    expect(flipped.size).toBe(400);
    expect([...flipped].every((i) => noisy[i] !== y[i])).toBe(true);
    const given = noisy.slice();
    const t0 = performance.now();
    const suspects = await knobs.analyze.suspectMislabels(mlp([128, 64], 1), x, noisy, { k: 5, seed: 7, fit: { epochs: 5, batchSize: 64 }, top: 400 });
    const seconds = (performance.now() - t0) / 1000;
    const hits = suspects.filter((s) => flipped.has(s.index)).length;
    const precision = hits / suspects.length;
    console.log(
      `suspected mislabels: ${hits} of the top 400 are flipped labels (${pct(precision)}), 5 folds of a 784-128-64-10 MLP, 5 epochs each, in ${seconds.toFixed(1)} s`,
    );
    expect(suspects).toHaveLength(400);
    expect(precision).toBeGreaterThanOrEqual(0.7);
    // ranked by the out-of-fold probability of the given label, lowest first
    for (let i = 1; i < suspects.length; i++) expect(suspects[i]!.labelProbability).toBeGreaterThanOrEqual(suspects[i - 1]!.labelProbability);
    // the suspects carry the given (noisy) labels; the labels passed in are not changed
    for (const s of suspects) expect(s.label).toBe(noisy[s.index]);
    expect(noisy).toEqual(given);
    // a flipped suspect the model is sure about points at the true class
    const sure = suspects.filter((s) => flipped.has(s.index) && s.predictedProbability >= 0.9);
    const backToTruth = sure.filter((s) => s.predictedLabel === y[s.index]).length / sure.length;
    console.log(`  of the ${sure.length} flipped suspects predicted with p >= 0.9, ${pct(backToTruth)} predict the original label`);
    expect(backToTruth).toBeGreaterThan(0.9);
  });
});
