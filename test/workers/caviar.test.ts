// "Many models in parallel" for a hyperparameter search: study.optimize with concurrency 2,
// each trial training single-threaded in its own worker, reporting every epoch for pruning.
import { afterAll, describe, expect, it } from 'vitest';
import * as knobs from '../../build/entry.node';
import * as tune from '../../build/entry.tune.node';
import { randomArray } from '../helpers';

const x = randomArray(512 * 16, 7);
const y = Int32Array.from({ length: 512 }, (_, i) => (x[i * 16]! * x[i * 16 + 1]! > 0 ? 1 : 0));
const xDev = randomArray(128 * 16, 8);
const yDev = Int32Array.from({ length: 128 }, (_, i) => (xDev[i * 16]! * xDev[i * 16 + 1]! > 0 ? 1 : 0));
const pool = knobs.workerPool({ size: 2 });
afterAll(() => pool.close());

describe('tuning on the worker pool', () => {
  it('runs trials two at a time in workers, reports every epoch and prunes', async () => {
    const study = tune.createStudy({
      direction: 'maximize',
      sampler: tune.tpeSampler({ seed: 3 }),
      pruner: tune.medianPruner({ nStartupTrials: 2, nWarmupSteps: 1 }),
    });
    let running = 0,
      maxRunning = 0,
      prunedByObjective = 0;
    await study.optimize(
      async (trial) => {
        const lr = trial.suggestFloat('lr', 1e-4, 1e-1, { log: true });
        const units = trial.suggestInt('units', 8, 64, { log: true });
        const m = knobs.sequential({
          inputShape: [16],
          seed: trial.number,
          layers: [knobs.layers.dense({ units, activation: 'relu' }), knobs.layers.dense({ units: 2, activation: 'softmax' })],
        });
        m.compile({ optimizer: knobs.optimizers.adam({ learningRate: lr }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
        running++;
        maxRunning = Math.max(maxRunning, running);
        let pruned = false;
        try {
          const h = await pool.train(m, x, y, {
            batchSize: 32,
            epochs: 6,
            validationData: [xDev, yDev],
            onEpochEnd: (epoch, logs) => {
              trial.report(logs.val_accuracy!, epoch);
              if (trial.shouldPrune()) {
                pruned = true;
                return 'stop';
              }
              return undefined;
            },
          });
          if (pruned) {
            prunedByObjective++;
            throw new tune.TrialPruned();
          }
          return h.history.val_accuracy!.at(-1)!;
        } finally {
          running--;
        }
      },
      { nTrials: 10, concurrency: 2 },
    );
    expect(maxRunning).toBe(2);
    const states = study.trials.map((t) => t.state);
    expect(states.filter((s) => s === tune.TrialState.COMPLETE).length).toBeGreaterThan(0);
    for (const t of study.trials) expect(Object.keys(t.intermediateValues).length).toBeGreaterThan(0);
    // the pruner really acted: some trials were pruned, each stopped before its last epoch, and
    // the objective saw shouldPrune() say so (with nopPruner() none of this holds)
    const pruned = study.trials.filter((t) => t.state === tune.TrialState.PRUNED);
    expect(pruned.length).toBeGreaterThan(0);
    expect(prunedByObjective).toBe(pruned.length);
    // a trial may be pruned at its last report; most stop well before, saving epochs
    expect(pruned.filter((t) => Object.keys(t.intermediateValues).length < 6).length).toBeGreaterThan(0);
    for (const t of study.trials.filter((t) => t.state === tune.TrialState.COMPLETE)) expect(Object.keys(t.intermediateValues)).toHaveLength(6);
    expect(study.bestValue).toBeGreaterThan(0.6);
  });
});
