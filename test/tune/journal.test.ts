/**
 * Journal storages: the file format, resuming, crash safety with real processes (kill -9 in
 * the middle of a study, concurrent writers), stale locks and torn records, and the IndexedDB
 * backend over a minimal fake (tests/tune/fixtures/fakeIndexedDb.ts; no browser here).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { appendFileSync, copyFileSync, existsSync, lstatSync, readFileSync, readdirSync, readlinkSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, test, vi } from 'vitest';
import * as tune from '../../src/tune';
import { JournalFileBackend, journalFileStorage } from '../../src/tune/node';
import { JournalFileLock } from '../../src/tune/node/journalFile';
import { bundleScript, tempDir } from './helpers';
import { fakeIndexedDb } from './fixtures/fakeIndexedDb';

const lines = (path: string) =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l !== '');
const records = (path: string) => lines(path).map((l) => JSON.parse(l) as Record<string, unknown>);

/** Runs fn and answers the process warnings it emitted (kept out of the test output). */
async function warningsOf(fn: () => unknown): Promise<string[]> {
  const spy = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
  try {
    await fn();
    return spy.mock.calls.map((c) => String(c[0]));
  } finally {
    spy.mockRestore();
  }
}

function objective(t: tune.Trial): number {
  const x = t.suggestFloat('x', -5, 5);
  const units = t.suggestInt('units', 1, 100, { log: true });
  const act = t.suggestCategorical('act', ['relu', 'tanh']);
  for (let s = 0; s < 3; s++) t.report(x * x + s, s);
  return x * x + Math.log(units) + (act === 'relu' ? 0 : 1);
}

describe('journal file', () => {
  test('writes one Optuna journal record a line, and a new process continues from it', async () => {
    const dir = tempDir();
    const path = join(dir, 'study.jsonl');
    const study = tune.createStudy({ storage: journalFileStorage(path), studyName: 'mlp', direction: 'minimize', sampler: tune.randomSampler({ seed: 1 }) });
    await study.optimize(objective, { nTrials: 3 });
    const recs = records(path);
    expect(recs[0]).toMatchObject({ op_code: 0, study_name: 'mlp', directions: [1] });
    expect(recs[1]).toMatchObject({ op_code: 4, study_id: 0 });
    expect(String(recs[1]!.datetime_start)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/);
    const param = recs.find((r) => r.op_code === 5 && r.param_name === 'x')!;
    expect(param.distribution).toBe('{"name": "FloatDistribution", "attributes": {"step": null, "low": -5.0, "high": 5.0, "log": false}}');
    const cat = lines(path).find((l) => l.includes('"param_name": "act"'))!;
    expect(cat).toMatch(/"param_value_internal": [01], /); // a categorical index stays an int
    expect(lines(path)[0]).toMatch(/^\{"op_code": 0, "worker_id": "[0-9a-f-]{36}-knobs-\d+@.+", "study_name": "mlp", "directions": \[1\]\}$/);
    const done = recs.filter((r) => r.op_code === 6);
    expect(done.map((r) => r.state)).toEqual([1, 1, 1]);
    expect(
      lines(path)
        .filter((l) => l.includes('"op_code": 6'))
        .every((l) => /"values": \[-?\d+\.\d+(e[+-]\d+)?\]/.test(l)),
    ).toBe(true);

    // Another storage on the file (as another process would) sees everything and continues.
    const again = tune.createStudy({ storage: `journal:${path}`, studyName: 'mlp', sampler: tune.randomSampler({ seed: 1 }) });
    expect(again.trials.map((t) => [t.number, t.state, t.params])).toEqual(study.trials.map((t) => [t.number, t.state, t.params]));
    expect(again.trials[2]!.intermediateValues).toEqual(study.trials[2]!.intermediateValues);
    await again.optimize(objective, { nTrials: 2 });
    expect(again.trials.map((t) => t.number)).toEqual([0, 1, 2, 3, 4]);
    expect(study.trials).toHaveLength(5); // the first storage reads the other's records
  });

  test('a record cut by a killed writer is removed before the next append', async () => {
    const path = join(tempDir(), 'study.jsonl');
    const study = tune.createStudy({ storage: journalFileStorage(path), studyName: 's', sampler: tune.randomSampler({ seed: 1 }) });
    await study.optimize(objective, { nTrials: 1 });
    const before = readFileSync(path, 'utf8');
    appendFileSync(path, '{"op_code": 4, "worker_id": "dead", "study_'); // no newline: a torn record
    const other = tune.createStudy({ storage: journalFileStorage(path), studyName: 's', sampler: tune.randomSampler({ seed: 1 }) });
    expect(other.trials).toHaveLength(1); // readers stop at the last newline
    const warned = await warningsOf(() => other.optimize(objective, { nTrials: 1 }));
    expect(warned).toEqual([expect.stringMatching(/removed an incomplete last record from .*study\.jsonl \(a writer was killed mid-write\)/)]);
    const after = readFileSync(path, 'utf8');
    expect(after.startsWith(before)).toBe(true);
    expect(after).not.toContain('"worker_id": "dead"');
    expect(lines(path).every((l) => JSON.parse(l))).toBeTruthy();
    expect(tune.loadStudy({ storage: journalFileStorage(path), studyName: 's' }).trials).toHaveLength(2);
  });

  test('a complete last record without its newline is read, and kept by the next writer', async () => {
    const path = join(tempDir(), 'study.jsonl');
    const study = tune.createStudy({ storage: journalFileStorage(path), studyName: 's', sampler: tune.randomSampler({ seed: 1 }) });
    await study.optimize(objective, { nTrials: 1 });
    // another study's creation, written without its newline (by hand, or a writer killed just before it)
    const created = '{"op_code": 0, "worker_id": "w", "study_name": "other", "directions": [2]}';
    appendFileSync(path, created);
    const reader = new JournalFileBackend(path, { fsync: false });
    expect(reader.readLogs(0).at(-1)).toMatchObject({ op_code: 0, study_name: 'other' });
    const warned = await warningsOf(() => tune.createStudy({ storage: journalFileStorage(path), studyName: 'third' }));
    expect(warned).toEqual([]);
    expect(lines(path).filter((l) => l === created)).toHaveLength(1); // kept, on a line of its own
    expect(lines(path).every((l) => JSON.parse(l))).toBeTruthy();
    const names = (await tune.getAllStudies(journalFileStorage(path))).map((s) => s.studyName);
    expect(names).toEqual(['s', 'other', 'third']);
    expect(reader.readLogs(reader.readLogs(0).length - 1).at(-1)).toMatchObject({ study_name: 'third' }); // the reader continues past it
  });

  test('a torn last record is cut off only after being copied aside, and the warning names the copy', async () => {
    const path = join(tempDir(), 'study.jsonl');
    const study = tune.createStudy({ storage: journalFileStorage(path), studyName: 's', sampler: tune.randomSampler({ seed: 1 }) });
    await study.optimize(objective, { nTrials: 1 });
    const torn = '{"op_code": 4, "worker_id": "dead", "study_';
    appendFileSync(path, torn);
    const warned = await warningsOf(() => tune.createStudy({ storage: journalFileStorage(path), studyName: 's2' }));
    expect(warned).toHaveLength(1);
    const copy = /its 43 bytes are kept in (.*\.torn-[0-9a-f-]{36})$/.exec(warned[0]!)?.[1];
    expect(copy, warned[0]).toBeDefined();
    expect(readFileSync(copy!, 'utf8')).toBe(torn);
    expect(lines(path).every((l) => JSON.parse(l))).toBeTruthy();
  });

  test("a lock held by knobs resolves to a file, as Optuna's own lock does, and is gone after release", async () => {
    const path = join(tempDir(), 'j.jsonl');
    const lock = new JournalFileLock(path, 'symlink', 10_000);
    lock.acquire();
    // Optuna's stale-lock check (its grace_period) stats the lock through the link: a dangling
    // link would keep it waiting for ever
    expect(statSync(`${path}.lock`).isFile()).toBe(true);
    expect(readlinkSync(`${path}.lock`)).toMatch(new RegExp(`^j\\.jsonl\\.lock\\.knobs-${process.pid}@`));
    lock.release();
    expect(readdirSync(dirname(path))).toEqual([]); // neither the lock nor its owner file is left
  });

  test("owner files of dead processes that no lock names are removed when a journal is opened; a live process's stay", () => {
    const dir = tempDir();
    const path = join(dir, 'j.jsonl');
    const dead = `j.jsonl.lock.knobs-999999@${hostname()}.00000000-0000-4000-8000-000000000000`;
    const live = `j.jsonl.lock.knobs-${process.pid}@${hostname()}.00000000-0000-4000-8000-000000000001`;
    writeFileSync(join(dir, dead), '');
    writeFileSync(join(dir, live), '');
    new JournalFileBackend(path, { fsync: false }).close();
    expect(readdirSync(dir).sort()).toEqual(['j.jsonl', live]);
  });

  test('a lock left by a dead process is broken at once; an unknown one after staleLockMs', async () => {
    const dir = tempDir();
    const path = join(dir, 'j.jsonl');
    const backend = new JournalFileBackend(path, { fsync: false, staleLockMs: 200 });
    symlinkSync(`knobs-lock:999999@${hostname()}`, `${path}.lock`); // pid 999999 does not run
    const t0 = Date.now();
    const warnedDead = await warningsOf(() => backend.appendLogs([{ op_code: 0, worker_id: 'w', study_name: 'a', directions: [1] }]));
    expect(Date.now() - t0).toBeLessThan(150);
    expect(warnedDead).toEqual([expect.stringMatching(/broke a stale journal lock .*j\.jsonl\.lock \(its writer is gone\)/)]);
    expect(existsSync(`${path}.lock`)).toBe(false);
    // Optuna's own lock names the journal; its age decides.
    symlinkSync(path, `${path}.lock`);
    const t1 = Date.now();
    const warnedOld = await warningsOf(() => backend.appendLogs([{ op_code: 0, worker_id: 'w', study_name: 'b', directions: [1] }]));
    expect(Date.now() - t1).toBeGreaterThanOrEqual(150);
    expect(warnedOld).toHaveLength(1);
    expect(backend.readLogs(0).map((l) => l.study_name)).toEqual(['a', 'b']);
    expect(() => lstatSync(`${path}.lock`)).toThrow(/ENOENT/); // the stale lock was removed
    expect(() => new JournalFileBackend(path, { lock: 'flock' as never })).toThrow(/options.lock must be "symlink" or "open", got "flock"/);
  });

  test("lock: 'open' (an O_EXCL lock file, Optuna's JournalFileOpenLock)", async () => {
    const path = join(tempDir(), 'j.jsonl');
    const storage = journalFileStorage(path, { lock: 'open', fsync: false });
    const study = tune.createStudy({ storage, studyName: 's', sampler: tune.randomSampler({ seed: 1 }) });
    await study.optimize(objective, { nTrials: 2 });
    expect(tune.loadStudy({ storage: journalFileStorage(path), studyName: 's' }).trials).toHaveLength(2);
  });

  test('a corrupt record in the middle is an error that names it', () => {
    const path = join(tempDir(), 'j.jsonl');
    writeFileSync(path, '{"op_code": 0, "worker_id": "w", "study_name": "a", "directions": [1]}\nnot json\n');
    expect(() => journalFileStorage(path)).toThrow(/record 1 \(byte 71\) is not valid JSON/);
  });
});

describe('with real processes', () => {
  let script: string;
  beforeAll(async () => {
    script = await bundleScript(join(__dirname, 'fixtures/study-process.ts'), tempDir('knobs-bundle-'));
  });

  const start = (config: object): ChildProcess => spawn(process.execPath, [script, JSON.stringify(config)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const finish = (child: ChildProcess): Promise<string> =>
    new Promise((resolve, reject) => {
      let out = '',
        err = '';
      child.stdout!.on('data', (d) => (out += d));
      child.stderr!.on('data', (d) => (err += d));
      child.on('exit', (code, signal) => (code === 0 ? resolve(out) : reject(new Error(`child exited with ${code ?? signal}: ${err}`))));
    });

  test('several processes append to one journal at once without corrupting it', async () => {
    const journal = join(tempDir(), 'shared.jsonl');
    const n = 4,
      each = 12;
    await Promise.all(
      Array.from({ length: n }, (_, i) => finish(start({ journal, studyName: 'shared', seed: i, nTrials: each, steps: 5, sleepMs: 0, sampler: 'random' }))),
    );
    // Every line parses; Optuna's replay rules give each trial one number.
    const recs = records(journal);
    expect(recs.length).toBeGreaterThan(n * each * 9);
    const study = tune.loadStudy({ storage: journalFileStorage(journal), studyName: 'shared' });
    expect(study.trials.map((t) => t.number)).toEqual([...Array(n * each).keys()]);
    for (const t of study.trials) {
      expect(t.state).toBe('COMPLETE');
      expect(Object.keys(t.params).sort()).toEqual(['act', 'units', 'x']);
      expect(Object.keys(t.intermediateValues)).toHaveLength(5);
    }
    // Each process wrote its own trials with its own worker id.
    const creators = new Set(recs.filter((r) => r.op_code === 4).map((r) => r.worker_id));
    expect(creators.size).toBe(n);
  }, 60_000);

  test('kill -9 in the middle of a study, start again: completed trials kept, the running one failed and rerun, the sampler continues', async () => {
    const dir = tempDir();
    const journal = join(dir, 'crash.jsonl');
    const config = { journal, studyName: 'crash', seed: 5, maxComplete: 10, steps: 4, sleepMs: 40 };
    const child = start(config);
    const exited = new Promise((r) => child.on('exit', r));
    // Wait until 4 trials completed and the 5th has reported twice, then kill.
    await new Promise<void>((resolve, reject) => {
      const timer = setInterval(() => {
        if (!existsSync(journal)) return;
        const recs = records(journal);
        const completed = recs.filter((r) => r.op_code === 6 && r.state === 1).length;
        const reportsOf4 = recs.filter((r) => r.op_code === 7 && r.trial_id === 4).length;
        if (completed >= 4 && reportsOf4 >= 2) {
          clearInterval(timer);
          child.kill('SIGKILL');
          resolve();
        }
      }, 5);
      child.on('exit', () => reject(new Error('the child finished before it was killed')));
    });
    await exited;
    const killedPid = child.pid!;
    const before = tune.loadStudy({ storage: journalFileStorage(journal), studyName: 'crash', failStaleTrials: false });
    const completedBefore = before.getTrials({ states: ['COMPLETE'] });
    expect(completedBefore.map((t) => t.number)).toEqual([0, 1, 2, 3]);
    expect(before.trials[4]!.state).toBe('RUNNING');
    const stale = before.trials[4]!;
    copyFileSync(journal, join(dir, 'copy.jsonl'));

    const out = JSON.parse(await finish(start(config)));
    expect(out.pid).not.toBe(killedPid);
    const after = tune.loadStudy({ storage: journalFileStorage(journal), studyName: 'crash' });
    // Completed trials are kept as they were.
    expect(after.trials.slice(0, 4)).toEqual(completedBefore);
    // The trial that was running is FAIL, with its curve; its rerun has the same parameters.
    const failed = after.trials[4]!;
    expect(failed.state).toBe('FAIL');
    expect(Object.keys(failed.intermediateValues).length).toBeGreaterThanOrEqual(2);
    const rerun = after.trials[5]!;
    expect(rerun.state).toBe('COMPLETE');
    expect(rerun.params).toEqual(stale.params);
    expect(rerun.systemAttrs).toMatchObject({ failed_trial: 4, retry_history: [4] });
    expect(after.getTrials({ states: ['COMPLETE'] })).toHaveLength(10);

    // The sampler continues from the history: the same journal resumed again gives the same trials.
    const copy = { ...config, journal: join(dir, 'copy.jsonl') };
    await finish(start(copy));
    const replayed = tune.loadStudy({ storage: journalFileStorage(copy.journal), studyName: 'crash' });
    expect(replayed.trials.map((t) => [t.number, t.state, t.params])).toEqual(after.trials.map((t) => [t.number, t.state, t.params]));
  }, 60_000);
  test('killed at random moments while appending, five times over: the journal stays whole', async () => {
    const journal = join(tempDir(), 'stress.jsonl');
    const config = { journal, studyName: 'stress', seed: 1, maxComplete: 1000, steps: 30, sleepMs: 0, sampler: 'random' };
    let completed: readonly tune.FrozenTrial[] = [];
    for (let round = 0; round < 5; round++) {
      const child = start(config);
      const exited = new Promise((r) => child.on('exit', r));
      // Once it writes, let it run a little (a different moment each round), then kill it.
      while (!existsSync(journal) || readFileSync(journal, 'utf8').split('\n').length < 2 + 50 * round) await new Promise((r) => setTimeout(r, 2));
      await new Promise((r) => setTimeout(r, 10 + 23 * round));
      child.kill('SIGKILL');
      await exited;
      // Every record parses (a cut last record is ignored by readers and removed by the next writer).
      const study = tune.loadStudy({ storage: journalFileStorage(journal), studyName: 'stress', failStaleTrials: false });
      const now = study.getTrials({ states: ['COMPLETE'] });
      // Whatever completed before stays completed, unchanged.
      expect(now.slice(0, completed.length)).toEqual(completed);
      completed = now;
    }
    expect(completed.length).toBeGreaterThan(0);
    const out = await finish(start({ ...config, maxComplete: completed.length + 3 }));
    expect(JSON.parse(out).trials).toBeGreaterThan(completed.length);
    const final = tune.loadStudy({ storage: journalFileStorage(journal), studyName: 'stress' });
    expect(final.getTrials({ states: ['RUNNING'] })).toEqual([]);
    expect(final.getTrials({ states: ['COMPLETE'] }).length).toBe(completed.length + 3);
    expect(readFileSync(journal, 'utf8').endsWith('\n')).toBe(true);
  }, 60_000);
});

describe('heartbeats (stale trials of writers whose liveness cannot be checked)', () => {
  test('a RUNNING trial without a heartbeat within the grace period is failed and rerun; a beating one is not', async () => {
    const backend = new tune.MemoryJournalBackend(); // like several machines on one networked journal
    const options = { studyName: 'hb', sampler: tune.randomSampler({ seed: 1 }) };
    const gone = tune.createStudy({ storage: new tune.JournalStorage(backend), ...options });
    const lost = await gone.ask(); // its writer "dies": no heartbeat, never told
    lost.suggestFloat('x', 0, 1);
    const alive = tune.createStudy({ storage: new tune.JournalStorage(backend), ...options, heartbeatInterval: 0.02 });
    const beating = await alive.ask();
    const checker = tune.createStudy({ storage: new tune.JournalStorage(backend), ...options, heartbeatInterval: 0.02, gracePeriod: 0.1 });
    expect(await checker.failStaleTrials()).toEqual([]);
    await new Promise((r) => setTimeout(r, 250));
    expect(await checker.failStaleTrials()).toEqual([lost.number]);
    const trials = checker.trials;
    expect(trials[beating.number]!.state).toBe('RUNNING');
    expect(typeof trials[beating.number]!.systemAttrs['knobs:heartbeat']).toBe('number');
    expect(trials.at(-1)).toMatchObject({ state: 'WAITING', params: { x: lost.params.x }, systemAttrs: { failed_trial: lost.number } });
    await alive.tell(beating, 1);
    await checker.optimize((t) => t.suggestFloat('x', 0, 1), { nTrials: 1 }); // runs the retry
    expect(checker.trials.at(-1)).toMatchObject({ state: 'COMPLETE', params: { x: lost.params.x } });
    expect(() => tune.createStudy({ gracePeriod: 1 })).toThrow(/options.gracePeriod needs options.heartbeatInterval/);
  });
});

describe('IndexedDB journal (over a minimal fake IndexedDB)', () => {
  test('a study in one tab is continued in another', async () => {
    const idb = fakeIndexedDb();
    const storage = tune.indexedDbStorage('tuning', idb);
    const study = await tune.createStudy({ storage, studyName: 'mlp', sampler: tune.tpeSampler({ seed: 1, nStartupTrials: 3 }) }).ready();
    await study.optimize(objective, { nTrials: 6, concurrency: 2 });
    expect(study.trials.map((t) => t.state)).toEqual(new Array(6).fill('COMPLETE'));
    expect(study.trials[5]!.intermediateValues).toEqual({ 0: expect.any(Number), 1: expect.any(Number), 2: expect.any(Number) });

    const tab2 = tune.createStudy({ storage: tune.indexedDbStorage('tuning', idb), studyName: 'mlp', sampler: tune.tpeSampler({ seed: 1 }) });
    expect(() => tab2.trials).toThrow(/still loading from its storage: await study.ready\(\) first/);
    await tab2.ready();
    expect(tab2.trials.map((t) => t.params)).toEqual(study.trials.map((t) => t.params));
    await tab2.optimize(objective, { nTrials: 2 });
    await study.storage.refresh!();
    expect(study.trials).toHaveLength(8);
  });

  test("'indexeddb:' needs an IndexedDB", async () => {
    expect(() => tune.createStudy({ storage: 'indexeddb:x' })).toThrow(/IndexedDB is not available here/);
  });
});
