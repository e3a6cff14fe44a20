/**
 * Matrix products: knobs (one thread, `knobs.ops.matMul`) against TensorFlow.js' wasm backend
 * (XNNPACK) in the same process, and the 128-bit SIMD rate the machine reaches in the same run
 * (bench_simd_peak: the gemm's own register tile on L1-resident data).
 *
 * Both systems do the same work per timed call: the inputs start as plain Float32Arrays in
 * JavaScript memory, are copied into wasm memory, multiplied, and the product is copied out into
 * a new Float32Array; every temporary is freed before the call returns. knobs: `ops.matMul(a,
 * b)` on JavaScript arrays (it stages copies in and out itself); tfjs: `tf.tensor2d` of each
 * input, `tf.matMul`, `dataSync()`, and disposal of the three tensors.
 */
import * as knobs from '../../src/index.node';
import { engine } from '../../src/engine/engine';
import { fmt, table, tfjsWasm, timeMs } from './util';

export const SHAPES: [number, number, number][] = [
  [64, 784, 128],
  [64, 128, 64],
  [256, 256, 256],
  [512, 512, 512],
  [1024, 1024, 1024],
];

/** GFLOP/s of the SIMD probe. */
export function simdPeak(): number {
  const e = engine();
  const ws = e.alloc(e.k.bench_simd_peak_workspace_bytes());
  const iters = 20000,
    flops = e.k.bench_simd_peak_flops_per_iter() * iters;
  const ms = timeMs(() => void e.k.bench_simd_peak(iters, ws), 5, 9);
  e.free(ws);
  return flops / ms / 1e6;
}

export async function benchMatmul(): Promise<{ markdown: string; rows: { shape: string; knobs: number; tfjs: number; ratio: number }[] }> {
  const tf = await tfjsWasm();
  const peak = simdPeak();
  const out: { shape: string; knobs: number; tfjs: number; ratio: number }[] = [];
  for (const [m, k, n] of SHAPES) {
    const flops = 2 * m * k * n;
    const reps = Math.max(2, Math.round(3e8 / flops));
    const a = new Float32Array(m * k),
      b = new Float32Array(k * n);
    for (let i = 0; i < a.length; i++) a[i] = Math.random() - 0.5;
    for (let i = 0; i < b.length; i++) b[i] = Math.random() - 0.5;
    const knobsCall = (): Float32Array => knobs.ops.matMul(a, b, { m, k, n });
    const tfjsCall = (): Float32Array => {
      const ta = tf.tensor2d(a, [m, k]),
        tb = tf.tensor2d(b, [k, n]);
      const tc = tf.matMul(ta, tb);
      const out = tc.dataSync() as Float32Array;
      ta.dispose();
      tb.dispose();
      tc.dispose();
      return out;
    };
    // the two compute the same product (a check that the timed calls are the same work)
    const ck = knobsCall(),
      ct = tfjsCall();
    let worst = 0;
    for (let i = 0; i < ck.length; i++) worst = Math.max(worst, Math.abs(ck[i]! - ct[i]!));
    if (!(ck.length === m * n && ct.length === m * n && worst <= 1e-3 * Math.sqrt(k)))
      throw new Error(`matmul bench (${m},${k},${n}): knobs and tfjs disagree by ${worst}`);
    // alternate the two systems, so that drifts in the machine's speed hit both alike
    const kn: number[] = [],
      tj: number[] = [];
    for (let round = 0; round < 3; round++) {
      kn.push(flops / timeMs(() => void knobsCall(), reps, 5, 2) / 1e6);
      tj.push(flops / timeMs(() => void tfjsCall(), reps, 5, 2) / 1e6);
    }
    const kMed = kn.sort((x, y) => x - y)[1]!,
      tMed = tj.sort((x, y) => x - y)[1]!;
    out.push({ shape: `(${m},${k},${n})`, knobs: kMed, tfjs: tMed, ratio: kMed / tMed });
  }
  const markdown = table(
    'Matrix product, one thread, GFLOP/s (median; both with copies in and out, as described in test/bench/matmul.ts)',
    ['(M,K,N)', 'knobs', 'tfjs-wasm matMul', 'knobs / tfjs', 'SIMD rate measured (this run)', 'knobs / SIMD rate'],
    out.map((r) => [r.shape, fmt(r.knobs), fmt(r.tfjs), fmt(r.ratio, 2) + 'x', fmt(peak), `${fmt((100 * r.knobs) / peak, 0)}%`]),
  );
  return { markdown, rows: out };
}
