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
  end(batch: number, logs: { loss: number; accuracy?: number; size: number }): void | Promise<void>;
  /** Whether to stop before the next batch (abort signal). Throws to abort. */
  check(): void;
}

/** The training data of one fit, in engine memory (byte offsets). */
export interface FitData {
  rows: number;
  x: number;
  labelsF32: number;
  labelsI32: number;
  weights: number;
  /** The permutation of the current epoch (rows i32). */
  order: number;
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
