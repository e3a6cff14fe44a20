/**
 * The main-thread side of the message-passing fallback (workers/transfer.ts has the worker
 * side): used where memory cannot be shared (browsers without cross-origin isolation).
 */
import { f32_bn_merge } from '../src/engine/kernels/f32_batchnorm';
import { coreConfigOf } from '../src/model/layout';
import { targetCols } from '../src/model/heads';
import { f32_scale } from '../src/engine/kernels/f32_elementwise';
import { healthProbes, measureGradientNorms } from '../src/model/health';
import { f32_gather_sum } from '../src/engine/kernels/f32_gather';
import { divergenceError } from '../src/errors';
import { BatchNormalization } from '../src/layers/batch-normalization';
import type { StepContext } from '../src/layers/layer';
import { EpochTally, batchLoss, type BatchHooks, type EpochRunner, type RunnerSpec } from '../src/model/parallel';
import { inputFloats } from '../src/model/runtime';
import { STEP_NONFINITE_NORM, STEP_OK, layerSteps, stepPart, stepPenalty, stepUpdate } from '../src/model/step';
import type { LayersModel } from '../src/model/layers-model';
import { shardOffset, shardRows } from './session';
import type { TransferResult, TransferStart, TransferStep } from './transfer';
import { WorkerFailedError } from './data-parallel';

/** What the fallback needs from a pool. */
export interface TransferPool {
  readonly size: number;
  transferStart(worker: number, message: TransferStart): Promise<void>;
  transferStep(worker: number, message: TransferStep): Promise<TransferResult>;
  /** Frees the worker's session (its buffers and its copy of the data). */
  transferEnd(worker: number): Promise<void>;
}

let warned = false;

/** Says once, in plain words, why training is slower than it could be. */
export function warnNotIsolated(workers: number): void {
  if (warned) return;
  warned = true;
  console.warn(
    `knobs: this page is not cross-origin isolated, so its workers cannot share memory. Training still runs on ${workers} workers, ` +
      'but the weights are copied to them at every step, which is slower. To let them share memory, serve the page with the headers ' +
      '"Cross-Origin-Opener-Policy: same-origin" and "Cross-Origin-Embedder-Policy: require-corp".',
  );
}

export async function createTransferRunner(pool: TransferPool, model: LayersModel, spec: RunnerSpec, W: number): Promise<EpochRunner> {
  const e = model.engine;
  const core = spec.core,
    P = core.paramCount;
  const opt = model.optimizer!;
  const f32 = (ptr: number, n: number): Float32Array => e.f32.slice(ptr >> 2, (ptr >> 2) + n);
  const i32 = (ptr: number, n: number): Int32Array => e.i32.slice(ptr >> 2, (ptr >> 2) + n);
  const { data } = spec;
  const start: TransferStart = {
    core: coreConfigOf(model, core),
    rows: data.rows,
    // byte inputs travel as the floats they stand for: this copying fallback keeps its one format
    x: data.xBytes ? inputFloats(e, data, core.inputSize) : f32(data.x, data.rows * core.inputSize),
    labelsF32: data.labelsF32 ? f32(data.labelsF32, data.rows * targetCols(core)) : undefined,
    labelsI32: data.labelsI32 ? i32(data.labelsI32, data.rows) : undefined,
    weights: data.weights ? f32(data.weights, data.rows) : undefined,
    rowsCap: Math.ceil(spec.batchSize / W),
    sparse: spec.sparse,
    useWeights: spec.useWeights,
    seed: spec.seed,
    augment: spec.augment ? { pipeline: spec.augment.pipeline.toJSON(), seed: spec.augment.seed } : undefined,
  };
  // every worker's session ends with the fit, finished or failed (a worker that died has none)
  const endSessions = async (): Promise<void> => {
    await Promise.allSettled(Array.from({ length: W }, (_, w) => pool.transferEnd(w)));
  };
  try {
    await Promise.all(Array.from({ length: W }, (_, w) => pool.transferStart(w, start)));
  } catch (err) {
    await endSessions();
    throw err;
  }
  const probes = spec.health ? healthProbes(core) : undefined;
  const bnLayers = layerSteps(core, (l): l is BatchNormalization => l instanceof BatchNormalization).map((s) => s.layer);
  // all or nothing: an allocation that fails frees the blocks taken before it
  const taken: number[] = [];
  const take = (floats: number): number => {
    const p = e.allocF32(floats);
    taken.push(p);
    return p;
  };
  let slots: number, bnBufs: { mean: number; m2: number; oMean: number; oM2: number }[];
  try {
    slots = take(Math.max(1, P * W));
    bnBufs = bnLayers.map((l) => ({ mean: take(l.outputSize), m2: take(l.outputSize), oMean: take(l.outputSize), oM2: take(l.outputSize) }));
  } catch (err) {
    for (const p of taken) e.free(p);
    await endSessions();
    throw err;
  }
  // the main thread steps the whole range, on the shards' gradients reduced into the first slot
  const part = stepPart({ e, core, optimizer: opt, from: 0, to: P, clipNorm: spec.clipNorm, grads: slots, stride: P, slots: W });

  return {
    async runEpoch(epoch: number, hooks: BatchHooks) {
      const tally = new EpochTally(spec.countCorrect);
      for (let b = 0, s0 = 0; s0 < data.rows; b++, s0 += spec.batchSize) {
        hooks.check();
        await hooks.begin(b);
        const n = Math.min(spec.batchSize, data.rows - s0);
        const batchWeight = spec.useWeights ? f32_gather_sum(e, data.weights, data.rows, data.order + s0 * 4, n) : n;
        const scale = batchWeight > 0 ? 1 / batchWeight : 0;
        const order = i32(data.order + s0 * 4, n);
        const t = opt.iterations + 1;
        // a health step, as on shared memory: shard 0's outputs, the summed gradient
        const measure = spec.health !== undefined && (t - 1) % spec.health.every === 0;
        let results: TransferResult[];
        try {
          results = await Promise.all(
            Array.from({ length: W }, (_, w) =>
              pool.transferStep(w, {
                params: f32(model.params, P),
                state: f32(model.state, core.stateCount),
                indices: order.slice(shardOffset(n, W, w), shardOffset(n, W, w) + shardRows(n, W, w)),
                rowOffset: shardOffset(n, W, w),
                batchRows: n,
                t,
                epoch,
                scale,
                health: measure && w === 0,
              }),
            ),
          );
        } catch (err) {
          const worker = (err as { worker?: number }).worker ?? -1;
          throw new WorkerFailedError(
            `fit: worker ${worker} failed at epoch ${epoch + 1}, batch ${b + 1} (${(err as Error).name}: ${(err as Error).message}); the model keeps the weights of its last completed step`,
            worker,
            epoch,
            b,
            { cause: err },
          );
        }
        let stepLoss = 0,
          stepCorrect = 0;
        results.forEach((r, w) => {
          e.f32.set(r.grads, (slots >> 2) + w * P);
          stepLoss += r.lossSum;
          stepCorrect += r.correct;
        });
        // the shared step (src/model/step.ts) over the whole range: nothing moves when it diverges
        const loss = batchLoss(stepLoss, batchWeight, stepPenalty(part, model.params));
        const status = stepUpdate(part, loss, model.params, model.slots, t, opt.learningRate);
        if (status !== STEP_OK) throw divergenceError(status === STEP_NONFINITE_NORM ? 'gradient norm' : 'loss', part.diverged, epoch, b, opt.learningRate);
        opt.iterations++;
        if (measure && probes && results[0]!.health) {
          const record = results[0]!.health;
          measureGradientNorms(e, probes, slots, record);
          spec.health!.recorder.add(t - 1, loss, record);
        }
        // the moving statistics from every shard's batch statistics, merged in shard order
        bnLayers.forEach((l, k) => {
          const z = bnBufs[k]!,
            c = l.outputSize;
          let count = 0;
          results.forEach((r, w) => {
            const rows = shardRows(n, W, w);
            if (rows === 0) return;
            e.f32.set(r.bn[k]!.mean, z.oMean >> 2);
            e.f32.set(r.bn[k]!.variance, z.oM2 >> 2);
            f32_scale(e, z.oM2, z.oM2, c, rows); // variance -> M2
            if (count === 0) {
              e.u8.copyWithin(z.mean, z.oMean, z.oMean + c * 4);
              e.u8.copyWithin(z.m2, z.oM2, z.oM2 + c * 4);
            } else f32_bn_merge(e, z.mean, z.m2, count, z.oMean, z.oM2, rows, c);
            count += rows;
          });
          f32_scale(e, z.m2, z.m2, c, 1 / count);
          l.updateState({ e, state: model.state } as StepContext, { out: 0, extra: { batchMean: z.mean, batchVar: z.m2 } });
        });
        await hooks.end(b, tally.add(loss, stepCorrect, batchWeight, n));
      }
      return tally.result();
    },
    async close() {
      for (const p of taken) e.free(p);
      taken.length = 0;
      await endSessions();
    },
  };
}
