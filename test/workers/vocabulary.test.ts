// The new vocabulary on the worker pool: activations that keep their pre-activation (gelu,
// mish), Keras' optimizers (adagrad, adamax, nadam, whose momentum product a worker carries or
// recomputes) and the regression losses train to the same weights on 2 workers as on one.
import { afterAll, describe, expect, it } from 'vitest';
import * as knobs from '../../build/entry.node';
import { randomArray } from '../helpers';

const N = 384,
  F = 24;
const x = randomArray(N * F, 31);
const labels = Int32Array.from({ length: N }, (_, i) => (x[i * F]! > 0 ? 1 : 0) + (x[i * F + 1]! > 0 ? 2 : 0));
const targets = Float32Array.from({ length: N }, (_, i) => x[i * F]! - 0.5 * x[i * F + 2]!);

/** The largest relative difference ||a - b|| / ||a|| over the weights. */
function relDiff(a: Float32Array[], b: Float32Array[]): number {
  let worst = 0;
  a.forEach((w, i) => {
    let d = 0,
      n = 0;
    w.forEach((v, j) => {
      d += (v - b[i]![j]!) ** 2;
      n += v * v;
    });
    worst = Math.max(worst, Math.sqrt(d / Math.max(n, 1e-30)));
  });
  return worst;
}

const pool = knobs.workerPool({ size: 2 });
knobs.useWorkerPool(pool);
afterAll(async () => {
  knobs.useWorkerPool(undefined);
  await pool.close();
  await knobs.shutdown();
});

describe('new activations, optimizers and losses on the worker pool', () => {
  const cases = [
    ['adagrad', 'sparseCategoricalCrossentropy'],
    ['adamax', 'sparseCategoricalCrossentropy'],
    ['nadam', 'sparseCategoricalCrossentropy'],
    ['nadam', 'huber'],
    ['adam', 'logCosh'],
    ['Adam', 'mae'],
  ] as const;
  for (const [optimizer, loss] of cases) {
    it(`${optimizer}, ${loss}, gelu and mish layers: 2 workers agree with one, and with themselves bit for bit`, async () => {
      const regression = loss !== 'sparseCategoricalCrossentropy';
      const run = async (workers: number): Promise<Float32Array[]> => {
        const m = knobs.sequential({
          inputShape: [F],
          seed: 8,
          layers: [
            knobs.layers.dense({ units: 32, activation: 'gelu' }),
            knobs.layers.dense({ units: 16, activation: 'mish' }),
            knobs.layers.dense(regression ? { units: 1 } : { units: 4, activation: 'softmax' }),
          ],
        });
        m.compile({ optimizer, loss: loss as knobs.LossName });
        await m.fit(x, regression ? targets : labels, { batchSize: 64, epochs: 2, verbose: 0, workers });
        return m.getWeights();
      };
      const one = await run(1),
        twoA = await run(2),
        twoB = await run(2);
      expect(twoA).toEqual(twoB);
      expect(relDiff(one, twoA)).toBeLessThanOrEqual(1e-5);
    });
  }
});
