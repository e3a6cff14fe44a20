/**
 * The worker protocol: the messages between the main thread and the workers, as types only.
 *
 * A data-parallel fit is a *session*. The main thread lays out every buffer in the shared engine
 * memory and sends each worker one `SessionStart` naming its shard; the worker then runs the
 * session loop (workers/session.ts) until told to stop. Each step is driven through a control
 * block of Int32/Float64 words in the same shared memory (offsets below), with Atomics: no
 * message per step, and no copy of parameters or gradients.
 */
import type { CoreConfig } from '../src/model/layout';
import type { ShardBuffers } from '../src/model/runtime';
import type { OptimizerConfig } from '../src/optimizers/optimizer';
import type { AugmentationPipeline } from '../src/data/augment';

/** Int32 word indices of the control block (each word 4 bytes from the block's start). */
export const CTRL = {
  /** Incremented by the main thread to issue a command (workers wait on it). */
  CMD: 0,
  /** The command: OP_STEP or OP_END. */
  OP: 1,
  /** Workers that finished the current command (the main thread waits on it). */
  DONE: 2,
  /** Non-zero when the session must stop now: a worker failed, or the main thread aborts. */
  ABORT: 3,
  /** Barrier arrivals and generation. */
  BAR_COUNT: 4,
  BAR_GEN: 5,
  /** The step: first row of the batch in the epoch order, its rows, global step number (1-based t). */
  BATCH_START: 6,
  BATCH_ROWS: 7,
  STEP_T: 8,
  /** Which of the two parameter buffers holds the current weights (0 or 1). */
  PARITY: 9,
  /** Epoch and batch, for error messages. */
  EPOCH: 10,
  BATCH: 11,
  /** 1 + index of a worker that failed (0: none). */
  FAILED: 12,
  /** Set by a worker when the loss (1) or the gradient norm (2) of a step was not finite: the step was skipped. */
  NONFINITE: 13,
  /** Steps completed in the current epoch (free-running epochs; written with PARITY by worker 0). */
  PROGRESS: 14,
  /** Batches in the epoch (OP_EPOCH). */
  BATCHES: 15,
  /** Number of Int32 words before the Float64 area. */
  WORDS: 16,
} as const;

/** Float64 word indices (after CTRL.WORDS Int32 words): step inputs, then per-worker outputs. */
export const CTRL64 = {
  LR: 0,
  /** 1 / the batch's total example weight. */
  SCALE: 1,
  /** The batch's total example weight. */
  BATCH_WEIGHT: 2,
  /** The loss or gradient norm that was not finite when a step was skipped (written by worker 0 with CTRL.NONFINITE). */
  DIVERGED: 3,
  /** Per-worker results start here: for worker w, [LOSS, CORRECT, PENALTY, SUMSQ] at PER_WORKER + 4w. */
  PER_WORKER: 4,
} as const;

/** Each batch's [loss sum, correct, weight, penalty] in a free-running epoch, written by worker 0. */
export const PROGRESS_FIELDS = 4;

/** One step, then wait (used when callbacks must run between batches). */
export const OP_STEP = 1;
export const OP_END = 2;
/** A whole epoch of steps without the main thread (only the workers' barriers between steps). */
export const OP_EPOCH = 3;

/** Bytes of a control block for `workers` workers. */
export function controlBytes(workers: number): number {
  return CTRL.WORDS * 4 + (CTRL64.PER_WORKER + 4 * workers) * 8;
}

/** What a worker needs to run its shard of every step of a fit. */
export interface SessionStart {
  kind: 'session';
  /** This worker's shard (0-based) and the number of shards. */
  shard: number;
  shards: number;
  /** Byte offset of the control block. */
  control: number;
  /** Byte offset of the per-batch results of a free-running epoch (PROGRESS_FIELDS f64 per batch). */
  progress: number;
  core: CoreConfig;
  /** Every shard's buffers (a worker reads the others' batch statistics). */
  buffers: ShardBuffers[];
  /** Training data in shared memory (byte offsets) and the epoch order. */
  data: { rows: number; x: number; labelsF32: number; labelsI32: number; weights: number; order: number };
  /**
   * The two copies of the model's mutable data, each laid out as [parameters | optimizer slots |
   * state], so that one byte distance maps every buffer of one copy to the same buffer of the
   * other (the optimizer kernels' `out`). CTRL.PARITY says which copy is current.
   */
  blocks: [number, number];
  /** Byte offsets within a block: the optimizer's slots and the state. */
  slotOffsets: number[];
  stateOffset: number;
  optimizer: OptimizerConfig;
  /** This worker's range of parameters [from, to) for the reduction and the update. */
  range: [number, number];
  /** Every worker's range (for the penalty and the norm, summed in order). */
  ranges: [number, number][];
  batchSize: number;
  sparse: boolean;
  useWeights: boolean;
  countCorrect: boolean;
  clipNorm: number | undefined;
  seed: number;
  /** The augmentation pipeline (as toJSON()) and its seed; each shard's xAug and augWs are in its buffers. */
  augment: { pipeline: ReturnType<AugmentationPipeline['toJSON']>; seed: number } | undefined;
  /**
   * Training health: every `every` steps worker 0 measures a record of `recordFloats` f64 into
   * `area` + batch * recordFloats * 8 (free-running epochs).
   */
  health: { every: number; area: number; recordFloats: number } | undefined;
  /** Bytes of the gemm workspace in buffers[shard].gemmWs. */
  gemmWorkspaceBytes: number;
}

/** What a session's worker returns when it ends. */
export interface SessionEnd {
  kind: 'session-end';
  shard: number;
  steps: number;
  /**
   * Milliseconds spent in forward + backward, waiting at barriers, and reducing + updating; the
   * first steps' forward + backward times; barrier waits that the spin caught and that slept.
   */
  timing: { forwardBackwardMs: number; barrierMs: number; updateMs: number; samples: number[]; spinCaught: number; spinSlept: number };
}

/** Errors cross threads as plain data with their name, message and stack intact. */
export interface WireError {
  name: string;
  message: string;
  stack?: string;
}
