/**
 * Real MNIST digits for the trainer's tests: knobs.data.loadMnist's fixed order, the first
 * `train` digits for training and the next `test` for testing (disjoint, class-balanced).
 */
import { loadMnist } from '../../src/data/node/mnist';

export interface Split {
  x: Float32Array;
  y: Float32Array;
  labels: Int32Array;
  rows: number;
}

const cache = new Map<string, { train: Split; test: Split }>();

function part(x: Float32Array, labels: Int32Array, from: number, to: number): Split {
  const y = new Float32Array((to - from) * 10);
  for (let i = from; i < to; i++) y[(i - from) * 10 + labels[i]!] = 1;
  return { x: x.subarray(from * 784, to * 784), y, labels: labels.subarray(from, to), rows: to - from };
}

export async function mnistSplit(train: number, test: number): Promise<{ train: Split; test: Split }> {
  const key = `${train}/${test}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const all = await loadMnist({ count: train + test });
  const labels = all.y as Int32Array;
  const out = { train: part(all.x, labels, 0, train), test: part(all.x, labels, train, train + test) };
  cache.set(key, out);
  return out;
}
