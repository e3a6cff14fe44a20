// fit({ augment }) on models whose inputShape is an image [h, w, c]: a pipeline made without a
// shape takes height, width and channels from the model (c > 1 too); a pipeline with a shape
// must match the model's image exactly.
import { describe, expect, it } from 'vitest';
import * as knobs from '../../src/index';
import { ShapeError } from '../../src/errors';
import { randomArray } from '../helpers';

const H = 6,
  W = 5,
  C = 3,
  N = 48;
const x = randomArray(N * H * W * C, 12, 0, 1);
const y = Int32Array.from({ length: N }, (_, i) => i % 3);
const L = knobs.layers;

function model(inputShape: number[]): knobs.Sequential {
  const m = knobs.sequential({
    inputShape,
    seed: 6,
    layers: [L.batchNormalization(), L.maxPooling2d({ poolSize: 2, padding: 'same' }), L.flatten(), L.dense({ units: 3, activation: 'softmax' })],
  });
  m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
  return m;
}

/** Each image mirrored left-right, written out for NHWC. */
function mirrored(a: Float32Array, h: number, w: number, c: number): Float32Array {
  const out = new Float32Array(a.length);
  for (let r = 0; r < a.length / (h * w * c); r++)
    for (let i = 0; i < h; i++)
      for (let j = 0; j < w; j++) for (let k = 0; k < c; k++) out[((r * h + i) * w + j) * c + k] = a[((r * h + i) * w + (w - 1 - j)) * c + k]!;
  return out;
}

describe('fit({ augment }) with inputShape [h, w, c]', () => {
  it('a pipeline without a shape takes h, w and c from the model: training sees the mirrored images', async () => {
    const flip = knobs.data.augmentation([{ type: 'flip', p: 1 }]);
    expect(flip.hasShape).toBe(false);
    const augmented = model([H, W, C]);
    await augmented.fit(x, y, { batchSize: 16, epochs: 2, verbose: 0, augment: flip });
    const reference = model([H, W, C]);
    await reference.fit(mirrored(x, H, W, C), y, { batchSize: 16, epochs: 2, verbose: 0 });
    expect(augmented.getWeights()).toEqual(reference.getWeights());
    // and not the unmirrored ones: the flip did something
    const plain = model([H, W, C]);
    await plain.fit(x, y, { batchSize: 16, epochs: 2, verbose: 0 });
    expect(plain.getWeights()).not.toEqual(reference.getWeights());
  });

  it('a pipeline with the same shape gives the same training; [h, w] models are one channel', async () => {
    const steps = [{ type: 'rotate', degrees: 20 } as const, { type: 'noise', std: 0.05 } as const];
    const a = model([H, W, C]),
      b = model([H, W, C]);
    await a.fit(x, y, { batchSize: 16, epochs: 1, verbose: 0, augment: knobs.data.augmentation(steps) });
    await b.fit(x, y, { batchSize: 16, epochs: 1, verbose: 0, augment: knobs.data.augmentation(steps, { height: H, width: W, channels: C }) });
    expect(a.getWeights()).toEqual(b.getWeights());
    const gray = knobs.sequential({ inputShape: [H, W * C], seed: 1, layers: [L.flatten(), L.dense({ units: 3, activation: 'softmax' })] });
    gray.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
    await gray.fit(x, y, { batchSize: 16, epochs: 1, verbose: 0, augment: knobs.data.augmentation(steps) });
  });

  it('rejects a pipeline whose image differs from the model, and a shapeless one on a flat model, before training', async () => {
    const m = model([H, W, C]);
    const before = m.getWeights();
    const wrong = knobs.data.augmentation([{ type: 'flip' }], { height: W, width: H, channels: C });
    await expect(m.fit(x, y, { epochs: 1, verbose: 0, augment: wrong })).rejects.toThrow(ShapeError);
    await expect(m.fit(x, y, { epochs: 1, verbose: 0, augment: wrong })).rejects.toThrow(
      /options\.augment works on 5 x 6 x 3 images \(90 values\) but the model's inputShape is \[6, 5, 3\]/,
    );
    expect(m.getWeights()).toEqual(before);
    const flat = knobs.sequential({ inputShape: [H * W * C], seed: 1, layers: [L.dense({ units: 3, activation: 'softmax' })] });
    flat.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
    await expect(flat.fit(x, y, { epochs: 1, verbose: 0, augment: knobs.data.augmentation([{ type: 'flip' }]) })).rejects.toThrow(
      /options\.augment has no image shape and the model's inputShape \[90\] is not an image/,
    );
    // flat rows that a first reshape layer turns into images count as images
    const reshaped = (): knobs.Sequential => {
      const r = knobs.sequential({
        inputShape: [H * W * C],
        seed: 6,
        layers: [
          L.reshape({ targetShape: [H, W, C] }),
          L.batchNormalization(),
          L.maxPooling2d({ poolSize: 2, padding: 'same' }),
          L.flatten(),
          L.dense({ units: 3, activation: 'softmax' }),
        ],
      });
      r.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
      return r;
    };
    const viaReshape = reshaped();
    await viaReshape.fit(x, y, { batchSize: 16, epochs: 1, verbose: 0, augment: knobs.data.augmentation([{ type: 'flip', p: 1 }]) });
    const mirroredData = reshaped();
    await mirroredData.fit(mirrored(x, H, W, C), y, { batchSize: 16, epochs: 1, verbose: 0 });
    expect(viaReshape.getWeights()).toEqual(mirroredData.getWeights());
    await expect(reshaped().fit(x, y, { epochs: 1, verbose: 0, augment: wrong })).rejects.toThrow(/the model's first layer reshapes its input to \[6, 5, 3\]/);
    // a shaped pipeline still works on a flat model of the same size
    await flat.fit(x, y, { epochs: 1, verbose: 0, augment: knobs.data.augmentation([{ type: 'flip' }], { height: H, width: W, channels: C }) });
    expect(() => knobs.data.augmentation([{ type: 'flip' }]).features).toThrow(/this pipeline has no image shape/);
    expect(() => knobs.data.augmentation([], { height: 3 })).toThrow(/options\.width must be a positive integer, got undefined/);
  });
});
