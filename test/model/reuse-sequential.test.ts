// A built model among a stack's layers (Keras' `Sequential([base, Dense(...)])`, tfjs'
// `tf.sequential({ layers: [base, ...] })`): the stack holds the model's own layers, so their
// weights are shared with it as for `knobs.model({ inputs: base.inputs, ... })` (reuse.ts).
// A model that is not a chain is refused with a pointer to the functional API.
import { describe, expect, it } from 'vitest';
import * as knobs from '../../src/index.node';
import { randomArray } from '../helpers';

const L = knobs.layers;
const bits = (w: Float32Array): number[] => Array.from(new Uint32Array(w.buffer, w.byteOffset, w.length));

function base(seed: number): knobs.Sequential {
  return knobs.sequential({
    inputShape: [5],
    seed,
    layers: [L.dense({ name: 'h1', units: 8, activation: 'tanh' }), L.dense({ name: 'h2', units: 4, activation: 'relu' })],
  });
}

const N = 24;
const X = randomArray(N * 5, 1);
const Y = Int32Array.from({ length: N }, (_, i) => (X[i * 5]! + X[i * 5 + 1]! > 0 ? 1 : 0));

describe('a built model among the layers of a sequential model', () => {
  it('stands for its layers (the same objects, the input shape taken from it) and predicts as the functional equivalent', () => {
    const b = base(1);
    const head = L.dense({ name: 'head', units: 2, activation: 'softmax' });
    const s = knobs.sequential({ layers: [b, head], seed: 2 });
    expect(s.layers).toEqual([b.getLayer('h1'), b.getLayer('h2'), head]);
    expect(s.getLayer('h1')).toBe(b.getLayer('h1'));
    const f = knobs.model({ inputs: b.inputs, outputs: head.apply(b.outputs[0]!) });
    expect(bits(s.predict(X))).toEqual(bits(f.predict(X)));
    // the head's input is the base's output, computed by the base's own weights
    const feats = b.predict(X);
    const [k, bias] = head.getWeights() as [Float32Array, Float32Array];
    const p = s.predict(X);
    for (let i = 0; i < 3; i++) {
      const z = [0, 1].map((c) => feats.subarray(i * 4, i * 4 + 4).reduce((a, v, j) => a + v * k[j * 2 + c]!, bias[c]!));
      const e = z.map((v) => Math.exp(v - Math.max(...z)));
      expect(p[i * 2]).toBeCloseTo(e[0]! / (e[0]! + e[1]!), 5);
    }
  });

  it('training the stack trains the base (base.predict moves); with base.trainable = false the base is bit-identical', async () => {
    const frozen = base(3);
    const before = frozen.predict(X).slice();
    frozen.trainable = false;
    const s1 = knobs.sequential({ layers: [frozen, L.dense({ units: 2, activation: 'softmax' })], seed: 4 });
    s1.compile({ optimizer: knobs.optimizers.adam({ learningRate: 0.05 }), loss: 'sparseCategoricalCrossentropy' });
    await s1.fit(X, Y, { epochs: 4, batchSize: 8, verbose: 0 });
    expect(bits(frozen.predict(X))).toEqual(bits(before));

    const open = base(3);
    const s2 = knobs.sequential({ layers: [open, L.dense({ units: 2, activation: 'softmax' })], seed: 4 });
    s2.compile({ optimizer: knobs.optimizers.adam({ learningRate: 0.05 }), loss: 'sparseCategoricalCrossentropy' });
    await s2.fit(X, Y, { epochs: 4, batchSize: 8, verbose: 0 });
    const after = open.predict(X);
    expect(bits(after)).not.toEqual(bits(before));
    // the base predicts with the weights the stack trained
    const copy = base(9);
    copy.setWeights(s2.getWeights().slice(0, 4));
    expect(bits(copy.predict(X))).toEqual(bits(after));
  });

  it('a functional chain works too, after a layer or before one; a graph with branches, several inputs or model.add(model) are refused by name', () => {
    const x = knobs.input({ shape: [5] });
    const chain = knobs.model({ inputs: x, outputs: L.dense({ name: 'c2', units: 3 }).apply(L.dense({ name: 'c1', units: 6, activation: 'relu' }).apply(x)) });
    const s = knobs.sequential({ layers: [L.dense({ units: 5, inputShape: [5] }), chain, L.dense({ units: 2 })], seed: 5 });
    expect(s.layers.map((l) => l.name)).toEqual(['dense', 'c1', 'c2', 'dense_1']);
    expect(s.predict(X).length).toBe(N * 2);

    const y = knobs.input({ shape: [5] });
    const residual = knobs.model({ name: 'res', inputs: y, outputs: L.add().apply([L.dense({ units: 5 }).apply(y), y]) });
    expect(() => knobs.sequential({ layers: [residual, L.dense({ units: 2 })] })).toThrow(/model res merges 2 tensors at layer add.*knobs\.model/);
    const a = knobs.input({ shape: [5] }),
      c = knobs.input({ shape: [5] });
    const two = knobs.model({ name: 'two', inputs: [a, c], outputs: L.concatenate().apply([a, c]) });
    expect(() => knobs.sequential({ layers: [two] })).toThrow(/model two has 2 inputs and 1 outputs/);
    const stack = knobs.sequential();
    expect(() => stack.add(base(6) as never)).toThrow(/add: sequential_\d+ is a model; list it among the layers/);
    // a chain whose layer does not fit where it is placed: a ShapeError, the base as it was
    const b = base(7);
    const p = b.predict(X).slice();
    expect(() => knobs.sequential({ layers: [L.dense({ units: 3, inputShape: [5] }), b] })).toThrow(/layer h1 .*comes from another model/);
    expect(bits(b.predict(X))).toEqual(bits(p));
  });
});
