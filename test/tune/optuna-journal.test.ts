/**
 * The journal against real Optuna (python3 with optuna >= 3.1; Debian's python3-optuna in CI).
 *
 * Both directions, through `optuna.storages.JournalStorage(JournalFileStorage(path))`:
 * - knobs writes studies; Optuna reads every trial, parameter, distribution, value, state,
 *   intermediate value and attribute as knobs does, continues a knobs study (including a
 *   trial knobs enqueued), and knobs reads Optuna's trials back;
 * - Optuna writes studies (TPE, successive halving, enqueued, failed, pruned, waiting,
 *   several objectives); knobs reads them as Optuna does and continues one, which Optuna
 *   reads back.
 * Skipped, with a message, when no python3 here can import optuna.
 */
import { spawn, spawnSync } from 'node:child_process';
import { lstatSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test, vi } from 'vitest';
import * as tune from '../../src/tune';
import { journalFileStorage } from '../../src/tune/node';
import { formatDatetime } from '../../src/tune/storages/journal/format';
import { parsePyJson } from '../../src/tune/pyjson';
import { bundleScript, pythonWithOptuna, tempDir } from './helpers';

const python = pythonWithOptuna();
if (!python) {
  console.warn(
    'optuna-journal.test.ts: SKIPPED, no python3 with optuna >= 3.1 here (apt-get install python3-optuna, or set KNOBS_PYTHON); CI installs it and runs these tests.',
  );
}
const script = join(__dirname, 'fixtures/optuna_journal.py');

function py(...args: string[]): string {
  const r = spawnSync(python!, [script, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`python3 ${args.join(' ')} failed:\n${r.stderr}`);
  return r.stdout;
}

const ms = (d: Date | null) => (d === null ? null : formatDatetime(d).slice(0, 23));

/** knobs's view of a journal, in the shape optuna_journal.py dumps. */
async function knobsDump(path: string) {
  const storage = journalFileStorage(path);
  const out = [];
  for (const s of await tune.getAllStudies(storage)) {
    const study = tune.loadStudy({ storage, studyName: s.studyName, failStaleTrials: false });
    const single = study.directions.length === 1;
    out.push({
      study_name: s.studyName,
      directions: study.directions.map((d) => d.toUpperCase()),
      user_attrs: study.userAttrs,
      best_trial: single && study.getTrials({ states: ['COMPLETE'] }).length ? study.bestTrial.number : null,
      trials: study.trials.map((t) => ({
        number: t.number,
        state: t.state,
        values: t.values,
        params: t.params,
        distributions: Object.fromEntries(Object.entries(t.distributions).map(([k, d]) => [k, tune.distributionToJson(d)])),
        intermediate_values: Object.fromEntries(Object.entries(t.intermediateValues).map(([k, v]) => [String(k), v])),
        user_attrs: t.userAttrs,
        system_attrs: t.systemAttrs,
        datetime_start: ms(t.datetimeStart),
        datetime_complete: ms(t.datetimeComplete),
      })),
    });
  }
  return out;
}

const optunaDump = (path: string) => parsePyJson(py('dump', path));

describe.skipIf(!python)('journal compatibility with Optuna', () => {
  test('knobs writes, Optuna reads and continues, knobs reads back', async () => {
    const path = join(tempDir(), 'knobs.jsonl');
    const storage = journalFileStorage(path);
    const study = tune.createStudy({
      storage,
      studyName: 'knobs-single',
      direction: 'maximize',
      sampler: tune.tpeSampler({ seed: 1, nStartupTrials: 3 }),
      pruner: tune.ashaPruner({ minResource: 1, reductionFactor: 2 }),
      constraintsFunc: (t) => [(t.userAttrs.latencyMs as number) - 50],
    });
    study.setUserAttr('owner', 'knobs');
    await study.enqueueTrial({ x: 1.5, act: null });
    await study.optimize(
      (t) => {
        const x = t.suggestFloat('x', -5, 5);
        const units = t.suggestInt('units', 1, 128, { log: true });
        const act = t.suggestCategorical('act', ['relu', 'tanh', null, false]);
        t.suggestFloat('beta', 0.9, 0.999, { log: 'oneMinus' });
        t.setUserAttr('latencyMs', 10 * Math.abs(x) + units / 4);
        if (t.number === 2) throw new RangeError('a failing trial');
        let v = 0;
        for (let step = 0; step < 3; step++) {
          v = -x * x + Math.log(units) + (act === 'relu' ? 1 : 0) - 1 / (step + 1);
          t.report(v, step);
          if (t.shouldPrune()) throw new tune.TrialPruned();
        }
        return v;
      },
      { nTrials: 10, catch: [RangeError] },
    );
    const running = await study.ask(); // left RUNNING
    running.suggestFloat('x', -5, 5);
    await study.enqueueTrial({ x: -0.25, units: 8, act: false }); // left WAITING
    const multi = tune.createStudy({ storage, studyName: 'knobs-multi', directions: ['maximize', 'minimize'], sampler: tune.randomSampler({ seed: 2 }) });
    await multi.optimize((t) => [t.suggestFloat('a', 0, 1), t.suggestInt('b', 0, 10, { step: 2 })], { nTrials: 4 });

    const states = study.trials.map((t) => t.state);
    expect(states).toContain('FAIL');
    expect(states).toContain('PRUNED');
    expect(states.slice(-2)).toEqual(['RUNNING', 'WAITING']);
    expect(optunaDump(path)).toEqual(await knobsDump(path));

    // Optuna continues the knobs study: it runs the trial knobs enqueued first.
    const before = study.trials.length;
    py('continue', path, 'knobs-single', '3');
    const after = await knobsDump(path);
    expect(optunaDump(path)).toEqual(after);
    const trials = after[0]!.trials;
    expect(trials).toHaveLength(before + 2);
    expect(study.trials).toHaveLength(before + 2); // the knobs study sees Optuna's trials
    expect(trials[11]).toMatchObject({ state: 'COMPLETE', params: { x: -0.25, units: 8, act: false } });
    expect(trials.slice(-2).map((t) => t.state)).toEqual(['COMPLETE', 'COMPLETE']);
  });

  test('Optuna writes, knobs reads and continues, Optuna reads back', async () => {
    const path = join(tempDir(), 'optuna.jsonl');
    py('write', path);
    const expected = optunaDump(path) as { study_name: string; trials: { state: string }[] }[];
    expect(await knobsDump(path)).toEqual(expected);
    const states = expected[0]!.trials.map((t) => t.state);
    expect(states).toContain('FAIL');
    expect(states).toContain('PRUNED');
    expect(states.at(-1)).toBe('WAITING');

    // knobs continues Optuna's study; the trial Optuna enqueued runs first.
    const study = tune.loadStudy({
      storage: journalFileStorage(path),
      studyName: 'py-single',
      sampler: tune.tpeSampler({ seed: 4 }),
      pruner: tune.ashaPruner({ minResource: 1, reductionFactor: 2 }),
    });
    expect(study.direction).toBe('maximize');
    expect(study.userAttrs).toEqual({ owner: 'python' });
    await study.optimize(
      (t) => {
        const lr = t.suggestFloat('lr', 1e-5, 1e-1, { log: true });
        const units = t.suggestInt('units', 16, 256, { log: true });
        const dropout = t.suggestFloat('dropout', 0, 0.5, { step: 0.1 });
        const batch = t.suggestInt('batch', 32, 256, { step: 32 });
        const act = t.suggestCategorical('act', ['relu', 'tanh', null, true, 2.5]);
        let v = 0;
        for (let step = 0; step < 5; step++) {
          v = (1 - Math.abs(Math.log10(lr) + 3) / 4) * (1 - dropout / 2) * ((step + 1) / 5) + units / 1e4 + batch / 1e5 + (act === 'relu' ? 0.01 : 0);
          t.report(v, step);
          if (t.shouldPrune()) throw new tune.TrialPruned();
        }
        return v;
      },
      { nTrials: 4 },
    );
    const n = expected[0]!.trials.length;
    expect(study.trials[n - 1]!.params).toMatchObject({ lr: 0.01, act: null });
    expect(study.trials).toHaveLength(n + 3);
    expect(optunaDump(path)).toEqual(await knobsDump(path));
  });

  test('kill -9 of a knobs writer holding the lock: a knobs writer breaks it, and an Optuna writer waiting on it proceeds', async () => {
    const dir = tempDir();
    const path = join(dir, 'locked.jsonl');
    tune.createStudy({ storage: journalFileStorage(path), studyName: 'before' });
    // a knobs process takes the append lock and is killed holding it
    const holder = spawn(process.execPath, [await bundleScript(join(__dirname, 'fixtures/hold-lock.ts'), dir), path, 'symlink'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve) => holder.stdout!.once('data', () => resolve()));
    holder.kill('SIGKILL');
    await new Promise((r) => holder.once('exit', r));
    expect(lstatSync(`${path}.lock`).isSymbolicLink()).toBe(true); // left behind

    // Optuna 3.1 writes with its default symlink lock, which has no stale-lock check: it waits
    const optuna = spawn(
      python!,
      [
        '-c',
        [
          'import sys, optuna',
          'optuna.logging.set_verbosity(optuna.logging.ERROR)',
          'st = optuna.storages.JournalStorage(optuna.storages.JournalFileStorage(sys.argv[1]))',
          'print("ready", flush=True)',
          'optuna.create_study(storage=st, study_name="from-optuna")',
          'print("written")',
        ].join('\n'),
        path,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '',
      err = '';
    optuna.stdout!.on('data', (d) => (out += d));
    optuna.stderr!.on('data', (d) => (err += d));
    let exited = false;
    const optunaDone = new Promise<number | null>((resolve) => optuna.once('exit', (c) => ((exited = true), resolve(c))));
    await new Promise<void>((resolve) => optuna.stdout!.once('data', () => resolve()));
    await new Promise((r) => setTimeout(r, 1500));
    expect(exited, `Optuna should wait on the stale lock: ${err}`).toBe(false);

    // a knobs writer finds the lock's owner dead, breaks it and appends
    const t0 = Date.now();
    const spy = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    try {
      tune.createStudy({ storage: journalFileStorage(path), studyName: 'from-knobs' });
      expect(spy.mock.calls.map((c) => String(c[0]))).toEqual([
        expect.stringMatching(/broke a stale journal lock .*locked\.jsonl\.lock \(its writer is gone\)/),
      ]);
    } finally {
      spy.mockRestore();
    }
    expect(Date.now() - t0).toBeLessThan(2000);

    // then Optuna's next try takes the lock (its back-off is at most 1 s)
    const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 30_000));
    const code = await Promise.race([optunaDone, timeout]);
    if (code === 'timeout') optuna.kill('SIGKILL');
    expect(code, err).toBe(0);
    expect(out.trim().split('\n')).toEqual(['ready', 'written']);
    const names = (await tune.getAllStudies(journalFileStorage(path))).map((s) => s.studyName).sort();
    expect(names).toEqual(['before', 'from-knobs', 'from-optuna']);
    expect(() => lstatSync(`${path}.lock`)).toThrow(); // released
  }, 60_000);
});
