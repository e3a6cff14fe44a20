/**
 * "Many models in parallel": a whole fit runs inside one worker, on the worker's own engine,
 * while other workers train other models. The model travels as one ArrayBuffer (architecture,
 * weights, optimizer state), the data as typed arrays over SharedArrayBuffers (shared, not
 * copied), and after every epoch the worker reports its logs and waits for the main thread's
 * answer: go on, or stop (a pruned trial, early stopping decided on the main thread).
 */
import type { MessagePort } from 'node:worker_threads';
import { artifactsFromArrayBuffer, fromArtifacts, toArrayBuffer } from '../src/io/io';
import type { FitOptions } from '../src/model/sequential';

/** The fit options that can cross to a worker (no callbacks or signals: those stay on the main thread). */
export type RemoteFitOptions = Pick<
  FitOptions,
  'batchSize' | 'epochs' | 'verbose' | 'shuffle' | 'classWeight' | 'clipNorm' | 'initialEpoch' | 'validationSplit'
>;

/** A training job for one worker. */
export interface JobMessage {
  kind: 'job';
  /** The compiled model, packed by toArrayBuffer. */
  model: ArrayBuffer;
  x: Float32Array;
  y: Float32Array | Int32Array;
  sampleWeight?: Float32Array | undefined;
  validationData?: [Float32Array, Float32Array | Int32Array] | undefined;
  options: RemoteFitOptions;
  /** Epoch reports go through this port; the answer comes through `answer` (Int32 word: 0 waiting, 1 go on, 2 stop). */
  port?: { postMessage(m: unknown): void } | MessagePort | undefined;
  answer?: Int32Array | undefined;
}

/** What a job returns. */
export interface JobResult {
  model: ArrayBuffer;
  history: { epoch: number[]; history: Record<string, number[]> };
}

/** Runs a job (inside a worker). */
export async function runJob(job: JobMessage): Promise<JobResult> {
  const model = fromArtifacts(artifactsFromArrayBuffer(job.model));
  const callbacks =
    job.port && job.answer
      ? [
          {
            onEpochEnd: (epoch: number, logs?: Record<string, number>) => {
              Atomics.store(job.answer!, 0, 0);
              job.port!.postMessage({ epoch, logs });
              while (Atomics.load(job.answer!, 0) === 0) Atomics.wait(job.answer!, 0, 0, 1000);
              if (Atomics.load(job.answer!, 0) === 2) model.stopTraining = true;
            },
          },
        ]
      : [];
  try {
    const history = await model.fit(job.x, job.y, {
      ...job.options,
      verbose: 0,
      callbacks,
      ...(job.sampleWeight ? { sampleWeight: job.sampleWeight } : {}),
      ...(job.validationData ? { validationData: job.validationData } : {}),
    });
    return { model: toArrayBuffer(model), history: { epoch: history.epoch, history: history.history } };
  } finally {
    // the worker's engine outlives the job: a failed fit must not keep the model's memory
    model.dispose();
  }
}
