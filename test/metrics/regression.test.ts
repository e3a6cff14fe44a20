/**
 * knobs.metrics' regression metrics against scikit-learn itself (python3 with scikit-learn:
 * Debian's python3-sklearn; KNOBS_PYTHON to choose the interpreter) on random cases: one and
 * several outputs, sample weights, every multioutput mode, constant targets and zero targets.
 * Without scikit-learn the comparison is skipped with a message; with KNOBS_REQUIRE_PYTHON set
 * (as CI does) it fails instead. The documented examples and the errors run everywhere.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import * as metrics from '../../src/metrics';
import { rng } from '../helpers';
import { captureWarnings, expectThrows, near } from './helpers';

function pythonWithSklearn(): string | null {
  for (const py of [process.env.KNOBS_PYTHON, 'python3', '/usr/bin/python3'].filter(Boolean) as string[]) {
    if (spawnSync(py, ['-c', 'import sklearn'], { encoding: 'utf8' }).status === 0) return py;
  }
  if (process.env.KNOBS_REQUIRE_PYTHON)
    throw new Error('KNOBS_REQUIRE_PYTHON is set (CI) but no python3 here imports sklearn: apt-get install python3-sklearn');
  return null;
}
const python = pythonWithSklearn();
if (!python)
  console.warn('regression.test.ts: scikit-learn comparison SKIPPED, no python3 with sklearn (apt-get install python3-sklearn, or set KNOBS_PYTHON)');

interface Case {
  yTrue: number[][];
  yPred: number[][];
  sampleWeight: number[] | null;
  multioutput: string | number[];
}

/** scikit-learn's value for every case and metric, computed in one python process. */
function sklearnValues(cases: Case[]): Record<string, (number | number[])[]> {
  const script = `
import json, sys, warnings
import numpy as np
from sklearn import metrics as m
warnings.simplefilter('ignore')
cases = json.load(sys.stdin)
out = {k: [] for k in ['r2', 'mse', 'mae', 'mape']}
for c in cases:
    t, p = np.array(c['yTrue']), np.array(c['yPred'])
    kw = dict(sample_weight=c['sampleWeight'], multioutput=c['multioutput'])
    for k, f in [('r2', m.r2_score), ('mse', m.mean_squared_error), ('mae', m.mean_absolute_error), ('mape', m.mean_absolute_percentage_error)]:
        if k != 'r2' and c['multioutput'] == 'variance_weighted':
            out[k].append(None); continue
        v = f(t, p, **kw)
        out[k].append(np.asarray(v).tolist())
print(json.dumps(out))
`;
  const r = spawnSync(python!, ['-c', script], { input: JSON.stringify(cases), encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`python3 failed:\n${r.stderr}`);
  return JSON.parse(r.stdout) as Record<string, (number | number[])[]>;
}

function randomCases(): Case[] {
  const r = rng(7);
  const cases: Case[] = [];
  const modes: (string | number[])[] = ['uniform_average', 'raw_values', 'variance_weighted', [0.2, 0.8, 1.5]];
  for (let c = 0; c < 40; c++) {
    const n = 2 + Math.floor(r() * 30);
    const k = c % 3 === 0 ? 1 : 1 + Math.floor(r() * 3);
    const yTrue = Array.from({ length: n }, () => Array.from({ length: k }, () => (r() - 0.3) * 20));
    // some predictions near the targets, some far; some zero targets; one constant output
    const yPred = yTrue.map((row) => row.map((v) => v + (r() - 0.5) * (c % 2 ? 2 : 30)));
    if (c % 5 === 1) yTrue[0]![0] = 0;
    if (c % 7 === 3) for (const row of yTrue) row[k - 1] = 4;
    if (c % 11 === 5) yPred.forEach((row, i) => (row[0] = yTrue[i]![0]!));
    const sampleWeight = c % 4 === 2 ? null : Array.from({ length: n }, () => r() * 3);
    let multioutput = modes[c % modes.length]!;
    // scikit-learn refuses output weights for one output
    if (Array.isArray(multioutput)) multioutput = k === 1 ? 'uniform_average' : multioutput.slice(0, k);
    cases.push({ yTrue, yPred, sampleWeight, multioutput });
  }
  return cases;
}

const camel = (m: string | number[]): metrics.Multioutput | 'varianceWeighted' =>
  m === 'uniform_average' ? 'uniformAverage' : m === 'raw_values' ? 'rawValues' : m === 'variance_weighted' ? 'varianceWeighted' : (m as number[]);

describe.skipIf(!python)('regression metrics against scikit-learn', () => {
  it('r2Score, meanSquaredError, meanAbsoluteError, meanAbsolutePercentageError match sklearn on 40 random cases', () => {
    const cases = randomCases();
    const want = sklearnValues(cases);
    cases.forEach((c, i) => {
      const options = { ...(c.sampleWeight ? { sampleWeight: c.sampleWeight } : {}), multioutput: camel(c.multioutput) };
      // one output given as a plain array, several as rows: both forms are accepted
      const single = c.yTrue[0]!.length === 1;
      const t = single ? c.yTrue.map((row) => row[0]!) : c.yTrue;
      const p = single ? c.yPred.map((row) => row[0]!) : c.yPred;
      near(metrics.r2Score(t, p, options), want.r2![i], `case ${i} r2Score`, { rtol: 1e-10, atol: 1e-12 });
      if (c.multioutput === 'variance_weighted') return;
      const o = options as metrics.RegressionOptions;
      near(metrics.meanSquaredError(t, p, o), want.mse![i], `case ${i} meanSquaredError`, { rtol: 1e-12 });
      near(metrics.meanAbsoluteError(t, p, o), want.mae![i], `case ${i} meanAbsoluteError`, { rtol: 1e-12 });
      near(metrics.meanAbsolutePercentageError(t, p, o), want.mape![i], `case ${i} meanAbsolutePercentageError`, { rtol: 1e-10 });
    });
  });

  it('a flat row-major array with options.outputs (what predict returns) equals the same rows', () => {
    const c = randomCases()[4]!;
    const k = c.yTrue[0]!.length;
    const flat = (rows: number[][]): Float32Array => Float32Array.from(rows.flat());
    const rows32 = (rows: number[][]): number[][] => rows.map((r) => r.map(Math.fround));
    for (const f of [metrics.r2Score, metrics.meanSquaredError, metrics.meanAbsoluteError, metrics.meanAbsolutePercentageError]) {
      near(
        f(flat(c.yTrue), flat(c.yPred), { outputs: k, multioutput: 'rawValues' }),
        f(rows32(c.yTrue), rows32(c.yPred), { multioutput: 'rawValues' }),
        f.name,
      );
    }
  });
});

describe('regression metrics', () => {
  it('documented examples', () => {
    near(metrics.r2Score([3, -0.5, 2, 7], [2.5, 0.0, 2, 8]), 0.9486081370449679);
    near(metrics.meanSquaredError([3, -0.5, 2, 7], [2.5, 0.0, 2, 8]), 0.375);
    near(metrics.meanAbsoluteError([3, -0.5, 2, 7], [2.5, 0.0, 2, 8]), 0.5);
    near(metrics.meanAbsolutePercentageError([3, -0.5, 2, 7], [2.5, 0.0, 2, 8]), 0.3273809523809524);
    expect(
      metrics.meanAbsoluteError(
        [
          [0.5, 1],
          [-1, 1],
          [7, -6],
        ],
        [
          [0, 2],
          [-1, 2],
          [8, -5],
        ],
        { multioutput: 'rawValues' },
      ),
    ).toEqual([0.5, 1]);
  });

  it('constant targets and single examples follow scikit-learn', () => {
    expect(metrics.r2Score([2, 2, 2], [2, 2, 2])).toBe(1);
    expect(metrics.r2Score([2, 2, 2], [2, 2, 3])).toBe(0);
    expect(metrics.r2Score([2, 2, 2], [2, 2, 3], { forceFinite: false })).toBe(-Infinity);
    expect(metrics.r2Score([2, 2, 2], [2, 2, 2], { forceFinite: false })).toBeNaN();
    const warn = captureWarnings();
    expect(metrics.r2Score([1], [2])).toBeNaN();
    expect(String(warn.mock.calls[0]![0])).toMatch(/r2Score: R\^2 is not well-defined with fewer than two examples/);
    warn.mockRestore();
  });

  it('bad input gets errors naming the argument and the value', () => {
    expectThrows(() => metrics.meanSquaredError([1, 2], [1]), RangeError, 'meanSquaredError: yTrue is 2 x 1 but yPred is 1 x 1');
    expectThrows(() => metrics.meanSquaredError('12' as never, [1]), TypeError, 'meanSquaredError: yTrue must be an array');
    expectThrows(() => metrics.meanAbsoluteError([1, NaN], [1, 2]), RangeError, 'meanAbsoluteError: yTrue[1] must be finite, got NaN');
    expectThrows(
      () => metrics.r2Score([1, 2, 3], [1, 2, 3], { multioutput: 'mean' as never }),
      RangeError,
      "options.multioutput must be 'rawValues', 'uniformAverage', 'varianceWeighted'",
    );
    expectThrows(
      () => metrics.meanSquaredError([1, 2, 3], [1, 2, 3], { multioutput: 'varianceWeighted' as never }),
      RangeError,
      "options.multioutput must be 'rawValues', 'uniformAverage' or",
    );
    expectThrows(() => metrics.meanSquaredError([1, 2], [1, 2], { multioutput: [1] }), RangeError, 'output weights need several outputs');
    expectThrows(() => metrics.meanSquaredError([1, 2], [1, 2], { sampleWeight: [0, 0] }), RangeError, 'options.sampleWeight sums to 0');
    expectThrows(
      () => metrics.meanSquaredError([1, 2, 3], [1, 2, 3], { outputs: 2 }),
      RangeError,
      'yTrue has 3 values, not a whole number of rows of 2 outputs',
    );
    expectThrows(() => metrics.meanSquaredError([1], [1], { squared: false } as never), TypeError, 'unknown option "squared"');
  });
});
