/**
 * The main-thread side of a data-parallel fit: lays out the session's buffers in the shared
 * engine memory, starts one session per worker, and drives each step through the control block.
 * Shared by the Node pool (piscina) and the browser pool (comlink).
 */
import { f32_gather_sum } from '../src/engine/kernels/f32_gather';
import { NonFiniteLossError, divergenceError } from '../src/errors';
import { EpochTally, batchLoss, type BatchHooks, type EpochRunner, type RunnerSpec } from '../src/model/parallel';
import { allocateShard, freeShard, type ShardBuffers } from '../src/model/runtime';
import type { LayersModel } from '../src/model/layers-model';
import { STEP_NONFINITE_NORM } from '../src/model/step';
import { healthProbes, measureHealth, recordSize } from '../src/model/health';
import { shardRows } from './session';
import { CTRL, CTRL64, OP_END, OP_EPOCH, OP_STEP, PROGRESS_FIELDS, controlBytes, type SessionEnd, type SessionStart } from './protocol';
import { envVar } from '../src/util/env';
import { WorkerFailedError } from './errors';
import { coreConfigOf } from '../src/model/layout';

/** What the data-parallel runner needs from a pool. */
export interface SessionPool {
  readonly size: number;
  /** Starts one session per message, each on its own worker; resolves or rejects per worker. */
  startSessions(messages: SessionStart[]): Promise<SessionEnd>[];
  /** Waits on a word of shared memory: sync in Node (Atomics.wait), async in browsers (waitAsync). */
  wait(i32: Int32Array, index: number, value: number, timeoutMs: number): Promise<'ok' | 'not-equal' | 'timed-out'> | 'ok' | 'not-equal' | 'timed-out';
  /** Called once per session when it is set up (tests use it to find the workers). */
  onSession?: (info: { workers: number }) => void;
}

export { WorkerFailedError } from './errors';

/** Splits [0, n) into `parts` ranges aligned to 16 floats (64 bytes: no two workers share a cache line). */
export function splitRanges(n: number, parts: number): [number, number][] {
  const out: [number, number][] = [];
  const chunk = Math.ceil(n / parts / 16) * 16;
  for (let w = 0; w < parts; w++) out.push([Math.min(n, w * chunk), Math.min(n, (w + 1) * chunk)]);
  return out;
}

/** Floating-point operations of one example's forward and backward pass (each layer's own count). */
export function flopsPerExample(model: LayersModel): number {
  let f = 0;
  for (const l of model.layers) f += l.flopsPerExample();
  return f;
}

/**
 * The worker count `workers: 'auto'` picks: 2 or more only when each worker's shard of a batch
 * has enough arithmetic to pay the per-step synchronization. Measured on the 2-core machine
 * (BENCHMARKS.md, "Worker crossover"): with the MNIST MLP (0.65 MFLOP per example, forward and
 * backward), 2 workers lose below a batch of 64 (16 rows per shard: 0.76x), break even around
 * 64 (32 rows, about 21 MFLOP per shard: 1.1x) and win from 128 (1.3x) on. So a shard must
 * carry at least about 20 MFLOP.
 */
export const AUTO_MIN_SHARD_MFLOP = 20;

const warnedWorkers = new Set<string>();

/**
 * Caps `fit({ workers })` at the cores available (or the size of a pool the user chose): more
 * threads than cores only add memory and synchronization (1000 asked started 1000 threads,
 * 9.6 GB). Says so once per requested and used count, as a console warning.
 */
export function capWorkers(requested: number | 'auto', cores: number, what = 'cores available'): number | 'auto' {
  if (requested === 'auto' || requested <= cores) return requested;
  const key = `${requested}/${cores}`;
  if (!warnedWorkers.has(key)) {
    warnedWorkers.add(key);
    console.warn(`knobs: fit: options.workers = ${requested} is more than the ${cores} ${what}; using ${cores} workers`);
  }
  return cores;
}

/** The workers a fit gets on a pool of `poolSize`: as many as asked (at most the pool's), or the 'auto' choice. */
export function workerCount(model: LayersModel, spec: RunnerSpec, poolSize: number): number {
  return Math.min(spec.workers === 'auto' ? autoWorkers(model, spec.batchSize, poolSize) : spec.workers, poolSize);
}

export function autoWorkers(model: LayersModel, batchSize: number, poolSize: number): number {
  const perExample = flopsPerExample(model);
  let w = Math.max(1, poolSize);
  while (w > 1 && ((batchSize / w) * perExample) / 1e6 < AUTO_MIN_SHARD_MFLOP) w--;
  return w;
}

/** Creates the runner of a data-parallel fit on `workers` workers. */
export async function createDataParallelRunner(pool: SessionPool, model: LayersModel, spec: RunnerSpec, workers: number): Promise<EpochRunner> {
  const e = model.engine;
  if (!e.shared) throw new Error('fit: data-parallel training needs the engine on shared memory');
  const W = workers;
  const core = spec.core;
  const P = core.paramCount,
    S = core.stateCount;
  const opt = model.optimizer!;
  const slotCount = model.slots.length;
  // block layout (bytes): [params | slot 0 | slot 1 | ... | state]
  const slotOffsets = Array.from({ length: slotCount }, (_, k) => (P + k * P) * 4);
  const stateOffset = (P + slotCount * P) * 4;
  const blockFloats = P + slotCount * P + S;
  // every block this fit takes, freed by close() or, when the set-up fails, before it rethrows
  const taken: number[] = [];
  const buffers: ShardBuffers[] = [];
  const release = (): void => {
    for (const sb of buffers) freeShard(e, sb, false, true);
    buffers.length = 0;
    for (const p of taken) e.free(p);
    taken.length = 0;
  };
  const take = (ptr: number): number => {
    taken.push(ptr);
    return ptr;
  };
  let blocks: [number, number], control: number, progress: number, grads: number, healthArea: number;
  const maxBatches = Math.ceil(spec.data.rows / spec.batchSize);
  const probes = spec.health ? healthProbes(core) : undefined;
  const recordFloats = probes ? recordSize(probes) : 0;
  const record = new Float64Array(recordFloats);
  const rowsCap = Math.ceil(spec.batchSize / W);
  try {
    blocks = [take(e.allocF32(Math.max(1, blockFloats))), take(e.allocF32(Math.max(1, blockFloats)))];
    control = take(e.alloc(controlBytes(W)));
    e.u8.fill(0, control, control + controlBytes(W));
    healthArea = probes ? take(e.allocF32(Math.max(1, maxBatches * recordFloats * 2))) : 0;
    progress = take(e.allocF32(Math.max(1, maxBatches * PROGRESS_FIELDS * 2)));
    grads = take(e.allocF32(Math.max(1, P * W)));
    const augBytes = spec.augment ? spec.augment.pipeline.workspaceBytes(e) : 0;
    for (let s = 0; s < W; s++) buffers.push(allocateShard(e, core, rowsCap, spec.sparse, grads + s * P * 4, 0, augBytes));
  } catch (err) {
    release();
    throw err;
  }
  // the current weights, optimizer state and moving statistics go into block 0
  const own = { params: model.params, slots: model.slots.slice(), state: model.state };
  const copy = (dst: number, src: number, floats: number): void => {
    if (floats > 0) e.u8.copyWithin(dst, src, src + floats * 4);
  };
  copy(blocks[0], own.params, P);
  own.slots.forEach((p, k) => copy(blocks[0] + slotOffsets[k]!, p, P));
  copy(blocks[0] + stateOffset, own.state, S);
  // and into block 1: the optimizer writes only the trainable ranges into the other copy, so the
  // frozen weights and their optimizer state must already be there
  copy(blocks[1], blocks[0], blockFloats);
  let parity = 0;
  const point = (): void => {
    model.params = blocks[parity]!;
    model.slots = slotOffsets.map((o) => blocks[parity]! + o);
    model.state = blocks[parity]! + stateOffset;
  };
  /**
   * A callback may write weights (setWeights) between steps into the copy the model shows. The
   * optimizer writes only the trainable ranges into the other copy, so a frozen layer's new
   * weights would be lost at the next step: both copies take them.
   */
  let writes = model.weightWrites;
  const syncWrites = (): void => {
    if (model.weightWrites === writes) return;
    writes = model.weightWrites;
    const from = blocks[parity]!,
      to = blocks[1 - parity]!;
    copy(to, from, P);
    copy(to + stateOffset, from + stateOffset, S);
  };

  const ranges = splitRanges(P, W);
  const base: Omit<SessionStart, 'shard' | 'range'> = {
    kind: 'session',
    shards: W,
    control,
    progress,
    core: coreConfigOf(model, core),
    buffers,
    data: { ...spec.data },
    blocks,
    slotOffsets,
    stateOffset,
    optimizer: opt.getConfig(),
    ranges,
    batchSize: spec.batchSize,
    sparse: spec.sparse,
    useWeights: spec.useWeights,
    countCorrect: spec.countCorrect,
    clipNorm: spec.clipNorm,
    seed: spec.seed,
    gemmWorkspaceBytes: e.gemmWorkspaceBytes,
    augment: spec.augment ? { pipeline: spec.augment.pipeline.toJSON(), seed: spec.augment.seed } : undefined,
    health: spec.health ? { every: spec.health.every, area: healthArea, recordFloats } : undefined,
  };
  const i32 = (): Int32Array => new Int32Array(e.memory.buffer, control, CTRL.WORDS);
  const f64 = (): Float64Array => new Float64Array(e.memory.buffer, control + CTRL.WORDS * 4, CTRL64.PER_WORKER + 4 * W);
  let failure: { worker: number; error: unknown } | undefined;
  let sessions: Promise<SessionEnd>[];
  try {
    sessions = pool.startSessions(Array.from({ length: W }, (_, s) => ({ ...base, shard: s, range: ranges[s]! })));
  } catch (err) {
    // no session started (the pool is busy, or too small): the model still points at its own buffers
    release();
    throw err;
  }
  // from here the model's weights are the current block's, until close() copies them back
  point();
  const ends: SessionEnd[] = [];
  const settled = sessions.map((p, w) =>
    p.then(
      (end) => {
        ends[w] = end;
      },
      (error: unknown) => {
        // the first failure wins; the other workers then end their sessions marked aborted
        if (!failure) failure = { worker: w, error };
        Atomics.store(i32(), CTRL.ABORT, 1);
        for (const k of [CTRL.CMD, CTRL.BAR_GEN, CTRL.DONE]) Atomics.notify(i32(), k);
      },
    ),
  );
  pool.onSession?.({ workers: W });
  let epochNow = 0,
    batchNow = 0;

  const divergence = (code: number, epoch: number, b: number, value: number): NonFiniteLossError =>
    divergenceError(code === STEP_NONFINITE_NORM ? 'gradient norm' : 'loss', value, epoch, b, opt.learningRate);

  /** Issues a command to every worker. */
  const issue = (op: number): void => {
    const c = i32();
    Atomics.store(c, CTRL.DONE, 0);
    Atomics.store(c, CTRL.OP, op);
    Atomics.add(c, CTRL.CMD, 1);
    Atomics.notify(c, CTRL.CMD);
  };

  /** A free-running epoch: the workers step through every batch; the main thread only watches. */
  const freeEpoch = async (epoch: number, hooks: BatchHooks): Promise<{ loss: number; accuracy: number; batches: number }> => {
    const rows = spec.data.rows,
      batches = Math.ceil(rows / spec.batchSize);
    const c0 = i32();
    Atomics.store(c0, CTRL.EPOCH, epoch);
    Atomics.store(c0, CTRL.BATCHES, batches);
    Atomics.store(c0, CTRL.STEP_T, opt.iterations + 1);
    Atomics.store(c0, CTRL.PARITY, parity);
    Atomics.store(c0, CTRL.PROGRESS, 0);
    Atomics.store(c0, CTRL.NONFINITE, 0);
    f64()[CTRL64.LR] = opt.learningRate;
    epochNow = epoch;
    const firstStep = opt.iterations;
    syncWrites();
    issue(OP_EPOCH);
    let seen = 0;
    const tally = new EpochTally(spec.countCorrect);
    const report = async (upto: number): Promise<void> => {
      const pr = new Float64Array(e.memory.buffer, progress, batches * PROGRESS_FIELDS);
      for (; seen < upto; seen++) {
        const [l, k, w, pen] = [pr[seen * PROGRESS_FIELDS]!, pr[seen * PROGRESS_FIELDS + 1]!, pr[seen * PROGRESS_FIELDS + 2]!, pr[seen * PROGRESS_FIELDS + 3]!];
        const loss = batchLoss(l, w, pen);
        const step = firstStep + seen;
        if (spec.health && step % spec.health.every === 0) {
          spec.health.recorder.add(step, loss, new Float64Array(e.memory.buffer, healthArea + seen * recordFloats * 8, recordFloats));
        }
        batchNow = seen;
        await hooks.end(seen, tally.add(loss, k, w, Math.min(spec.batchSize, rows - seen * spec.batchSize)));
      }
    };
    let aborted: unknown;
    for (;;) {
      const c = i32();
      const prog = Atomics.load(c, CTRL.PROGRESS);
      if (prog > seen) await report(prog);
      const done = Atomics.load(c, CTRL.DONE);
      if (done >= W) break;
      if (Atomics.load(c, CTRL.ABORT)) {
        await Promise.race([Promise.all(settled), new Promise((r) => setTimeout(r, 1000))]);
        if (aborted) {
          syncParity();
          throw aborted;
        }
        try {
          fail();
        } finally {
          syncParity();
        }
      }
      try {
        hooks.check();
      } catch (err) {
        // stop the workers at their next step; the model keeps the last completed step
        aborted = err;
        Atomics.store(c, CTRL.ABORT, 1);
        for (const k of [CTRL.CMD, CTRL.BAR_GEN, CTRL.DONE]) Atomics.notify(c, k);
        continue;
      }
      // sleep until the epoch ends, waking every 100 ms for the progress bar, aborts and worker errors
      const r = await pool.wait(c, CTRL.DONE, done, 100);
      if (r === 'timed-out') await new Promise((res) => setTimeout(res, 0));
    }
    const c = i32();
    await report(Atomics.load(c, CTRL.PROGRESS));
    const done = Atomics.load(c, CTRL.PROGRESS);
    opt.iterations += done;
    parity = Atomics.load(c, CTRL.PARITY);
    point();
    const code = Atomics.load(c, CTRL.NONFINITE);
    if (code) throw divergence(code, epoch, Atomics.load(c, CTRL.BATCH), f64()[CTRL64.DIVERGED]!);
    // the workers finished the epoch before they saw the abort: the model keeps the whole epoch,
    // and fit stops here with the caller's reason (ABORT stays set, so a next epoch could only fail)
    if (aborted) throw aborted;
    return { ...tally.result(), batches: done };
  };

  /** After an abort, the parity and step count the workers last completed. */
  const syncParity = (): void => {
    const c = i32();
    if (Atomics.load(c, CTRL.OP) !== OP_EPOCH) return;
    const done = Atomics.load(c, CTRL.PROGRESS);
    opt.iterations += done;
    Atomics.store(c, CTRL.PROGRESS, 0);
    parity = Atomics.load(c, CTRL.PARITY);
    point();
  };

  const fail = (): never => {
    // in a free-running epoch the failing batch is the one after the last completed
    const c = i32();
    if (Atomics.load(c, CTRL.OP) === OP_EPOCH) batchNow = Atomics.load(c, CTRL.PROGRESS);
    const f = failure;
    const err = f?.error as Error | undefined;
    const what = err ? `${err.name}: ${err.message}` : 'it stopped';
    throw new WorkerFailedError(
      `fit: worker ${f?.worker ?? '?'} failed at epoch ${epochNow + 1}, batch ${batchNow + 1} (${what}); the model keeps the weights of its last completed step`,
      f?.worker ?? -1,
      epochNow,
      batchNow,
      { cause: err },
    );
  };

  /** Waits until every worker is done with the step (or one failed). */
  const waitDone = async (): Promise<void> => {
    for (;;) {
      const c = i32();
      const done = Atomics.load(c, CTRL.DONE);
      if (done >= W) return;
      if (Atomics.load(c, CTRL.ABORT)) {
        await Promise.race([Promise.all(settled), new Promise((r) => setTimeout(r, 1000))]);
        fail();
      }
      const r = await pool.wait(c, CTRL.DONE, done, 20);
      if (r === 'timed-out') await new Promise((res) => setTimeout(res, 0)); // let worker errors through
    }
  };

  return {
    async runEpoch(epoch: number, hooks: BatchHooks) {
      if (!hooks.lockstep) return freeEpoch(epoch, hooks);
      const tally = new EpochTally(spec.countCorrect);
      const rows = spec.data.rows;
      for (let b = 0, start = 0; start < rows; b++, start += spec.batchSize) {
        hooks.check();
        await hooks.begin(b);
        epochNow = epoch;
        batchNow = b;
        if (failure) fail();
        const n = Math.min(spec.batchSize, rows - start);
        const batchWeight = spec.useWeights ? f32_gather_sum(e, spec.data.weights, rows, spec.data.order + start * 4, n) : n;
        const c = i32(),
          d = f64();
        Atomics.store(c, CTRL.BATCH_START, start);
        Atomics.store(c, CTRL.BATCH_ROWS, n);
        Atomics.store(c, CTRL.STEP_T, opt.iterations + 1);
        Atomics.store(c, CTRL.PARITY, parity);
        Atomics.store(c, CTRL.EPOCH, epoch);
        Atomics.store(c, CTRL.BATCH, b);
        Atomics.store(c, CTRL.NONFINITE, 0);
        d[CTRL64.LR] = opt.learningRate;
        d[CTRL64.SCALE] = batchWeight > 0 ? 1 / batchWeight : 0;
        d[CTRL64.BATCH_WEIGHT] = batchWeight;
        syncWrites();
        issue(OP_STEP);
        await waitDone();
        let stepLoss = 0,
          stepCorrect = 0,
          penalty = 0;
        for (let w = 0; w < W; w++) {
          stepLoss += d[CTRL64.PER_WORKER + 4 * w]!;
          stepCorrect += d[CTRL64.PER_WORKER + 4 * w + 1]!;
          penalty += d[CTRL64.PER_WORKER + 4 * w + 2]!;
        }
        // the workers checked the loss (with the penalty) and the norm before anything moved
        const nonFinite = Atomics.load(c, CTRL.NONFINITE);
        if (nonFinite) throw divergence(nonFinite, epoch, b, d[CTRL64.DIVERGED]!);
        const loss = batchLoss(stepLoss, batchWeight, penalty);
        if (spec.health && opt.iterations % spec.health.every === 0) {
          measureHealth(e, core, probes!, buffers[0]!, grads, shardRows(n, W, 0), record);
          spec.health.recorder.add(opt.iterations, loss, record);
        }
        // the step is complete: the other copy is now current
        parity = 1 - parity;
        point();
        opt.iterations++;
        await hooks.end(b, tally.add(loss, stepCorrect, batchWeight, n));
      }
      return tally.result();
    },

    async close() {
      issue(OP_END);
      // every session has ended (or failed) before its buffers are freed: never free under a worker
      await Promise.all(settled);
      if (envVar('KNOBS_PROFILE')) {
        for (const end of ends)
          if (end) {
            const sm = end.timing.samples.slice(125).sort((a, b) => a - b);
            const q = (f: number): string => (sm[Math.floor(f * (sm.length - 1))] ?? NaN).toFixed(3);
            console.error(
              `knobs worker ${end.shard}: ${end.steps} steps; total ms fwd/bwd ${end.timing.forwardBackwardMs.toFixed(0)} barrier ${end.timing.barrierMs.toFixed(0)} update ${end.timing.updateMs.toFixed(0)}; barrier waits spun ${end.timing.spinCaught} slept ${end.timing.spinSlept}; fwd/bwd ms p10 ${q(0.1)} p50 ${q(0.5)} p90 ${q(0.9)} p99 ${q(0.99)}`,
            );
          }
      }
      // back into the model's own buffers: one copy per fit, never per step
      copy(own.params, blocks[parity]!, P);
      own.slots.forEach((p, k) => copy(p, blocks[parity]! + slotOffsets[k]!, P));
      copy(own.state, blocks[parity]! + stateOffset, S);
      model.params = own.params;
      model.slots = own.slots;
      model.state = own.state;
      release();
    },
  };
}
