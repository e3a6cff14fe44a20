/**
 * The epoch runner of `fit({ workers })` in browsers: the pool in use (or a default one), then
 * the shared-memory runner on a cross-origin isolated page, the message fallback on others.
 * Imported with the first fit that asks for workers (browser-backend.ts), with the runners, so
 * that an app training on one thread never loads them (issue 15).
 * @internal
 * @module
 */
import type { LayersModel } from '../src/model/layers-model';
import type { EpochRunner, RunnerSpec } from '../src/model/parallel';
import { BrowserWorkerPool, pools } from './browser-pool';
import { capWorkers, createDataParallelRunner, workerCount } from './data-parallel';
import { createTransferRunner, warnNotIsolated } from './transfer-parallel';

let warnedNoWorker = false;

/**
 * The epoch runner of `fit({ workers })` in browsers, or undefined to train on one thread. Loaded
 * with the first such fit.
 * @internal
 */
export async function createBrowserRunner(model: unknown, spec: RunnerSpec): Promise<EpochRunner | undefined> {
  const m = model as LayersModel;
  if (typeof Worker !== 'function' && !pools.override) {
    // edge runtimes (workerd, Vercel's edge) have no threads: train anyway, and say so once
    if (!warnedNoWorker && spec.workers !== 1 && spec.workers !== undefined) {
      warnedNoWorker = true;
      console.warn(`knobs: fit({ workers: ${String(spec.workers)} }) trains on one thread: this runtime has no Worker.`);
    }
    return undefined;
  }
  const asked = pools.override
    ? capWorkers(spec.workers, pools.override.size, 'workers of the pool in use')
    : capWorkers(spec.workers, Math.max(1, globalThis.navigator?.hardwareConcurrency ?? 2));
  const requested = asked === 'auto' ? undefined : asked;
  let pool = pools.override ?? pools.default;
  if (!pool || (requested !== undefined && pool.size < requested)) {
    await pool?.close();
    pool = pools.default = new BrowserWorkerPool({ size: Math.max(requested ?? 1, Math.min(8, globalThis.navigator?.hardwareConcurrency ?? 2)) });
  }
  const workers = workerCount(m, { ...spec, workers: asked }, pool.size);
  if (workers <= 1) return undefined;
  if (pool.shared) return createDataParallelRunner(pool, m, spec, workers);
  warnNotIsolated(workers);
  return createTransferRunner(pool, m, spec, workers);
}
