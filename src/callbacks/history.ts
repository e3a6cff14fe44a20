/**
 * The History callback: what `fit` resolves to (tfjs' History: `history.history.loss[epoch]`).
 * @module
 */
import { Callback, type Logs } from './callback';
import type { TrainingHealth } from '../diagnose/health';

export class History extends Callback {
  /** Epoch indices that were run, numbered from fit's initialEpoch (0 by default), as in Keras. */
  epoch: number[] = [];
  /** Each log name's values, one per epoch: loss, each compiled metric by the name given (accuracy or acc, mae, ...), their val_ versions, lr. */
  history: Record<string, number[]> = {};
  /**
   * Gradient norms, dead ReLUs and saturated units recorded every few steps during fit (unless
   * fit's `health` option is false): give it to `knobs.diagnoseHealth`.
   */
  health: TrainingHealth | undefined;

  override onEpochEnd(epoch: number, logs: Logs = {}): void {
    this.epoch.push(epoch);
    for (const [k, v] of Object.entries(logs)) (this.history[k] ??= []).push(v);
  }
}
