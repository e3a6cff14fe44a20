/**
 * Benchmark section: augmentation throughput on one core, in images per second, for 28 x 28
 * grayscale images (MNIST). The benchmark main calls {@link benchAugment}.
 *
 * Each measurement runs the pipeline over a batch of 256 images already in engine memory, as
 * the trainer does per batch, with a new epoch every call so the random draws change.
 */
import { engine } from '../../src/engine/engine';
import { augmentation, type AugmentationSpec } from '../../src/data/augment';
import { timeMs } from './util';

export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  target?: string;
}

const CASES: { name: string; steps: AugmentationSpec[]; target?: string }[] = [
  {
    name: 'augment 28x28 rotate+scale+translate (one core)',
    steps: [
      { type: 'rotate', degrees: 15 },
      { type: 'scale', range: [0.9, 1.1] },
      { type: 'translate', pixels: 2 },
    ],
    target: '>= 50000 images/s',
  },
  { name: 'augment 28x28 elastic (alpha 34, sigma 4)', steps: [{ type: 'elastic', alpha: 34, sigma: 4 }] },
  {
    name: 'augment 28x28 noise + brightness + contrast',
    steps: [
      { type: 'noise', std: 0.1 },
      { type: 'brightness', delta: 0.1 },
      { type: 'contrast', range: 0.2 },
    ],
  },
  { name: 'augment 28x28 blur (sigma 0.5-1.5)', steps: [{ type: 'blur', sigma: [0.5, 1.5] }] },
];

/** Images per second of each case on this thread. */
export async function benchAugment(): Promise<BenchResult[]> {
  const e = engine();
  const rows = 256,
    n = 28 * 28;
  const src = e.alloc(rows * n * 4),
    dst = e.alloc(rows * n * 4);
  const pixels = e.f32.subarray(src >> 2, (src >> 2) + rows * n);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (Math.sin(i * 0.37) + 1) / 2;
  const out: BenchResult[] = [];
  try {
    for (const c of CASES) {
      const pipeline = augmentation(c.steps, { height: 28, width: 28, channels: 1, clip: [0, 1] });
      let epoch = 0;
      const ms = timeMs(() => pipeline.apply(e, src, dst, rows, { seed: 1, epoch: epoch++ }), 20, 7, 3);
      out.push({ name: c.name, value: Math.round((rows / ms) * 1000), unit: 'images/s', ...(c.target ? { target: c.target } : {}) });
    }
  } finally {
    e.free(src);
    e.free(dst);
  }
  return out;
}
