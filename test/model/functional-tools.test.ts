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

  it('a residual MLP whose dense layer is shared by two blocks: trained with its health recorded, diagnosed, analyzed and timed', async () => {
    const { train, test } = await mnistSplit(1000, 300);
    const L = knobs.layers;
    const x = knobs.input({ shape: [784] });
    const h = L.dense({ units: 32, activation: 'relu' }).apply(x);
    const block = L.dense({ units: 32, activation: 'relu', name: 'block' });
    const r1 = L.add().apply([h, block.apply(h)]);
    const r2 = L.add().apply([r1, block.apply(r1)]);
    const m = knobs.model({ inputs: x, outputs: L.dense({ units: 10, activation: 'softmax' }).apply(r2), seed: 2 });
    m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    const hist = await m.fit(train.x, train.y, { epochs: 3, verbose: 0, health: { every: 5 } });
    // the shared layer is one layer of the health record, with a finite gradient norm
    const rec = hist.health!.layers.filter((l) => l.name === 'block');
    expect(rec).toHaveLength(1);
    expect(rec[0]!.gradNorm.every((g) => Number.isFinite(g) && g > 0)).toBe(true);
    const d = knobs.diagnose(m, { train: { x: train.x, y: train.labels }, dev: { x: test.x, y: test.labels } }, { humanLevelError: 0.02 });
    const acc = m.evaluate(test.x, test.y).accuracy!;
    expect(acc).toBeGreaterThan(0.8);
    expect(d.errors.devError).toBeCloseTo(1 - acc, 6);
    expect(knobs.analyze.analyze(m, test.x, test.labels).errorRate).toBeCloseTo(1 - acc, 6);
    expect(knobs.measureLatency(m, { runs: 5, warmup: 1 }).medianMs).toBeGreaterThan(0);
  });
});
