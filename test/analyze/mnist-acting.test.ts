/**
 * Acting on the error analysis with the real trainer on real MNIST:
 * - the cleaning loop (model form): train, list out-of-fold suspects, relabel the confident
 *   ones, retrain, for 2 rounds, with 20% of the training labels flipped;
 * - error-focused example weights fed to fit({ sampleWeight }).
 */
import { describe, expect, it } from 'vitest';
import * as knobs from '../../src/index.node';
import { flipLabels, mlp, mnist, pct } from './mnist-noisy';

describe('cleaningLoop(buildModel, { train, dev }) on MNIST with 20% of the labels flipped', () => {
  // 784-128-10, Adam 1e-3, 20 epochs at a constant rate: long enough to memorize the wrong
  // labels, which is when they hurt the dev error. (With a short, decayed schedule the model
  // mostly ignores uniform label noise, and relabelling gains little: the few clean but hard
  // examples relabelled wrongly can then cost as much as the corrections gain.)
  it('lowers the dev error round after round, relabels mostly flipped examples, and keeps the original labels', async () => {
    const train = await mnist(4000),
      dev = await mnist(4000, 6000);
    const { noisy, flipped } = flipLabels(train.y, 800, 2);
    const given = noisy.slice();
    const t0 = performance.now();
    const result = await knobs.analyze.cleaningLoop(
      mlp([128], 1),
      { train: { x: train.x, y: noisy }, dev },
      {
        rounds: 2,
        decide: knobs.analyze.confidentRelabel(0.9),
        k: 5,
        seed: 3,
        fit: { epochs: 20, batchSize: 64 },
      },
    );
    const seconds = (performance.now() - t0) / 1000;
    const wrongLabels = (labels: Int32Array): number => labels.reduce((n, l, i) => n + (l !== train.y[i] ? 1 : 0), 0);
    console.log(
      `cleaning loop (4,000 digits, 800 labels flipped, 784-128-10, 20 epochs, 5 folds), ${seconds.toFixed(1)} s:\n` +
        result.rounds
          .map(
            (r) =>
              `  round ${r.round}: dev error ${pct(r.devError)}` +
              (r.change === null
                ? ''
                : ` (${r.change <= 0 ? '' : '+'}${pct(r.change)}), ${r.suspects} suspects, ${r.relabeled.length} relabelled ` +
                  `(${r.relabeled.filter((c) => c.to === train.y[c.index]).length} back to the true class)`),
          )
          .join('\n') +
        `\n  wrong labels: ${wrongLabels(given)} before, ${wrongLabels(result.labels)} after`,
    );

    expect(result.rounds.map((r) => r.round)).toEqual([0, 1, 2]);
    expect(result.stopped).toBe('rounds');
    const [r0, r1, r2] = result.rounds;
    // each round lowers the dev error, by a margin (measured: 12.00% -> 11.05% -> 10.20%)
    expect(r1!.devError).toBeLessThan(r0!.devError - 0.005);
    expect(r2!.devError).toBeLessThan(r1!.devError);
    expect(r2!.devError).toBeLessThan(r0!.devError - 0.01);
    expect(result.bestRound).toBe(2);
    // most relabels put a flipped example back to its true class
    const changes = [...r1!.relabeled, ...r2!.relabeled];
    expect(changes.filter((c) => flipped.has(c.index) && c.to === train.y[c.index]).length / changes.length).toBeGreaterThan(0.9);
    expect(wrongLabels(result.labels)).toBeLessThan(wrongLabels(given) - 300);
    // the original labels are intact: in the result, and in the array passed in
    expect(result.originalLabels).toEqual(given);
    expect(noisy).toEqual(given);
    // the cleaned labels are the originals with exactly the recorded changes
    const replay = given.slice();
    for (const c of changes) {
      expect(replay[c.index]).toBe(c.from);
      replay[c.index] = c.to;
    }
    expect(result.labels).toEqual(replay);
    expect([...result.active].every((a) => a === 1)).toBe(true);
  });
});

describe('errorFocusedWeights(model, train, { shareFrom: dev }) fed to fit({ sampleWeight })', () => {
  it('upweights the class holding most dev errors, and retraining with the weights raises its recall on held-out digits', async () => {
    const train = await mnist(4000),
      dev = await mnist(2000, 6000),
      test = await mnist(2000, 8000);
    const build = mlp([128], 1);
    const fit = { epochs: 5, batchSize: 64, verbose: 0 };
    const plain = build();
    await plain.fit(train.x, train.y, fit);
    const byClass = knobs.analyze.errorsByClass(dev.y, knobs.analyze.argmaxRows(plain.predict(dev.x), 10));
    const top = byClass.classes[0]!.label;

    const w = knobs.analyze.errorFocusedWeights(plain, train, { shareFrom: dev });
    expect(w).toHaveLength(4000);
    const mean = w.reduce((s, v) => s + v, 0) / w.length;
    expect(mean).toBeCloseTo(1, 5);
    const weightShare = w.reduce((s, v, i) => s + (train.y[i] === top ? v : 0), 0) / (mean * w.length);
    const exampleShare = train.y.filter((l) => l === top).length / train.y.length;
    // the classes are weighted by their share of the dev errors: the top class weighs most
    const classWeight = (c: number): number => w[train.y.indexOf(c)]!;
    for (const c of byClass.classes.slice(1)) expect(classWeight(top)).toBeGreaterThanOrEqual(classWeight(c.label));
    expect(weightShare).toBeGreaterThan(1.5 * exampleShare);

    const weighted = build();
    await weighted.fit(train.x, train.y, { ...fit, sampleWeight: w });
    const recall = (m: knobs.Sequential): number[] =>
      knobs.metrics.recallScore(test.y, knobs.analyze.argmaxRows(m.predict(test.x), 10), { average: null, labels: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] }) as number[];
    const before = recall(plain),
      after = recall(weighted);
    const testError = (m: knobs.Sequential): number => 1 - m.evaluate(test.x, test.y).accuracy!;
    console.log(
      `error-focused weights: class ${top} holds ${pct(byClass.classes[0]!.share)} of the dev errors; its weight share ${pct(weightShare)} ` +
        `(example share ${pct(exampleShare)}); its recall on 2,000 held-out digits ${pct(before[top]!)} -> ${pct(after[top]!)}; ` +
        `test error ${pct(testError(plain))} -> ${pct(testError(weighted))}`,
    );
    // a real rise, not a tie (measured: 81.25% -> 89.06%, 5 more digits of the class right)
    expect(after[top]!).toBeGreaterThan(before[top]! + 0.03);
  });
});
