// Keras/tfjs habits fit must follow (issue 11): a second fit trains again, epochs numbered from
// initialEpoch; layer.trainable reads and writes (frozen layers: test/model/frozen.test.ts); metrics are logged under
// the names they were compiled with, so monitors find them; tfjs' callback object form.
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as knobs from '../../src/index.node';
import { randomArray } from '../helpers';

const x = randomArray(40 * 3, 11);
const y = new Float32Array(80);
for (let i = 0; i < 40; i++) y[i * 2 + (x[i * 3]! + x[i * 3 + 1]! > 0 ? 1 : 0)] = 1;

function tiny(seed = 1, metrics: string[] = ['accuracy'], learningRate: number | knobs.schedules.Schedule = 0.1): knobs.Sequential {
  const m = knobs.sequential({
    inputShape: [3],
    seed,
    layers: [knobs.layers.dense({ units: 4, activation: 'tanh' }), knobs.layers.dense({ units: 2, activation: 'softmax' })],
  });
  m.compile({ optimizer: knobs.optimizers.sgd({ learningRate }), loss: 'categoricalCrossentropy', metrics });
  return m;
}
const bits = (ws: Float32Array[]): string[] => ws.map((w) => Buffer.from(w.buffer, w.byteOffset, w.byteLength).toString('base64'));

afterEach(() => vi.restoreAllMocks());

describe('a second fit trains again (Keras)', () => {
  it('fit(3) then fit(3) trains 6 epochs, each history numbered 0..2, and ends where one fit(6) does', async () => {
    const m = tiny(2);
    const h1 = await m.fit(x, y, { batchSize: 8, epochs: 3, verbose: 0 });
    const begun: number[] = [];
    const h2 = await m.fit(x, y, { batchSize: 8, epochs: 3, verbose: 0, callbacks: [{ onEpochBegin: (e) => void begun.push(e) }] });
    expect(h1.epoch).toEqual([0, 1, 2]);
    expect(h2.epoch).toEqual([0, 1, 2]);
    expect(begun).toEqual([0, 1, 2]);
    expect(h2.history.loss).toHaveLength(3);
    expect(m.optimizer!.iterations).toBe(6 * 5);
    expect(m.epochsCompleted).toBe(6);
    // the model's own epoch count seeds the shuffles: two fits of 3 are one fit of 6
    const whole = tiny(2);
    await whole.fit(x, y, { batchSize: 8, epochs: 6, verbose: 0 });
    expect(bits(m.getWeights())).toEqual(bits(whole.getWeights()));
  });

  it('initialEpoch runs epochs initialEpoch..epochs-1, numbered so in history, callbacks and the progress line', async () => {
    const m = tiny(3);
    const lines: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => (lines.push(String(s)), true));
    const ended: number[] = [];
    const h = await m.fit(x, y, { batchSize: 8, epochs: 5, initialEpoch: 3, verbose: 2, callbacks: { onEpochEnd: (e) => void ended.push(e) } });
    vi.restoreAllMocks();
    expect(h.epoch).toEqual([3, 4]);
    expect(ended).toEqual([3, 4]);
    expect(lines.join('')).toMatch(/Epoch 4\/5[^]*Epoch 5\/5/);
    expect(m.optimizer!.iterations).toBe(2 * 5);
    expect(m.epochsCompleted).toBe(5);
    // initialEpoch past epochs trains nothing, as in Keras
    const none = await m.fit(x, y, { epochs: 2, initialEpoch: 5, verbose: 0 });
    expect(none.epoch).toEqual([]);
  });

  it("an optimizer's schedule goes on from the epochs already trained", async () => {
    const schedule = knobs.schedules.inverseTimeDecay({ initialLearningRate: 0.2, decayRate: 1 });
    const m = tiny(4, ['accuracy'], schedule);
    await m.fit(x, y, { epochs: 2, verbose: 0 });
    const h = await m.fit(x, y, { epochs: 2, verbose: 0 });
    expect(h.history.lr).toEqual([0.2 / 3, 0.2 / 4]);
  });
});

describe('trainable', () => {
  it('reads and writes as in Keras (a layer option too, default true); a non-boolean is a TypeError naming it', () => {
    const d = knobs.layers.dense({ units: 2 });
    expect(d.trainable).toBe(true);
    d.trainable = false;
    expect(d.trainable).toBe(false);
    for (const make of [
      () => knobs.layers.dense({ units: 2, trainable: false }),
      () => knobs.layers.batchNormalization({ trainable: false }),
      () => knobs.layers.conv2d({ filters: 2, kernelSize: 1, trainable: false }),
      () => knobs.layers.flatten({ trainable: false }),
    ]) {
      expect(make().trainable).toBe(false);
    }
    expect(() => knobs.layers.dense({ units: 2, trainable: 0 as never })).toThrow(/trainable must be a boolean, got 0/);
    expect(() => {
      d.trainable = 'no' as never;
    }).toThrow(TypeError);
  });
});
