/** Shared helpers of the benchmarks: timing with medians, tables, tfjs-wasm set-up. */
import { createRequire } from 'node:module';

/** Median of a list. */
export function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Runs fn `reps` times per sample, `samples` samples after warm-up; returns the median ms per call. */
export function timeMs(fn: () => void, reps: number, samples = 7, warmup = 3): number {
  for (let i = 0; i < warmup; i++) for (let r = 0; r < reps; r++) fn();
  const times: number[] = [];
  for (let s = 0; s < samples; s++) {
    const t0 = performance.now();
    for (let r = 0; r < reps; r++) fn();
    times.push((performance.now() - t0) / reps);
  }
  return median(times);
}

/** Prints a markdown table. */
export function table(title: string, header: string[], rows: (string | number)[][]): string {
  const text = [`### ${title}`, '', `| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`), ''].join(
    '\n',
  );
  console.log(text);
  return text;
}

/** TensorFlow.js with its wasm backend (SIMD; it has no threads in Node), loaded from node_modules. */
export async function tfjsWasm(): Promise<typeof import('@tensorflow/tfjs-core')> {
  const require = createRequire(import.meta.url);
  const tf = await import('@tensorflow/tfjs-core');
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  wasm.setWasmPaths(require.resolve('@tensorflow/tfjs-backend-wasm').replace(/[^/]*$/, ''));
  await tf.setBackend('wasm');
  await tf.ready();
  return tf;
}

export const fmt = (x: number, d = 1): string => (Number.isFinite(x) ? x.toFixed(d) : String(x));
