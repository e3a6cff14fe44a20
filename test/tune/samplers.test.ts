import { describe, expect, test } from 'vitest';
import * as tune from '../../src/tune';
import { BRANIN_MIN, branin, braninObjective, rosenbrockObjective } from './helpers';

/** Every sampler that takes any space, by name (Optuna's sampler factory table). */
const SAMPLERS: [string, (seed: number) => tune.Sampler][] = [
  ['random', (seed) => tune.randomSampler({ seed })],
  ['tpe', (seed) => tune.tpeSampler({ seed, nStartupTrials: 5 })],
  ['tpe multivariate', (seed) => tune.tpeSampler({ seed, nStartupTrials: 5, multivariate: true })],
  ['tpe multivariate group', (seed) => tune.tpeSampler({ seed, nStartupTrials: 5, multivariate: true, group: true })],
  ['tpe constant liar', (seed) => tune.tpeSampler({ seed, nStartupTrials: 5, constantLiar: true })],
  ['coarse to fine', (seed) => tune.coarseToFineSampler({ seed, trialsPerRound: 5 })],
];

/** A space with every kind of distribution; checks each value against its distribution. */
const mixed: tune.Objective = (t) => {
  const checks: [number | string | boolean | null, (v: never) => boolean][] = [
    [t.suggestFloat('f', -1, 1), (v: number) => v >= -1 && v <= 1],
    [t.suggestFloat('flog', 1e-6, 1e-2, { log: true }), (v: number) => v >= 1e-6 && v <= 1e-2],
    [t.suggestFloat('fstep', 0, 1, { step: 0.25 }), (v: number) => [0, 0.25, 0.5, 0.75, 1].includes(v)],
    [t.suggestFloat('beta', 0.9, 0.9999, { log: 'oneMinus' }), (v: number) => v >= 0.9 && v <= 0.9999],
    [t.suggestInt('i', -3, 3), (v: number) => Number.isInteger(v) && v >= -3 && v <= 3],
    [t.suggestInt('ilog', 1, 1000, { log: true }), (v: number) => Number.isInteger(v) && v >= 1 && v <= 1000],
    [t.suggestInt('istep', 0, 10, { step: 5 }), (v: number) => [0, 5, 10].includes(v)],
    [t.suggestCategorical('c', ['a', 1, null, true]), (v: never) => ['a', 1, null, true].includes(v)],
    [t.suggestInt('single', 7, 7), (v: number) => v === 7],
  ];
  for (const [v, ok] of checks) if (!ok(v as never)) throw new Error(`value ${String(v)} out of its distribution`);
  return (t.params.f as number) ** 2 + Math.abs(Math.log10(t.params.flog as number) + 4) + (t.params.c === 'a' ? 0 : 1);
};

describe.each(SAMPLERS)('%s sampler', (_name, make) => {
  test('values lie in their distributions', async () => {
    const study = tune.createStudy({ sampler: make(1) });
    await study.optimize(mixed, { nTrials: 30 });
    expect(study.trials.map((t) => t.state)).toEqual(new Array(30).fill('COMPLETE'));
  });

  test('seeded: the same seed gives the same trials, another seed others', async () => {
    const run = async (seed: number) => {
      const study = tune.createStudy({ sampler: make(seed) });
      await study.optimize(mixed, { nTrials: 20 });
      return study.trials.map((t) => t.params);
    };
    const a = await run(7);
    expect(await run(7)).toEqual(a);
    expect(await run(8)).not.toEqual(a);
  });
});

describe('gridSampler', () => {
  test('visits every point once, then the study stops by itself', async () => {
    const space = { lr: [1e-3, 1e-2, 1e-1], units: [32, 64], act: ['relu', 'tanh'] };
    const study = tune.createStudy({ sampler: tune.gridSampler(space, { seed: 1 }) });
    await study.optimize(
      (t) => {
        return (
          t.suggestFloat('lr', 1e-4, 1, { log: true }) * t.suggestInt('units', 16, 128) + (t.suggestCategorical('act', ['relu', 'tanh']) === 'relu' ? 0 : 1)
        );
      },
      { nTrials: 100, concurrency: 2 },
    );
    expect(study.trials).toHaveLength(12);
    const seen = new Set(study.trials.map((t) => JSON.stringify([t.params.act, t.params.lr, t.params.units])));
    expect(seen.size).toBe(12);
    // Grid ids as Optuna numbers them (product over the sorted names, last fastest).
    for (const t of study.trials) {
      const id = t.systemAttrs.grid_id as number;
      expect([t.params.act, t.params.lr, t.params.units]).toEqual([space.act[Math.floor(id / 6)], space.lr[Math.floor(id / 2) % 3], space.units[id % 2]]);
    }
  });

  test('a parameter outside the grid is an error', async () => {
    const study = tune.createStudy({ sampler: tune.gridSampler({ x: [1, 2] }) });
    await expect(study.optimize((t) => t.suggestFloat('y', 0, 1), { nTrials: 1 })).rejects.toThrow(/parameter "y" is not in the grid \(grid parameters: x\)/);
  });
});

/** Mean over seeds of the trials needed to reach `target` (capped at 2 * nTrials when never reached). */
async function meanTrialsToTarget(
  make: (seed: number) => tune.Sampler,
  objective: tune.Objective,
  target: number,
  nTrials: number,
  seeds = 10,
): Promise<number> {
  let total = 0;
  for (let seed = 0; seed < seeds; seed++) {
    const study = tune.createStudy({ sampler: make(seed) });
    let reached = 2 * nTrials;
    await study.optimize(objective, {
      nTrials,
      callbacks: [
        (s, t) => {
          if (t.value! <= target) {
            reached = t.number + 1;
            s.stop();
          }
        },
      ],
    });
    total += reached;
  }
  return total / seeds;
}

describe('TPE reaches targets in fewer trials than random search (mean over 10 seeds)', () => {
  test.each<[string, tune.Objective, number]>([
    ['Branin (2-D), f <= 0.5 (min 0.3979)', braninObjective, 0.5],
    ['Rosenbrock 2-D, f <= 0.05', rosenbrockObjective(2), 0.05],
    ['Rosenbrock 3-D, f <= 1', rosenbrockObjective(3), 1],
    ['Rosenbrock 5-D, f <= 10', rosenbrockObjective(5), 10],
  ])('%s', async (_name, objective, target) => {
    const random = await meanTrialsToTarget((seed) => tune.randomSampler({ seed }), objective, target, 200);
    const tpe = await meanTrialsToTarget((seed) => tune.tpeSampler({ seed }), objective, target, 200);
    expect(tpe, `TPE ${tpe} vs random ${random} trials`).toBeLessThan(random);
  });

  test('Branin: TPE gets close to the known minimum', async () => {
    const study = tune.createStudy({ sampler: tune.tpeSampler({ seed: 0 }) });
    await study.optimize(braninObjective, { nTrials: 150 });
    expect(study.bestValue).toBeLessThan(BRANIN_MIN + 0.05);
    const { x, y } = study.bestParams as { x: number; y: number };
    expect(branin(x, y)).toBe(study.bestValue);
  });
});

describe('coarseToFineSampler', () => {
  const lrObjective: tune.Objective = (t) =>
    (Math.log10(t.suggestFloat('lr', 1e-6, 1, { log: true })) + 2.7) ** 2 + (t.suggestInt('units', 8, 1024, { log: true }) - 200) ** 2 / 1e5;

  test.each<[string, tune.Objective, number]>([
    ['Branin, f <= 0.5', braninObjective, 0.5],
    ['log-scaled learning rate and units, f <= 0.01', lrObjective, 0.01],
  ])('reaches %s in fewer trials than random search (mean over 10 seeds)', async (_name, objective, target) => {
    const random = await meanTrialsToTarget((seed) => tune.randomSampler({ seed }), objective, target, 200);
    const c2f = await meanTrialsToTarget((seed) => tune.coarseToFineSampler({ seed }), objective, target, 200);
    expect(c2f, `coarse-to-fine ${c2f} vs random ${random} trials`).toBeLessThan(random);
  });

  test('each round samples inside a box that tightens around the best trials', async () => {
    const sampler = tune.coarseToFineSampler({ seed: 3, trialsPerRound: 10 });
    const study = tune.createStudy({ sampler });
    await study.optimize(lrObjective, { nTrials: 60 });
    const widths = [1, 2, 3, 4, 5].map((round) => {
      const [lo, hi] = sampler.region(study.view, round).box.get('lr')!;
      // Every trial of the round lies in its box (fractions of log10 range [-6, 0]).
      for (const t of study.trials.slice(round * 10, round * 10 + 10)) {
        const u = (Math.log10(t.params.lr as number) + 6) / 6;
        expect(u).toBeGreaterThanOrEqual(lo - 1e-12);
        expect(u).toBeLessThanOrEqual(hi + 1e-12);
      }
      return hi - lo;
    });
    expect(widths[4]).toBeLessThan(widths[0]! / 2);
    const best = Math.log10(study.bestParams.lr as number);
    expect(Math.abs(best + 2.7)).toBeLessThan(0.3);
  });
});

describe('TPE details', () => {
  test('continues deterministically from a history: 15 + 15 trials in two sessions = 30 in one', async () => {
    const objective = rosenbrockObjective(3);
    const one = tune.createStudy({ sampler: tune.tpeSampler({ seed: 11 }) });
    await one.optimize(objective, { nTrials: 30 });
    const storage = tune.inMemoryStorage();
    await tune.createStudy({ storage, studyName: 's', sampler: tune.tpeSampler({ seed: 11 }) }).optimize(objective, { nTrials: 15 });
    const resumed = tune.createStudy({ storage, studyName: 's', sampler: tune.tpeSampler({ seed: 11 }) });
    await resumed.optimize(objective, { nTrials: 15 });
    expect(resumed.trials.map((t) => t.params)).toEqual(one.trials.map((t) => t.params));
  });

  test('learns from pruned trials (ranked after completed ones, by how far they got)', async () => {
    const study = tune.createStudy({
      direction: 'maximize',
      sampler: tune.tpeSampler({ seed: 2, nStartupTrials: 5 }),
      pruner: tune.ashaPruner({ minResource: 1, reductionFactor: 3 }),
    });
    await study.optimize(
      (t) => {
        const x = t.suggestFloat('x', 0, 1);
        let v = 0;
        for (let step = 0; step < 9; step++) {
          v = (1 - (x - 0.7) ** 2) * (1 - 1 / (step + 2));
          t.report(v, step);
          if (t.shouldPrune()) throw new tune.TrialPruned();
        }
        return v;
      },
      { nTrials: 40 },
    );
    expect(study.getTrials({ states: ['PRUNED'] }).length).toBeGreaterThan(10);
    expect(Math.abs((study.bestParams.x as number) - 0.7)).toBeLessThan(0.1);
  });
});
