/**
 * Inverted dropout: during training each unit is zeroed with probability `rate` and the kept
 * ones are scaled by 1 / (1 - rate), so inference needs no rescaling and passes the input
 * through untouched. The mask is a function of (seed, step, example position in the batch,
 * unit), computed by a counter-based generator, so it is the same whichever thread computes
 * which rows; the backward pass regenerates it instead of storing it.
 * @module
 */
import { f32_dropout_backward, f32_dropout_forward } from '../engine/kernels/f32_dropout';
import { deriveSeed } from '../util/random';
import { checkKnownOptions, numberInRange } from '../util/options';
import { Layer, type LayerScratch, type StepContext } from './layer';

/** Options of {@link dropout}. */
export interface DropoutOptions {
  /** Fraction of units dropped, in [0, 1). */
  rate: number;
  /** Seed of this layer's masks; default derived from the model's seed and the layer's position. */
  seed?: number;
  name?: string;
  /** Default true; false freezes the layer's weights (see Layer.trainable). */
  trainable?: boolean;
}

export class Dropout extends Layer {
  readonly className = 'Dropout';
  readonly rate: number;
  readonly seed: number | undefined;

  constructor(options: DropoutOptions) {
    super(options);
    checkKnownOptions('layers.dropout', options, ['rate', 'seed', 'name', 'trainable']);
    if (options === null || typeof options !== 'object') throw new TypeError('layers.dropout: options {rate} are required');
    this.rate = numberInRange('layers.dropout', 'rate', options.rate, 0, 1, false, true);
    this.seed = options.seed;
  }

  build(inputShape: number[]): void {
    this.inputSize = this.outputSize = inputShape.reduce((a, b) => a * b, 1);
    this.outputShape = inputShape.slice();
  }

  override scratchSpec(rowsCap: number): { out: number; extra: Record<string, number> } {
    return { out: rowsCap * this.outputSize, extra: {} };
  }

  private maskSeed(ctx: StepContext): number {
    // a shared layer's nodes draw masks of their own (in a graph without shared layers node i is
    // layer i, so those masks are the ones keyed by the layer's position)
    const node = ctx.node ?? this.index;
    if (this.seed === undefined) return deriveSeed(ctx.seed, 0x0d0, node);
    return node === this.index ? this.seed : deriveSeed(this.seed, 0x0d0, node);
  }

  forward(ctx: StepContext, sc: LayerScratch, input: number): number {
    if (!ctx.training || this.rate === 0) return input;
    f32_dropout_forward(ctx.e, input, sc.out, ctx.rows, this.outputSize, this.rate, this.maskSeed(ctx), ctx.step, ctx.rowOffset);
    return sc.out;
  }

  /** The input gradient is the output gradient, changed in place. */
  override gradientInPlace(): boolean {
    return true;
  }

  backward(ctx: StepContext, _sc: LayerScratch, _input: number, _output: number, dOut: number, _dIn: number): number {
    if (this.rate === 0) return dOut;
    f32_dropout_backward(ctx.e, dOut, dOut, ctx.rows, this.outputSize, this.rate, this.maskSeed(ctx), ctx.step, ctx.rowOffset);
    return dOut;
  }

  getConfig(): Record<string, unknown> {
    return { name: this.name, rate: this.rate, ...(this.seed !== undefined ? { seed: this.seed } : {}) };
  }
}

/** `knobs.layers.dropout({ rate: 0.2 })`. */
export function dropout(options: DropoutOptions): Dropout {
  return new Dropout(options);
}
