/**
 * The worker side of a data-parallel fit: the session loop. The same code runs in Node's worker
 * threads (piscina) and in browsers' Web Workers (comlink); only the way the session starts
 * differs (workers/node-worker.ts, workers/browser-worker.ts).
 *
 * Each step: gather this shard's rows, forward, loss, backward into this worker's gradient slot
 * (batch-norm statistics are merged across shards at barriers inside), then a barrier; every
 * worker sums the shards' losses in shard order and, if finite, reduces its own range of the
 * gradient over all slots in slot order, adds the regularization, clips, and runs the optimizer
 * on that range from the current parameter buffer into the other one. The main thread flips the
 * current buffer only when every worker has finished, so a worker that dies mid-step leaves the
 * model at its last completed step.
 */
import type { Engine } from '../src/engine/engine';
import { f32_reduce_slots, f32_scale, f32_sum_squares } from '../src/engine/kernels/f32_elementwise';
import { f32_gather_rows, x32_gather } from '../src/engine/kernels/f32_gather';
import type { StepContext } from '../src/layers/layer';
import { coreFromConfig } from '../src/model/layout';
import { regularize, trainShard } from '../src/model/runtime';
import { optimizerFromConfig } from '../src/optimizers/index';
import { CTRL, CTRL64, OP_END, type SessionEnd, type SessionStart } from './protocol';

/** Thrown inside a worker when the session is aborted (another worker failed, or the main thread asked). */
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

/** Spins briefly, then sleeps on the word, until it differs from `value`; throws if the session is aborted. */
function waitChange(i32: Int32Array, index: number, value: number): void {
  for (let spin = 0; spin < 20000; spin++) {
    if (Atomics.load(i32, index) !== value) return;
    if (Atomics.load(i32, CTRL.ABORT)) throw new SessionAborted('session aborted');
  }
  while (Atomics.load(i32, index) === value) {
    if (Atomics.load(i32, CTRL.ABORT)) throw new SessionAborted('session aborted');
    Atomics.wait(i32, index, value, 50);
  }
}

/** Runs a session until the main thread ends it. `hooks.beforeStep` lets tests inject faults. */
export function runSession(e: Engine, s: SessionStart, hooks: { beforeStep?: (step: number) => void } = {}): SessionEnd {
  const core = coreFromConfig(s.core);
  const sb = s.buffers[s.shard]!;
  e.gemmWorkspace = sb.gemmWs;
  const ctrlView = (): { i32: Int32Array; f64: Float64Array } => ({
    i32: new Int32Array(e.memory.buffer, s.control, CTRL.WORDS),
    f64: new Float64Array(e.memory.buffer, s.control + CTRL.WORDS * 4, CTRL64.PER_WORKER + 4 * s.shards),
  });
  let { i32, f64 } = ctrlView();
  const W = s.shards;
  const optimizer = optimizerFromConfig(s.optimizer);
  const [from, to] = s.range;
  const slotStride = s.buffers.length > 1 ? (s.buffers[1]!.grads - s.buffers[0]!.grads) / 4 : core.paramCount;
  const grads0 = s.buffers[0]!.grads;

  const barrier = (): void => {
    const gen = Atomics.load(i32, CTRL.BAR_GEN);
    if (Atomics.add(i32, CTRL.BAR_COUNT, 1) === W - 1) {
      Atomics.store(i32, CTRL.BAR_COUNT, 0);
      Atomics.add(i32, CTRL.BAR_GEN, 1);
      Atomics.notify(i32, CTRL.BAR_GEN);
    } else {
      waitChange(i32, CTRL.BAR_GEN, gen);
    }
  };

  // the control block starts zeroed: the first command is CMD 1, whenever this worker starts
  let seen = 0;
  let steps = 0;
  for (;;) {
    waitChange(i32, CTRL.CMD, seen);
    seen = Atomics.load(i32, CTRL.CMD);
    if (Atomics.load(i32, CTRL.OP) === OP_END) break;
    ({ i32, f64 } = ctrlView());
    const t = Atomics.load(i32, CTRL.STEP_T);
    hooks.beforeStep?.(t);
    const batchStart = Atomics.load(i32, CTRL.BATCH_START), batchRows = Atomics.load(i32, CTRL.BATCH_ROWS);
    const parity = Atomics.load(i32, CTRL.PARITY);
    const rows = shardRows(batchRows, W, s.shard), rowOffset = shardOffset(batchRows, W, s.shard);
    // this shard's rows of the batch, straight from the shared copy of the data
    const idx = s.data.order + (batchStart + rowOffset) * 4;
    if (rows > 0) {
      f32_gather_rows(e, s.data.x, s.data.rows, idx, rows, core.inputSize, sb.x);
      if (s.sparse) x32_gather(e, s.data.labelsI32, s.data.rows, idx, rows, sb.labelsI32);
      else f32_gather_rows(e, s.data.labelsF32, s.data.rows, idx, rows, core.outputSize, sb.labelsF32);
      if (s.useWeights) x32_gather(e, s.data.weights, s.data.rows, idx, rows, sb.weights);
    }
    const block = s.blocks[parity]!, other = s.blocks[1 - parity]!;
    const params = block, state = block + s.stateOffset;
    const ctx: StepContext = {
      e, params, state, grads: sb.grads, training: true, rows, batchRows, rowOffset, seed: s.seed, step: t - 1,
      shard: s.shard, shards: W, shardRows: (k) => shardRows(batchRows, W, k), scratchOf: (k, l) => s.buffers[k]!.layers[l]!,
      barrier, gemmWs: sb.gemmWs,
    };
    const r = trainShard(ctx, core, sb, f64[CTRL64.SCALE]!, s.useWeights, true, s.countCorrect);
    const me = CTRL64.PER_WORKER + 4 * s.shard;
    f64[me] = r.lossSum;
    f64[me + 1] = r.correct;
    barrier();
    // every worker sums the losses in shard order, so all take the same decision
    let loss = 0;
    for (let w = 0; w < W; w++) loss += f64[CTRL64.PER_WORKER + 4 * w]!;
    if (!Number.isFinite(loss)) {
      Atomics.store(i32, CTRL.NONFINITE, 1);
    } else {
      const n = to - from;
      if (n > 0) f32_reduce_slots(e, grads0 + from * 4, slotStride, W, grads0 + from * 4, n);
      f64[me + 2] = regularize(e, core, params, grads0, from, to);
      if (s.clipNorm !== undefined) {
        f64[me + 3] = n > 0 ? f32_sum_squares(e, grads0 + from * 4, n) : 0;
        barrier();
        let sq = 0;
        for (let w = 0; w < W; w++) sq += f64[CTRL64.PER_WORKER + 4 * w + 3]!;
        const norm = Math.sqrt(sq);
        if (!Number.isFinite(norm)) Atomics.store(i32, CTRL.NONFINITE, 2);
        else if (norm > s.clipNorm && n > 0) f32_scale(e, grads0 + from * 4, grads0 + from * 4, n, s.clipNorm / (norm + 1e-6));
        if (!Number.isFinite(norm)) {
          Atomics.add(i32, CTRL.DONE, 1);
          Atomics.notify(i32, CTRL.DONE);
          steps++;
          continue;
        }
      }
      if (n > 0) {
        optimizer.step(e, params + from * 4, grads0 + from * 4, s.slotOffsets.map((o) => block + o + from * 4), n, t, f64[CTRL64.LR]!, other - block);
      }
      if (s.shard === 0) {
        // the moving statistics go to the other copy too
        const outState = other + s.stateOffset;
        e.u8.copyWithin(outState, state, state + core.stateCount * 4);
        const octx = { ...ctx, state: outState };
        for (const l of core.layers) l.updateState(octx, sb.layers[l.index]!);
      }
    }
    steps++;
    Atomics.add(i32, CTRL.DONE, 1);
    Atomics.notify(i32, CTRL.DONE);
  }
  return { kind: 'session-end', shard: s.shard, steps };
}
