/**
 * `npm run bench:tune`: tuning an MNIST MLP (learning rate, hidden units, L2, dropout, batch
 * size) with random search and with TPE + ASHA on the same budget of training epochs, over 5
 * seeds; then the trial throughput of 1 against 2 workers (each trial trains single-threaded
 * in its own worker: the "many models in parallel" strategy).
 *
 *   npm run bench:tune                     both parts
 *   npm run bench:tune -- search           only the search comparison
 *   npm run bench:tune -- throughput       only the throughput
 *   npm run bench:tune -- samplers         the samplers on synthetic objectives (Branin, Rosenbrock)
 */
import * as knobs from '../../build/entry.node';
import { benchSamplers, benchTune, benchTuneThroughput, type MakeTrial, type MlpParams } from './tune';
import { fmt, table } from './util';

const wanted = new Set(process.argv.slice(2));
const all = wanted.size === 0;
const all10k = await knobs.data.loadMnist({ count: 10000 });
const labels = all10k.y as Int32Array;
const xTrain = all10k.x.subarray(0, 8000 * 784), yTrain = labels.subarray(0, 8000);
const xDev = all10k.x.subarray(8000 * 784), yDev = labels.subarray(8000);

function build(p: MlpParams, seed: number): knobs.Sequential {
  const L = knobs.layers;
  const m = knobs.sequential({ inputShape: [784], seed, layers: [
    L.dense({ units: p.units, activation: 'relu', kernelInitializer: 'heNormal', kernelRegularizer: knobs.regularizers.l2(p.l2) }),
    L.dropout({ rate: p.dropout }),
    L.dense({ units: 10, activation: 'softmax' })] });
  m.compile({ optimizer: knobs.optimizers.adam({ learningRate: p.lr }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  return m;
}

/** A trial that trains on this thread. */
const local: MakeTrial = (p, info) => {
  const m = build(p, info.seed * 1000 + info.trialNumber);
  return {
    async trainEpoch() {
      await m.fit(xTrain, yTrain, { batchSize: p.batchSize, epochs: m.epochsCompleted + 1, verbose: 0, health: false });
      return m.evaluate(xDev, yDev).accuracy!;
    },
    dispose: () => m.dispose(),
  };
};

const sections: string[] = [];

if (wanted.has('samplers')) {
  const rows = await benchSamplers();
  sections.push(table('Samplers on synthetic objectives: trials to reach the target, mean of 10 seeds (400 when never reached)',
    ['objective', 'sampler', 'mean trials', 'seeds that reached it'], rows.map((r) => [r.objective, r.sampler, fmt(r.meanTrials, 1), `${r.reached}/10`])));
}

if (all || wanted.has('search')) {
  const r = await benchTune({ makeTrial: local, epochBudget: 150, maxEpochs: 9, seeds: [0, 1, 2, 3, 4], log: true,
    minResource: Number(process.env.KNOBS_MIN_RESOURCE ?? 1), reductionFactor: Number(process.env.KNOBS_REDUCTION ?? 3) });
  sections.push(table('Tuning an MNIST MLP: random search vs TPE + ASHA, budget 150 epochs per search (8,000 train / 2,000 dev digits)',
    ['seed', 'random: best dev acc.', 'random: trials', 'TPE+ASHA: best dev acc.', 'TPE+ASHA: trials (pruned)', "TPE+ASHA: epochs to reach random's best"],
    [0, 1, 2, 3, 4].map((s) => {
      const rr = r.rows.find((x) => x.seed === s && x.method === 'random')!, tr = r.rows.find((x) => x.seed === s && x.method === 'tpe+asha')!;
      return [s, `${fmt(100 * rr.bestDevAccuracy, 2)}%`, rr.trials, `${fmt(100 * tr.bestDevAccuracy, 2)}%`, `${tr.trials} (${tr.pruned})`, String(tr.epochsToReachRandom)];
    })));
  sections.push(`mean best: random ${fmt(100 * r.summary.meanBestRandom, 2)}%, TPE+ASHA ${fmt(100 * r.summary.meanBestTpeAsha, 2)}%; ` +
    `TPE+ASHA needed ${fmt(100 * r.summary.meanEpochFraction, 0)}% of the budget on average to reach random search's final accuracy ` +
    `(within half on ${r.summary.seedsWithinHalf} of ${r.summary.seeds} seeds; target <= 50%: ${r.summary.targetMet ? 'met' : 'missed'})\n`);
}

if (all || wanted.has('throughput')) {
  const pool = knobs.workerPool({ size: 2 });
  /** A trial that trains each epoch in a worker of the pool. */
  const inWorker: MakeTrial = (p, info) => {
    const m = build(p, info.seed * 1000 + info.trialNumber);
    return {
      async trainEpoch() {
        const h = await pool.train(m, xTrain, yTrain, { batchSize: p.batchSize, epochs: m.epochsCompleted + 1, validationData: [xDev, yDev] });
        return h.history.val_accuracy!.at(-1)!;
      },
      dispose: () => m.dispose(),
    };
  };
  const t = await benchTuneThroughput({ makeTrial: inWorker, trials: 24, epochs: 2 });
  await pool.close();
  sections.push(table('Trial throughput: trials per minute with 1 and 2 trials at once, each training in its own worker (24 trials x 2 epochs)',
    ['1 at once', '2 at once', 'ratio', 'target'], [[fmt(t.perMinute1, 1), fmt(t.perMinute2, 1), `${fmt(t.ratio, 2)}x`, '>= 1.8x']]));
}

await knobs.shutdown();
console.log(sections.join('\n'));
