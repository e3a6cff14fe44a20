// The training step has one definition (src/model/step.ts) used by every runner: one thread, the
// workers on shared memory (free-running and in lockstep with batch callbacks), and the message
// fallback of pages without shared memory. These tests run each runner on the same model and check
// that they agree: where a step diverges, and that a frozen layer never moves.
//
// The message fallback runs here in this thread: its worker side (workers/transfer.ts) is plain
// functions, and one session serves both shards in turn (they hold the same data and get the
// parameters with every step), so the main side (workers/transfer-parallel.ts) runs as in a browser.
import { afterAll, describe, expect, it } from 'vitest';
import * as knobs from '../../build/entry.node';
import { parallelBackend, registerParallelBackend } from '../../src/model/parallel';
import type { LayersModel } from '../../src/model/layers-model';
import { createTransferRunner, type TransferPool } from '../../workers/transfer-parallel';
import { transferEnd, transferStart, transferStep } from '../../workers/transfer';
import { randomArray } from '../helpers';

afterAll(() => knobs.shutdown());

const N = 96,
  F = 12;
const x = randomArray(N * F, 7);
const labels = Int32Array.from({ length: N }, (_, i) => (x[i * F]! + x[i * F + 1]! > 0 ? 1 : 0) + (x[i * F + 2]! > 0.3 ? 1 : 0));

/** A pool of `size` shards for the message fallback, running the worker side in this thread. */
const inThread = (size: number): TransferPool => ({
  size,
  transferStart: async (_w, m) => transferStart(m),
  transferStep: async (_w, m) => transferStep(m),
  transferEnd: async () => transferEnd(),
});

/** Runs f with fit's `workers` served by the message fallback on 2 shards. */
async function withTransfer<T>(f: () => Promise<T>): Promise<T> {
  const previous = parallelBackend();
  registerParallelBackend({ createRunner: (model, spec) => createTransferRunner(inThread(2), model as LayersModel, spec, 2) });
  try {
    return await f();
  } finally {
    registerParallelBackend(previous);
  }
}

type Runner = 'one thread' | 'shared memory' | 'shared memory, lockstep' | 'message fallback';
const RUNNERS: Runner[] = ['one thread', 'shared memory', 'shared memory, lockstep', 'message fallback'];

function fit(m: knobs.LayersModel, runner: Runner, options: knobs.FitOptions): Promise<unknown> {
  const o: knobs.FitOptions = { verbose: 0, ...options, workers: runner === 'one thread' ? 1 : 2 };
  // a callback with a batch hook makes the workers stop after every step
  if (runner === 'shared memory, lockstep') o.callbacks = { onBatchEnd: () => {} };
  return runner === 'message fallback' ? withTransfer(() => m.fit(x, labels, o)) : m.fit(x, labels, o);
}

const same = (a: Float32Array[], b: Float32Array[]): boolean =>
  a.length === b.length && a.every((w, i) => w.length === b[i]!.length && w.every((v, k) => Object.is(v, b[i]![k])));

/** A small net whose first kernel carries an L2 penalty of factor `l2`. */
function l2Net(l2: number): knobs.Sequential {
  const L = knobs.layers;
  return knobs.sequential({
    inputShape: [F],
    seed: 3,
    layers: [L.dense({ units: 16, activation: 'relu', kernelRegularizer: knobs.regularizers.l2(l2) }), L.dense({ units: 3, activation: 'softmax' })],
  });
}

/**
 * Every runner's weights agree with the first's (one thread) within 1e-5 + 1e-4 relative, and
 * those moved well beyond that tolerance from `initial`, so agreeing means something. Returns the
 * first runner's weights.
 */
function expectRunnersAgree(runners: readonly string[], runs: Float32Array[][], initial: Float32Array[]): Float32Array[] {
  const [one, ...others] = runs;
  others.forEach((w, r) =>
    w.forEach((a, i) => {
      for (let k = 0; k < a.length; k++) {
        const ref = one![i]![k]!;
        if (!(Math.abs(a[k]! - ref) <= 1e-5 + 1e-4 * Math.abs(ref))) throw new Error(`${runners[r + 1]}: weight ${i}[${k}] ${a[k]}, one thread ${ref}`);
      }
    }),
  );
  const moved = Math.max(...one!.map((w, i) => Math.max(...w.map((v, k) => Math.abs(v - initial[i]![k]!)))));
  expect(moved).toBeGreaterThan(0.05);
  return one!;
}

describe('the one training step, on every runner', () => {
  // l2 = 1e308 makes the penalty overflow to Infinity while the data loss stays finite. Before the
  // step had one home, the workers and the message fallback checked the loss before adding the
  // penalty: they stepped (the weights became non-finite) and only a later batch threw.
  it.each(RUNNERS)('%s: a non-finite penalty stops the first step before anything moves', async (runner) => {
    const m = l2Net(1e308);
    m.compile({ optimizer: knobs.optimizers.adam({ learningRate: 0.01 }), loss: 'sparseCategoricalCrossentropy' });
    const initial = m.getWeights();
    await expect(fit(m, runner, { epochs: 2, batchSize: 32 })).rejects.toThrow(/the loss became Infinity at epoch 1, batch 1;/);
    expect(same(m.getWeights(), initial)).toBe(true);
    expect(m.optimizer!.iterations).toBe(0);
    m.dispose();
  });

  it.each(RUNNERS)('%s: a non-finite gradient norm under clipNorm is reported with its value, before anything moves', async (runner) => {
    // a finite penalty whose gradient (2 * l2 * w, in float32) overflows
    const m = l2Net(1e39);
    m.compile({ optimizer: knobs.optimizers.sgd({ learningRate: 0.01 }), loss: 'sparseCategoricalCrossentropy' });
    const initial = m.getWeights();
    await expect(fit(m, runner, { epochs: 1, batchSize: 32, clipNorm: 1 })).rejects.toThrow(/the gradient norm became (Infinity|NaN) at epoch 1, batch 1;/);
    expect(same(m.getWeights(), initial)).toBe(true);
    m.dispose();
  });
});

describe('frozen layers on the message fallback', () => {
  function build(): knobs.Sequential {
    const L = knobs.layers;
    const m = knobs.sequential({
      inputShape: [F],
      seed: 21,
      layers: [
        L.dense({ name: 'base', units: 16, activation: 'relu', trainable: false, kernelRegularizer: knobs.regularizers.l2(0.01) }),
        // a frozen batch norm runs in inference mode: the shards' own statistics play no part
        L.batchNormalization({ name: 'bn', trainable: false }),
        L.dense({ name: 'hidden', units: 8, activation: 'tanh', kernelRegularizer: knobs.regularizers.l2(0.01) }),
        L.dropout({ rate: 0.2 }),
        L.dense({ name: 'out', units: 3, activation: 'softmax' }),
      ],
    });
    m.compile({ optimizer: knobs.optimizers.adam({ learningRate: 0.01 }), loss: 'sparseCategoricalCrossentropy' });
    return m;
  }

  it('the frozen dense layer and batch norm stay bit-identical, and the weights equal the shared-memory runners within rounding', async () => {
    const runs: Float32Array[][] = [];
    let initial: Float32Array[] = [];
    for (const runner of RUNNERS) {
      const m = build();
      initial = m.getWeights();
      const frozen = ['base', 'bn'].map((n) => m.getLayer(n).getWeights());
      const trained = ['hidden', 'out'].map((n) => m.getLayer(n).getWeights());
      await fit(m, runner, { epochs: 3, batchSize: 16, clipNorm: 1 });
      ['base', 'bn'].forEach((n, i) => expect(same(m.getLayer(n).getWeights(), frozen[i]!), `${runner}: ${n} frozen`).toBe(true));
      ['hidden', 'out'].forEach((n, i) => expect(same(m.getLayer(n).getWeights(), trained[i]!), `${runner}: ${n} trains`).toBe(false));
      runs.push(m.getWeights());
      m.dispose();
    }
    expectRunnersAgree(RUNNERS, runs, initial);
  });
});

describe('shared layers on every runner', () => {
  // two branches through one batch norm and one dense (each application with its own batch
  // statistics, merged across shards per application), then a dropout
  function build(bnTrainable: boolean): knobs.LayersModel {
    const L = knobs.layers;
    const input = knobs.input({ shape: [F] });
    const bn = L.batchNormalization({ name: 'bn', trainable: bnTrainable });
    const shared = L.dense({ name: 'shared', units: 6, activation: 'tanh' });
    const a = shared.apply(bn.apply(L.dense({ units: 6, activation: 'tanh' }).apply(input)));
    const b = shared.apply(bn.apply(L.dense({ units: 6, activation: 'relu' }).apply(input)));
    const y = L.dense({ name: 'out', units: 3, activation: 'softmax' }).apply(L.dropout({ rate: 0.2 }).apply(L.add().apply([a, b])));
    const m = knobs.model({ inputs: input, outputs: y, seed: 31 });
    m.compile({ optimizer: knobs.optimizers.adam({ learningRate: 0.01 }), loss: 'sparseCategoricalCrossentropy' });
    return m;
  }

  async function agree(runners: Runner[], bnTrainable: boolean): Promise<Float32Array[]> {
    const runs: Float32Array[][] = [];
    const initial = build(bnTrainable).getWeights();
    for (const runner of runners) {
      const m = build(bnTrainable);
      await fit(m, runner, { epochs: 3, batchSize: 16 });
      runs.push(m.getWeights());
      m.dispose();
    }
    return expectRunnersAgree(runners, runs, initial);
  }

  it('a shared batch norm in training mode and a shared dense: one thread, shared memory and lockstep agree', async () => {
    // the message fallback is left out: each of its shards normalizes with its own batch
    // statistics (a shared layer or not), so it does not match one thread in training mode
    const one = await agree(['one thread', 'shared memory', 'shared memory, lockstep'], true);
    // the moving mean moved: updated once per application and step
    expect(one[4]!.some((v) => v !== 0)).toBe(true); // after the first dense's kernel and bias: gamma, beta, moving mean
  });

  it('a frozen shared batch norm, a shared dense and a dropout: all four runners agree, the message fallback too', async () => {
    await agree(RUNNERS, false);
  });
});
