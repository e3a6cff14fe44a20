import { describe, expect, it } from 'vitest';
import * as knobs from '../../src/index.node';
import { ShapeError } from '../../src/errors';
import { randomArray } from '../helpers';

const L = knobs.layers;

describe('softmax on image outputs follows Keras (last axis)', () => {
  it('an activation layer after a conv normalizes each pixel over its channels, and its gradient matches finite differences', () => {
    const m = knobs.sequential({ inputShape: [5, 4, 2], seed: 1, layers: [L.conv2d({ filters: 3, kernelSize: 2 }), L.activation({ activation: 'softmax' })] });
    const x = randomArray(2 * 5 * 4 * 2, 3);
    const p = m.predict(x);
    expect(p.length).toBe(2 * 4 * 3 * 3);
    for (let px = 0; px < p.length / 3; px++) {
      const s = p[px * 3]! + p[px * 3 + 1]! + p[px * 3 + 2]!;
      expect(s).toBeCloseTo(1, 5);
    }
    // the whole row does not sum to 1 (it did when softmax ran over the flattened output)
    const row = Array.from(p.subarray(0, 36)).reduce((a, b) => a + b, 0);
    expect(row).toBeCloseTo(12, 4);
    // MSE against random targets: the kernel's gradient through the per-pixel softmax against central differences
    m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const y = randomArray(2 * 36, 9).map((v) => Math.abs(v));
    const { grads } = m.computeGradients(x, y);
    const w = m.getWeights();
    const loss = (): number => m.evaluate(x, y).loss;
    const h = 1e-2;
    for (const i of [0, 5, 11, 17]) {
      const base = w[0]!.slice();
      base[i] = w[0]![i]! + h;
      m.setWeights([base, w[1]!]);
      const up = loss();
      base[i] = w[0]![i]! - h;
      m.setWeights([base, w[1]!]);
      const down = loss();
      m.setWeights(w);
      expect(grads[0]![i]!).toBeCloseTo((up - down) / (2 * h), 3);
    }
  });

  it('a categorical cross-entropy on an image output is refused at compile, naming the layer and its shape', () => {
    const m = knobs.sequential({ inputShape: [6, 6, 1], layers: [L.conv2d({ filters: 4, kernelSize: 3, activation: 'softmax', name: 'seg' })] });
    expect(() => m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' })).toThrow(ShapeError);
    expect(() => m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' })).toThrow(
      /sparseCategoricalCrossentropy needs the model's output to be one vector of classes per example, but the last layer seg outputs \[4, 4, 4\]/,
    );
  });
});
