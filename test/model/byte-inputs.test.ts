// Byte inputs: a Uint8Array x (pixel bytes, read as byte / 255) trains, evaluates and predicts
// exactly as the Float32Array of the same values, on one thread and on the worker pool, with
// validation data, a validation split and augmentation; the staged copy stays at one byte a value.
import { afterAll, describe, expect, it } from 'vitest';
import * as knobs from '../../build/entry.node';
import { ShapeError } from '../../src/errors';
import { rng } from '../helpers';

const L = knobs.layers;
const N = 160,
  H = 8,
  W = 8;
const r = rng(5);
// the class: which half of the image is brighter (needs the spatial layout); noise on top
const labels = Int32Array.from({ length: N }, () => (r() < 0.5 ? 1 : 0));
const bytes = Uint8Array.from({ length: N * H * W }, (_, i) => {
  const n = Math.floor(i / (H * W)),
    top = i % (H * W) < (H * W) / 2;
  return Math.floor(r() * 160) + (top === (labels[n] === 1) ? 95 : 0);
});
const floats = Float32Array.from(bytes, (b) => Math.fround(b / 255));

function model(seed = 3): knobs.Sequential {
  const m = knobs.sequential({
    inputShape: [H, W, 1],
    seed,
    layers: [
      L.conv2d({ filters: 4, kernelSize: 3, padding: 'same', useBias: false }),
      L.batchNormalization(),
      L.activation({ activation: 'relu' }),
      L.maxPooling2d({ poolSize: 2 }),
      L.dropout({ rate: 0.1 }),
      L.flatten(),
      L.dense({ units: 2, activation: 'softmax' }),
    ],
  });
  m.compile({ optimizer: knobs.optimizers.adam({ learningRate: 5e-3 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  return m;
}

const bits = (ws: Float32Array[]): string[] => ws.map((w) => Buffer.from(w.buffer, w.byteOffset, w.byteLength).toString('base64'));

const pool = knobs.workerPool({ size: 2 });
knobs.useWorkerPool(pool);
afterAll(async () => {
  knobs.useWorkerPool(undefined);
  await pool.close();
  await knobs.shutdown();
});

describe('Uint8Array inputs', () => {
  it('the bytes map to the same floats as Math.fround(byte / 255) (every byte value appears)', () => {
    const d = knobs.data.dataset({ x: floats.subarray(0, 64), features: 64, y: [0] });
    expect(d.length).toBe(1);
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    const ds = new knobs.data.Dataset({ x: all, y: new Int32Array(4), features: 64 });
    expect(Array.from(ds.toFloat32().x)).toEqual(Array.from(all, (b) => Math.fround(b / 255)));
    expect(ds.subset([3, 0]).x).toBeInstanceOf(Uint8Array);
    expect(Array.from(ds.subset([3]).x)).toEqual(Array.from(all.subarray(192)));
  });

  for (const workers of [1, 2]) {
    it(`fit on bytes gives bit-identical weights and logs to fit on the floats (${workers} worker${workers > 1 ? 's' : ''}, validation data, augmentation)`, async () => {
      const augment = knobs.data.augmentation([{ type: 'flip', direction: 'horizontal', p: 0.5 }]);
      const run = async (x: Float32Array | Uint8Array) => {
        const m = model();
        const h = await m.fit(x.subarray(0, 128 * H * W), labels.subarray(0, 128), {
          batchSize: 32,
          epochs: 3,
          verbose: 0,
          workers,
          augment,
          validationData: [x.subarray(128 * H * W), labels.subarray(128)],
        });
        return { m, h };
      };
      const a = await run(bytes),
        b = await run(floats);
      expect(bits(a.m.getWeights())).toEqual(bits(b.m.getWeights()));
      expect(a.h.history.val_loss).toEqual(b.h.history.val_loss);
      expect(a.h.history.loss).toEqual(b.h.history.loss);
      // it learned something: the brighter half is easy
      expect(a.h.history.val_accuracy!.at(-1)).toBeGreaterThan(0.7);
      // evaluate and predict read the bytes as the floats
      expect(a.m.evaluate(bytes, labels)).toEqual(a.m.evaluate(floats, labels));
      expect(Array.from(a.m.predict(bytes, { batchSize: 50 }))).toEqual(Array.from(a.m.predict(floats, { batchSize: 50 })));
    });
  }

  it('a validation split of bytes holds out the same tail as of floats, and computeGradients reads bytes', async () => {
    const a = model(),
      b = model();
    const ha = await a.fit(bytes, labels, { batchSize: 40, epochs: 2, verbose: 0, validationSplit: 0.25 });
    const hb = await b.fit(floats, labels, { batchSize: 40, epochs: 2, verbose: 0, validationSplit: 0.25 });
    expect(ha.history.val_loss).toEqual(hb.history.val_loss);
    expect(bits(a.computeGradients(bytes.subarray(0, 10 * H * W), labels.subarray(0, 10)).grads)).toEqual(
      bits(a.computeGradients(floats.subarray(0, 10 * H * W), labels.subarray(0, 10)).grads),
    );
  });

  it('stages the bytes as bytes: fit on 2,000 images of 28 x 28 takes a quarter of the engine memory of floats', async () => {
    const n = 2000;
    const big = new Uint8Array(n * 784).map((_, i) => (i * 31) & 255);
    const y = Int32Array.from({ length: n }, (_, i) => i % 2);
    const m = knobs.sequential({
      inputShape: [28, 28, 1],
      seed: 1,
      layers: [L.maxPooling2d({ poolSize: 4 }), L.flatten(), L.dense({ units: 2, activation: 'softmax' })],
    });
    m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
    const e = m.engine;
    const peak = async (x: Float32Array | Uint8Array): Promise<number> => {
      const before = e.allocatedBytes;
      let most = 0;
      await m.fit(x, y, { batchSize: 500, epochs: 1, verbose: 0, callbacks: { onBatchEnd: () => void (most = Math.max(most, e.allocatedBytes - before)) } });
      return most;
    };
    const withBytes = await peak(big),
      withFloats = await peak(Float32Array.from(big, (b) => b / 255));
    // the staged set: 1.57 MB of bytes against 6.3 MB of floats; the batch buffers are the same
    expect(withFloats - withBytes).toBeGreaterThan(n * 784 * 3 - 4096);
    expect(withFloats - withBytes).toBeLessThan(n * 784 * 3 + 4096);
  });

  it('x of the wrong length names the inputShape and the first layer; other typed arrays are refused', async () => {
    const m = model();
    await expect(m.fit(bytes.subarray(0, 130), labels.subarray(0, 2))).rejects.toThrow(ShapeError);
    await expect(m.fit(bytes.subarray(0, 130), labels.subarray(0, 2))).rejects.toThrow(
      "fit: x has 130 values, which is not a whole number of rows of 64 features (the model's inputShape [8, 8, 1] = 8 x 8 x 1, read by its first layer conv2d (Conv2D)): 2 rows and 2 values left over",
    );
    await expect(m.fit(bytes, labels, { validationData: [floats.subarray(0, 100), labels.subarray(0, 1)] })).rejects.toThrow(
      /fit: options.validationData: x has 100 values, which is not a whole number of rows of 64 features \(the model's inputShape \[8, 8, 1\]/,
    );
    expect(() => m.predict(new Uint8Array(65))).toThrow(/predict: x has 65 values, .* 1 row and 1 value left over/);
    expect(() => m.evaluate(new Int16Array(64) as never, labels.subarray(0, 1))).toThrow(
      /evaluate: x must be a Float32Array, a Uint8Array of pixel bytes \(read as byte \/ 255\) or number\[\]\[\], got an? Int16Array/,
    );
  });
});
