// Transfer learning with frozen layers (issue 13), on real data: a conv base trained on
// Fashion-MNIST classes 0-4 (T-shirt, trouser, pullover, dress, coat) is reused under a new head
// for classes 5-9 (sandal, shirt, sneaker, bag, ankle boot) with 100 training images per class:
// the head is trained with the base frozen, then everything is fine-tuned with a small learning
// rate. The frozen base does not move while the head trains.
//
// Measured (seeds below): base 87.9% on classes 0-4; frozen base + new head 92.6%, fine-tuned
// 92.5%; the same architecture from scratch on the same 500 images, as many epochs, 93.3%. On
// this split transfer does NOT beat training from scratch: a head on a frozen *random* conv base
// reaches 92.4% too (random conv features suffice for these five classes), and neither more
// source training (91.0% base: 93.4% vs 93.3%), 20 images per class (87.7% vs 87.0%), the
// reverse split (86.9% vs 87.9%) nor the digits (95.3% vs 95.3%) gave a margin. So this test
// asserts the workflow and parity with scratch (within 2 points), not a gain.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as knobs from '../../src/index.node';
import { FASHION_MNIST_DIR } from '../../src/data/node/fashion-mnist';

const installed = existsSync(join(FASHION_MNIST_DIR, 'train-images-idx3-ubyte.gz'));
if (!installed && process.env.KNOBS_REQUIRE_PYTHON) throw new Error('Fashion-MNIST is missing in CI: apt-get install dataset-fashion-mnist');
if (!installed) console.warn('transfer.test.ts: SKIPPED, Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist).');

const PIXELS = 28 * 28;

/** The images of classes [from, from + 5), relabelled 0-4; at most `perClass` of each class, in order. */
function pick(x: Uint8Array, y: Int32Array, from: number, perClass = Infinity): { x: Uint8Array; y: Int32Array } {
  const counts = [0, 0, 0, 0, 0];
  const rows: number[] = [];
  for (let i = 0; i < y.length; i++) {
    const c = y[i]! - from;
    if (c >= 0 && c < 5 && counts[c]! < perClass) {
      counts[c]!++;
      rows.push(i);
    }
  }
  const out = new Uint8Array(rows.length * PIXELS);
  rows.forEach((r, k) => out.set(x.subarray(r * PIXELS, (r + 1) * PIXELS), k * PIXELS));
  return { x: out, y: Int32Array.from(rows, (r) => y[r]! - from) };
}

/** The conv base (named, so a new model finds its layers) and a head for 5 classes. */
function architecture(seed: number): knobs.Sequential {
  const L = knobs.layers;
  return knobs.sequential({
    inputShape: [28, 28, 1],
    seed,
    layers: [
      L.conv2d({ name: 'conv1', filters: 16, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: 'heNormal' }),
      L.maxPooling2d({ name: 'pool1', poolSize: 2 }),
      L.conv2d({ name: 'conv2', filters: 32, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: 'heNormal' }),
      L.maxPooling2d({ name: 'pool2', poolSize: 2 }),
      L.flatten({ name: 'flatten' }),
      L.dense({ name: 'head', units: 5, activation: 'softmax' }),
    ],
  });
}

const BASE = ['conv1', 'conv2'];
const same = (a: Float32Array[], b: Float32Array[]): boolean => a.length === b.length && a.every((w, i) => w.every((v, k) => Object.is(v, b[i]![k])));

describe('transfer learning on Fashion-MNIST', () => {
  it.runIf(installed)(
    'a base trained on classes 0-4, frozen under a new head for classes 5-9 (100 images each), then fine-tuned: the base stays bit-identical while the head trains, and the result matches training from scratch',
    async () => {
      const cpu0 = process.cpuUsage();
      const { train, test } = await knobs.data.loadFashionMnist({ trainCount: 12000, testCount: 2000, pixels: 'uint8' });
      const ty = train.y as Int32Array,
        sy = test.y as Int32Array;
      const source = pick(train.x, ty, 0, 1000);
      const few = pick(train.x, ty, 5, 100);
      const target = pick(test.x, sy, 5);
      expect(few.y.length).toBe(500);
      const adam = (learningRate: number) => ({
        optimizer: knobs.optimizers.adam({ learningRate }),
        loss: 'sparseCategoricalCrossentropy' as const,
        metrics: ['accuracy'],
      });

      // 1. the base, on the source task
      const base = architecture(1);
      base.compile(adam(3e-3));
      await base.fit(source.x, source.y, { batchSize: 64, epochs: 2, verbose: 0 });
      const baseAcc = base.evaluate(pick(test.x, sy, 0).x, pick(test.x, sy, 0).y).accuracy!;

      // 2. the same architecture with a new head: the base's layers copied in and frozen
      const model = architecture(2);
      for (const name of BASE) {
        model.getLayer(name).setWeights(base.getLayer(name).getWeights());
        model.getLayer(name).trainable = false;
      }
      BASE.forEach((n) => expect(same(model.getLayer(n).getWeights(), base.getLayer(n).getWeights()), `${n} copied`).toBe(true));
      model.compile(adam(3e-3));
      const frozen = BASE.map((n) => model.getLayer(n).getWeights());
      await model.fit(few.x, few.y, { batchSize: 32, epochs: 8, verbose: 0 });
      BASE.forEach((n, i) => expect(same(model.getLayer(n).getWeights(), frozen[i]!), `${n} frozen while the head trains`).toBe(true));
      const headAcc = model.evaluate(target.x, target.y).accuracy!;

      // 3. unfreeze and fine-tune everything with a small learning rate (takes effect at compile)
      for (const name of BASE) model.getLayer(name).trainable = true;
      model.compile(adam(1e-4));
      await model.fit(few.x, few.y, { batchSize: 32, epochs: 4, verbose: 0 });
      expect(same(model.getLayer('conv2').getWeights(), frozen[1]!)).toBe(false);
      const transferAcc = model.evaluate(target.x, target.y).accuracy!;

      // 4. the same architecture from scratch on the same 500 images, as many epochs
      const scratch = architecture(2);
      scratch.compile(adam(3e-3));
      await scratch.fit(few.x, few.y, { batchSize: 32, epochs: 12, verbose: 0 });
      const scratchAcc = scratch.evaluate(target.x, target.y).accuracy!;

      const cpu = process.cpuUsage(cpu0);
      const pct = (a: number): string => `${(a * 100).toFixed(1)}%`;
      console.log(
        `transfer learning, Fashion-MNIST classes 5-9 from 500 images (${target.y.length} test images): base on classes 0-4 ${pct(baseAcc)}; ` +
          `frozen base + new head ${pct(headAcc)}, fine-tuned ${pct(transferAcc)}; from scratch ${pct(scratchAcc)}; ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s CPU`,
      );
      expect(headAcc).toBeGreaterThanOrEqual(0.9);
      expect(transferAcc).toBeGreaterThanOrEqual(0.9);
      expect(transferAcc).toBeGreaterThanOrEqual(scratchAcc - 0.02);
    },
    600_000,
  );
});
