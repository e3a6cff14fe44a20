/**
 * Target scaling for regression (scikit-learn's TransformedTargetRegressor with a
 * StandardScaler on y): the model learns standardized targets `(y - mean) / scale`, per output,
 * with mean and scale fitted on the training targets of the first fit; predictions are mapped
 * back to the user's units. The fitted statistics live in `model.metadata.targetScaling` (the
 * string 'standardize' until the first fit), so `save`, `loadModel` and pool jobs keep them.
 * @internal
 */
import type { Engine } from '../engine/engine';
import { f32_bn_normalize } from '../engine/kernels/f32_batchnorm';
import { describe } from '../errors';
import { featureMoments } from '../layers/normalization';

/** The fitted statistics, one value per output (JSON, in model.metadata.targetScaling). */
export interface TargetScaling {
  mean: number[];
  scale: number[];
}

/** Fits mean and standard deviation per output on row-major targets; a constant output gets scale 1, as scikit-learn's StandardScaler does. */
export function fitTargetScaling(targets: Float32Array, outputs: number): TargetScaling {
  // featureMoments already maps a zero variance to 1
  const { mean, variance } = featureMoments(targets, outputs);
  return { mean: Array.from(mean), scale: Array.from(variance, (v) => Math.sqrt(v)) };
}

/** Reads and checks model.metadata.targetScaling (undefined when the model has none). */
export function readTargetScaling(where: string, metadata: Record<string, unknown>, outputs: number): TargetScaling | undefined {
  const t = metadata.targetScaling as Partial<TargetScaling> | 'standardize' | undefined;
  // 'standardize': asked for at compile, fitted by the next fit
  if (t === undefined || t === 'standardize') return undefined;
  const ok = (a: unknown, positive: boolean): a is number[] =>
    Array.isArray(a) && a.length === outputs && a.every((v) => typeof v === 'number' && Number.isFinite(v) && (!positive || v > 0));
  if (t === null || typeof t !== 'object' || !ok(t.mean, false) || !ok(t.scale, true)) {
    throw new RangeError(
      `${where}: model.metadata.targetScaling must be { mean, scale } with ${outputs} finite numbers each (scale > 0), or 'standardize' before the first fit, got ${describe(t)}; delete it to train without target scaling`,
    );
  }
  return { mean: t.mean, scale: t.scale };
}

/** The statistics in engine memory, for the kernels that apply them. Free after use. */
export class TargetScaler {
  private readonly base: number;
  /** Byte offsets of cols floats each. */
  readonly mean: number;
  readonly scale: number;
  private readonly inverseScale: number;
  private readonly zeros: number;
  private readonly ones: number;

  constructor(
    private readonly e: Engine,
    s: TargetScaling,
    private readonly cols: number,
  ) {
    this.base = e.allocF32(5 * cols);
    const at = (k: number): number => this.base + k * cols * 4;
    [this.mean, this.scale, this.inverseScale, this.zeros, this.ones] = [0, 1, 2, 3, 4].map(at) as [number, number, number, number, number];
    const f32 = e.f32;
    f32.set(s.mean, this.mean >> 2);
    f32.set(s.scale, this.scale >> 2);
    f32.set(
      s.scale.map((v) => 1 / v),
      this.inverseScale >> 2,
    );
    f32.fill(0, this.zeros >> 2, (this.zeros >> 2) + cols);
    f32.fill(1, this.ones >> 2, (this.ones >> 2) + cols);
  }

  /** In place: y -> (y - mean) / scale on rows x cols targets. */
  transform(ptr: number, rows: number): void {
    // gamma * (x - mean) / sqrt(variance + eps) + beta with variance 1, eps 0, gamma 1/scale
    if (rows > 0) f32_bn_normalize(this.e, ptr, ptr, rows, this.cols, this.mean, this.ones, this.inverseScale, 0, 0);
  }

  /** In place: p -> p * scale + mean on rows x cols outputs. */
  invert(ptr: number, rows: number): void {
    if (rows > 0) f32_bn_normalize(this.e, ptr, ptr, rows, this.cols, this.zeros, this.ones, this.scale, this.mean, 0);
  }

  free(): void {
    this.e.free(this.base);
  }
}
