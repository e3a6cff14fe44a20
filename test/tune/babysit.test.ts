// Babysitting one model ("panda"): checkpoints, a change of learning rate recorded in the
// study, going back to a checkpoint.
import { mkdtempSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as knobs from '../../src/index.node';
import * as tune from '../../src/tune/node';
import { randomArray } from '../helpers';

const x = randomArray(256 * 8, 3);
const y = Int32Array.from({ length: 256 }, (_, i) => (x[i * 8]! > 0 ? 1 : 0));
const xDev = randomArray(64 * 8, 4);
const yDev = Int32Array.from({ length: 64 }, (_, i) => (xDev[i * 8]! > 0 ? 1 : 0));

describe('babysit', () => {
  it('records stretches, changes and the curve in one trial, and restores a checkpoint', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'knobs-panda-'));
    const study = tune.createStudy({ direction: 'maximize', studyName: 'panda' });
    const model = knobs.sequential({
      inputShape: [8],
      seed: 1,
      layers: [knobs.layers.dense({ units: 16, activation: 'relu' }), knobs.layers.dense({ units: 2, activation: 'softmax' })],
    });
    model.compile({ optimizer: knobs.optimizers.adam({ learningRate: 1e-2 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const panda = await tune.babysit(model, { study, checkpoint: `file://${dir}` });
    await panda.fit(x, y, { epochs: 3, batchSize: 32, validationData: [xDev, yDev], verbose: 0 });
    const afterFirst = panda.model.getWeights();
    await panda.change({ learningRate: 1e-3 }, 'dev accuracy plateaued');
    await panda.fit(x, y, { epochs: 2, validationData: [xDev, yDev], verbose: 0 });
    expect(panda.model.optimizer!.learningRate).toBe(1e-3);
    expect(panda.curve.map((c) => c.epoch)).toEqual([0, 1, 2, 3, 4]);
    expect(Object.keys(panda.trial.intermediateValues).map(Number)).toEqual([0, 1, 2, 3, 4]);
    expect(panda.stretches).toMatchObject([
      { fromEpoch: 0, toEpoch: 3, learningRate: 1e-2, batchSize: 32 },
      { fromEpoch: 3, toEpoch: 5, learningRate: 1e-3, batchSize: 32, reason: 'dev accuracy plateaued' },
    ]);
    expect(existsSync(join(dir, 'stretch-0', 'model.json')) && existsSync(join(dir, 'stretch-1', 'model.json'))).toBe(true);
    const restored = await panda.restore(0);
    expect(restored.epochsCompleted).toBe(3);
    expect(restored.getWeights().map((w) => Array.from(w))).toEqual(afterFirst.map((w) => Array.from(w)));
    await panda.fit(x, y, { epochs: 1, validationData: [xDev, yDev], verbose: 0 });
    expect(panda.stretches[2]).toMatchObject({ fromEpoch: 3, toEpoch: 4, reason: 'restored the checkpoint of stretch 0 (epoch 3)' });
    await panda.finish();
    const t = study.trials[0]!;
    expect(t.state).toBe(tune.TrialState.COMPLETE);
    expect((t.userAttrs.history as unknown[]).length).toBe(3);
    await expect(panda.change({ momentum: 0.9 } as never)).rejects.toThrow(/unknown change "momentum"/);
  });
});
