/**
 * Prediction latency, measured: the satisficing metric of the lecture's "the most accurate
 * classifier that answers within 100 ms".
 * @module
 */
import { checkPredictor, type Predictor } from '../analyze/predictor';
import { describe } from '../errors';
import { checkPositiveInt } from './validate';
import { mulberry32 } from '../util/random';

/** Options of {@link measureLatency}. */
export interface LatencyOptions {
  /** Examples per call. Default 1 (one request). */
  batchSize?: number;
  /** Timed calls. Default 50. */
  runs?: number;
  /** Untimed calls first (JIT, caches, lazy allocation). Default 5. */
  warmup?: number;
  /** The batch to predict: batchSize x inputSize values. Default: uniform noise in [0, 1) from a fixed seed. */
  input?: Float32Array;
}

/** Latency statistics over the timed runs, in milliseconds per call. */
export interface Latency {
  medianMs: number;
  /** 95th percentile (linear interpolation, as numpy's default). */
  p95Ms: number;
  meanMs: number;
  minMs: number;
  maxMs: number;
  /** medianMs / batchSize. */
  perExampleMs: number;
  batchSize: number;
  runs: number;
  /** Every timed run, in order. */
  samplesMs: number[];
}

/** The q-th quantile (0..1) of sorted values, linearly interpolated. */
export function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q,
    lo = Math.floor(pos),
    hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

function noise(n: number): Float32Array {
  const random = mulberry32(0x9e3779b9);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = random();
  return out;
}

/**
 * Measures how long `model.predict` takes on a batch: median, 95th percentile, mean, min and
 * max over `runs` timed calls, after `warmup` untimed ones. Uses `performance.now()`, which
 * Node and browsers provide. The result feeds {@link selectModel}'s `latencyMs` constraint.
 *
 * @example
 * ```ts
 * const latency = measureLatency(model, { batchSize: 1, runs: 100 });
 * latency.medianMs; // e.g. 0.21
 * latency.p95Ms;    // e.g. 0.35
 * ```
 */
export function measureLatency(model: Predictor, options: LatencyOptions = {}): Latency {
  const fn = 'measureLatency';
  const m = checkPredictor(fn, model);
  const batchSize = checkPositiveInt(fn, 'options.batchSize', options.batchSize ?? 1);
  const runs = checkPositiveInt(fn, 'options.runs', options.runs ?? 50);
  const warmup = options.warmup ?? 5;
  if (!Number.isInteger(warmup) || warmup < 0) throw new RangeError(`${fn}: options.warmup must be an integer >= 0, got ${describe(warmup)}`);
  const n = batchSize * m.inputSize;
  let input = options.input;
  if (input === undefined) input = noise(n);
  else if (!(input instanceof Float32Array) || input.length !== n) {
    throw new RangeError(`${fn}: options.input must be a Float32Array of batchSize x inputSize = ${n} values, got ${describe(input)}`);
  }
  for (let i = 0; i < warmup; i++) m.predict(input);
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    m.predict(input);
    samples.push(performance.now() - t0);
  }
  const sorted = [...samples].sort((a, b) => a - b);
  const median = quantile(sorted, 0.5);
  return {
    medianMs: median,
    p95Ms: quantile(sorted, 0.95),
    meanMs: samples.reduce((a, b) => a + b, 0) / runs,
    minMs: sorted[0]!,
    maxMs: sorted[sorted.length - 1]!,
    perExampleMs: median / batchSize,
    batchSize,
    runs,
    samplesMs: samples,
  };
}
