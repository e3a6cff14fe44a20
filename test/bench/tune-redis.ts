/**
 * `npm run bench:tune -- redis`: studies on a Redis server (issue 16), against a
 * redis-server started here on a free port (persistence as the tests: append-only file).
 *
 * 1. Storage-bound throughput: 1, 2 and 4 processes share one study of a cheap objective
 *    (three parameters, random sampler) until 200 trials are complete; knobs processes, then
 *    Optuna processes (`JournalStorage(JournalRedisStorage)`, its own Redis journal) on the same
 *    server, alternating, in this run. Processes start together (a barrier in Redis), after
 *    their start-up; the rate is complete trials / (last end - first start).
 * 2. Compute-bound throughput: 1, 2 and 4 processes share a study of MNIST MLP trials (fixed
 *    size, so every trial costs the same) against the same trainings in processes that share
 *    nothing (the ceiling).
 * 3. Opening a study of 10,000 trials (80,000 records written as knobs writes them).
 * 4. Cost per trial (ask, three suggestions, three reports, tell) on a study that already has
 *    10, 1,000 and 10,000 trials.
 *
 * Environment: KNOBS_REDIS_CHEAP (trials, default 200), KNOBS_REDIS_MNIST (trials, default 12),
 * KNOBS_REDIS_ROUNDS (default 2), KNOBS_REDIS_PARTS (default "cheap,mnist,size"),
 * KNOBS_REDIS_VERBOSE=1 (each process's trials and times).
 */
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import * as knobs from '../../build/entry.node';
import * as tune from '../../build/entry.tune.node';
import { FloatDistribution, IntDistribution, CategoricalDistribution, distributionToJson } from '../../src/tune/distributions';
import { formatDatetime } from '../../src/tune/storages/journal/format';
import { RedisServer, redisServerBinary } from '../tune/redisServer';
import { pythonWithOptuna, tempDir } from '../tune/helpers';
import { fmt, median, table } from './util';

const OPTUNA_REDIS = fileURLToPath(new URL('../../../test/tune/fixtures/optuna_redis.py', import.meta.url));

interface ChildConfig {
  kind: 'cheap' | 'mnist' | 'alone';
  url?: string;
  prefix?: string;
  studyName?: string;
  seed: number;
  total: number;
  processes: number;
}
interface ChildResult {
  start: number;
  end: number;
  mine: number;
  /** CPU time of the whole process (knobs children only). */
  cpuMs?: number;
}

const now = () => performance.timeOrigin + performance.now();

/** All processes of a run start together: each counts itself in and waits for the others. */
async function barrier(url: string, key: string, n: number): Promise<void> {
  const { createClient } = await import('@redis/client');
  const c = createClient({ url });
  await c.connect();
  await c.incr(key);
  while (Number(await c.get(key)) < n) await new Promise((r) => setTimeout(r, 5));
  c.destroy();
}

async function mnistModel(seed: number, lr: number) {
  const L = knobs.layers;
  const m = knobs.sequential({ inputShape: [784], seed, layers: [L.dense({ units: 64, activation: 'relu' }), L.dense({ units: 10, activation: 'softmax' })] });
  m.compile({ optimizer: knobs.optimizers.adam({ learningRate: lr }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  return m;
}

/** A child process of this benchmark (`tune.js redis-child CONFIG`). */
export async function redisChild(cfg: ChildConfig): Promise<void> {
  let data: { x: Float32Array; y: Int32Array } | undefined;
  if (cfg.kind !== 'cheap') {
    const d = await knobs.data.loadMnist({ count: 6000 });
    data = { x: d.x, y: d.y as Int32Array };
  }
  const train = async (seed: number, lr: number) => {
    const m = await mnistModel(seed, lr);
    const x = data!.x.subarray(0, 5000 * 784),
      y = data!.y.subarray(0, 5000);
    await m.fit(x, y, { batchSize: 64, epochs: 1, verbose: 0, health: false });
    const acc = m.evaluate(data!.x.subarray(5000 * 784), data!.y.subarray(5000)).accuracy!;
    m.dispose();
    return acc;
  };
  if (cfg.kind === 'alone') {
    const start = now();
    for (let i = 0; i < cfg.total; i++) await train(cfg.seed * 100 + i, 1e-3);
    console.log(JSON.stringify({ start, end: now(), mine: cfg.total }));
    return;
  }
  const storage = tune.redisStorage(cfg.url!, { prefix: cfg.prefix });
  const study = await tune
    .createStudy({
      storage,
      studyName: cfg.studyName,
      direction: cfg.kind === 'mnist' ? 'maximize' : 'minimize',
      sampler: tune.randomSampler({ seed: cfg.seed }),
    })
    .ready();
  await barrier(cfg.url!, `${cfg.prefix}:bench:barrier`, cfg.processes);
  const start = now();
  let mine = 0;
  await study.optimize(
    async (t) => {
      mine++;
      if (cfg.kind === 'mnist') return train(t.number, t.suggestFloat('lr', 1e-4, 1e-2, { log: true }));
      const x = t.suggestFloat('x', -5, 5);
      const units = t.suggestInt('units', 1, 100, { log: true });
      const act = t.suggestCategorical('act', ['relu', 'tanh']);
      return x * x + Math.log(units) + (act === 'relu' ? 0 : 1);
    },
    { callbacks: [tune.maxTrialsCallback(cfg.total)] },
  );
  const end = now();
  await storage.close();
  console.log(JSON.stringify({ start, end, mine, cpuMs: (process.cpuUsage().user + process.cpuUsage().system) / 1000 }));
}

function run(cmd: string, args: string[]): Promise<ChildResult> {
  return new Promise((resolve, reject) =>
    execFile(cmd, args, { maxBuffer: 1 << 24 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args[0]} failed: ${stderr || err.message}`));
      else resolve(JSON.parse(stdout.trim().split('\n').at(-1)!) as ChildResult);
    }),
  );
}

/** Complete trials per second of `processes` processes on one study. */
async function rate(results: ChildResult[]): Promise<{ perSecond: number; trials: number }> {
  const t0 = Math.min(...results.map((r) => r.start));
  const wall = Math.max(...results.map((r) => r.end)) - t0;
  if (process.env.KNOBS_REDIS_VERBOSE)
    console.log(
      results.map((r) => `${r.mine} trials ${fmt(r.start - t0, 0)}-${fmt(r.end - t0, 0)} ms${r.cpuMs ? ` (CPU ${fmt(r.cpuMs, 0)} ms)` : ''}`).join(', '),
    );
  const trials = results.reduce((a, r) => a + r.mine, 0);
  return { perSecond: trials / (wall / 1000), trials };
}

let runId = 0;
async function knobsRun(server: RedisServer, kind: 'cheap' | 'mnist', processes: number, total: number) {
  const prefix = `bench${++runId}`;
  const self = fileURLToPath(import.meta.url);
  const cfg = (seed: number): ChildConfig => ({ kind, url: server.url, prefix, studyName: 's', seed, total, processes });
  return rate(await Promise.all(Array.from({ length: processes }, (_, i) => run(process.execPath, [self, 'redis-child', JSON.stringify(cfg(i + 1))]))));
}
async function optunaRun(python: string, server: RedisServer, processes: number, total: number) {
  const prefix = `bench${++runId}`;
  return rate(
    await Promise.all(
      Array.from({ length: processes }, (_, i) =>
        run(python, [OPTUNA_REDIS, 'bench', server.url, prefix, 's', String(total), String(i + 1), String(processes)]),
      ),
    ),
  );
}
async function aloneRun(processes: number, total: number) {
  const self = fileURLToPath(import.meta.url);
  // the same total of trainings split over processes that share nothing
  const share = (i: number) => Math.floor(total / processes) + (i < total % processes ? 1 : 0);
  return rate(
    await Promise.all(
      Array.from({ length: processes }, (_, i) =>
        run(process.execPath, [self, 'redis-child', JSON.stringify({ kind: 'alone', seed: i + 1, total: share(i), processes } satisfies ChildConfig)]),
      ),
    ),
  );
}

/** Writes a study of `n` trials as knobs writes them (8 records a trial), in batches. */
async function writeStudy(server: RedisServer, prefix: string, n: number): Promise<void> {
  const backend = new tune.RedisJournalBackend(server.url, { prefix });
  const w = 'bench-writer';
  const dists = {
    x: distributionToJson(new FloatDistribution(-5, 5)),
    units: distributionToJson(new IntDistribution(1, 100, { log: true })),
    act: distributionToJson(new CategoricalDistribution(['relu', 'tanh'])),
  };
  let batch: tune.JournalLog[] = [{ op_code: 0, worker_id: w, study_name: 's', directions: [1] }];
  const date = formatDatetime(new Date());
  for (let i = 0; i < n; i++) {
    const x = Math.sin(i) * 5,
      units = 1 + (i % 100),
      act = i % 2;
    const value = x * x + Math.log(units) + act;
    batch.push({ op_code: 4, worker_id: w, study_id: 0, datetime_start: date });
    batch.push({ op_code: 5, worker_id: w, trial_id: i, param_name: 'x', param_value_internal: x, distribution: dists.x });
    batch.push({ op_code: 5, worker_id: w, trial_id: i, param_name: 'units', param_value_internal: units, distribution: dists.units });
    batch.push({ op_code: 5, worker_id: w, trial_id: i, param_name: 'act', param_value_internal: act, distribution: dists.act });
    for (let step = 0; step < 3; step++) batch.push({ op_code: 7, worker_id: w, trial_id: i, step, intermediate_value: value + 1 / (step + 1) });
    batch.push({ op_code: 6, worker_id: w, trial_id: i, state: 1, values: [value], datetime_complete: date });
    if (batch.length >= 4000) {
      await backend.appendLogs(batch);
      batch = [];
    }
  }
  if (batch.length) await backend.appendLogs(batch);
  await backend.close();
}

/** Runs the Redis sections; answers the tables. */
export async function benchRedis(): Promise<string[]> {
  const bin = redisServerBinary();
  if (!bin) throw new Error('bench:tune redis needs redis-server (apt-get install redis-server)');
  const python = pythonWithOptuna();
  const server = await RedisServer.start(bin, tempDir('knobs-redis-bench-'));
  const sections: string[] = [];
  const load0 = loadavg();
  try {
    const CHEAP = Number(process.env.KNOBS_REDIS_CHEAP ?? 200);
    const MNIST = Number(process.env.KNOBS_REDIS_MNIST ?? 12);
    const ROUNDS = Number(process.env.KNOBS_REDIS_ROUNDS ?? 2);
    const procs = [1, 2, 4];
    const parts = new Set((process.env.KNOBS_REDIS_PARTS ?? 'cheap,mnist,size').split(','));

    // 1. storage-bound
    const k: Record<number, number[]> = { 1: [], 2: [], 4: [] },
      o: Record<number, number[]> = { 1: [], 2: [], 4: [] };
    for (let r = 0; r < (parts.has('cheap') ? ROUNDS : 0); r++) {
      for (const p of procs) {
        k[p]!.push((await knobsRun(server, 'cheap', p, CHEAP)).perSecond);
        if (python) o[p]!.push((await optunaRun(python, server, p, CHEAP)).perSecond);
        console.log(`cheap, ${p} process(es), round ${r + 1}: knobs ${fmt(k[p]!.at(-1)!, 1)}/s, Optuna ${python ? fmt(o[p]!.at(-1)!, 1) : '-'}/s`);
      }
    }
    if (parts.has('cheap'))
      sections.push(
        table(
          `Storage-bound: complete trials per second on one Redis study (cheap objective, random sampler, ${CHEAP} trials; medians of ${ROUNDS} alternating rounds)`,
          ['processes', 'knobs', 'Optuna 3.1 JournalRedisStorage', 'knobs / Optuna', 'target'],
          procs.map((p) => {
            const kn = median(k[p]!),
              op = python ? median(o[p]!) : NaN;
            return [p, fmt(kn, 1), python ? fmt(op, 1) : 'no Optuna here', python ? `${fmt(kn / op, 2)}x` : '-', '>= 1x'];
          }),
        ),
      );

    // 2. compute-bound
    const shared: Record<number, number[]> = { 1: [], 2: [], 4: [] },
      alone: Record<number, number[]> = { 1: [], 2: [], 4: [] };
    for (let r = 0; r < (parts.has('mnist') ? ROUNDS : 0); r++) {
      for (const p of procs) {
        shared[p]!.push((await knobsRun(server, 'mnist', p, MNIST)).perSecond * 60);
        alone[p]!.push((await aloneRun(p, MNIST)).perSecond * 60);
        console.log(`MNIST, ${p} process(es), round ${r + 1}: on Redis ${fmt(shared[p]!.at(-1)!, 1)}/min, sharing nothing ${fmt(alone[p]!.at(-1)!, 1)}/min`);
      }
    }
    if (parts.has('mnist'))
      sections.push(
        table(
          `Compute-bound: MNIST MLP trials per minute (784-64-10, 1 epoch on 5,000 digits, ${MNIST} trials; medians of ${ROUNDS} rounds)`,
          ['processes', 'one study on Redis', 'processes sharing nothing (ceiling)', 'Redis / ceiling', 'target'],
          procs.map((p) => [
            p,
            fmt(median(shared[p]!), 1),
            fmt(median(alone[p]!), 1),
            fmt(median(shared[p]!) / median(alone[p]!), 2),
            p === 2 ? '>= 0.9' : '-',
          ]),
        ),
      );

    // 3 and 4. opening a study, cost per trial as it grows
    const rows: (string | number)[][] = [];
    const cheapReporting: tune.Objective = (t) => {
      const x = t.suggestFloat('x', -5, 5);
      const units = t.suggestInt('units', 1, 100, { log: true });
      const act = t.suggestCategorical('act', ['relu', 'tanh']);
      const v = x * x + Math.log(units) + (act === 'relu' ? 0 : 1);
      for (let step = 0; step < 3; step++) t.report(v + 1 / (step + 1), step);
      return v;
    };
    {
      // warm-up (compilation, first connection), not measured
      const warm = await tune.createStudy({ storage: `${server.url}?prefix=warmup`, studyName: 's', sampler: tune.randomSampler({ seed: 1 }) }).ready();
      await warm.optimize(cheapReporting, { nTrials: 100 });
      await warm.storage.close?.();
    }
    for (const n of parts.has('size') ? [10, 1000, 10000] : []) {
      const prefix = `size${n}`;
      const t0 = performance.now();
      await writeStudy(server, prefix, n);
      const writeMs = performance.now() - t0;
      const opens: number[] = [];
      for (let i = 0; i < 3; i++) {
        const t1 = performance.now();
        const st = await tune.loadStudy({ storage: `${server.url}?prefix=${prefix}`, studyName: 's' }).ready();
        if (st.trials.length !== n) throw new Error(`opened ${st.trials.length} trials, wrote ${n}`);
        void st.bestTrial;
        opens.push(performance.now() - t1);
        await st.storage.close?.();
      }
      const study = await tune.loadStudy({ storage: `${server.url}?prefix=${prefix}`, studyName: 's', sampler: tune.randomSampler({ seed: 1 }) }).ready();
      const TRIALS = 100;
      const t2 = performance.now();
      await study.optimize(cheapReporting, { nTrials: TRIALS });
      const perTrial = (performance.now() - t2) / TRIALS;
      await study.storage.close?.();
      rows.push([
        n,
        n * 8 + 1,
        fmt(writeMs, 0),
        fmt(median(opens), 0),
        n === 10000 ? (median(opens) < 1000 ? 'met (< 1000)' : 'missed (< 1000)') : '-',
        fmt(perTrial, 2),
      ]);
      console.log(`study of ${n}: open ${fmt(median(opens), 0)} ms, ${fmt(perTrial, 2)} ms per trial`);
    }
    if (parts.has('size'))
      sections.push(
        table(
          'Study size: time to open (loadStudy + ready + bestTrial, median of 3) and cost per trial (ask, 3 suggestions, 3 reports, tell; mean of 100, one process)',
          ['trials in the study', 'records', 'write (ms, batched)', 'open (ms)', 'target', 'ms per trial'],
          rows,
        ),
      );
  } finally {
    await server.stop();
    rmSync(server.dir, { recursive: true, force: true });
  }
  const load1 = loadavg();
  sections.push(`load average (1/5/15 min) at start ${load0.map((x) => fmt(x, 2)).join(' ')}, at end ${load1.map((x) => fmt(x, 2)).join(' ')}\n`);
  return sections;
}
