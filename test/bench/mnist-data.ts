/**
 * The benchmark's data: the first 8,000 digits of knobs' fixed MNIST order for training and the
 * next 2,000 for testing, read from the compact cache (so that peak memory measures training,
 * not the `mnist` package's JSON). Both systems get the same typed arrays.
 */
import { loadMnist } from '../../src/data/node/mnist';

export async function benchData(): Promise<{ xTrain: Float32Array; yTrain: Float32Array; xTest: Float32Array; yTest: Float32Array; labelsTest: Int32Array }> {
  const all = await loadMnist({ count: 10000 });
  const labels = all.y as Int32Array;
  const oneHot = (from: number, to: number): Float32Array => {
    const y = new Float32Array((to - from) * 10);
    for (let i = from; i < to; i++) y[(i - from) * 10 + labels[i]!] = 1;
    return y;
  };
  return {
    xTrain: all.x.subarray(0, 8000 * 784),
    yTrain: oneHot(0, 8000),
    xTest: all.x.subarray(8000 * 784, 10000 * 784),
    yTest: oneHot(8000, 10000),
    labelsTest: labels.subarray(8000, 10000),
  };
}

/** What each training child prints as its last line. */
export interface TrainResult {
  system: string;
  /** Median samples/s over epochs 2-5. */
  samplesPerSec: number;
  epochSamplesPerSec: number[];
  testAccuracy: number;
  peakRssMiB: number;
  /** Samples per second of the process's CPU time (all its threads), median over the same epochs; where measured. */
  cpuSamplesPerSec?: number;
}

export function peakRssMiB(): number {
  return process.resourceUsage().maxRSS / 1024;
}
