/**
 * The TSDoc examples of metrics, diagnose and analyze that other tests do not already run,
 * run as written (STYLE.md: "TSDoc on every export, with an example that is run").
 */
import { describe, expect, it } from 'vitest';
import * as metrics from '../../src/metrics';
import { diagnose, diagnoseHealth, formatDiagnosis } from '../../src/diagnose';
import { argmaxRows, confidentRelabel, drawText, kFolds, seededPermutation, textWidth } from '../../src/analyze';
import { near } from './helpers';

describe('documented examples', () => {
  it('knobs.metrics module example', () => {
    expect(metrics.f1Score([0, 1, 1, 0, 1], [0, 1, 0, 0, 1])).toBeCloseTo(0.8, 12);
    expect(metrics.confusionMatrix([0, 1, 2, 2], [0, 2, 2, 1])).toEqual([
      [1, 0, 0],
      [0, 0, 1],
      [0, 1, 1],
    ]);
  });

  it('confusionMatrix, fbetaScore, rocAucScore, rocCurve, ratesFromCounts', () => {
    expect(metrics.confusionMatrix([0, 1, 1], [0, 1, 0], { normalize: 'true' })).toEqual([
      [1, 0],
      [0.5, 0.5],
    ]);
    near(metrics.fbetaScore([0, 1, 2, 0, 1, 2], [0, 2, 1, 0, 0, 1], { beta: 0.5, average: 'macro' }), (1.25 * 2) / (0.25 * 2 + 3) / 3);
    near(metrics.rocAucScore([0, 1, 2], new Float32Array([0.8, 0.1, 0.1, 0.3, 0.6, 0.1, 0.2, 0.3, 0.5])), 1);
    near(metrics.ratesFromCounts(35, 10, 5, 50).dor, 35);
  });

  it('diagnose and formatDiagnosis', () => {
    const d = diagnose({ bayesError: 0.005, humanLevelError: 0.007, trainError: 0.035, devError: 0.078 });
    expect([d.verdict, d.focus, d.knobs[0]!.knob]).toEqual(['high bias, high variance: first focus on bias', 'bias', 'bigger network']);
    expect(
      formatDiagnosis(diagnose({ humanLevelError: 0.007, trainError: 0.035, devError: 0.04 }))
        .split('\n')
        .slice(0, 6),
    ).toEqual([
      'Errors: human-level 0.70%, train 3.50%, dev 4.00%',
      '  avoidable bias   2.80%  high  (train - human-level; high above 1.50%)',
      '  variance         0.50%  low   (dev - train; high above 1.50%)',
      'Verdict: high bias, low variance: focus on bias',
      'Knobs for bias:',
      '  - bigger network: layers.dense({ units }) with more units, or more dense layers',
    ]);
    expect(diagnose({ humanLevelError: 0.007, trainError: 0.01, devError: 0.05 }).focus).toBe('variance');
  });

  it('diagnoseHealth', () => {
    const report = diagnoseHealth({
      steps: [100, 200, 300, 400],
      loss: [2.3, 2.3, 2.3, 2.3],
      layers: [
        { name: 'dense1', activation: 'sigmoid', gradNorm: [1e-6, 1e-7, 1e-7, 1e-7], saturatedFraction: [0.7, 0.8, 0.8, 0.8] },
        { name: 'dense2', activation: 'softmax', gradNorm: [0.5, 0.4, 0.4, 0.4] },
      ],
    });
    expect(report.flags.map((f) => f.problem)).toEqual(['vanishingGradients', 'saturation', 'lossPlateau']);
  });

  it('analyze helpers', () => {
    expect(kFolds(10, 5, 42).map((f) => f.valIdx.length)).toEqual([2, 2, 2, 2, 2]);
    expect([...seededPermutation(5, 1)].sort()).toEqual([0, 1, 2, 3, 4]);
    expect([...argmaxRows([0.1, 0.9, 0.6, 0.4], 2)]).toEqual([1, 0]);
    expect([drawText('7>1').width, drawText('7>1').height, textWidth('7>1')]).toEqual([11, 5, 11]);
    const decide = confidentRelabel(0.9, 'remove');
    expect(decide({ index: 3, predictedLabel: 5, predictedProbability: 0.97 })).toEqual({ action: 'relabel', label: 5 });
    expect(decide({ index: 4, predictedLabel: 1, predictedProbability: 0.6 })).toEqual({ action: 'remove' });
  });
});
