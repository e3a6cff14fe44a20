/**
 * The seam between the single-threaded trainer and the worker pool. `src/` never imports
 * thread code: the worker pool (workers/) registers itself here when a platform entry loads it,
 * and `fit({workers})` asks it for an epoch runner.
 * @internal
 */
import type { ModelCore } from './runtime';
import type { AugmentationPipeline } from '../data/augment';

/** Per-batch observer (callbacks, progress, abort). */
export interface BatchHooks {
  /**
   * True when user callbacks must run between batches (a runner must then stop after every
   * step); false when only observers (the progress bar) watch, which may see batches late.
   */
  lockstep: boolean;
  /** Called before each batch; a returned promise is awaited. */
  begin(batch: number): void | Promise<void>;
  /** Called after each batch with its logs. */
  end(batch: number, logs: BatchLogs): void | Promise<void>;
  /** Whether to stop before the next batch (abort signal). Throws to abort. */
  check(): void;
}

/** The training data of one fit, in engine memory (byte offsets). */
export interface FitData {
  rows: number;
  x: number;
  /** x holds one byte per value (read as byte / 255), not floats. */
  xBytes?: boolean;
  labelsF32: number;
  labelsI32: number;
  weights: number;
  /** The permutation of the current epoch (rows i32). */
  order: number;
}

/** A batch's logs, as the hooks receive them. */
export interface BatchLogs {
  loss: number;
  accuracy?: number;
  size: number;
}

/**
 * The epoch's running totals, shared by every runner (one thread, the pool's two modes, the
 * message fallback): each batch counts by its total example weight.
 */
export class EpochTally {
  private lossSum = 0;
  private correct = 0;
  private weight = 0;
  batches = 0;

  constructor(private readonly countCorrect: boolean) {}

  /**
   * Counts a batch: its loss (weighted mean plus the regularization penalty), weighted correct
   * predictions, total example weight and rows. Returns the batch's logs.
   */
  add(loss: number, correct: number, weight: number, rows: number): BatchLogs {
    this.lossSum += loss * weight;
    this.correct += correct;
    this.weight += weight;
    this.batches++;
    return { loss, ...(this.countCorrect ? { accuracy: weight > 0 ? correct / weight : 0 } : {}), size: rows };
  }

  /** The epoch's mean loss and accuracy. */
  result(): { loss: number; accuracy: number; batches: number } {
    const w = this.weight;
    return { loss: w > 0 ? this.lossSum / w : 0, accuracy: w > 0 ? this.correct / w : 0, batches: this.batches };
  }
}

/** A batch's loss: the weighted mean of its examples' losses plus the regularization penalty. */
export function batchLoss(lossSum: number, weight: number, penalty: number): number {
  return (weight > 0 ? lossSum / weight : 0) + penalty;
}

/** Runs the batches of an epoch. */
export interface EpochRunner {
  /** Runs one epoch over `data.order`; returns the epoch's mean loss and accuracy. */
  runEpoch(epoch: number, hooks: BatchHooks): Promise<{ loss: number; accuracy: number; batches: number }>;
  close(): Promise<void>;
}

/** Everything a runner needs to know about the fit. */
export interface RunnerSpec {
  core: ModelCore;
  data: FitData;
  batchSize: number;
  sparse: boolean;
  useWeights: boolean;
  countCorrect: boolean;
  clipNorm: number | undefined;
  seed: number;
  /** Worker count asked for ('auto' or n > 1). */
  workers: number | 'auto';
  /** Steps between training-health records (0: none), and where they go. */
  health: { every: number; recorder: import('./health').HealthRecorder } | undefined;
  /** Augmentation of the training batches, and its seed. */
  augment: { pipeline: AugmentationPipeline; seed: number } | undefined;
}

/** What the worker pool provides. */
export interface ParallelBackend {
  createRunner(model: unknown, spec: RunnerSpec): Promise<EpochRunner | undefined>;
}

let backend: ParallelBackend | undefined;

/** Called by the platform entry that loads the worker pool. */
export function registerParallelBackend(b: ParallelBackend | undefined): void {
  backend = b;
}

export function parallelBackend(): ParallelBackend | undefined {
  return backend;
}
