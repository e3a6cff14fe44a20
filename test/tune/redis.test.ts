/**
 * Studies on Redis in Optuna's JournalRedisStorage layout, against real servers: each test
 * starts its own redis-server on a free port in a temporary folder and stops it. The
 * Python side runs Optuna (>= 3.1) with redis-py through test/tune/fixtures/optuna_redis.py.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import * as tune from '../../src/tune/node';
import { pythonWithOptuna, tempDir } from './helpers';
import { RedisServer, redisServerBinary } from './redisServer';

const bin = redisServerBinary();
const python = pythonWithOptuna();
const pyRedis = python !== null && spawnSync(python, ['-c', 'import redis'], { encoding: 'utf8' }).status === 0;
if (python && !pyRedis && process.env.KNOBS_REQUIRE_PYTHON) throw new Error('KNOBS_REQUIRE_PYTHON is set (CI) but python3-redis is missing');
const OPTUNA_REDIS = join(__dirname, 'fixtures/optuna_redis.py');

function py(...args: string[]): string {
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
  for (const s of servers.splice(0)) await s.stop();
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

describe.skipIf(!bin || !pyRedis)('Redis journal shared with Optuna', () => {
  test('a study written by Optuna is continued by knobs, and Optuna reads back what knobs added', async () => {
    const s = await server();
    py('write', s.url, 'px', 'from-optuna', '6');
    const storage = tune.redisStorage(s.url, { prefix: 'px' });
    const study = await tune.loadStudy({ storage, studyName: 'from-optuna', sampler: tune.tpeSampler({ seed: 2, nStartupTrials: 3 }) }).ready();
    expect(study.trials).toHaveLength(6);
    expect(study.userAttrs).toEqual({ origin: 'optuna' });
    await study.optimize(objective, { nTrials: 5 });
    await storage.close();
    const [dumped] = JSON.parse(py('dump', s.url, 'px')) as PyStudy[];
    expect(dumped!.trials).toHaveLength(11);
    expect(dumped!.trials.map((t) => [t.number, t.state, t.values, t.params])).toEqual(study.trials.map((t) => [t.number, t.state, t.values, t.params]));
    expect(dumped!.best_trial).toBe(study.bestTrial.number);
  });

  test('a study written by knobs is continued by Optuna', async () => {
    const s = await server();
    const storage = tune.redisStorage(s.url, { prefix: 'kx' });
    const study = await tune.createStudy({ storage, studyName: 'from-knobs', sampler: tune.randomSampler({ seed: 5 }) }).ready();
    await study.optimize(objective, { nTrials: 5 });
    const out = JSON.parse(py('work', s.url, 'kx', 'from-knobs', '9', '4')) as { mine: number };
    expect(out.mine).toBeGreaterThanOrEqual(4);
    await study.storage.refresh!();
    const [dumped] = JSON.parse(py('dump', s.url, 'kx')) as PyStudy[];
    expect(study.trials.length).toBe(5 + out.mine);
    expect(dumped!.trials.map((t) => [t.number, t.state, t.values, t.params, t.user_attrs])).toEqual(
      study.trials.map((t) => [t.number, t.state, t.values, t.params, t.userAttrs]),
    );
    expect(dumped!.best_trial).toBe(study.bestTrial.number);
    await storage.close();
  });
});
