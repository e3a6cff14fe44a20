/**
 * A diagnosis as text, for a terminal, a log or a report file.
 * @module
 */
import type { Diagnosis, Level } from './diagnose';

const pct = (v: number): string => `${(v * 100).toFixed(2)}%`;
const FOCUS_WORDS = {
  bias: 'bias',
  variance: 'variance',
  dataMismatch: 'data mismatch',
  devOverfit: 'overfitting of the dev set',
  dataQuality: 'data quality',
  none: 'none',
} as const;

/**
 * Renders a diagnosis: the errors, each gap with its level and threshold, the verdict, the
 * knobs to turn for the focus (with their options), and the notes.
 *
 * @example
 * ```ts
 * console.log(formatDiagnosis(diagnose({ humanLevelError: 0.007, trainError: 0.035, devError: 0.04 })));
 * // Errors: human-level 0.70%, train 3.50%, dev 4.00%
 * //   avoidable bias   2.80%  high  (train - human-level; high above 1.50%)
 * //   variance         0.50%  low   (dev - train; high above 1.50%)
 * // Verdict: high bias, low variance: focus on bias
 * // Knobs for bias:
 * //   - bigger network: layers.dense({ units }) with more units, or more dense layers
 * //     (more parameters let a too-simple model fit the training set)
 * //   ...
 * ```
 */
export function formatDiagnosis(d: Diagnosis): string {
  const e = d.errors,
    t = d.thresholds;
  const errs = [`human-level ${pct(e.humanLevelError)}`];
  if (e.bayesError !== undefined) errs.push(`Bayes ${pct(e.bayesError)}`);
  errs.push(`train ${pct(e.trainError)}`);
  if (e.trainDevError !== undefined) errs.push(`train-dev ${pct(e.trainDevError)}`);
  errs.push(`dev ${pct(e.devError)}`);
  if (e.testError !== undefined) errs.push(`test ${pct(e.testError)}`);
  const lines = [`Errors: ${errs.join(', ')}`];
  const row = (name: string, v: number, level: Level | null, how: string, threshold: number): void => {
    lines.push(`  ${name.padEnd(15)} ${pct(v).padStart(6)}  ${(level ?? '').padEnd(4)}  (${how}; high above ${pct(threshold)})`);
  };
  if (d.surpassesHumanLevel) lines.push('  avoidable bias  unknown: the model surpasses human level, which is no longer a proxy for Bayes error');
  else row('avoidable bias', d.avoidableBias, d.bias === null ? d.levels.bias : null, 'train - human-level', t.bias);
  if (d.bias !== null) row('bias', d.bias, d.levels.bias, 'train - Bayes', t.bias);
  row('variance', d.variance, d.levels.variance, e.trainDevError === undefined ? 'dev - train' : 'train-dev - train', t.variance);
  if (d.dataMismatch !== null) row('data mismatch', d.dataMismatch, d.levels.dataMismatch, 'dev - train-dev', t.dataMismatch);
  if (d.devOverfit !== null) row('dev overfit', d.devOverfit, d.levels.devOverfit, 'test - dev', t.devOverfit);
  lines.push(`Verdict: ${d.verdict}`);
  if (d.knobs.length) {
    lines.push(d.focus === 'none' ? 'If the model still fails in the real world:' : `Knobs for ${FOCUS_WORDS[d.focus]}:`);
    for (const k of d.knobs) lines.push(`  - ${k.knob}: ${k.option}`, `    (${k.why})`);
  }
  if (d.notes.length) {
    lines.push('Notes:');
    for (const n of d.notes) lines.push(`  - ${n}`);
  }
  return lines.join('\n');
}
