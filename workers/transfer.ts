/**
 * The fallback for browsers without shared memory (pages that are not cross-origin isolated):
 * still parallel, but by messages. Each worker keeps its own engine, the model's step code and
 * a copy of the training data; every step the main thread sends each worker the current
 * parameters, the moving statistics and its shard's example indices (transferred, not cloned),
 * the worker returns its shard's gradient, and the main thread reduces the gradients in shard
 * order and runs the optimizer. Batch normalization then normalizes each shard with its own
 * statistics (as data-parallel frameworks do without synchronized batch norm); the moving
 * statistics still merge every shard's. A frozen batch norm normalizes with the moving
 * statistics it is sent, as on shared memory.
 *
 * This file holds the worker side; workers/transfer-parallel.ts the main side.
 */
import { createEngineSync, type Engine } from '../src/engine/engine';
import { f32_gather_rows, x32_gather } from '../src/engine/kernels/f32_gather';
import type { StepContext } from '../src/layers/layer';
import { BatchNormalization } from '../src/layers/batch-normalization';
import { coreFromConfig } from '../src/model/from-config';
import type { CoreConfig } from '../src/model/layout';
import { targetCols } from '../src/model/heads';
import { allocateShard, freeShard, trainShard, type ModelCore, type ShardBuffers } from '../src/model/runtime';
import { augmentation, type AugmentationPipeline } from '../src/data/augment';
import { healthProbes, measureOutputs, recordSize, type Probe } from '../src/model/health';
import { layerSteps } from '../src/model/step';

/** Set-up of a transfer session in one worker. */
export interface TransferStart {
  core: CoreConfig;
  rows: number;
  x: Float32Array;
  labelsF32?: Float32Array | undefined;
  labelsI32?: Int32Array | undefined;
  weights?: Float32Array | undefined;
  rowsCap: number;
  sparse: boolean;
  useWeights: boolean;
  seed: number;
  augment: { pipeline: ReturnType<AugmentationPipeline['toJSON']>; seed: number } | undefined;
}

/** One step of one shard. */
export interface TransferStep {
  params: Float32Array;
  /**
   * The model's state (moving statistics): a frozen batch norm normalizes with them while
   * training, as in inference.
   */
  state: Float32Array;
  /** Dataset rows of this shard, in order. */
  indices: Int32Array;
  rowOffset: number;
  batchRows: number;
  /** 1-based step number (dropout masks use t - 1). */
  t: number;
  epoch: number;
  scale: number;
  /** Measure the training health of this shard's outputs (asked of shard 0 on health steps). */
  health?: boolean | undefined;
}

/** What a shard returns. */
export interface TransferResult {
  grads: Float32Array;
  lossSum: number;
  correct: number;
  /** Per batch-normalization layer: this shard's rows' mean and (biased) variance. */
  bn: { mean: Float32Array; variance: Float32Array }[];
  /**
   * When asked: the health record of this shard's outputs (see src/model/health.ts); the main
   * thread fills in the gradient norms from the summed gradient.
   */
  health?: number[];
}

interface State {
  e: Engine;
  core: ModelCore;
  sb: ShardBuffers;
  params: number;
  state: number;
  data: { x: number; labelsF32: number; labelsI32: number; weights: number; rows: number };
  idx: number;
  start: TransferStart;
  aug: { pipeline: AugmentationPipeline; seed: number } | undefined;
  probes?: Probe[];
}

let session: State | undefined;
/** This worker's own engine, made by the first session and kept for the next ones, and its gemm workspace. */
let own: { e: Engine; gemmWs: number } | undefined;

/** Sets up (or replaces) this worker's transfer session. */
export function transferStart(s: TransferStart): void {
  if (!own) {
    const created = createEngineSync({ shared: false });
    own = { e: created, gemmWs: created.gemmWorkspace };
  }
  const e = own.e;
  transferEnd();
  const core = coreFromConfig(s.core);
  const put = (a: Float32Array | Int32Array | undefined): number => {
    if (!a) return 0;
    const p = e.alloc(Math.max(4, a.byteLength));
    e.u8.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), p);
    return p;
  };
  const aug = s.augment ? { pipeline: augmentation(s.augment.pipeline.steps, s.augment.pipeline), seed: s.augment.seed } : undefined;
  // all or nothing: when an allocation fails (a large data set), the blocks taken so far go back
  const taken: number[] = [];
  const take = (ptr: number): number => {
    taken.push(ptr);
    return ptr;
  };
  let sb: ShardBuffers | undefined;
  try {
    sb = allocateShard(e, core, s.rowsCap, s.sparse, 0, 0, aug ? aug.pipeline.workspaceBytes(e) : 0);
    session = {
      e,
      core,
      start: s,
      aug,
      sb,
      params: take(e.allocF32(Math.max(1, core.paramCount))),
      state: take(e.allocF32(Math.max(1, core.stateCount))),
      data: { x: take(put(s.x)), labelsF32: take(put(s.labelsF32)), labelsI32: take(put(s.labelsI32)), weights: take(put(s.weights)), rows: s.rows },
      idx: take(e.allocF32(Math.max(1, s.rowsCap))),
    };
  } catch (err) {
    if (sb) freeShard(e, sb, true, true);
    for (const p of taken) if (p) e.free(p);
    throw err;
  }
  e.gemmWorkspace = session.sb.gemmWs;
}

/**
 * Ends this worker's transfer session: frees its buffers and its copy of the training data
 * (the main thread ends every session when a fit ends, whether it finished or failed).
 */
export function transferEnd(): void {
  if (!session) return;
  free(session);
  session = undefined;
  // the engine's own workspace again: the session's was just freed
  own!.e.gemmWorkspace = own!.gemmWs;
}

/** Engine bytes in use in this worker (tests). @internal */
export function transferBytesInUse(): number {
  return own?.e.allocatedBytes ?? 0;
}

function free(s: State): void {
  const e = s.e;
  // the shard's buffers too (its gemm workspace is the engine's current one until the next session sets its own)
  freeShard(e, s.sb, true, true);
  for (const p of [s.params, s.state, s.data.x, s.data.labelsF32, s.data.labelsI32, s.data.weights, s.idx]) if (p) e.free(p);
}

/** Runs one shard of one step and returns its gradient. */
export function transferStep(m: TransferStep): TransferResult {
  const s = session;
  if (!s) throw new Error('transferStep: no session; call transferStart first');
  const { e, core, sb, data } = s;
  const rows = m.indices.length;
  e.f32.set(m.params, s.params >> 2);
  e.f32.set(m.state, s.state >> 2);
  e.i32.set(m.indices, s.idx >> 2);
  if (rows > 0) {
    f32_gather_rows(e, data.x, data.rows, s.idx, rows, core.inputSize, sb.x);
    if (s.start.sparse) x32_gather(e, data.labelsI32, data.rows, s.idx, rows, sb.labelsI32);
    else f32_gather_rows(e, data.labelsF32, data.rows, s.idx, rows, targetCols(core), sb.labelsF32);
    if (s.start.useWeights) x32_gather(e, data.weights, data.rows, s.idx, rows, sb.weights);
    if (s.aug) s.aug.pipeline.apply(e, sb.x, sb.xAug, rows, { seed: s.aug.seed, epoch: m.epoch, exampleIndices: s.idx, workspace: sb.augWs });
  }
  const ctx: StepContext = {
    e,
    params: s.params,
    state: s.state,
    grads: sb.grads,
    training: true,
    rows,
    batchRows: rows,
    rowOffset: m.rowOffset,
    seed: s.start.seed,
    step: m.t - 1,
    shard: 0,
    shards: 1,
    shardRows: () => rows,
    scratchOf: (_k, l) => sb.layers[l]!,
    barrier: () => {},
    gemmWs: sb.gemmWs,
  };
  const r = rows > 0 ? trainShard(ctx, core, sb, m.scale, s.start.useWeights, true, true, s.aug ? sb.xAug : sb.x) : { lossSum: 0, correct: 0 };
  if (rows === 0) e.f32.fill(0, sb.grads >> 2, (sb.grads >> 2) + core.paramCount);
  // per batch-norm node (a shared batch norm once per application), as transfer-parallel merges them
  const bn = layerSteps(core, (l): l is BatchNormalization => l instanceof BatchNormalization).map(({ layer: l, node }) => {
    const x = sb.layers[node]!.extra;
    return {
      mean: e.f32.slice(x.batchMean! >> 2, (x.batchMean! >> 2) + l.outputSize),
      variance: e.f32.slice(x.batchVar! >> 2, (x.batchVar! >> 2) + l.outputSize),
    };
  });
  let health: number[] | undefined;
  if (m.health) {
    const probes = (s.probes ??= healthProbes(core));
    health = new Array<number>(recordSize(probes)).fill(NaN);
    measureOutputs(e, core, probes, sb, rows, health);
  }
  return {
    grads: e.f32.slice(sb.grads >> 2, (sb.grads >> 2) + core.paramCount),
    lossSum: r.lossSum,
    correct: r.correct,
    bn,
    ...(health ? { health } : {}),
  };
}
