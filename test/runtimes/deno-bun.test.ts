// Deno and Bun, the real binaries (dev dependencies `deno` and `bun` ship them): a project that
// depends on knobs trains on one thread and with workers: 2, predicts, and the process exits by
// itself, with no shutdown() call. Deno runs with --allow-read only (the kernels are a file).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, TRAIN_SMALL, consumerProject } from './helpers';

const MAIN = `${TRAIN_SMALL}
import * as knobs from 'knobs';
const one = await trainSmall(knobs, 1);
const two = await trainSmall(knobs, 2);
console.log(JSON.stringify({ one, two }));
`;

interface Result {
  one: { accuracy: number; epochs: number };
  two: { accuracy: number; epochs: number };
}

function run(command: string, args: string[]): Result {
  const dir = consumerProject({ 'main.mjs': MAIN });
  const started = Date.now();
  // a process kept alive by an idle worker would run into the timeout (then r.signal is set)
  const r = spawnSync(join(BIN, command), args, { cwd: dir, encoding: 'utf8', timeout: 90_000, env: { ...process.env, NO_COLOR: '1' } });
  if (r.status !== 0) throw new Error(`${command} exited with ${r.status ?? r.signal} after ${Date.now() - started} ms:\n${r.stderr}\n${r.stdout}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Result;
}

function check(r: Result): void {
  expect(r.one.epochs).toBe(25);
  expect(r.one.accuracy).toBeGreaterThan(0.9);
  expect(r.two.epochs).toBe(25);
  expect(r.two.accuracy).toBeGreaterThan(0.9);
}

describe('Deno and Bun', () => {
  it('Deno: one thread and workers: 2, then exits by itself', () => {
    check(run('deno', ['run', '--allow-read', 'main.mjs']));
  });

  it('Bun: one thread and workers: 2, then exits by itself', () => {
    check(run('bun', ['main.mjs']));
  });
});
