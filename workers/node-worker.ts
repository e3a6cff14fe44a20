/**
 * The Node worker (a piscina task module). Each worker instantiates the kernels once over the
 * pool's shared memory, from workerData, and keeps them for its whole life.
 */
import { workerData } from 'node:worker_threads';
import { attachEngine } from '../src/engine/engine';
import { runSession } from './session';
import { runJob, type JobMessage } from './jobs';
import type { SessionStart } from './protocol';

const { module, memory, faults } = workerData as {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  /** Test hook: exit or throw at a given step (never set outside the pool's fault tests). */
  faults?: { shard: number; step: number; kind: 'exit' | 'throw' } | undefined;
};
const e = attachEngine(module, memory);

export default function task(message: SessionStart | JobMessage): unknown {
  if (message.kind === 'session') {
    const f = faults && faults.shard === message.shard ? faults : undefined;
    return runSession(
      e,
      message,
      f
        ? {
            beforeStep: (t) => {
              if (t !== f.step) return;
              if (f.kind === 'exit') process.exit(3);
              throw new Error(`injected fault at step ${t}`);
            },
          }
        : {},
    );
  }
  if (message.kind === 'job') return runJob(message);
  throw new Error(`node-worker: unknown message kind ${(message as { kind?: unknown }).kind}`);
}
