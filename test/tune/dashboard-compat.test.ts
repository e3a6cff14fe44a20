/**
 * A knobs journal through the Optuna calls optuna-dashboard makes (python3 with optuna >= 3.1;
 * Debian's python3-optuna in CI). No dashboard code runs here: fixtures/dashboard_calls.py makes,
 * on `JournalStorage(JournalFileStorage(path))`, the storage and Optuna calls that
 * optuna-dashboard v0.19.0 (the last release for Optuna 3.1) makes to list studies, show one
 * (trials, best trials or Pareto front, search space, intermediate values, attributes,
 * constraints, enqueued parameters) and compute parameter importances; and the dashboard's
 * writes (notes, tell, user attrs, a new study), which knobs then reads.
 *
 * The importances need scikit-learn, which python3-optuna only suggests; CI installs
 * python3-sklearn. Elsewhere the tests are skipped, with a message, when python3 cannot import
 * optuna (or sklearn, for the importances); with KNOBS_REQUIRE_PYTHON set (as .ci/run does)
 * a missing package fails instead.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import * as tune from '../../src/tune';
import { journalFileStorage } from '../../src/tune/node';
import { parsePyJson } from '../../src/tune/pyjson';
import { pythonWithOptuna, tempDir } from './helpers';

const python = pythonWithOptuna();
if (!python) {
  console.warn(
    'dashboard-compat.test.ts: SKIPPED, no python3 with optuna >= 3.1 here (apt-get install python3-optuna, or set KNOBS_PYTHON); CI installs it and runs these tests.',
  );
}
const sklearn = !!python && spawnSync(python, ['-c', 'import sklearn'], { encoding: 'utf8' }).status === 0;
if (python && !sklearn && process.env.KNOBS_REQUIRE_PYTHON) {
  throw new Error('KNOBS_REQUIRE_PYTHON is set (CI) but python3 cannot import sklearn: apt-get install python3-sklearn');
}
if (python && !sklearn) console.warn('dashboard-compat.test.ts: parameter importances SKIPPED, python3 has no scikit-learn (apt-get install python3-sklearn).');
const script = join(__dirname, 'fixtures/dashboard_calls.py');

function py(...args: string[]): any {
  const r = spawnSync(python!, [script, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`python3 ${args.join(' ')} failed:\n${r.stderr}`);
  return parsePyJson(r.stdout);
}

/** Python's str() of a parameter value, as the dashboard shows it. */
const pyStr = (v: unknown) => (v === null ? 'None' : v === true ? 'True' : v === false ? 'False' : String(v));
const capitalized = (s: string) => s[0] + s.slice(1).toLowerCase();

async function writeStudies(path: string) {
  const storage = journalFileStorage(path);
  const single = tune.createStudy({
    storage,
    studyName: 'knobs-single',
    direction: 'maximize',
    sampler: tune.tpeSampler({ seed: 1, nStartupTrials: 3 }),
    pruner: tune.ashaPruner({ minResource: 1, reductionFactor: 2 }),
    constraintsFunc: (t) => [(t.userAttrs.latencyMs as number) - 50],
  });
  single.setUserAttr('owner', 'knobs');
  single.setUserAttr('notes', { dataset: 'digits', tags: ['a', 'b'] });
  await single.optimize(
    (t) => {
      const x = t.suggestFloat('x', -5, 5);
      const lr = t.suggestFloat('lr', 1e-5, 1e-1, { log: true });
      const dropout = t.suggestFloat('dropout', 0, 0.5, { step: 0.1 });
      const units = t.suggestInt('units', 1, 128, { log: true });
      const batch = t.suggestInt('batch', 32, 256, { step: 32 });
      const act = t.suggestCategorical('act', ['relu', 'tanh', null, false]);
      t.suggestFloat('beta', 0.9, 0.999, { log: 'oneMinus' });
      t.setUserAttr('latencyMs', 10 * Math.abs(x) + units / 4);
      t.setUserAttr('tag', `t${t.number}`);
      t.setUserAttr('ok', true);
      if (t.number === 2) throw new RangeError('a failing trial');
      let v = 0;
      for (let step = 0; step < 4; step++) {
        v = -x * x + Math.log(units) + (act === 'relu' ? 1 : 0) - 1 / (step + 1) - dropout + Math.log10(lr) / 10 + batch / 1e4;
        t.report(v, step);
        if (t.shouldPrune()) throw new tune.TrialPruned();
      }
      return v;
    },
    { nTrials: 16, catch: [RangeError] },
  );
  const running = await single.ask(); // left RUNNING
  running.suggestFloat('x', -5, 5);
  await single.enqueueTrial({ x: -0.25, units: 8, act: false }); // left WAITING

  const multi = tune.createStudy({ storage, studyName: 'knobs-multi', directions: ['maximize', 'minimize'], sampler: tune.randomSampler({ seed: 2 }) });
  await multi.optimize((t) => [t.suggestFloat('a', 0, 1), t.suggestInt('b', 0, 10, { step: 2 })], { nTrials: 8 });

  // Values the dashboard writes as "inf", "-inf" and "nan".
  const edge = tune.createStudy({ storage, studyName: 'knobs-inf', direction: 'minimize', sampler: tune.randomSampler({ seed: 3 }) });
  await edge.optimize(
    (t) => {
      const u = t.suggestFloat('u', 0, 1);
      if (t.number === 0) {
        t.report(Infinity, 0);
        t.report(-Infinity, 1);
        t.report(NaN, 2);
        return Infinity;
      }
      return u;
    },
    { nTrials: 2 },
  );
  return [single, multi, edge];
}

describe.skipIf(!python)("a knobs journal through optuna-dashboard's Optuna calls", () => {
  const path = join(tempDir(), 'knobs.jsonl');
  let studies: tune.Study[];
  let got: { have_sklearn: boolean; studies: any[] };

  beforeAll(async () => {
    studies = await writeStudies(path);
    got = py('read', path);
  });

  test('the study list (GET /api/studies)', async () => {
    const frozen = await tune.getAllStudies(journalFileStorage(path));
    expect(got.studies.map((s) => [s.study_id, s.study_name, s.directions, s.user_attrs, s.system_attrs])).toEqual(
      frozen.map((s) => [s.studyId, s.studyName, [...s.directions], s.userAttrs, s.systemAttrs]),
    );
    expect(got.studies.map((s) => s.study_name)).toEqual(['knobs-single', 'knobs-multi', 'knobs-inf']);
    for (const s of got.studies) {
      expect(s.name_from_id).toBe(s.study_name);
      expect(s.id_from_name).toBe(s.study_id);
      expect(s.storage_directions).toEqual(s.directions);
      expect(s.storage_user_attrs).toEqual(s.user_attrs);
      expect(s.storage_system_attrs).toEqual(s.system_attrs);
    }
    expect(got.studies[0].user_attrs).toEqual({ owner: 'knobs', notes: { dataset: 'digits', tags: ['a', 'b'] } });
    expect(got.studies[1].directions).toEqual(['maximize', 'minimize']);
  });

  test("a study's trials, best trials and search space (GET /api/studies/<id>)", () => {
    for (const [i, study] of studies.entries()) {
      const s = got.studies[i];
      const trials = study.trials;
      expect(s.trials).toHaveLength(trials.length);
      expect(s.get_trial_agrees).toBe(true);
      expect(s.trial_system_attrs_agree).toBe(true);
      expect(s.has_intermediate_values).toBe(trials.some((t) => t.state !== 'FAIL' && Object.keys(t.intermediateValues).length > 0));
      expect(s.best_trials).toEqual(study.directions.length === 1 ? [study.bestTrial.number] : study.bestTrials.map((t) => t.number).sort((a, b) => a - b));
      for (const [j, t] of trials.entries()) {
        const p = s.trials[j];
        expect(p).toMatchObject({
          trial_id: t.trialId,
          number: t.number,
          state: capitalized(t.state),
          is_finished: !['RUNNING', 'WAITING'].includes(t.state),
          values: t.values,
        });
        if (t.values) expect(p.value_types).toEqual(t.values.map(() => 'float'));
        expect(Object.keys(p.params)).toEqual(Object.keys(t.params));
        for (const [name, value] of Object.entries(t.params)) {
          const d = t.distributions[name]!;
          expect(p.params[name].internal).toBe(d.toInternal(value));
          expect(p.params[name].external === pyStr(value) || Number(p.params[name].external) === value).toBe(true);
          const dj = JSON.parse(tune.distributionToJson(d));
          const { type, ...fields } = p.params[name].distribution;
          expect(type).toBe(dj.name);
          if (type === 'CategoricalDistribution') expect(fields.choices.map((c: { value: string }) => c.value)).toEqual(dj.attributes.choices.map(pyStr));
          else expect(fields).toEqual(dj.attributes);
        }
        expect(p.intermediate_values).toEqual(
          Object.entries(t.intermediateValues)
            .map(([k, v]) => [Number(k), v])
            .sort((a, b) => a[0]! - b[0]!),
        );
        expect(p.user_attrs).toEqual(t.userAttrs);
        expect(p.constraints).toEqual(t.systemAttrs.constraints ?? []);
        expect(p.datetime_start === null).toBe(t.datetimeStart === null);
        expect(p.datetime_complete === null).toBe(t.datetimeComplete === null);
      }
    }
    const single = got.studies[0];
    const count = (state: string) => single.trials.filter((t: { state: string }) => t.state === state).length;
    expect([count('Complete') > 0, count('Pruned') > 0, count('Fail'), count('Running'), count('Waiting')]).toEqual([true, true, 1, 1, 1]);
    expect(single.trials[2]).toMatchObject({ state: 'Fail', values: null, intermediate_values: [] });
    const pruned = single.trials.find((t: { state: string }) => t.state === 'Pruned');
    expect(pruned.intermediate_values.length).toBeGreaterThan(0);
    expect(pruned.values).toEqual([pruned.intermediate_values.at(-1)[1]]); // as Optuna's tell does
    const complete = single.trials[0];
    expect(complete.params.act.distribution.choices).toEqual([
      { pytype: 'str', value: 'relu' },
      { pytype: 'str', value: 'tanh' },
      { pytype: 'NoneType', value: 'None' },
      { pytype: 'bool', value: 'False' },
    ]);
    expect(complete.params.lr.distribution).toMatchObject({ type: 'FloatDistribution', log: true, step: null });
    expect(complete.params.dropout.distribution).toMatchObject({ type: 'FloatDistribution', log: false, step: 0.1 });
    expect(complete.params.units.distribution).toMatchObject({ type: 'IntDistribution', log: true, step: 1 });
    expect(complete.params.batch.distribution).toMatchObject({ type: 'IntDistribution', low: 32, high: 256, step: 32 });
    expect(complete.params.units.pytype).toBe('int');
    expect(complete.sortable_user_attrs).toEqual(['latencyMs']);
    expect(complete.constraints).toHaveLength(1);
    expect(single.trials.at(-1)).toMatchObject({ state: 'Waiting', params: {}, fixed_params: { x: '-0.25', units: '8', act: 'False' }, datetime_start: null });
    expect(got.studies[2].trials[0]).toMatchObject({
      state: 'Complete',
      values: [Infinity],
      intermediate_values: [
        [0, Infinity],
        [1, -Infinity],
        [2, NaN],
      ],
    });
  });

  test.skipIf(!sklearn)('parameter importances (GET /api/studies/<id>/param_importances; needs scikit-learn)', () => {
    expect(got.have_sklearn).toBe(true);
    for (const [i, study] of studies.entries()) {
      const imp = got.studies[i].importances;
      expect(imp.fanova).toHaveLength(study.directions.length);
      const names = Object.keys(study.getTrials({ states: ['COMPLETE'] })[0]!.params).sort();
      for (const perObjective of [...imp.fanova, ...imp.mean_decrease_impurity]) {
        expect(Object.keys(perObjective).sort()).toEqual(names);
        const sum = Object.values(perObjective as Record<string, number>).reduce((a, b) => a + b, 0);
        expect(sum).toBeCloseTo(1, 6);
      }
    }
  });

  test("the dashboard's writes (notes, tell, user attrs, a new study), read by knobs", async () => {
    const copy = join(tempDir(), 'written.jsonl');
    copyFileSync(path, copy);
    const { trial_number: n } = py('write', copy);
    const storage = journalFileStorage(copy);
    expect((await tune.getAllStudies(storage)).map((s) => s.studyName)).toEqual(['knobs-single', 'knobs-multi', 'knobs-inf', 'from-dashboard']);
    const study = tune.loadStudy({ storage, studyName: 'knobs-single', failStaleTrials: false });
    expect(study.trials[n]).toMatchObject({ state: 'COMPLETE', values: [1.25], userAttrs: { reviewed: true } });
    const id = study.trials[n]!.trialId;
    expect((await tune.getAllStudies(storage))[0]!.systemAttrs).toEqual({
      'dashboard:note_ver': 1,
      'dashboard:note_str:0': 'a note from the dashboard',
      [`dashboard:${id}:note_ver`]: 1,
      [`dashboard:${id}:note_str:0`]: 'a trial note',
    });
    expect(tune.loadStudy({ storage, studyName: 'from-dashboard' }).directions).toEqual(['minimize']);
    // Optuna still reads the whole journal the way the dashboard does.
    expect(py('read', copy, '--no-importances').studies.map((s: { trials: unknown[] }) => s.trials.length)).toEqual([study.trials.length, 8, 2, 0]);
  });
});
