/**
 * Real MNIST digits with a seeded share of the labels flipped to another class, and the small
 * MLPs the model-level analysis tests train: shared by test/analyze and test/diagnose.
 */
import * as knobs from '../../src/index.node';
import { rng } from '../helpers';

/** Digits [offset, offset + count) of loadMnist's fixed order: x rows of 784, integer labels. */
export async function mnist(count: number, offset = 0): Promise<{ x: Float32Array; y: Int32Array }> {
  const d = await knobs.data.loadMnist({ count, offset });
  return { x: d.x, y: d.y as Int32Array };
}

/**
 * `labels` with `flips` of them, chosen with `seed`, changed to a different class drawn
 * uniformly from the other classes. Returns the noisy copy and the flipped indices.
 */
export function flipLabels(labels: Int32Array, flips: number, seed: number, classes = 10): { noisy: Int32Array; flipped: Set<number> } {
  const r = rng(seed);
  const idx = Int32Array.from({ length: labels.length }, (_, i) => i);
  for (let i = idx.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [idx[i], idx[j]] = [idx[j]!, idx[i]!];
  }
  const noisy = labels.slice();
  const flipped = new Set<number>();
  for (const i of idx.subarray(0, flips)) {
    noisy[i] = (labels[i]! + 1 + Math.floor(r() * (classes - 1))) % classes;
    flipped.add(i);
  }
  return { noisy, flipped };
}

/**
 * A builder of fresh compiled 784-hidden...-10 ReLU MLPs (Adam at `learningRate`, sparse
 * cross-entropy), all with `seed`; with `decayEpochs`, the learning rate follows a cosine decay
 * to 0 over that many epochs.
 */
export function mlp(hidden: number[] = [128], seed = 1, learningRate = 1e-3, decayEpochs?: number): () => knobs.Sequential {
  return () => {
    const lr = decayEpochs ? knobs.schedules.cosineDecay({ initialLearningRate: learningRate, decayEpochs }) : learningRate;
    const m = knobs.sequential({
      inputShape: [784],
      seed,
      layers: [
        ...hidden.map((units) => knobs.layers.dense({ units, activation: 'relu', kernelInitializer: 'heNormal' })),
        knobs.layers.dense({ units: 10, activation: 'softmax' }),
      ],
    });
    m.compile({ optimizer: knobs.optimizers.adam({ learningRate: lr }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    return m;
  };
}

/** Percent with two decimals. */
export const pct = (v: number): string => `${(v * 100).toFixed(2)}%`;
