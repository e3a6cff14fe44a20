import { describe, expect, test } from 'vitest';
import * as tune from '../../src/tune';

const random = (seed = 0) => tune.randomSampler({ seed });

describe('optimize', () => {
  test('runs nTrials, finds the best, keeps every trial', async () => {
    const study = tune.createStudy({ direction: 'maximize', sampler: random() });
    await study.optimize((t) => -((t.suggestFloat('x', -10, 10) - 2) ** 2), { nTrials: 40 });
    expect(study.trials).toHaveLength(40);
    expect(study.trials.map((t) => t.number)).toEqual([...Array(40).keys()]);
    const values = study.trials.map((t) => t.value!);
    expect(study.bestValue).toBe(Math.max(...values));
    expect(study.bestTrial.params.x).toBe(study.bestParams.x);
    expect(Math.abs((study.bestParams.x as number) - 2)).toBeLessThan(1);
  });

  test('concurrency runs that many trials at once, each number once', async () => {
    const study = tune.createStudy({ sampler: random() });
    let running = 0,
      peak = 0;
    await study.optimize(
      async (t) => {
        running++;
        peak = Math.max(peak, running);
        const x = t.suggestFloat('x', 0, 1);
        await new Promise((r) => setTimeout(r, 5 + 10 * x));
        running--;
        return x;
      },
      { nTrials: 12, concurrency: 3 },
    );
    expect(peak).toBe(3);
    expect(study.trials).toHaveLength(12);
    expect(new Set(study.trials.map((t) => t.number)).size).toBe(12);
    expect(study.trials.every((t) => t.state === 'COMPLETE')).toBe(true);
  });

  test('an executor runs the trials; an error named TrialPruned from another thread prunes', async () => {
    const calls: number[] = [];
    const executor: tune.Executor<{ module: string }> = {
      async run(objective, trial) {
        calls.push(trial.number);
        expect(objective.module).toBe('worker.js');
        trial.report(trial.suggestFloat('x', 0, 1), 0);
        if (trial.number % 2 === 1) {
          const e = new Error('pruned in a worker');
          e.name = 'TrialPruned';
          throw e;
        }
        return 1;
      },
    };
    const study = tune.createStudy({ sampler: random() });
    await study.optimize({ module: 'worker.js' }, { nTrials: 4, executor, concurrency: 2 });
    expect(calls.sort()).toEqual([0, 1, 2, 3]);
    expect(study.trials.map((t) => t.state)).toEqual(['COMPLETE', 'PRUNED', 'COMPLETE', 'PRUNED']);
  });

  test('an objective error fails its trial and rejects optimize, unless caught', async () => {
    class Flaky extends Error {}
    const study = tune.createStudy({ sampler: random() });
    const objective = (t: tune.Trial) => {
      if (t.suggestFloat('x', 0, 1) >= 0 && t.number === 1) throw new Flaky('boom');
      return 0;
    };
    await expect(study.optimize(objective, { nTrials: 5 })).rejects.toThrow('boom');
    expect(study.trials.map((t) => t.state)).toEqual(['COMPLETE', 'FAIL']);
    expect(study.trials[1]!.systemAttrs.fail_reason).toBe('Error: boom');
    const again = tune.createStudy({ sampler: random() });
    await again.optimize(objective, { nTrials: 3, catch: [Flaky] });
    expect(again.trials.map((t) => t.state)).toEqual(['COMPLETE', 'FAIL', 'COMPLETE']);
  });

  test('invalid objective values fail the trial (NaN, wrong count)', async () => {
    const study = tune.createStudy({ sampler: random() });
    await study.optimize((t) => (t.number === 0 ? NaN : t.number === 1 ? [1, 2] : 3), { nTrials: 3 });
    expect(study.trials.map((t) => t.state)).toEqual(['FAIL', 'FAIL', 'COMPLETE']);
    expect(String(study.trials[1]!.systemAttrs.fail_reason)).toMatch(/returned 2 value\(s\) for 1 direction/);
  });

  test('callbacks, maxTrialsCallback and stop', async () => {
    const study = tune.createStudy({ sampler: random() });
    const seen: number[] = [];
    await study.optimize((t) => t.suggestFloat('x', 0, 1), {
      nTrials: 100,
      callbacks: [(_s, t) => void seen.push(t.number), tune.maxTrialsCallback(7)],
    });
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6]);
    await study.optimize((t) => t.suggestFloat('x', 0, 1), { callbacks: [tune.maxTrialsCallback(9)] });
    expect(study.trials).toHaveLength(9);
  });

  test('timeout (seconds) stops starting trials', async () => {
    const study = tune.createStudy({ sampler: random() });
    const t0 = Date.now();
    await study.optimize(
      async () => {
        await new Promise((r) => setTimeout(r, 20));
        return 0;
      },
      { timeout: 0.1 },
    );
    // No trial starts after 0.1 s: at most 0.1 / 0.02 + 1 trials (fewer on a loaded machine).
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(study.trials.length).toBeGreaterThanOrEqual(1);
    expect(study.trials.length).toBeLessThanOrEqual(6);
    for (const t of study.trials) expect(t.datetimeStart!.getTime() - t0).toBeLessThan(100 + 50);
  });
});

describe('ask and tell', () => {
  test('complete, prune (keeps the curve, value = last report), fail', async () => {
    const study = tune.createStudy({ direction: 'maximize', sampler: random() });
    const a = await study.ask();
    a.suggestInt('units', 8, 64, { log: true });
    a.report(0.5, 0);
    a.report(0.7, 1);
    a.report(0.9, 1); // a step reported twice keeps its first value
    expect((await study.tell(a, 0.75)).state).toBe('COMPLETE');
    const b = await study.ask();
    b.report(0.2, 0);
    b.report(0.3, 1);
    const pruned = await study.tell(b, undefined, { state: 'PRUNED' });
    expect(pruned.state).toBe('PRUNED');
    expect(pruned.intermediateValues).toEqual({ 0: 0.2, 1: 0.3 });
    expect(pruned.value).toBe(0.3);
    const c = await study.ask();
    expect((await study.tell(c.number, undefined, { state: 'FAIL' })).state).toBe('FAIL');
    expect(study.trials[0]!.intermediateValues).toEqual({ 0: 0.5, 1: 0.7 });
    expect(study.bestTrial.number).toBe(0);
    await expect(study.tell(a, 1)).rejects.toThrow(/trial 0 is COMPLETE; only a RUNNING trial can be told/);
    expect((await study.tell(a, 1, { skipIfFinished: true })).value).toBe(0.75);
    await expect(study.tell(c, 1, { state: 'FAIL' })).rejects.toThrow(new RangeError(`tell: trial ${c.number} is FAIL; only a RUNNING trial can be told`));
    const d = await study.ask();
    await expect(study.tell(d, undefined, { state: 'COMPLETE' })).rejects.toThrow(/a COMPLETE trial needs values/);
    await expect(study.tell(d, 1, { state: 'bogus' as never })).rejects.toThrow(/options.state must be/);
    await expect(study.tell(d, 1, { stat: 'FAIL' } as never)).rejects.toThrow(/unknown option "stat"/);
  });

  test('a parameter suggested twice returns the same value; its kind cannot change', async () => {
    const study = tune.createStudy({ sampler: random() });
    const t = await study.ask();
    const x = t.suggestFloat('x', 0, 1);
    expect(t.suggestFloat('x', 0, 1)).toBe(x);
    expect(() => t.suggestInt('x', 0, 1)).toThrow(/parameter "x" was a float distribution in an earlier trial, got a int one/);
    await study.tell(t, x);
    const u = await study.ask();
    expect(() => u.suggestFloat('x', 0.1, 1, { log: true })).toThrow(/had log=false in an earlier trial, got log=true/);
    expect(() => u.suggestCategorical('c', ['a', 'b'])).not.toThrow();
    await study.tell(u, 0);
    expect(() => u.suggestFloat('y', 0, 1)).toThrow(/has already finished/);
  });

  test('ask with the space given up front (fixed distributions)', async () => {
    const study = tune.createStudy({ sampler: random(3) });
    const t = await study.ask({ lr: new tune.FloatDistribution(1e-5, 1e-1, { log: true }), act: new tune.CategoricalDistribution(['relu', 'tanh']) });
    expect(Object.keys(t.params)).toEqual(['lr', 'act']);
    expect(t.suggestFloat('lr', 1e-5, 1e-1, { log: true })).toBe(t.params.lr);
    const u = await study.ask();
    expect(Object.keys(u.params)).toEqual([]);
    await expect(study.ask({ lr: { low: 0, high: 1 } as never })).rejects.toThrow(
      /fixedDistributions.lr must be a FloatDistribution, IntDistribution or CategoricalDistribution/,
    );
  });
});

describe('suggest', () => {
  test.each<[string, (t: tune.Trial) => unknown, RegExp]>([
    ['low > high', (t) => t.suggestFloat('x', 1, 0), /^suggestFloat: low must be <= high, got low=1, high=0$/],
    ['unknown option', (t) => t.suggestFloat('x', 0, 1, { lgo: true } as never), /^suggestFloat: unknown option "lgo"/],
    ['bad log', (t) => t.suggestFloat('x', 0.5, 0.9, { log: 'yes' } as never), /options.log must be true, false or 'oneMinus', got "yes"/],
    ['int step', (t) => t.suggestInt('n', 0, 10, { step: 0.5 }), /suggestInt: options.step must be an integer, got 0.5/],
    ['empty name', (t) => t.suggestInt('', 0, 10), /suggestInt: name must be a non-empty string/],
    ['choices', (t) => t.suggestCategorical('c', []), /suggestCategorical: choices must contain at least one element/],
    ['report step', (t) => t.report(1, -1), /report: step must be an integer >= 0, got -1/],
    ['report value', (t) => t.report('1' as never, 0), /report: value must be a number, got "1"/],
  ])('rejects %s', async (_name, call, message) => {
    const study = tune.createStudy({ sampler: random() });
    const t = await study.ask();
    expect(() => call(t)).toThrow(message);
  });

  test("log: 'oneMinus' spreads 1 - beta over decades and is stored as a plain float", async () => {
    const study = tune.createStudy({ sampler: random(1) });
    await study.optimize((t) => t.suggestFloat('beta', 0.9, 0.999, { log: 'oneMinus' }), { nTrials: 300 });
    const betas = study.trials.map((t) => t.params.beta as number);
    expect(Math.min(...betas)).toBeGreaterThanOrEqual(0.9);
    expect(Math.max(...betas)).toBeLessThanOrEqual(0.999);
    // One third of the mass per decade of 1 - beta: [0.9, 0.99), [0.99, 0.999].
    const above099 = betas.filter((b) => b >= 0.99).length / betas.length;
    expect(above099).toBeGreaterThan(0.4);
    expect(above099).toBeLessThan(0.6);
    expect(tune.distributionToJson(study.trials[0]!.distributions.beta!)).toBe(
      '{"name": "FloatDistribution", "attributes": {"step": null, "low": 0.9, "high": 0.999, "log": false}}',
    );
  });

  test('log scale for learning rates: each decade equally likely', async () => {
    const study = tune.createStudy({ sampler: random(2) });
    await study.optimize((t) => t.suggestFloat('lr', 1e-5, 1e-1, { log: true }), { nTrials: 400 });
    const decades = [0, 0, 0, 0];
    for (const t of study.trials) decades[Math.min(3, Math.floor(Math.log10(t.params.lr as number) + 5))]!++;
    for (const d of decades) expect(d / 400).toBeGreaterThan(0.18);
  });
});

describe('enqueueTrial', () => {
  test('the best guess runs first; unfixed parameters are sampled', async () => {
    const study = tune.createStudy({ sampler: random() });
    await study.enqueueTrial({ lr: 1e-3, units: 128 }, { userAttrs: { source: 'guess' } });
    await study.enqueueTrial({ lr: 2e-3 });
    await study.enqueueTrial({ lr: 2e-3 }, { skipIfExists: true });
    await study.optimize((t) => t.suggestFloat('lr', 1e-5, 1e-1, { log: true }) * t.suggestInt('units', 16, 256), { nTrials: 4 });
    const [a, b, c] = study.trials;
    expect(a!.params).toEqual({ lr: 1e-3, units: 128 });
    expect(a!.userAttrs.source).toBe('guess');
    expect(b!.params.lr).toBe(2e-3);
    expect(b!.params.units).toBeGreaterThanOrEqual(16);
    expect(c!.systemAttrs.fixed_params).toBeUndefined();
    expect(study.trials).toHaveLength(4);
  });
});

describe('conditional (define-by-run) spaces', () => {
  const objective: tune.Objective = (t) => {
    const layers = t.suggestInt('layers', 1, 3);
    let cost = 0;
    for (let i = 0; i < layers; i++) cost += Math.abs(Math.log2(t.suggestInt(`units_${i}`, 8, 512, { log: true })) - 6 - i);
    if (t.suggestCategorical('optimizer', ['sgd', 'adam']) === 'adam') cost += Math.abs(Math.log10(t.suggestFloat('lr_adam', 1e-5, 1e-1, { log: true })) + 3);
    else cost += Math.abs(Math.log10(t.suggestFloat('lr_sgd', 1e-4, 1, { log: true })) + 1);
    return cost + (3 - layers);
  };

  test.each([
    ['tpe', () => tune.tpeSampler({ seed: 1 })],
    ['tpe multivariate group', () => tune.tpeSampler({ seed: 1, multivariate: true, group: true })],
    ['coarse to fine', () => tune.coarseToFineSampler({ seed: 1 })],
  ])('%s: units of layer 3 exist only with 3 layers', async (_name, sampler) => {
    const study = tune.createStudy({ sampler: sampler() });
    await study.optimize(objective, { nTrials: 60 });
    for (const t of study.trials) {
      expect(t.state).toBe('COMPLETE');
      const layers = t.params.layers as number;
      expect('units_2' in t.params).toBe(layers === 3);
      expect('units_1' in t.params).toBe(layers >= 2);
      expect('lr_adam' in t.params).toBe(t.params.optimizer === 'adam');
    }
    expect(study.bestValue).toBeLessThan(3);
  });
});

describe('several objectives and constraints', () => {
  test('bestTrials is the Pareto front', async () => {
    const study = tune.createStudy({ directions: ['maximize', 'minimize'], sampler: random() });
    // (accuracy, latency): 0 and 2 and 4 are not dominated; 1 is dominated by 0, 3 by 2.
    const points = [
      [0.9, 10],
      [0.85, 12],
      [0.95, 20],
      [0.94, 25],
      [0.8, 5],
    ];
    for (const p of points) await study.tell(await study.ask(), p);
    expect(study.bestTrials.map((t) => t.number)).toEqual([0, 2, 4]);
    expect(() => study.bestTrial).toThrow(/several objectives; use bestTrials/);
    expect(() => study.direction).toThrow(/use directions/);
    const pf = tune.plotData.paretoFront(study);
    expect(pf.best.map((p) => p.number)).toEqual([0, 2, 4]);
    expect(pf.others.map((p) => p.number)).toEqual([1, 3]);
  });

  test('a trial breaking a constraint is never best', async () => {
    const study = tune.createStudy({
      direction: 'maximize',
      sampler: random(),
      constraintsFunc: (t) => [(t.userAttrs.latencyMs as number) - 100],
    });
    const run = async (accuracy: number, latencyMs: number) => {
      const t = await study.ask();
      t.setUserAttr('latencyMs', latencyMs);
      await study.tell(t, accuracy);
    };
    await run(0.99, 150);
    expect(() => study.bestTrial).toThrow(/no completed trial satisfies the constraints/);
    await run(0.9, 80);
    await run(0.95, 100);
    await run(0.97, 101);
    expect(study.bestTrial.number).toBe(2);
    expect(study.trials.map((t) => t.systemAttrs.constraints)).toEqual([[50], [-20], [0], [1]]);
    expect(study.bestTrials.map((t) => t.number)).toEqual([2]);
    const multi = tune.createStudy({ directions: ['maximize', 'minimize'], sampler: random(), constraintsFunc: (t) => [t.values![1]! - 100] });
    for (const p of [
      [0.99, 150],
      [0.9, 80],
      [0.95, 99],
    ])
      await multi.tell(await multi.ask(), p);
    expect(multi.bestTrials.map((t) => t.number)).toEqual([1, 2]);
    expect(tune.plotData.paretoFront(multi).infeasible.map((p) => p.number)).toEqual([0]);
  });

  test('TPE with constraints prefers the feasible region', async () => {
    const study = tune.createStudy({
      sampler: tune.tpeSampler({ seed: 3 }),
      constraintsFunc: (t) => [0.5 - (t.params.x as number)], // feasible when x >= 0.5
    });
    await study.optimize((t) => t.suggestFloat('x', 0, 1) ** 2, { nTrials: 60 });
    const late = study.trials.slice(30);
    expect(late.filter((t) => (t.params.x as number) >= 0.5).length).toBeGreaterThan(12);
    expect(late.filter((t) => (t.params.x as number) < 0.3).length).toBeLessThan(5);
    expect(study.bestParams.x as number).toBeGreaterThanOrEqual(0.5);
    expect(study.bestParams.x as number).toBeLessThan(0.56);
  });

  test('multi-objective TPE runs and spreads along the front', async () => {
    const study = tune.createStudy({ directions: ['minimize', 'minimize'], sampler: tune.tpeSampler({ seed: 2 }) });
    await study.optimize(
      (t) => {
        const x = t.suggestFloat('x', 0, 1),
          y = t.suggestFloat('y', 0, 1);
        return [x + y * y, 1 - x + y * y];
      },
      { nTrials: 50 },
    );
    const front = study.bestTrials;
    expect(front.length).toBeGreaterThan(5);
    for (const t of front) expect(t.params.y as number).toBeLessThan(0.35);
  });
});

describe('creating and loading', () => {
  test.each<[string, () => unknown, RegExp]>([
    ['unknown option', () => tune.createStudy({ directon: 'maximize' } as never), /^createStudy: unknown option "directon"/],
    ['direction', () => tune.createStudy({ direction: 'max' as never }), /options.direction must be 'minimize' or 'maximize', got "max"/],
    ['both directions', () => tune.createStudy({ direction: 'maximize', directions: ['maximize'] }), /not both/],
    ['sampler', () => tune.createStudy({ sampler: {} as never }), /options.sampler must be a sampler/],
    ['storage scheme', () => tune.createStudy({ storage: 'mysql://x' }), /options.storage "mysql:\/\/x" has no known scheme/],
    ['tpe option', () => tune.tpeSampler({ nStartup: 3 } as never), /tpeSampler: unknown option "nStartup"/],
    ['tpe group', () => tune.tpeSampler({ group: true }), /options.group needs multivariate: true/],
    ['asha', () => tune.ashaPruner({ reductionFactor: 1 }), /ashaPruner: options.reductionFactor must be an integer >= 2, got 1/],
    ['median', () => tune.medianPruner({ nWarmupSteps: -1 }), /medianPruner: options.nWarmupSteps must be an integer >= 0, got -1/],
    ['grid', () => tune.gridSampler({ x: [] }), /gridSampler: searchSpace.x must be a non-empty array/],
  ])('rejects %s', (_name, make, message) => expect(make).toThrow(message));

  test('optimize rejects bad options (asynchronously)', async () => {
    const study = tune.createStudy();
    await expect(study.optimize(() => 0, { nTrials: -1 })).rejects.toThrow(/optimize: options.nTrials must be an integer >= 0, got -1/);
    await expect(study.optimize(() => 0, { concurency: 2 } as never)).rejects.toThrow(/unknown option "concurency"/);
    await expect(study.optimize(42 as never)).rejects.toThrow(/objective must be a function/);
  });

  test('one storage, several studies; load, duplicate names, directions', async () => {
    const storage = tune.inMemoryStorage();
    const a = tune.createStudy({ storage, studyName: 'a', direction: 'maximize', sampler: random() });
    await a.optimize(() => 1, { nTrials: 2 });
    const again = tune.createStudy({ storage, studyName: 'a', direction: 'maximize' });
    expect(again.trials).toHaveLength(2);
    expect(() => tune.createStudy({ storage, studyName: 'a', loadIfExists: false })).toThrow(tune.DuplicatedStudyError);
    expect(() => tune.createStudy({ storage, studyName: 'a', direction: 'minimize' })).toThrow(/exists with directions \["maximize"\], got \["minimize"\]/);
    const loaded = tune.loadStudy({ storage, studyName: 'a' });
    expect(loaded.direction).toBe('maximize');
    expect(() => tune.loadStudy({ storage, studyName: 'nope' })).toThrow(/no study named "nope"/);
    tune.createStudy({ storage, studyName: 'b' });
    expect((await tune.getAllStudies(storage)).map((s) => s.studyName)).toEqual(['a', 'b']);
    await tune.deleteStudy({ storage, studyName: 'a' });
    expect((await tune.getAllStudies(storage)).map((s) => s.studyName)).toEqual(['b']);
  });
});

describe('results', () => {
  test('trials table as rows, JSON and CSV with Optuna column names', async () => {
    const study = tune.createStudy({ sampler: random() });
    await study.enqueueTrial({ act: 'relu, "fast"', lr: 0.01 });
    await study.optimize(
      (t) => {
        t.suggestCategorical('act', ['relu, "fast"', 'tanh']);
        t.setUserAttr('note', 'x');
        return t.suggestFloat('lr', 1e-3, 1e-1, { log: true });
      },
      { nTrials: 3 },
    );
    const rows = study.trialsTable();
    expect(Object.keys(rows[0]!)).toEqual([
      'number',
      'value',
      'datetime_start',
      'datetime_complete',
      'duration',
      'params_act',
      'params_lr',
      'user_attrs_note',
      'system_attrs_fixed_params',
      'state',
    ]);
    expect(rows[0]).toMatchObject({ number: 0, value: 0.01, params_act: 'relu, "fast"', params_lr: 0.01, state: 'COMPLETE' });
    expect(typeof rows[0]!.duration).toBe('number');
    expect(JSON.parse(study.trialsTable({ format: 'json' }))).toEqual(rows);
    const csv = study.trialsTable({ format: 'csv', attrs: ['number', 'value', 'params', 'state'] });
    const lines = csv.trim().split('\n');
    expect(lines[0]).toBe('number,value,params_act,params_lr,state');
    expect(lines[1]).toBe('0,0.01,"relu, ""fast""",0.01,COMPLETE');
    expect(lines).toHaveLength(4);
    expect(() => study.trialsTable({ format: 'xml' as never })).toThrow(/format must be/);
  });

  test('importance (fANOVA on a random forest) ranks what the objective depends on', async () => {
    const study = tune.createStudy({ sampler: random(5) });
    await study.optimize(
      (t) => {
        const x = t.suggestFloat('x', 0, 1),
          y = t.suggestFloat('y', 0, 1);
        t.suggestFloat('z', 0, 1);
        const c = t.suggestCategorical('c', ['a', 'b']);
        return 10 * x * x + 2 * y + (c === 'a' ? 0.5 : 0);
      },
      { nTrials: 150 },
    );
    const imp = tune.getParamImportances(study, { nTrees: 16 });
    expect(Object.keys(imp)).toEqual(['x', 'y', 'c', 'z']);
    expect(imp.x!).toBeGreaterThan(0.6);
    expect(imp.z!).toBeLessThan(0.03);
    expect(Object.values(imp).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 10);
    expect(tune.plotData.paramImportances(study, { nTrees: 16 })[0]!.name).toBe('x');
  });

  test('plot data: history, learning curves, parallel coordinates, slices', async () => {
    const study = tune.createStudy({ direction: 'minimize', sampler: random(7), pruner: tune.nopPruner() });
    await study.optimize(
      (t) => {
        const lr = t.suggestFloat('lr', 1e-4, 1, { log: true });
        const act = t.suggestCategorical('act', ['relu', 'tanh']);
        for (let s = 0; s < 3; s++) t.report(lr / (s + 1), s);
        if (t.number === 2) throw new tune.TrialPruned();
        return lr + (act === 'relu' ? 0 : 1);
      },
      { nTrials: 6 },
    );
    const h = tune.plotData.optimizationHistory(study);
    expect(h.points.map((p) => p.number)).toEqual([0, 1, 3, 4, 5]);
    for (let i = 1; i < h.points.length; i++) expect(h.points[i]!.best!).toBeLessThanOrEqual(h.points[i - 1]!.best!);
    expect(h.points.at(-1)!.best).toBe(study.bestValue);
    const curves = tune.plotData.intermediateValues(study);
    expect(curves).toHaveLength(6);
    expect(curves[2]).toMatchObject({ number: 2, state: 'PRUNED', steps: [0, 1, 2] });
    const pc = tune.plotData.parallelCoordinate(study);
    expect(pc.axes.map((a) => [a.name, a.scale])).toEqual([
      ['Objective Value', 'linear'],
      ['act', 'categorical'],
      ['lr', 'log'],
    ]);
    expect(pc.numbers).toEqual([0, 1, 3, 4, 5]);
    const sl = tune.plotData.slice(study);
    expect(sl.lr!.scale).toBe('log');
    expect(sl.lr!.points.map((p) => p.number)).toEqual([0, 1, 3, 4, 5]);
  });
});
