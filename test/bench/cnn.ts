/**
 * `npm run bench -- cnn`: issue 12's speed targets on the Keras "simple MNIST convnet" (conv 32 3x3
 * relu, maxpool 2, conv 64 3x3 relu, maxpool 2, flatten, dropout 0.5, dense 10 softmax; 34,826
 * parameters), Adam 1e-3, batch 128, real Fashion-MNIST, all in the same run:
 *   (a) knobs on one thread, (b) PyTorch on one thread (when /usr/bin/python3 has torch),
 *   (c) knobs with `workers: 2`, (d) the two-process ceiling: two one-thread knobs trainings in
 *   separate processes at once, against one alone, (e) TensorFlow.js: the wasm backend's error and
 *   the cpu backend's rate on a few images, (f) each conv layer's forward GFLOP/s against the gemm
 *   alone on the product its im2col produces.
 * Every training runs in its own child process (its peak RSS is its own); (a)-(d) alternate over
 * rounds and report medians, each over a fixed number of images per epoch with the first epoch
 * (warm-up) excluded, because this shared machine's speed drifts from minute to minute. The
 * one-thread rows also give samples per CPU-second of their process, which other jobs' load
 * changes far less than wall-clock time (they still share caches and memory bandwidth).
 */
import { spawn, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadavg } from 'node:os';
import { benchConv } from './conv';
import type { TrainResult } from './mnist-data';
import type { TfjsCnnResult } from './cnn-tfjs.bench';
import { fmt, median, table } from './util';

const here = dirname(fileURLToPath(import.meta.url));
const PYTHON = '/usr/bin/python3';
const TORCH_SCRIPT = join(here, '../../../test/bench/cnn-torch.py');
/** Images per epoch, epochs (the first is warm-up), batch size, rounds. */
const COUNT = 4096,
  EPOCHS = 3,
  BATCH = 128,
  ROUNDS = 3,
  TFJS_COUNT = 32;

/** Debian's python3-torch needs the distribution's OpenBLAS settings, not this machine's overrides. */
function torchEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  return env;
}

function lastJson<T>(what: string, status: number | null, stdout: string, stderr: string): T {
  if (status !== 0) throw new Error(`${what} failed (exit ${status}):\n${stderr}`);
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]!) as T;
}

/** Runs a child to completion without blocking the event loop (so that two can run at once). */
function run<T>(cmd: string, args: (string | number)[], env?: NodeJS.ProcessEnv): Promise<T> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args.map(String), { env: env ?? process.env });
    let out = '',
      err = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('error', reject);
    p.on('close', (code) => {
      try {
        resolve(lastJson<T>(`${cmd} ${args.join(' ')}`, code, out, err));
      } catch (e) {
        reject(e);
      }
    });
  });
}

const knobsChild = (workers: number, seed: number): Promise<TrainResult> =>
  run<TrainResult>(process.execPath, [join(here, 'cnn-knobs.js'), workers, EPOCHS, COUNT, BATCH, seed]);

/** Whether /usr/bin/python3 imports torch, and its version. */
function torchVersion(): string | undefined {
  const r = spawnSync(PYTHON, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8', env: torchEnv() });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

interface Pair {
  a: TrainResult;
  b: TrainResult;
}

/** Runs the section; returns its markdown (the tables it printed). */
export async function benchCnn(): Promise<string> {
  const load0 = loadavg();
  const torch = torchVersion();
  process.stderr.write(
    `cnn: simple convnet, Fashion-MNIST, ${COUNT} images x ${EPOCHS} epochs (first excluded), batch ${BATCH}, ${ROUNDS} interleaved rounds; PyTorch: ${torch ?? 'not installed'}\n`,
  );
  const one: TrainResult[] = [],
    tor: TrainResult[] = [],
    two: TrainResult[] = [],
    pairs: Pair[] = [];
  const log = (k: string, r: TrainResult): void => {
    process.stderr.write(`  ${k}: ${fmt(r.samplesPerSec, 0)} samples/s, test ${fmt(100 * r.testAccuracy, 2)}%, peak RSS ${fmt(r.peakRssMiB, 0)} MiB\n`);
  };
  for (let r = 0; r < ROUNDS; r++) {
    const seed = r + 1;
    const a = await knobsChild(1, seed);
    one.push(a);
    log('knobs 1 thread', a);
    if (torch) {
      const t = await run<TrainResult>(PYTHON, [TORCH_SCRIPT, 1, EPOCHS, COUNT, BATCH, seed], torchEnv());
      tor.push(t);
      log('PyTorch 1 thread', t);
    }
    const c = await knobsChild(2, seed);
    two.push(c);
    log('knobs 2 workers', c);
    const [pa, pb] = await Promise.all([knobsChild(1, seed), knobsChild(1, seed + 100)]);
    pairs.push({ a: pa, b: pb });
    process.stderr.write(`  two 1-thread processes at once: ${fmt(pa.samplesPerSec, 0)} + ${fmt(pb.samplesPerSec, 0)} samples/s\n`);
  }
  process.stderr.write(`cnn: tfjs (wasm backend, then the cpu backend on ${TFJS_COUNT} images)\n`);
  const tfjs = await run<TfjsCnnResult>(process.execPath, [join(here, 'cnn-tfjs.js'), TFJS_COUNT, BATCH]);
  const load1 = loadavg();

  const med = (rs: TrainResult[], f: (r: TrainResult) => number = (r) => r.samplesPerSec): number => median(rs.map(f));
  const knobs1 = med(one),
    knobs2 = med(two),
    torch1 = tor.length ? med(tor) : NaN;
  const ceilings = pairs.map((p) => p.a.samplesPerSec + p.b.samplesPerSec);
  const ceiling = median(ceilings);
  const pairEach = median(pairs.flatMap((p) => [p.a.samplesPerSec, p.b.samplesPerSec]));
  const pairRss = median(pairs.flatMap((p) => [p.a.peakRssMiB, p.b.peakRssMiB]));
  const vsTorch = knobs1 / torch1,
    vsCeiling = knobs2 / ceiling;
  const met = (x: number, target: number): string => (Number.isFinite(x) ? (x >= target ? 'met' : 'missed') : 'not measured');
  const cpuRate = (rs: TrainResult[]): number => (rs.length && rs.every((r) => r.cpuSamplesPerSec !== undefined) ? med(rs, (r) => r.cpuSamplesPerSec!) : NaN);
  const cpuCell = (rs: TrainResult[]): string => (Number.isFinite(cpuRate(rs)) ? fmt(cpuRate(rs), 0) : '-');
  const vsTorchCpu = cpuRate(one) / cpuRate(tor);
  const pct = (rs: TrainResult[]): string => `${fmt(100 * med(rs, (r) => r.testAccuracy), 2)}%`;
  const rows: (string | number)[][] = [
    [
      '(a) knobs, 1 thread',
      fmt(knobs1, 0),
      cpuCell(one),
      '1.00x',
      pct(one),
      fmt(
        med(one, (r) => r.peakRssMiB),
        0,
      ),
      '-',
    ],
    torch
      ? [
          `(b) PyTorch ${torch}, 1 thread`,
          fmt(torch1, 0),
          cpuCell(tor),
          `${fmt(torch1 / knobs1, 2)}x`,
          pct(tor),
          fmt(
            med(tor, (r) => r.peakRssMiB),
            0,
          ),
          '-',
        ]
      : ['(b) PyTorch, 1 thread', `not measured: ${PYTHON} has no torch (apt-get install python3-torch)`, '-', '-', '-', '-', '-'],
    [
      'knobs 1 thread / PyTorch 1 thread',
      `${fmt(vsTorch, 2)}x`,
      `${fmt(vsTorchCpu, 2)}x`,
      '-',
      '-',
      '-',
      `>= 0.75x: ${met(vsTorch, 0.75)}; moonshot 1x: ${met(vsTorch, 1)} (wall clock; per CPU-second: ${met(vsTorchCpu, 0.75)}, ${met(vsTorchCpu, 1)})`,
    ],
    [
      '(c) knobs, workers: 2',
      fmt(knobs2, 0),
      cpuCell(two),
      `${fmt(knobs2 / knobs1, 2)}x`,
      pct(two),
      fmt(
        med(two, (r) => r.peakRssMiB),
        0,
      ),
      '-',
    ],
    [
      '(d) ceiling: two 1-thread knobs processes at once (sum)',
      `${fmt(ceiling, 0)} (each ${fmt(pairEach, 0)})`,
      '-',
      `${fmt(ceiling / knobs1, 2)}x`,
      pct(pairs.map((p) => p.a)),
      fmt(pairRss, 0),
      '-',
    ],
    ['knobs workers: 2 / ceiling', `${fmt(vsCeiling, 2)}x`, '-', '-', '-', '-', `>= 0.9x: ${met(vsCeiling, 0.9)}`],
    [
      '(e) TensorFlow.js 4.22, wasm backend',
      tfjs.wasmSamplesPerSec === null ? `cannot train it: "${tfjs.wasmError}"` : fmt(tfjs.wasmSamplesPerSec, 1),
      '-',
      '-',
      '-',
      '-',
      'stated as measured',
    ],
    [
      `(e) TensorFlow.js 4.22, cpu backend (${tfjs.cpuSamples} images, one batch)`,
      fmt(tfjs.cpuSamplesPerSec, 2),
      '-',
      `${fmt(tfjs.cpuSamplesPerSec / knobs1, 4)}x`,
      '-',
      fmt(tfjs.peakRssMiB, 0),
      'stated as measured',
    ],
  ];
  const la = (l: number[]): string => l.map((x) => fmt(x, 1)).join(' ');
  const training = table(
    `Training the Keras simple MNIST convnet (34,826 parameters), Adam 1e-3, batch ${BATCH}, Fashion-MNIST: ${COUNT} images per epoch, ${EPOCHS} epochs, first excluded, medians of ${ROUNDS} interleaved rounds; load average ${la(load0)} before, ${la(load1)} after`,
    [
      'system',
      'samples/s',
      'samples per CPU-second',
      'vs knobs 1 thread',
      `test accuracy (10,000 images, after ${EPOCHS} x ${COUNT})`,
      'peak RSS MiB',
      'target',
    ],
    rows,
  );

  // (f) the two conv layers' forward against the gemm on the same product (benchConv's first two
  // shapes are this net's; the others are the Fashion-MNIST bench net's)
  const conv = benchConv();
  const names = ['conv 1: 28x28x1 -> 32 3x3 (8% of the forward arithmetic; direct)', 'conv 2: 13x13x32 -> 64 3x3 (91%; Winograd)'];
  const layers = table(
    'Conv forward per layer, one thread, batch 128 (GFLOP/s of the direct arithmetic, bias and relu fused) against f32_gemm alone on the product im2col produces',
    ['layer', 'forward', 'gemm alone', 'forward / gemm', 'input gradient', 'filter gradient'],
    conv.rows
      .slice(0, names.length)
      .map((r, i) => [
        names[i]!,
        fmt(r.forward!, 1),
        fmt(r.gemm!, 1),
        `${fmt(r.forward! / r.gemm!, 2)}x`,
        i === 0 ? `${fmt(r.backwardInput!, 1)} (not needed in training)` : fmt(r.backwardInput!, 1),
        fmt(r.backwardFilter!, 1),
      ]),
  );
  return [training, conv.markdown, layers].join('\n');
}
