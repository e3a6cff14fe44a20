/**
 * The worker side of a data-parallel fit: the session loop. The same code runs in Node's worker
 * threads (piscina) and in browsers' Web Workers (comlink); only the way the session starts
 * differs (workers/node-worker.ts, workers/browser-worker.ts).
 *
 * Each step: gather this shard's rows, forward, loss, backward into this worker's gradient slot
 * (batch-norm statistics are merged across shards at barriers inside), and the penalty of this
 * worker's range of the weights; then a barrier; every worker sums the shards' losses and
 * penalties in shard order and runs the shared step (src/model/step.ts) on its own range: if the
 * loss is finite, reduce the range over all slots in slot order, add the regularization, clip
 * (the norm's squares summed at a barrier), and run the optimizer from the current copy of the
 * parameters into the other copy. The other copy becomes current only when every worker has
 * finished, so a worker that dies mid-step leaves the model at its last completed step.
 *
 * Two modes: OP_STEP runs one step and reports to the main thread (when user callbacks must run
 * between batches); OP_EPOCH runs a whole epoch with only the workers' own barriers between
 * steps, reporting progress through shared memory.
 */
import type { Engine } from '../src/engine/engine';
import { f32_gather_rows, f32_gather_sum, x32_gather } from '../src/engine/kernels/f32_gather';
import type { StepContext } from '../src/layers/layer';
import { coreFromConfig } from '../src/model/from-config';
import { targetCols } from '../src/model/heads';
import { gatherInputs, trainShard } from '../src/model/runtime';
import { STEP_OK, stepPart, stepPenalty, stepUpdate, updateLayerStates } from '../src/model/step';
import { batchLoss } from '../src/model/parallel';
import { optimizerFromConfig } from '../src/optimizers/index';
import { augmentation } from '../src/data/augment';
import { healthProbes, measureHealth } from '../src/model/health';
import { CTRL, CTRL64, OP_END, OP_EPOCH, PROGRESS_FIELDS, type SessionEnd, type SessionStart } from './protocol';

/** Thrown inside a worker when the session is aborted (another worker failed, or the main thread asked); runSession catches it and ends the session normally. */
export class SessionAborted extends Error {
  override name = 'SessionAborted';
}

/** Rows of shard s when `rows` are split over `shards` (the first ones get one more). */
export function shardRows(rows: number, shards: number, s: number): number {
  return Math.floor(rows / shards) + (s < rows % shards ? 1 : 0);
}

/** First row of shard s. */
export function shardOffset(rows: number, shards: number, s: number): number {
  return s * Math.floor(rows / shards) + Math.min(s, rows % shards);
}

/**
 * Waits until the word differs from `value`, spinning first for up to `spin` checks (a barrier
 * between workers that arrive close together costs microseconds), then sleeping; throws when
 * the session is aborted. Returns true when the spin saw the change, false when it had to sleep.
 */
function waitChange(i32: Int32Array, index: number, value: number, spin: number): boolean {
  for (let k = 0; k < spin; k++) {
    if (Atomics.load(i32, index) !== value) return true;
  }
  while (Atomics.load(i32, index) === value) {
    if (Atomics.load(i32, CTRL.ABORT)) throw new SessionAborted('session aborted');
    Atomics.wait(i32, index, value, 50);
  }
  if (Atomics.load(i32, CTRL.ABORT)) throw new SessionAborted('session aborted');
  return false;
}

/** Bounds of a barrier's spin (checks of the word before sleeping); see {@link BarrierSpin}. */
export const SPIN_MAX = 200_000;
export const SPIN_MIN = 500;

/**
 * How long a worker spins at a barrier before it sleeps, adapted to how the last waits went.
 * On an idle machine the other worker arrives within microseconds to a fraction of a
 * millisecond, and spinning (up to SPIN_MAX checks, about half a millisecond) saves the cost
 * of a sleep and a wake. On a machine whose cores other processes want too, the other worker
 * is often not running at all: then spinning only burns the core it is waiting for (measured
 * at a load average of 18 on 2 cores, MNIST MLP, batch 256: 2 workers reached 0.55x one thread
 * when always spinning SPIN_MAX checks, 0.99x with this policy; BENCHMARKS.md, "Worker
 * scaling"). So a wait that the spin caught doubles the next budget, and
 * one that had to sleep quarters it, between SPIN_MIN and SPIN_MAX (the adaptive mutexes of
 * glibc and of the JVM follow the same idea).
 */
export class BarrierSpin {
  budget = SPIN_MAX;
  /** Waits that the spin caught, and waits that slept. */
  caught = 0;
  slept = 0;

  /** Records how a wait went; returns the next budget. */
  record(caught: boolean): number {
    if (caught) {
      this.caught++;
      this.budget = Math.min(SPIN_MAX, this.budget * 2);
    } else {
      this.slept++;
      this.budget = Math.max(SPIN_MIN, this.budget >> 2);
    }
    return this.budget;
  }
}

/** Runs a session until the main thread ends it. `hooks.beforeStep` lets tests inject faults. */
export function runSession(e: Engine, s: SessionStart, hooks: { beforeStep?: (step: number) => void } = {}): SessionEnd {
  const core = coreFromConfig(s.core);
  const sb = s.buffers[s.shard]!;
  e.gemmWorkspace = sb.gemmWs;
  const W = s.shards;
  const optimizer = optimizerFromConfig(s.optimizer);
  const [from, to] = s.range;
  const slotStride = s.buffers.length > 1 ? (s.buffers[1]!.grads - s.buffers[0]!.grads) / 4 : core.paramCount;
  const grads0 = s.buffers[0]!.grads;
  const me = CTRL64.PER_WORKER + 4 * s.shard;
  const probes = s.health && s.shard === 0 ? healthProbes(core) : undefined;
  const aug = s.augment ? { pipeline: augmentation(s.augment.pipeline.steps, s.augment.pipeline), seed: s.augment.seed } : undefined;
  let i32 = new Int32Array(0),
    f64 = new Float64Array(0),
    progress = new Float64Array(0);
  const views = (): void => {
    // views over the memory as it is now (the main thread may have grown it)
    i32 = new Int32Array(e.memory.buffer, s.control, CTRL.WORDS);
    f64 = new Float64Array(e.memory.buffer, s.control + CTRL.WORDS * 4, CTRL64.PER_WORKER + 4 * W);
    progress = new Float64Array(e.memory.buffer, s.progress, PROGRESS_FIELDS * Math.ceil(s.data.rows / s.batchSize));
  };
  views();

  // where the time goes (returned with the session's end, for the benchmark's notes)
  const timing = { forwardBackwardMs: 0, barrierMs: 0, updateMs: 0, samples: [] as number[], spinCaught: 0, spinSlept: 0 };
  const spin = new BarrierSpin();
  const barrier = (): void => {
    if (W === 1) return;
    const t0 = performance.now();
    try {
      barrierWait();
    } finally {
      timing.barrierMs += performance.now() - t0;
    }
  };
  const barrierWait = (): void => {
    const gen = Atomics.load(i32, CTRL.BAR_GEN);
    if (Atomics.add(i32, CTRL.BAR_COUNT, 1) === W - 1) {
      Atomics.store(i32, CTRL.BAR_COUNT, 0);
      Atomics.add(i32, CTRL.BAR_GEN, 1);
      Atomics.notify(i32, CTRL.BAR_GEN);
    } else {
      spin.record(waitChange(i32, CTRL.BAR_GEN, gen, spin.budget));
    }
  };

  let stepRows = 0;
  const ctx: StepContext = {
    e,
    params: 0,
    state: 0,
    grads: sb.grads,
    training: true,
    rows: 0,
    batchRows: 0,
    rowOffset: 0,
    seed: s.seed,
    step: 0,
    shard: s.shard,
    shards: W,
    shardRows: (k) => shardRows(stepRows, W, k),
    scratchOf: (k, l) => s.buffers[k]!.layers[l]!,
    barrier,
    gemmWs: sb.gemmWs,
  };
  const slotPtrs = [0, 0].map(() => s.slotOffsets.map(() => 0));
  // this worker's part of the shared step: its own range, the norm's squares summed at a barrier
  const part = stepPart({
    e,
    core,
    optimizer,
    from,
    to,
    clipNorm: s.clipNorm,
    grads: grads0,
    stride: slotStride,
    slots: W,
    sumParts: (v) => {
      f64[me + 3] = v;
      barrier();
      let sum = 0;
      for (let w = 0; w < W; w++) sum += f64[CTRL64.PER_WORKER + 4 * w + 3]!;
      return sum;
    },
  });

  /** Totals of the last step: read right after the first barrier, before any worker can overwrite its slot. */
  const totals = { loss: 0, correct: 0, penalty: 0 };

  /**
   * One step from copy `parity` into the other. Returns STEP_OK when done, or the status of the
   * loss or gradient norm that was not finite (the step is then skipped by every worker alike).
   */
  const step = (epoch: number, batchStart: number, batchRows: number, t: number, parity: number, lr: number, scale: number, weight: number): number => {
    hooks.beforeStep?.(t);
    const rows = shardRows(batchRows, W, s.shard),
      rowOffset = shardOffset(batchRows, W, s.shard);
    stepRows = batchRows;
    // this shard's rows of the batch, straight from the shared copy of the data
    const idx = s.data.order + (batchStart + rowOffset) * 4;
    if (rows > 0) {
      gatherInputs(e, s.data, idx, 0, rows, core.inputSize, sb.x);
      if (s.sparse) x32_gather(e, s.data.labelsI32, s.data.rows, idx, rows, sb.labelsI32);
      else f32_gather_rows(e, s.data.labelsF32, s.data.rows, idx, rows, targetCols(core), sb.labelsF32);
      if (s.useWeights) x32_gather(e, s.data.weights, s.data.rows, idx, rows, sb.weights);
      // augmentation keyed by (seed, epoch, dataset row): the same bits whatever the split
      if (aug) aug.pipeline.apply(e, sb.x, sb.xAug, rows, { seed: aug.seed, epoch, exampleIndices: idx, workspace: sb.augWs });
    }
    const block = s.blocks[parity]!,
      other = s.blocks[1 - parity]!;
    // one context for the session, updated in place: nothing is allocated per step
    ctx.params = block;
    ctx.state = block + s.stateOffset;
    ctx.rows = rows;
    ctx.batchRows = batchRows;
    ctx.rowOffset = rowOffset;
    ctx.step = t - 1;
    const t0 = performance.now();
    const r = trainShard(ctx, core, sb, scale, s.useWeights, true, s.countCorrect, aug ? sb.xAug : sb.x);
    const dt = performance.now() - t0;
    timing.forwardBackwardMs += dt;
    if (timing.samples.length < 4096) timing.samples.push(dt);
    f64[me] = r.lossSum;
    f64[me + 1] = r.correct;
    // the penalty reads only the weights: this range's share is ready before the gradients are
    f64[me + 2] = stepPenalty(part, block);
    barrier();
    // every worker sums the losses and penalties in shard order, so all take the same decision
    let loss = 0,
      correct = 0,
      penalty = 0;
    for (let w = 0; w < W; w++) {
      loss += f64[CTRL64.PER_WORKER + 4 * w]!;
      correct += f64[CTRL64.PER_WORKER + 4 * w + 1]!;
      penalty += f64[CTRL64.PER_WORKER + 4 * w + 2]!;
    }
    totals.loss = loss;
    totals.correct = correct;
    totals.penalty = penalty;
    const t1 = performance.now();
    try {
      const slots = slotPtrs[parity]!;
      for (let k = 0; k < slots.length; k++) slots[k] = block + s.slotOffsets[k]!;
      // only the trainable ranges: frozen weights and their slots keep the same values in both copies
      const status = stepUpdate(part, batchLoss(loss, weight, penalty), block, slots, t, lr, other - block);
      if (status !== STEP_OK) {
        if (s.shard === 0) f64[CTRL64.DIVERGED] = part.diverged;
        return status;
      }
      if (s.shard === 0 && core.stateCount > 0) {
        // the moving statistics go to the other copy too
        const outState = other + s.stateOffset;
        e.u8.copyWithin(outState, block + s.stateOffset, block + s.stateOffset + core.stateCount * 4);
        ctx.state = outState;
        updateLayerStates(ctx, core, sb.layers);
        ctx.state = block + s.stateOffset;
      }
      return STEP_OK;
    } finally {
      timing.updateMs += performance.now() - t1;
    }
  };

  /** The batch's total example weight (every worker computes the same sum over the whole batch). */
  const batchWeight = (start: number, rows: number): number =>
    s.useWeights ? f32_gather_sum(e, s.data.weights, s.data.rows, s.data.order + start * 4, rows) : rows;

  // the control block starts zeroed: the first command is CMD 1, whenever this worker starts
  let seen = 0;
  let steps = 0;
  // an abort ends the session normally: the main thread knows it asked for the stop, and a rejected
  // session is always a real failure (error names do not survive every thread boundary: piscina
  // passes an Error subclass on as a plain Error)
  try {
    for (;;) {
      waitChange(i32, CTRL.CMD, seen, 2000);
      seen = Atomics.load(i32, CTRL.CMD);
      const op = Atomics.load(i32, CTRL.OP);
      if (op === OP_END) break;
      views();
      if (op === OP_EPOCH) {
        const batches = Atomics.load(i32, CTRL.BATCHES),
          firstT = Atomics.load(i32, CTRL.STEP_T),
          rows = s.data.rows;
        const epoch = Atomics.load(i32, CTRL.EPOCH);
        const lr = f64[CTRL64.LR]!;
        let parity = Atomics.load(i32, CTRL.PARITY);
        for (let b = 0; b < batches; b++) {
          if (Atomics.load(i32, CTRL.ABORT)) throw new SessionAborted('session aborted');
          const start = b * s.batchSize,
            bRows = Math.min(s.batchSize, rows - start);
          const w = batchWeight(start, bRows);
          const status = step(epoch, start, bRows, firstT + b, parity, lr, w > 0 ? 1 / w : 0, w);
          if (status) {
            if (s.shard === 0) {
              Atomics.store(i32, CTRL.NONFINITE, status);
              Atomics.store(i32, CTRL.BATCH, b);
            }
            break;
          }
          barrier(); // every range is updated: the other copy is complete
          parity = 1 - parity;
          steps++;
          if (s.shard === 0) {
            const at = b * PROGRESS_FIELDS;
            progress[at] = totals.loss;
            progress[at + 1] = totals.correct;
            progress[at + 2] = w;
            progress[at + 3] = totals.penalty;
            const t = firstT + b;
            if (probes && (t - 1) % s.health!.every === 0) {
              // every range of the reduced gradient is complete after the barrier; the outputs are this shard's
              const rec = new Float64Array(e.memory.buffer, s.health!.area + b * s.health!.recordFloats * 8, s.health!.recordFloats);
              measureHealth(e, core, probes, sb, grads0, shardRows(bRows, W, 0), rec);
            }
            Atomics.store(i32, CTRL.PARITY, parity);
            // no notify: the main thread looks at the progress now and then, and must not be
            // woken per step (on a machine with as many cores as workers it would take a core)
            Atomics.store(i32, CTRL.PROGRESS, b + 1);
          }
        }
      } else {
        const t = Atomics.load(i32, CTRL.STEP_T);
        const status = step(
          Atomics.load(i32, CTRL.EPOCH),
          Atomics.load(i32, CTRL.BATCH_START),
          Atomics.load(i32, CTRL.BATCH_ROWS),
          t,
          Atomics.load(i32, CTRL.PARITY),
          f64[CTRL64.LR]!,
          f64[CTRL64.SCALE]!,
          f64[CTRL64.BATCH_WEIGHT]!,
        );
        if (status) Atomics.store(i32, CTRL.NONFINITE, status);
        else steps++;
      }
      Atomics.add(i32, CTRL.DONE, 1);
      Atomics.notify(i32, CTRL.DONE);
    }
  } catch (err) {
    if (!(err instanceof SessionAborted)) throw err;
  }
  timing.spinCaught = spin.caught;
  timing.spinSlept = spin.slept;
  return { kind: 'session-end', shard: s.shard, steps, timing };
}
