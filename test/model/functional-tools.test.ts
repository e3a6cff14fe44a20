// A graph model (the functional API) in knobs' tools, as a stack: diagnose, analyze and
// measureLatency take it (one model class underneath).
import { describe, expect, it } from 'vitest';
import * as knobs from '../../src/index';
import { mnistSplit } from './mnist';

describe('graph models in diagnose, analyze and measureLatency', () => {
  it('a residual MLP trained on digits is diagnosed, analyzed and timed', async () => {
    const { train, test } = await mnistSplit(1000, 300);
    const L = knobs.layers;
    const x = knobs.input({ shape: [784] });
    const h = L.dense({ units: 32, activation: 'relu' }).apply(x);
    const r = L.add().apply([h, L.dense({ units: 32, activation: 'relu' }).apply(h)]);
    const m = knobs.model({ inputs: x, outputs: L.dense({ units: 10, activation: 'softmax' }).apply(r), seed: 2 });
    m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    await m.fit(train.x, train.y, { epochs: 3, verbose: 0 });
    const d = knobs.diagnose(m, { train: { x: train.x, y: train.labels }, dev: { x: test.x, y: test.labels } }, { humanLevelError: 0.02 });
    const acc = m.evaluate(test.x, test.y).accuracy!;
    expect(d.errors.devError).toBeCloseTo(1 - acc, 6);
    const a = knobs.analyze.analyze(m, test.x, test.labels);
    expect(a.errorRate).toBeCloseTo(1 - acc, 6);
    const lat = knobs.measureLatency(m, { runs: 5, warmup: 1 });
    expect(lat.medianMs).toBeGreaterThan(0);
  });
});
