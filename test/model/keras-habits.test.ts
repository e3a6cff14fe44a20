// Keras/tfjs habits fit must follow (issue 11): a second fit trains again, epochs numbered from
// initialEpoch; layer.trainable = false is refused instead of ignored; metrics are logged under
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
  it('assigning trainable = false throws (frozen layers are not supported yet); reading it gives true; the option is refused alike', () => {
    const d = knobs.layers.dense({ units: 2 });
    expect(d.trainable).toBe(true);
    expect(() => {
      d.trainable = false;
    }).toThrow(/Dense.trainable = false: frozen layers are not supported yet/);
    d.trainable = true;
    expect(d.trainable).toBe(true);
    expect(() => knobs.layers.dense({ units: 2, trainable: false })).toThrow(/trainable: false: frozen layers are not supported yet/);
    expect(() => knobs.layers.batchNormalization({ trainable: false })).toThrow(/frozen layers are not supported yet/);
    expect(() => knobs.layers.dropout({ rate: 0.1, trainable: false })).toThrow(/frozen layers are not supported yet/);
    expect(() => knobs.layers.flatten({ trainable: false })).toThrow(/frozen layers are not supported yet/);
    expect(() => knobs.layers.activation({ activation: 'relu', trainable: false })).toThrow(/frozen layers are not supported yet/);
    expect(() => knobs.layers.normalization({ trainable: false })).toThrow(/frozen layers are not supported yet/);
    expect(knobs.layers.dense({ units: 2, trainable: true }).trainable).toBe(true);
    const m = tiny(5);
    expect(() => {
      m.layers[0]!.trainable = false;
    }).toThrow(/frozen layers are not supported yet/);
  });
});

describe('metric names in logs', () => {
  it("metrics: ['acc'] logs acc and val_acc (per batch too); ['accuracy'] logs accuracy; evaluate uses the same names", async () => {
    const m = tiny(6, ['acc']);
    const batchKeys = new Set<string>();
    const h = await m.fit(x, y, {
      batchSize: 8,
      epochs: 2,
      verbose: 0,
      validationData: [x, y],
      callbacks: { onBatchEnd: (_b, logs) => Object.keys(logs!).forEach((k) => batchKeys.add(k)) },
    });
    expect(Object.keys(h.history).sort()).toEqual(['acc', 'loss', 'lr', 'val_acc', 'val_loss']);
    expect(batchKeys).toContain('acc');
    expect(batchKeys).not.toContain('accuracy');
    const r = m.evaluate(x, y);
    expect(Object.keys(r).sort()).toEqual(['acc', 'loss']);
    expect(r.acc).toBe(h.history.val_acc![1]);
    const a = tiny(6, ['accuracy']);
    const ha = await a.fit(x, y, { batchSize: 8, epochs: 2, verbose: 0, validationData: [x, y] });
    expect(Object.keys(ha.history).sort()).toEqual(['accuracy', 'loss', 'lr', 'val_accuracy', 'val_loss']);
    expect(ha.history.val_accuracy).toEqual(h.history.val_acc);
  });

  it("earlyStopping({ monitor: 'val_acc' }) stops on val_acc; a monitor missing from the logs warns once, naming the logs", async () => {
    const m = tiny(7, ['acc'], 0);
    // learning rate 0: val_acc never improves after the first epoch
    const es = knobs.callbacks.earlyStopping({ monitor: 'val_acc', patience: 2 });
    const h = await m.fit(x, y, { batchSize: 8, epochs: 20, verbose: 0, validationData: [x, y], callbacks: [es] });
    expect(h.epoch).toEqual([0, 1, 2]);
    expect(es.stoppedEpoch).toBe(2);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const missing = knobs.callbacks.earlyStopping({ monitor: 'val_acc', patience: 0 });
    const plateau = knobs.callbacks.reduceLROnPlateau({ monitor: 'val_acc' });
    const h2 = await tiny(7, ['accuracy']).fit(x, y, { batchSize: 8, epochs: 4, verbose: 0, validationData: [x, y], callbacks: [missing, plateau] });
    expect(h2.epoch).toEqual([0, 1, 2, 3]);
    expect(warn.mock.calls.map((c) => String(c[0]))).toEqual([
      expect.stringMatching(
        /earlyStopping: the monitored metric "val_acc" is not in the logs \(loss, accuracy, val_loss, val_accuracy, lr\); the logs have "val_accuracy"/,
      ),
      expect.stringMatching(/reduceLROnPlateau: the monitored metric "val_acc" is not in the logs/),
    ]);
  });
});

describe('callbacks option', () => {
  it("accepts tfjs' object of hooks, one Callback, a class instance with hook methods, and arrays of them", async () => {
    const seen: string[] = [];
    const m = tiny(8);
    await m.fit(x, y, {
      batchSize: 20,
      epochs: 1,
      verbose: 0,
      callbacks: {
        onTrainBegin: () => void seen.push('trainBegin'),
        onEpochBegin: (e) => void seen.push(`epochBegin ${e}`),
        onBatchBegin: (b) => void seen.push(`batchBegin ${b}`),
        onBatchEnd: (b) => void seen.push(`batchEnd ${b}`),
        onEpochEnd: (e, logs) => void seen.push(`epochEnd ${e} ${Object.keys(logs!).join(',')}`),
        onTrainEnd: () => void seen.push('trainEnd'),
      },
    });
    expect(seen).toEqual(['trainBegin', 'epochBegin 0', 'batchBegin 0', 'batchEnd 0', 'batchBegin 1', 'batchEnd 1', 'epochEnd 0 loss,accuracy,lr', 'trainEnd']);

    class Counter {
      epochs = 0;
      onEpochEnd(): void {
        this.epochs++;
      }
    }
    const counter = new Counter();
    const es = knobs.callbacks.earlyStopping({ monitor: 'loss', patience: 100 });
    await m.fit(x, y, { epochs: 2, verbose: 0, callbacks: [counter, es] });
    expect(counter.epochs).toBe(2);
    const h = await m.fit(x, y, { epochs: 2, verbose: 0, callbacks: es });
    expect(h.epoch).toEqual([0, 1]);

    await expect(m.fit(x, y, { callbacks: { onEpochEnds: () => {} } as never })).rejects.toThrow(/unknown callback hook "onEpochEnds"/);
    await expect(m.fit(x, y, { callbacks: { onEpochEnd: 3 } as never })).rejects.toThrow(/callback hook onEpochEnd must be a function, got number/);
    await expect(m.fit(x, y, { callbacks: 'early' as never })).rejects.toThrow(/options.callbacks must be a callback, an object of hooks/);
    await expect(m.fit(x, y, { callbacks: [new Date()] as never })).rejects.toThrow(/a callback object must have at least one hook/);
  });
});
