/**
 * The TSDoc examples of `knobs/tune` that other tests do not already run, run as written
 * (STYLE.md: "TSDoc on every export, with an example that is run"). `knobs/tune` is the Node
 * flavour (src/tune/node), as the package's Node build exports it; free names of the examples
 * (trainEpoch, train, objective, myStorage) are stubs defined here. Journal paths are made
 * relative to a temporary directory.
 */
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { fakeIndexedDb } from './fixtures/fakeIndexedDb';
// 'knobs/tune' in Node, as build/entry.tune.node.ts exports it
import * as tune from '../../src/tune/node';
import { tempDir } from './helpers';

let cwd: string;
beforeAll(() => {
  cwd = process.cwd();
  process.chdir(tempDir());
});
afterAll(() => process.chdir(cwd));

const trainEpoch = async (p?: { lr?: number; units?: number }) => 0.9 - Math.abs(Math.log10(p?.lr ?? 1e-3) + 3) / 10;
const train = async (p: unknown) => (typeof p === 'number' ? 1 - Math.abs(Math.log10(p) + 3) / 10 : 0.5);
const objective: tune.Objective = (t) => t.suggestFloat('x', 0, 1);

describe('knobs/tune examples', () => {
  test('module example (journal, TPE, ASHA, concurrency)', async () => {
    const study = tune.createStudy({
      direction: 'maximize',
      sampler: tune.tpeSampler({ seed: 1 }),
      pruner: tune.ashaPruner(),
      storage: 'journal:./study.jsonl',
      studyName: 'mnist-mlp',
    });
    await study.optimize(
      async (trial) => {
        const lr = trial.suggestFloat('lr', 1e-5, 1e-1, { log: true });
        const units = trial.suggestInt('units', 32, 512, { log: true });
        let valAccuracy = 0;
        for (let epoch = 0; epoch < 10; epoch++) {
          valAccuracy = await trainEpoch({ lr, units });
          trial.report(valAccuracy, epoch);
          if (trial.shouldPrune()) throw new tune.TrialPruned();
        }
        return valAccuracy;
      },
      { nTrials: 12, concurrency: 2 },
    );
    expect(Object.keys(study.bestParams)).toEqual(['lr', 'units']);
    const same = tune.createStudy({ storage: tune.journalFileStorage('./study.jsonl', { fsync: false }), studyName: 'mnist-mlp' });
    expect(same.trials).toHaveLength(12);
  });

  test('errors', async () => {
    const storage = tune.inMemoryStorage();
    tune.createStudy({ storage, studyName: 'a' });
    let caught = '';
    try {
      tune.createStudy({ storage, studyName: 'a', loadIfExists: false });
    } catch (e) {
      if (e instanceof tune.DuplicatedStudyError) caught = 'already there';
    }
    expect(caught).toBe('already there');
    try {
      await tune.loadStudy({ storage, studyName: 'missing' }).ready();
    } catch (e) {
      if (e instanceof tune.StorageError) caught = e.message;
    }
    expect(caught).toMatch(/no study named "missing"/);
  });

  test('distributions and states', async () => {
    const lr = new tune.FloatDistribution(1e-5, 1e-1, { log: true });
    expect(lr.contains(3e-4)).toBe(true);
    const units = new tune.IntDistribution(32, 512, { log: true });
    expect(units.contains(100)).toBe(true);
    const act = new tune.CategoricalDistribution(['relu', 'tanh']);
    expect(act.toInternal('tanh')).toBe(1);
    const study = tune.createStudy();
    await study.optimize(() => 1, { nTrials: 2 });
    expect(study.getTrials({ states: [tune.TrialState.COMPLETE] })).toHaveLength(2);
  });

  test('a custom sampler, pruner, backend, storage scheme and executor', async () => {
    const middle: tune.Sampler = {
      sample: (_ctx, _name, d) => (d.type === 'categorical' ? d.choices[0]! : d.snap((d.low + d.high) / 2)),
    };
    const threshold: tune.Pruner = {
      prune: (_study, trial) => Object.values(trial.intermediateValues).some((v) => v > 10),
    };
    const logs: tune.JournalLog[] = [];
    const backend: tune.JournalBackend = {
      readLogs: (from) => logs.slice(from),
      appendLogs: (more) => {
        logs.push(...more);
      },
    };
    const storage = new tune.JournalStorage(backend);
    const study = tune.createStudy({ storage, sampler: middle, pruner: threshold });
    const timed: tune.Executor = {
      async run(objective, trial) {
        const t0 = performance.now();
        try {
          return await objective(trial);
        } finally {
          trial.setUserAttr('ms', performance.now() - t0);
        }
      },
    };
    await study.optimize(
      (t) => {
        const x = t.suggestFloat('x', 0, 20, { step: 1 });
        t.report(x, 0);
        if (t.shouldPrune()) throw new tune.TrialPruned();
        return x;
      },
      { nTrials: 1, executor: timed },
    );
    expect(study.trials[0]!.params.x).toBe(10);
    expect(typeof study.trials[0]!.userAttrs.ms).toBe('number');
    expect(logs.length).toBeGreaterThan(3);

    tune.registerStorageScheme('remote', () => new tune.JournalStorage(backend));
    const remote = tune.createStudy({ storage: 'remote:https://tuning.example/journal', studyName: 'mlp' });
    expect(remote.studyName).toBe('mlp');
    await study.optimize(objective, { executor: tune.inProcessExecutor, concurrency: 4, nTrials: 4 });
    expect(tune.storageSchemes()).toContain('remote');
  });

  test('samplers', async () => {
    const grid = tune.gridSampler({ lr: [1e-3, 1e-2], units: [64, 128, 256] });
    const gridStudy = tune.createStudy({ sampler: grid });
    await gridStudy.optimize((t) => t.suggestFloat('lr', 1e-4, 1e-1, { log: true }) * t.suggestInt('units', 64, 256));
    expect(gridStudy.trials.length).toBe(6);

    const c2f = tune.coarseToFineSampler({ seed: 1, trialsPerRound: 20 });
    const c2fStudy = tune.createStudy({ direction: 'maximize', sampler: c2f });
    await c2fStudy.optimize((t) => -((Math.log10(t.suggestFloat('lr', 1e-5, 1, { log: true })) + 3) ** 2), { nTrials: 60 });
    expect(Math.abs(Math.log10(c2fStudy.bestParams.lr as number) + 3)).toBeLessThan(0.2);

    const tpeStudy = tune.createStudy({ direction: 'maximize', sampler: tune.tpeSampler({ seed: 1 }) });
    await tpeStudy.optimize(
      (trial) => {
        const lr = trial.suggestFloat('lr', 1e-5, 1e-1, { log: true });
        return -((Math.log10(lr) + 2.5) ** 2);
      },
      { nTrials: 40 },
    );
    expect(Math.abs(Math.log10(tpeStudy.bestParams.lr as number) + 2.5)).toBeLessThan(0.3);

    expect(tune.createStudy({ sampler: tune.randomSampler({ seed: 42 }) })).toBeInstanceOf(tune.Study);
  });

  test('pruners', () => {
    for (const pruner of [
      tune.nopPruner(),
      tune.medianPruner({ nWarmupSteps: 2 }),
      tune.percentilePruner({ percentile: 25, nStartupTrials: 5 }),
      tune.ashaPruner({ minResource: 1, reductionFactor: 3 }),
      tune.successiveHalvingPruner({ minResource: 1, reductionFactor: 3, bracketSize: 9 }),
      tune.hyperbandPruner({ minResource: 1, maxResource: 27, reductionFactor: 3 }),
    ]) {
      expect(tune.createStudy({ direction: 'maximize', pruner }).pruner).toBe(pruner);
    }
  });

  test('study: ask/tell, enqueue, addTrial, tables, importance, plots, storages', async () => {
    const study = tune.createStudy({ direction: 'maximize', sampler: tune.tpeSampler({ seed: 1 }) });
    await study.optimize(
      (trial) => {
        const x = trial.suggestFloat('x', -10, 10);
        return -((x - 2) ** 2);
      },
      { nTrials: 30 },
    );
    expect(study.bestValue).toBeGreaterThan(-1);
    const importances = tune.getParamImportances(study);
    expect(importances).toEqual({ x: 1 });
    expect(tune.plotData.paramImportances(study)).toEqual([{ name: 'x', importance: 1 }]);

    const trial = await study.ask();
    const lr = trial.suggestFloat('lr', 1e-5, 1e-1, { log: true });
    await study.tell(trial, await train(lr));
    const t2 = await study.ask({ lr: new tune.FloatDistribution(1e-5, 1e-1, { log: true }) });
    await study.tell(t2, await train(t2.params.lr));
    const otherTrial = await study.ask();
    await study.tell(otherTrial, undefined, { state: 'PRUNED' });

    void study.enqueueTrial({ lr: 1e-3, units: 128 });
    await study.optimize((t) => t.suggestFloat('lr', 1e-5, 1e-1, { log: true }), { nTrials: 1 });
    expect(study.trials.at(-1)!.params.lr).toBe(1e-3);

    await study.addTrial({
      state: 'COMPLETE',
      values: [0.91],
      params: { lr: 1e-3 },
      distributions: { lr: new tune.FloatDistribution(1e-5, 1e-1, { log: true }) },
    });
    expect(study.trials.at(-1)!.state).toBe('COMPLETE');

    writeFileSync('trials.csv', study.trialsTable({ format: 'csv' }));
    const rows = study.trialsTable();
    expect(rows[0]).toHaveProperty('params_x');

    const { points } = tune.plotData.optimizationHistory(study);
    expect(points.length).toBeGreaterThan(30);
    for (const c of tune.plotData.intermediateValues(study)) expect(c.values.length).toBe(c.steps.length);
    expect(tune.plotData.parallelCoordinate(study, { params: ['lr'] }).axes[1]!.name).toBe('lr');
    expect(tune.plotData.slice(study).x!.points.length).toBe(30);
    const multi = tune.createStudy({ directions: ['maximize', 'minimize'] });
    await multi.tell(await multi.ask(), [0.95, 12.5]);
    expect(tune.plotData.paretoFront(multi).best).toEqual([{ number: 0, values: [0.95, 12.5] }]);

    const storage = new tune.JournalStorage(new tune.MemoryJournalBackend());
    expect(tune.createStudy({ storage, studyName: 'demo' }).studyName).toBe('demo');
    const backend = new tune.MemoryJournalBackend();
    const a = new tune.JournalStorage(backend),
      b = new tune.JournalStorage(backend);
    tune.createStudy({ storage: a, studyName: 'shared' });
    expect(tune.loadStudy({ storage: b, studyName: 'shared' }).studyName).toBe('shared');
    expect(tune.createStudy({ storage: tune.inMemoryStorage() }).trials).toEqual([]);
  });

  test('journal files, resuming, loading, deleting', async () => {
    const study = tune.createStudy({
      direction: 'maximize',
      sampler: tune.tpeSampler({ seed: 1 }),
      pruner: tune.ashaPruner(),
      storage: 'journal:./study2.jsonl',
      studyName: 'mnist-mlp',
    });
    await study.optimize(objective, { callbacks: [tune.maxTrialsCallback(5)] });
    const loaded = tune.loadStudy({ studyName: 'mnist-mlp', storage: 'journal:./study2.jsonl' });
    expect(loaded.trials).toHaveLength(5);
    const failed = await loaded.failStaleTrials();
    expect(failed).toEqual([]);
    const studies = await tune.getAllStudies('journal:./study2.jsonl');
    expect(studies.map((s) => s.studyName)).toEqual(['mnist-mlp']);
    tune.createStudy({ storage: 'journal:./study2.jsonl', studyName: 'old' });
    await tune.deleteStudy({ studyName: 'old', storage: 'journal:./study2.jsonl' });
    expect((await tune.getAllStudies('journal:./study2.jsonl')).length).toBe(1);
    const storage = new tune.JournalStorage(new tune.JournalFileBackend('./study2.jsonl', { fsync: false }));
    expect(tune.loadStudy({ storage, studyName: 'mnist-mlp' }).trials).toHaveLength(5);
  });

  test('IndexedDB storages (fake IndexedDB)', async () => {
    const idb = fakeIndexedDb();
    const storage = new tune.JournalStorage(new tune.IndexedDbJournalBackend('tuning', idb));
    const study = tune.createStudy({ storage, studyName: 'mnist-mlp' });
    await study.optimize(objective, { nTrials: 3 });
    const again = await tune.createStudy({ storage: tune.indexedDbStorage('tuning', idb), studyName: 'mnist-mlp' }).ready();
    expect(again.trials).toHaveLength(3);
  });

  test('helpers: distributions as JSON, TPE gamma and weights, journal op codes, schemes', async () => {
    expect(tune.distributionToJson(new tune.IntDistribution(32, 512, { log: true }))).toBe(
      '{"name": "IntDistribution", "attributes": {"log": true, "step": 1, "low": 32, "high": 512}}',
    );
    expect(tune.jsonToDistribution('{"type": "float", "low": 0.0001, "high": 0.1, "log": true}')).toEqual(new tune.FloatDistribution(1e-4, 0.1, { log: true }));
    expect(tune.defaultGamma(40)).toBe(4);
    expect(tune.defaultWeights(3)).toEqual([1, 1, 1]);
    for (const sampler of [
      tune.tpeSampler({ gamma: (n) => Math.ceil(0.2 * n) }),
      tune.tpeSampler({ gamma: tune.hyperoptDefaultGamma, nStartupTrials: 20 }),
      tune.tpeSampler({ weights: (n) => new Array(n).fill(1) }),
    ]) {
      const study = tune.createStudy({ sampler });
      await study.optimize((t) => t.suggestFloat('x', 0, 1), { nTrials: 25 });
      expect(study.trials).toHaveLength(25);
    }
    const backend = new tune.MemoryJournalBackend();
    await tune.createStudy({ storage: new tune.JournalStorage(backend) }).optimize(objective, { nTrials: 2 });
    const created = backend.readLogs(0).filter((log) => log.op_code === tune.JournalOperation.CREATE_TRIAL);
    expect(created).toHaveLength(2);
    expect(tune.storageSchemes()).toEqual(expect.arrayContaining(['memory', 'indexeddb', 'journal']));
  });

  test('study attributes, stop, bestTrials', async () => {
    const study = tune.createStudy({ direction: 'maximize' });
    study.setUserAttr('dataset', 'mnist');
    expect(study.userAttrs.dataset).toBe('mnist');
    await study.optimize((t) => t.suggestFloat('x', 0.98, 1), {
      nTrials: 50,
      callbacks: [
        (s, t) => {
          if (t.value! > 0.99) s.stop();
        },
      ],
    });
    expect(study.trials.length).toBeLessThan(50);
    const accuracyOf = (t: tune.Trial) => t.suggestFloat('units', 0, 1);
    const latencyMsOf = (t: tune.Trial) => 100 * (t.params.units as number) ** 2;
    const multi = tune.createStudy({ directions: ['maximize', 'minimize'] });
    await multi.optimize((t) => [accuracyOf(t), latencyMsOf(t)], { nTrials: 50 });
    expect(multi.bestTrials.length).toBe(50); // accuracy and latency trade off one for one here
  });
});
