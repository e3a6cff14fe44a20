/**
 * Flattens each example to one row. Data is already stored one example per row, so this only
 * changes the shape that later layers see; nothing is copied.
 * @module
 */
import { checkKnownOptions } from '../util/options';
import { Layer, type LayerScratch, type StepContext } from './layer';

export class Flatten extends Layer {
  readonly className = 'Flatten';
  readonly inputShape: number[] | undefined;

  constructor(options: { name?: string; inputShape?: number[]; trainable?: boolean } = {}) {
    super(options);
    checkKnownOptions('layers.flatten', options, ['name', 'inputShape', 'trainable']);
    this.inputShape = options.inputShape;
  }

  build(inputShape: number[]): void {
    this.inputSize = this.outputSize = inputShape.reduce((a, b) => a * b, 1);
    this.outputShape = [this.outputSize];
  }

  forward(_ctx: StepContext, _sc: LayerScratch, input: number): number {
    return input;
  }

  /** The input gradient is the output gradient, changed in place. */
  override gradientInPlace(): boolean {
    return true;
  }

  backward(_ctx: StepContext, _sc: LayerScratch, _input: number, _output: number, dOut: number): number {
    return dOut;
  }

  getConfig(): Record<string, unknown> {
    return { name: this.name, ...(this.inputShape ? { inputShape: this.inputShape } : {}) };
  }
}

/** `knobs.layers.flatten()`. */
export function flatten(options: { name?: string; inputShape?: number[]; trainable?: boolean } = {}): Flatten {
  return new Flatten(options);
}
