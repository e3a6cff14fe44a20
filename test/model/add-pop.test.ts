// model.add / model.pop (tfjs' Sequential API, issue 13): a stack built layer by layer is the
// stack built at once, weights of the layers that stay are kept, and a failed add changes nothing.
import { describe, expect, it } from 'vitest';
import * as knobs from '../../src/index';
import { randomArray } from '../helpers';

const L = knobs.layers;
const bits = (ws: Float32Array[]): number[][] => ws.map((w) => Array.from(new Uint32Array(w.buffer, w.byteOffset, w.length)));

describe('model.add and model.pop', () => {
  it('a stack built with add is bit-identical to the stack built at once, and trains the same', async () => {
    const byAdd = knobs.sequential({ seed: 9 });
    expect(() => byAdd.predict(new Float32Array(4))).toThrow(/predict: the model has no layers yet; add them with model.add\(layer\)/);
    byAdd.add(L.dense({ units: 6, activation: 'relu', inputShape: [4] }));
    byAdd.add(L.dropout({ rate: 0.1 }));
    byAdd.add(L.dense({ units: 3, activation: 'softmax' }));
    const atOnce = knobs.sequential({
      seed: 9,
      layers: [L.dense({ units: 6, activation: 'relu', inputShape: [4] }), L.dropout({ rate: 0.1 }), L.dense({ units: 3, activation: 'softmax' })],
    });
    expect(byAdd.layers.map((l) => l.name)).toEqual(atOnce.layers.map((l) => l.name));
    expect(bits(byAdd.getWeights())).toEqual(bits(atOnce.getWeights()));
    const x = randomArray(30 * 4, 1);
    const y = Int32Array.from({ length: 30 }, (_, i) => i % 3);
    for (const m of [byAdd, atOnce]) {
      m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
      await m.fit(x, y, { epochs: 2, batchSize: 8, verbose: 0 });
    }
    expect(bits(byAdd.getWeights())).toEqual(bits(atOnce.getWeights()));
  });

  it('add and pop keep the weights of the layers that stay; pop returns a free layer; compile is needed again', async () => {
    const m = knobs.sequential({ seed: 3, inputShape: [5], layers: [L.dense({ units: 4, activation: 'tanh' })] });
    m.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
    await m.fit(randomArray(20 * 5, 2), randomArray(20 * 4, 3), { epochs: 2, verbose: 0 });
    const trained = m.getLayer(0).getWeights();
    m.add(L.dense({ units: 2 }));
    expect(bits(m.getLayer(0).getWeights())).toEqual(bits(trained));
    expect(m.layers.map((l) => l.name)).toEqual(['dense', 'dense_1']);
    expect(m.outputSize).toBe(2);
    await expect(m.fit(randomArray(5, 1), randomArray(2, 1), { verbose: 0 })).rejects.toThrow(/compile/);
    const top = m.pop();
    expect(top.name).toBe('dense_1');
    expect(m.layers).toHaveLength(1);
    expect(bits(m.getLayer(0).getWeights())).toEqual(bits(trained));
    // the popped layer joins another model
    const other = knobs.sequential({ inputShape: [4], layers: [top] });
    expect(other.predict(randomArray(4, 5))).toHaveLength(2);
    // popping the last layer leaves an empty stack
    m.pop();
    expect(() => m.summary()).toThrow(/no layers yet/);
    expect(() => m.pop()).toThrow(/the model has no layers/);
  });

  it('a layer that does not fit is refused and the model is unchanged', () => {
    const m = knobs.sequential({ seed: 1, inputShape: [6], layers: [L.dense({ units: 4 })] });
    const x = randomArray(3 * 6, 7);
    const before = m.predict(x);
    expect(() => m.add(L.conv2d({ filters: 2, kernelSize: 3 }))).toThrow();
    expect(() => m.add(m.getLayer(0))).toThrow(/already belongs to a model/);
    expect(() => m.add('dense' as never)).toThrow(TypeError);
    expect(() => m.add(L.dense({ units: 1, name: 'dense' }))).toThrow(/already has a layer named "dense"/);
    expect(m.layers).toHaveLength(1);
    expect(Array.from(m.predict(x))).toEqual(Array.from(before));
    expect(() => knobs.sequential().add(L.dense({ units: 2 }))).toThrow(/the first layer needs an inputShape/);
    const x2 = knobs.input({ shape: [2] });
    const g = knobs.model({ inputs: x2, outputs: L.dense({ units: 1 }).apply(x2) });
    // a graph has no add or pop (tfjs' LayersModel neither): those are Sequential's
    expect('add' in g || 'pop' in g).toBe(false);
  });
});
