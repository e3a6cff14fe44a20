// The training-health record of fit, and what diagnoseHealth makes of it.
import { afterAll, describe, expect, it } from 'vitest';
import * as knobs from '../../build/entry.node';
import { randomArray } from '../helpers';

const x = randomArray(512 * 16, 5);
const y = Int32Array.from({ length: 512 }, (_, i) => (x[i * 16]! + x[i * 16 + 1]! > 0 ? 1 : 0));

afterAll(() => knobs.shutdown());

describe('training health', () => {
  it('fit records gradient norms, dead ReLUs and saturation every few steps, on one thread and on the pool', async () => {
    const make = (): knobs.Sequential => {
      const m = knobs.sequential({
        inputShape: [16],
        seed: 1,
        layers: [
          knobs.layers.dense({ units: 32, activation: 'relu' }),
          knobs.layers.dense({ units: 16, activation: 'tanh' }),
          knobs.layers.dense({ units: 2, activation: 'softmax' }),
        ],
      });
      m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
      return m;
    };
    const h1 = await make().fit(x, y, { batchSize: 32, epochs: 3, verbose: 0, health: { every: 5 } });
    const h = h1.health!;
    expect(h.steps).toEqual(Array.from({ length: 10 }, (_, i) => i * 5));
    expect(h.layers.map((l) => [l.name, l.activation])).toEqual([
      ['dense', 'relu'],
      ['dense_1', 'tanh'],
      ['dense_2', 'softmax'],
    ]);
    for (const l of h.layers) expect(l.gradNorm.every((g) => g > 0 && Number.isFinite(g))).toBe(true);
    expect(h.layers[0]!.deadReluFraction!.every((f) => f >= 0 && f <= 1)).toBe(true);
    expect(h.layers[1]!.saturatedFraction!.every((f) => f >= 0 && f <= 1)).toBe(true);
    const h2 = (await make().fit(x, y, { batchSize: 32, epochs: 3, verbose: 0, health: { every: 5 }, workers: 2 })).health!;
    expect(h2.steps).toEqual(h.steps);
    h2.layers.forEach((l, k) => l.gradNorm.forEach((g, i) => expect(g).toBeCloseTo(h.layers[k]!.gradNorm[i]!, 4)));
    expect((await make().fit(x, y, { epochs: 1, verbose: 0, health: false })).health).toBeUndefined();
  });

  it('diagnoseHealth flags the saturated sigmoid units of a badly initialized deep sigmoid net, with initialization among the knobs', async () => {
    const big = knobs.initializers.randomNormal({ stddev: 4 });
    const m = knobs.sequential({
      inputShape: [16],
      seed: 2,
      layers: [
        ...Array.from({ length: 6 }, () => knobs.layers.dense({ units: 32, activation: 'sigmoid', kernelInitializer: big })),
        knobs.layers.dense({ units: 2, activation: 'softmax' }),
      ],
    });
    m.compile({ optimizer: knobs.optimizers.sgd({ learningRate: 0.01 }), loss: 'sparseCategoricalCrossentropy' });
    const h = await m.fit(x, y, { batchSize: 64, epochs: 4, verbose: 0, health: { every: 2 } });
    const report = knobs.diagnoseHealth(h.health!);
    const problems = new Set(report.flags.map((f) => f.problem));
    console.log(report.summary);
    expect(problems.has('saturation')).toBe(true);
    expect(report.flags.some((f) => f.knobs.some((k) => /initiali[sz]/i.test(k.knob)))).toBe(true);
  });
});
