/**
 * Shared by the callbacks that watch a metric (early stopping, plateau, checkpoints): which
 * direction is better, and whether a value improves on the best so far by more than minDelta.
 * @internal
 */
import { oneOf } from '../util/options';

export type Mode = 'auto' | 'min' | 'max';

export class Monitor {
  readonly better: (a: number, b: number) => boolean;
  best: number;

  constructor(
    where: string,
    readonly name: string,
    mode: Mode | undefined,
    readonly minDelta: number,
  ) {
    const m = oneOf(where, 'mode', mode ?? 'auto', ['auto', 'min', 'max'] as const);
    // Keras' 'auto': accuracy-like names are maximized, everything else minimized
    const maximize = m === 'max' || (m === 'auto' && /acc|auc|f1|precision|recall/i.test(name));
    const delta = Math.abs(minDelta);
    this.better = maximize ? (a, b) => a - delta > b : (a, b) => a + delta < b;
    this.best = maximize ? -Infinity : Infinity;
  }

  /** The monitored value from the logs, or undefined (with a warning the first time). */
  read(logs: Record<string, number> | undefined, warn: (msg: string) => void): number | undefined {
    const v = logs?.[this.name];
    if (v === undefined) {
      const keys = Object.keys(logs ?? {});
      // metrics are logged under the name compiled: 'acc' and 'accuracy' are two names
      const other = this.name.endsWith('accuracy') ? this.name.replace(/accuracy$/, 'acc') : this.name.endsWith('acc') ? `${this.name}uracy` : undefined;
      const hint = other && keys.includes(other) ? `; the logs have ${JSON.stringify(other)} (metrics are logged under the names given to compile)` : '';
      warn(`the monitored metric ${JSON.stringify(this.name)} is not in the logs (${keys.join(', ') || 'none'})${hint}`);
    }
    return v;
  }
}
