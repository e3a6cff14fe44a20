/**
 * Studies on Redis in Optuna's JournalRedisStorage layout, against real servers: each test
 * starts its own redis-server on a free port in a temporary folder and stops it. The
 * Python side runs Optuna (>= 3.1) with redis-py through test/tune/fixtures/optuna_redis.py.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import * as tune from '../../src/tune/node';
import { bundleScript, pythonWithOptuna, tempDir } from './helpers';
import { RedisServer, freePort, redisServerBinary } from './redisServer';

const bin = redisServerBinary();
const python = pythonWithOptuna();
const pyRedis = python !== null && spawnSync(python, ['-c', 'import redis'], { encoding: 'utf8' }).status === 0;
if (python && !pyRedis && process.env.KNOBS_REQUIRE_PYTHON) throw new Error('KNOBS_REQUIRE_PYTHON is set (CI) but python3-redis is missing');
const OPTUNA_REDIS = join(__dirname, 'fixtures/optuna_redis.py');

function pyRun(...args: string[]): string {
  const r = spawnSync(python!, [OPTUNA_REDIS, ...args], { encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`optuna_redis.py ${args[0]} failed: ${r.stderr}`);
  return r.stdout;
}

interface PyTrial {
  number: number;
  state: string;
  values: number[] | null;
  params: Record<string, unknown>;
  user_attrs: Record<string, unknown>;
}
interface PyStudy {
  study_name: string;
  best_trial: number | null;
  trials: PyTrial[];
}

const servers: RedisServer[] = [];
async function server(password?: string): Promise<RedisServer> {
  const s = await RedisServer.start(bin!, tempDir('knobs-redis-'), password);
  servers.push(s);
  return s;
}
afterEach(async () => {
  for (const s of servers.splice(0)) {
    await s.stop();
    rmSync(s.dir, { recursive: true, force: true });
  }
});

const objective: tune.Objective = (t) => {
  const x = t.suggestFloat('x', -5, 5);
  const units = t.suggestInt('units', 1, 100, { log: true });
  const act = t.suggestCategorical('act', ['relu', 'tanh']);
  for (let step = 0; step < 3; step++) t.report(x * x + 1 / (step + 1), step);
  return x * x + Math.log(units) + (act === 'relu' ? 0 : 1);
};

describe.skipIf(!bin)('Redis journal', () => {
  test('records go to <prefix>:log_number and <prefix>:log:<n> as Optuna lays them out', async () => {
    const s = await server();
    const storage = tune.redisStorage(s.url, { prefix: 'exp' });
    const study = await tune.createStudy({ storage, studyName: 'layout', sampler: tune.randomSampler({ seed: 3 }) }).ready();
    await study.optimize(objective, { nTrials: 4 });
    await storage.close();
    const count = Number(await s.command('GET', 'exp:log_number'));
    // create study + 4 x (create trial, 3 params, 3 reports, state)
    expect(count + 1).toBe(1 + 4 * 8);
    const first = JSON.parse((await s.command('GET', 'exp:log:0')) as string) as Record<string, unknown>;
    expect(first).toMatchObject({ op_code: 0, study_name: 'layout', directions: [1] });
    expect(await s.command('EXISTS', `exp:log:${count + 1}`)).toBe(0);
    expect(await s.command('EXISTS', 'exp:snapshot')).toBe(0);
    // a second process (another storage) reads the same study back, through the URL form
    const again = await tune.loadStudy({ storage: `${s.url}?prefix=exp`, studyName: 'layout' }).ready();
    expect(again.trials.map((t) => t.params)).toEqual(study.trials.map((t) => t.params));
    expect(again.bestTrial.number).toBe(study.bestTrial.number);
    await again.storage.close?.();
  });
});

describe.skipIf(!bin)('Redis journal: reading', () => {
  test('a large journal is read whole by a new process, and only new records afterwards', async () => {
    const s = await server();
    const storage = tune.redisStorage(s.url, { prefix: 'big' });
    const study = await tune.createStudy({ storage, studyName: 'big', sampler: tune.randomSampler({ seed: 7 }) }).ready();
    await study.optimize(objective, { nTrials: 150 }); // 1,201 records: the script's first 256, then MGETs
    const reader = new tune.RedisJournalBackend(s.url, { prefix: 'big' });
    const all = await reader.readLogs(0);
    expect(all).toHaveLength(1 + 150 * 8);
    expect(all.filter((l) => l.op_code === 4)).toHaveLength(150);
    expect(await reader.readLogs(1201)).toEqual([]);
    expect(await reader.readLogs(1195)).toEqual(all.slice(1195));
    const other = await tune.loadStudy({ storage: `${s.url}?prefix=big`, studyName: 'big' }).ready();
    expect(other.trials.map((t) => [t.params, t.values, t.intermediateValues])).toEqual(study.trials.map((t) => [t.params, t.values, t.intermediateValues]));
    // the first study adds trials; the second one catches up with what is new
    await study.optimize(objective, { nTrials: 2 });
    await other.storage.refresh!();
    expect(other.trials).toHaveLength(152);
    expect(other.trials[151]!.params).toEqual(study.trials[151]!.params);
    await Promise.all([storage.close(), other.storage.close?.(), reader.close()]);
  });

  test('a record counted but never written (a writer died between INCR and SET) is waited for, then named', async () => {
    const s = await server();
    const storage = tune.redisStorage(s.url, { prefix: 'hole' });
    const study = await tune.createStudy({ storage, studyName: 'h', sampler: tune.randomSampler({ seed: 1 }) }).ready();
    await study.optimize(objective, { nTrials: 1 });
    await storage.close();
    const last = Number(await s.command('INCR', 'hole:log_number'));
    const reader = new tune.RedisJournalBackend(s.url, { prefix: 'hole', retryTimeout: 0.3 });
    expect(await reader.readLogs(0)).toHaveLength(last); // everything before the hole
    await new Promise((r) => setTimeout(r, 400));
    await expect(reader.readLogs(last)).rejects.toThrow(new RegExp(`record "hole:log:${last}" is missing although "hole:log_number" is ${last}`));
    // once written (the writer was only slow), it is read
    await s.command('SET', `hole:log:${last}`, JSON.stringify({ op_code: 2, worker_id: 'w', study_id: 0, user_attr: { late: true } }));
    expect(await reader.readLogs(last)).toEqual([{ op_code: 2, worker_id: 'w', study_id: 0, user_attr: { late: true } }]);
    await reader.close();
  });
});

describe.skipIf(!bin || !pyRedis)('Redis journal shared with Optuna', () => {
  test('a study written by Optuna is continued by knobs, and Optuna reads back what knobs added', async () => {
    const s = await server();
    pyRun('write', s.url, 'px', 'from-optuna', '6');
    const storage = tune.redisStorage(s.url, { prefix: 'px' });
    const study = await tune.loadStudy({ storage, studyName: 'from-optuna', sampler: tune.tpeSampler({ seed: 2, nStartupTrials: 3 }) }).ready();
    expect(study.trials).toHaveLength(6);
    expect(study.userAttrs).toEqual({ origin: 'optuna' });
    await study.optimize(objective, { nTrials: 5 });
    await storage.close();
    const [dumped] = JSON.parse(pyRun('dump', s.url, 'px')) as PyStudy[];
    expect(dumped!.trials).toHaveLength(11);
    expect(dumped!.trials.map((t) => [t.number, t.state, t.values, t.params])).toEqual(study.trials.map((t) => [t.number, t.state, t.values, t.params]));
    expect(dumped!.best_trial).toBe(study.bestTrial.number);
  });

  test('a study written by knobs is continued by Optuna', async () => {
    const s = await server();
    const storage = tune.redisStorage(s.url, { prefix: 'kx' });
    const study = await tune.createStudy({ storage, studyName: 'from-knobs', sampler: tune.randomSampler({ seed: 5 }) }).ready();
    await study.optimize(objective, { nTrials: 5 });
    const out = JSON.parse(pyRun('work', s.url, 'kx', 'from-knobs', '9', '4').trim().split('\n').pop()!) as { mine: number };
    expect(out.mine).toBeGreaterThanOrEqual(4);
    await study.storage.refresh!();
    const [dumped] = JSON.parse(pyRun('dump', s.url, 'kx')) as PyStudy[];
    expect(study.trials.length).toBe(5 + out.mine);
    expect(dumped!.trials.map((t) => [t.number, t.state, t.values, t.params, t.user_attrs])).toEqual(
      study.trials.map((t) => [t.number, t.state, t.values, t.params, t.userAttrs]),
    );
    expect(dumped!.best_trial).toBe(study.bestTrial.number);
    await storage.close();
  });
});

describe.skipIf(!bin)('Redis journal: bad input names the server and the key, and changes nothing', () => {
  test('an unreachable server', async () => {
    const port = await freePort();
    const storage = tune.redisStorage(`redis://127.0.0.1:${port}?prefix=p`, { retryTimeout: 0.5 });
    const t0 = Date.now();
    const err = await tune
      .createStudy({ storage, studyName: 's' })
      .ready()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(tune.StorageError);
    expect((err as Error).message).toMatch(new RegExp(`cannot reach Redis redis://127\\.0\\.0\\.1:${port}.*"p:log_number".*retryTimeout 0\\.5 s`));
    expect(Date.now() - t0).toBeGreaterThanOrEqual(300);
    await storage.close();
  });

  test('a wrong password, and no password, fail at once', async () => {
    const s = await server('s3cret');
    for (const url of [`redis://:wrong@127.0.0.1:${s.port}`, `redis://127.0.0.1:${s.port}`]) {
      const storage = tune.redisStorage(url, { retryTimeout: 20 });
      const t0 = Date.now();
      const err = await tune
        .createStudy({ storage, studyName: 's' })
        .ready()
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(tune.StorageError);
      expect((err as Error).message).toContain(`Redis redis://`);
      expect((err as Error).message).toContain(`127.0.0.1:${s.port}`);
      expect((err as Error).message).toMatch(/":log_number".*(WRONGPASS|NOAUTH).*check the password/);
      expect((err as Error).message).not.toContain('wrong@');
      expect(Date.now() - t0).toBeLessThan(10_000);
      await storage.close();
    }
    // the right password works
    const ok = await tune.createStudy({ storage: s.url, studyName: 's' }).ready();
    expect(ok.trials).toEqual([]);
    await ok.storage.close?.();
  });

  test('a prefix that holds other data', async () => {
    const s = await server();
    await s.command('SET', 'app:log_number', 'hello');
    await s.command('HSET', 'cache:log_number', 'a', '1');
    for (const prefix of ['app', 'cache']) {
      const storage = tune.redisStorage(s.url, { prefix });
      const err = await tune
        .createStudy({ storage, studyName: 's' })
        .ready()
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(tune.StorageError);
      expect((err as Error).message).toContain(`Redis redis://127.0.0.1:${s.port}`);
      expect((err as Error).message).toContain(`"${prefix}:log_number"`);
      expect((err as Error).message).toMatch(/not an Optuna journal|other data/);
      // appending (a backend used directly) is refused too, and writes nothing
      const backend = new tune.RedisJournalBackend(s.url, { prefix });
      await expect(backend.appendLogs([{ op_code: 0, worker_id: 'w', study_name: 'x', directions: [1] }])).rejects.toThrow(/other data|not an Optuna journal/);
      await backend.close();
      await storage.close();
    }
    expect(await s.command('GET', 'app:log_number')).toBe('hello');
    expect(await s.command('KEYS', '*')).toEqual(expect.arrayContaining(['app:log_number', 'cache:log_number']));
    expect(((await s.command('KEYS', '*')) as string[]).length).toBe(2);
  });

  test('a malformed or truncated record', async () => {
    const s = await server();
    const storage = tune.redisStorage(s.url, { prefix: 'm' });
    const study = await tune.createStudy({ storage, studyName: 's', sampler: tune.randomSampler({ seed: 1 }) }).ready();
    await study.optimize(objective, { nTrials: 2 });
    await storage.close();
    const last = Number(await s.command('GET', 'm:log_number'));
    // another writer crashed mid-way through a record (written without the atomic script)
    await s.command('SET', `m:log:${last + 1}`, '{"op_code": 4, "worker_id": "w", "study_id": 0, "datetime_st');
    await s.command('INCR', 'm:log_number');
    const again = tune.loadStudy({ storage: `${s.url}?prefix=m`, studyName: 's' });
    const err = await again.ready().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(tune.StorageError);
    expect((err as Error).message).toContain(`Redis redis://127.0.0.1:${s.port}`);
    expect((err as Error).message).toContain(`"m:log:${last + 1}"`);
    expect((err as Error).message).toMatch(/not a journal record.*the study was not changed/);
    expect(Number(await s.command('GET', 'm:log_number'))).toBe(last + 1);
    await again.storage.close?.();
  });

  test('a study name that does not exist', async () => {
    const s = await server();
    const study = tune.loadStudy({ storage: `${s.url}?prefix=q`, studyName: 'nope' });
    await expect(study.ready()).rejects.toThrow(
      new RegExp(`no study named "nope" in Redis redis://127\\.0\\.0\\.1:${s.port} \\(keys "q:log_number", "q:log:<n>"\\)`),
    );
    await study.storage.close?.();
    expect(await s.command('KEYS', '*')).toEqual([]);
  });

  test('storage URLs: a bad database, an unknown parameter', () => {
    expect(() => tune.createStudy({ storage: 'redis://localhost:6379/abc' })).toThrow(/database .* must be a number/);
    expect(() => tune.createStudy({ storage: 'redis://localhost:6379?prefx=a' })).toThrow(/unknown parameter "prefx"/);
    expect(() => tune.redisStorage('redis://localhost:6379', { retryTimeout: -1 })).toThrow(RangeError);
  });
});

/** A knobs worker process (test/tune/fixtures/redis-worker.ts) and what it printed. */
interface Worker {
  proc: ChildProcess;
  out: string;
  exited: Promise<number | null>;
}
let workerScript: string | undefined;
async function knobsWorker(cfg: { url: string; studyName: string; seed: number; total: number; sleepMs: number; heartbeat?: number }): Promise<Worker> {
  workerScript ??= await bundleScript(join(__dirname, 'fixtures/redis-worker.ts'), tempDir('knobs-bundle-'));
  const proc = spawn(process.execPath, [workerScript, JSON.stringify(cfg)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const w: Worker = { proc, out: '', exited: new Promise((r) => proc.on('exit', (code) => r(code))) };
  let err = '';
  proc.stdout!.on('data', (d: Buffer) => (w.out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  void w.exited.then((code) => {
    if (code !== 0 && code !== null) console.error(`redis-worker exited with ${code}: ${err}`);
  });
  return w;
}
/** An Optuna process on the study; `started` resolves once it finished its first trial. */
function optunaWorker(url: string, prefix: string, name: string, total: number, seed: number) {
  const proc = spawn(python!, [OPTUNA_REDIS, 'work', url, prefix, name, String(total), String(seed)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '',
    err = '';
  let started: () => void;
  const w = {
    started: new Promise<void>((r) => (started = r)),
    exited: new Promise<{ code: number | null; out: string; err: string }>((r) => proc.on('exit', (code) => r({ code, out, err }))),
  };
  proc.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    if (out.includes('started')) started();
  });
  proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
  void w.exited.then(() => started());
  return w;
}
const resultOf = (w: Worker) => JSON.parse(w.out.trim().split('\n').pop()!) as { mine: number; best: number };
const waitFor = async (cond: () => boolean | Promise<boolean>, ms = 60_000) => {
  const t0 = Date.now();
  while (!(await cond())) {
    if (Date.now() - t0 > ms) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
};

/** The study as knobs reads it back, with checks that hold for every finished study. */
async function readBack(url: string, studyName: string) {
  const study = await tune.loadStudy({ storage: url, studyName }).ready();
  await study.storage.close?.();
  const trials = study.trials;
  expect(trials.map((t) => t.number)).toEqual(trials.map((_, i) => i));
  expect(trials.filter((t) => t.state === 'RUNNING' || t.state === 'WAITING')).toEqual([]);
  return study;
}

describe.skipIf(!bin || !pyRedis)('Redis journal: many processes on one study', () => {
  test('four knobs processes and one Optuna process run 200 trials: none lost or duplicated, both sides agree', async () => {
    const s = await server();
    const url = `${s.url}?prefix=many`;
    const TOTAL = 200;
    // Optuna first (Python takes seconds to import it), so that every process runs trials
    const optuna = optunaWorker(s.url, 'many', 'shared', TOTAL, 9);
    await optuna.started;
    const workers = await Promise.all([1, 2, 3, 4].map((seed) => knobsWorker({ url, studyName: 'shared', seed, total: TOTAL, sleepMs: 2 })));
    expect(await Promise.all(workers.map((w) => w.exited))).toEqual([0, 0, 0, 0]);
    const py = await optuna.exited;
    expect(py.code, py.err).toBe(0);
    const study = await readBack(url, 'shared');
    const complete = study.getTrials({ states: ['COMPLETE'] });
    // MaxTrialsCallback semantics: each process stops after a trial once 200 are complete,
    // so up to one trial per process more
    expect(complete.length).toBeGreaterThanOrEqual(TOTAL);
    expect(complete.length).toBeLessThanOrEqual(TOTAL + 5);
    expect(study.trials.length).toBe(complete.length);
    // every trial was run by exactly one process, and each process ran as many as it says
    const runs = new Map<string, number>();
    for (const t of complete) runs.set(t.userAttrs.by as string, (runs.get(t.userAttrs.by as string) ?? 0) + 1);
    const told = new Map<string, number>([['optuna', (JSON.parse(py.out.trim().split('\n').pop()!) as { mine: number }).mine]]);
    for (const w of workers) told.set(`knobs-${w.proc.pid}`, resultOf(w).mine);
    expect(Object.fromEntries(runs)).toEqual(Object.fromEntries(told));
    for (const n of told.values()) expect(n).toBeGreaterThan(0);
    // Optuna reads the same trials, parameters and values, and the same best trial
    const [dumped] = JSON.parse(pyRun('dump', s.url, 'many')) as PyStudy[];
    expect(dumped!.trials.map((t) => [t.number, t.state, t.values, t.params, t.user_attrs])).toEqual(
      study.trials.map((t) => [t.number, t.state, t.values, t.params, t.userAttrs]),
    );
    expect(dumped!.best_trial).toBe(study.bestTrial.number);
  }, 240_000);

  test('kill -9 of a worker mid-trial: its trial fails by heartbeat and is rerun; the study ends with its total', async () => {
    const s = await server();
    const url = `${s.url}?prefix=kill`;
    const TOTAL = 16;
    // heartbeats every second, stale after two (the default grace period): wide enough for a loaded machine
    const cfg = { url, studyName: 'killed', total: TOTAL, sleepMs: 250, heartbeat: 1 };
    const victim = await knobsWorker({ ...cfg, seed: 1 });
    const others = await Promise.all([2, 3].map((seed) => knobsWorker({ ...cfg, seed })));
    // kill it right after it starts its third trial (it then sleeps in its steps)
    await waitFor(() => (victim.out.match(/^trial \d+$/gm) ?? []).length >= 3);
    victim.proc.kill('SIGKILL');
    const killedIn = Number(/trial (\d+)\n$/.exec(victim.out)![1]);
    expect(await victim.exited).toBe(null);
    expect(await Promise.all(others.map((w) => w.exited))).toEqual([0, 0]);
    const study = await readBack(url, 'killed');
    const dead = study.trials[killedIn]!;
    expect(dead.state).toBe('FAIL');
    expect(dead.userAttrs.by).toBe(`knobs-${victim.proc.pid}`);
    const rerun = study.trials.filter((t) => t.systemAttrs.failed_trial === killedIn);
    expect(rerun).toHaveLength(1);
    expect(rerun[0]!.state).toBe('COMPLETE');
    expect(rerun[0]!.params).toEqual(dead.params);
    const complete = study.getTrials({ states: ['COMPLETE'] });
    expect(complete.length).toBeGreaterThanOrEqual(TOTAL);
    expect(complete.length).toBeLessThanOrEqual(TOTAL + 2);
    expect(study.trials.filter((t) => t.state === 'FAIL').map((t) => t.number)).toEqual([killedIn]);
  }, 240_000);

  test('Redis stopped for a few seconds and restarted mid-study: the study finishes and nothing is lost', async () => {
    const s = await server();
    const url = `${s.url}?prefix=restart&retryTimeout=60`;
    const TOTAL = 40;
    const workers = await Promise.all([1, 2].map((seed) => knobsWorker({ url, studyName: 'restarted', seed, total: TOTAL, sleepMs: 15 })));
    await waitFor(() => workers.every((w) => (w.out.match(/^trial \d+$/gm) ?? []).length >= 5));
    const before = Number(await s.command('GET', 'restart:log_number'));
    await s.stop();
    await new Promise((r) => setTimeout(r, 3000));
    await s.start(); // same port, same folder: the append-only file brings the records back
    expect(Number(await s.command('GET', 'restart:log_number'))).toBeGreaterThanOrEqual(before);
    expect(await Promise.all(workers.map((w) => w.exited))).toEqual([0, 0]);
    const study = await readBack(url, 'restarted');
    const complete = study.getTrials({ states: ['COMPLETE'] });
    expect(complete.length).toBeGreaterThanOrEqual(TOTAL);
    expect(study.trials.length).toBe(complete.length);
    const runs = new Map<string, number>();
    for (const t of complete) runs.set(t.userAttrs.by as string, (runs.get(t.userAttrs.by as string) ?? 0) + 1);
    expect(Object.fromEntries(runs)).toEqual(Object.fromEntries(workers.map((w) => [`knobs-${w.proc.pid}`, resultOf(w).mine])));
    // every trial has all its parameters and reports
    for (const t of complete) {
      expect(Object.keys(t.params).sort()).toEqual(['act', 'units', 'x']);
      expect(Object.keys(t.intermediateValues)).toHaveLength(3);
    }
  }, 240_000);
});

describe.skipIf(!bin)('Redis journal: a server gone for longer than retryTimeout', () => {
  test('the running trial fails cleanly, optimize rejects naming the server, and the next optimize fails and reruns that trial', async () => {
    const s = await server();
    const storage = tune.redisStorage(s.url, { prefix: 'gone', retryTimeout: 1 });
    const study = await tune.createStudy({ storage, studyName: 'gone', sampler: tune.randomSampler({ seed: 4 }) }).ready();
    let stopped = false;
    const err = await study
      .optimize(
        async (t) => {
          const x = t.suggestFloat('x', -5, 5);
          if (t.number === 3 && !stopped) {
            stopped = true;
            await study.storage.flush!(); // x is stored: the rerun below must find it
            await s.stop();
            t.report(x, 0); // queued, then given up after retryTimeout
            await new Promise((r) => setTimeout(r, 1500));
          }
          return x * x;
        },
        { nTrials: 6 },
      )
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(tune.StorageError);
    expect((err as Error).message).toContain(`cannot reach Redis redis://127.0.0.1:${s.port}`);
    await s.start();
    await study.optimize((t) => t.suggestFloat('x', -5, 5) ** 2, { nTrials: 3 });
    await storage.close();
    const back = await readBack(`${s.url}?prefix=gone`, 'gone');
    expect(back.trials.slice(0, 3).map((t) => t.state)).toEqual(['COMPLETE', 'COMPLETE', 'COMPLETE']);
    // trial 3 never half-completed: FAIL, then rerun with its parameter
    expect(back.trials[3]!.state).toBe('FAIL');
    const rerun = back.trials.filter((t) => t.systemAttrs.failed_trial === 3);
    expect(rerun).toHaveLength(1);
    expect(rerun[0]!.state).toBe('COMPLETE');
    expect(rerun[0]!.params).toEqual(back.trials[3]!.params);
    expect(back.getTrials({ states: ['COMPLETE'] })).toHaveLength(6);
  }, 60_000);

  test('rediss:// (TLS): a study on a TLS-only server, trusted through options.tls.ca; an untrusted certificate is refused by name', async () => {
    const dir = tempDir('knobs-redis-tls-');
    const ssl = (...args: string[]): void => {
      const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`openssl ${args[0]}: ${r.stderr}`);
    };
    ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=knobs test CA');
    ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
    writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1\n');
    ssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'ext.cnf');
    const s = await RedisServer.start(bin!, dir, 'tls-secret', { cert: join(dir, 'server.pem'), key: join(dir, 'server.key'), ca: join(dir, 'ca.pem') });
    servers.push(s);
    expect(s.url).toMatch(/^rediss:\/\//);
    const ca = readFileSync(join(dir, 'ca.pem'), 'utf8');
    const storage = tune.redisStorage(s.url, { prefix: 'tls', tls: { ca } });
    const study = await tune.createStudy({ storage, studyName: 'over-tls', sampler: tune.randomSampler({ seed: 5 }) }).ready();
    await study.optimize(objective, { nTrials: 3 });
    await storage.close();
    // read back by a second connection over TLS
    const again = tune.redisStorage(s.url, { prefix: 'tls', tls: { ca } });
    const back = await tune.loadStudy({ storage: again, studyName: 'over-tls' }).ready();
    expect(back.getTrials({ states: ['COMPLETE'] }).map((t) => t.params)).toEqual(study.getTrials({ states: ['COMPLETE'] }).map((t) => t.params));
    await again.close();
    // the server's certificate is not trusted without the CA: the error names the server, not the password
    const untrusted = tune.redisStorage(s.url, { prefix: 'tls', retryTimeout: 0.2, connectTimeout: 2 });
    const e = await tune
      .loadStudy({ storage: untrusted, studyName: 'over-tls' })
      .ready()
      .then(
        () => null,
        (err: Error) => err,
      );
    await untrusted.close();
    expect(e).toBeInstanceOf(Error);
    expect(e!.message).toMatch(/rediss:\/\/:\*\*\*@127\.0\.0\.1:\d+/);
    expect(e!.message).toMatch(/self[- ]signed|certificate/i);
    expect(e!.message).not.toContain('tls-secret');
    // options.tls on a plain redis:// URL is a mistake, said at once
    expect(() => tune.redisStorage('redis://127.0.0.1:6379', { tls: { ca } })).toThrow(/options\.tls is for a TLS server \(rediss:\/\/\)/);
  });
});
