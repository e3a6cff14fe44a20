/**
 * The History callback: what `fit` resolves to (tfjs' History: `history.history.loss[epoch]`).
 * @module
 */
import { Callback, type Logs } from './callback';

export class History extends Callback {
  /** Epoch indices that were run. */
  epoch: number[] = [];
  /** Each log name's values, one per epoch: loss, accuracy, val_loss, val_accuracy, lr. */
  history: Record<string, number[]> = {};

  override onEpochEnd(epoch: number, logs: Logs = {}): void {
    this.epoch.push(epoch);
    for (const [k, v] of Object.entries(logs)) (this.history[k] ??= []).push(v);
  }
}
