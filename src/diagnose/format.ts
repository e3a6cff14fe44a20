/**
 * A diagnosis as text, for a terminal, a log or a report file.
 * @module
 */
import type { Diagnosis, Level } from './diagnose';
import type { Interval } from './interval';

const pct = (v: number): string => `${(v * 100).toFixed(2)}%`;
const FOCUS_WORDS = {
  bias: 'bias',
  variance: 'variance',
  dataMismatch: 'data mismatch',
  devOverfit: 'overfitting of the dev set',
  dataQuality: 'data quality',
  none: 'none',
} as const;

const range = (i: Interval | null): string => (i === null ? '' : ` [${pct(i.lo)}, ${pct(i.hi)}]`);

/**
 * Renders a diagnosis: the errors, each gap with its level and threshold, the verdict, the
 * knobs to turn for the focus (with their options), the knobs left out for this model, and the
 * notes. Where the numbers of examples are known, each error and gap shows its 95% interval in
 * brackets (Wilson score interval; Newcombe's for a gap), and the examples it was measured on.
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
  const i = d.intervals ?? { trainError: null, trainDevError: null, devError: null, testError: null },
    g = d.gapIntervals ?? { bias: null, variance: null, dataMismatch: null, devOverfit: null },
    n = d.counts ?? {};
  const measured = (name: string, v: number, iv: Interval | null, count: number | undefined): string =>
    `${name} ${pct(v)}${range(iv)}${count === undefined ? '' : ` (n=${count})`}`;
  const errs = [`human-level ${pct(e.humanLevelError)}`];
  if (e.bayesError !== undefined) errs.push(`Bayes ${pct(e.bayesError)}`);
  errs.push(measured('train', e.trainError, i.trainError, n.train));
  if (e.trainDevError !== undefined) errs.push(measured('train-dev', e.trainDevError, i.trainDevError, n.trainDev));
  errs.push(measured('dev', e.devError, i.devError, n.dev));
  if (e.testError !== undefined) errs.push(measured('test', e.testError, i.testError, n.test));
  const lines = [`Errors: ${errs.join(', ')}`];
  const anyInterval = Object.values(i).some((x) => x !== null);
  if (anyInterval) lines.push('  (in brackets: 95% intervals; a gap is high when its whole interval is above the threshold)');
  const row = (name: string, v: number, level: Level | null, how: string, threshold: number, iv: Interval | null = null): void => {
    lines.push(`  ${name.padEnd(15)} ${pct(v).padStart(6)}${range(iv)}  ${(level ?? '').padEnd(4)}  (${how}; high above ${pct(threshold)})`);
  };
  if (d.surpassesHumanLevel) lines.push('  avoidable bias  unknown: the model surpasses human level, which is no longer a proxy for Bayes error');
  else row('avoidable bias', d.avoidableBias, d.bias === null ? d.levels.bias : null, 'train - human-level', t.bias, d.bias === null ? g.bias : null);
  if (d.bias !== null) row('bias', d.bias, d.levels.bias, 'train - Bayes', t.bias, g.bias);
  row('variance', d.variance, d.levels.variance, e.trainDevError === undefined ? 'dev - train' : 'train-dev - train', t.variance, g.variance);
  if (d.dataMismatch !== null) row('data mismatch', d.dataMismatch, d.levels.dataMismatch, 'dev - train-dev', t.dataMismatch, g.dataMismatch);
  if (d.devOverfit !== null) row('dev overfit', d.devOverfit, d.levels.devOverfit, 'test - dev', t.devOverfit, g.devOverfit);
  lines.push(`Verdict: ${d.verdict}`);
  if (d.knobs.length) {
    lines.push(d.focus === 'none' ? 'If the model still fails in the real world:' : `Knobs for ${FOCUS_WORDS[d.focus]}:`);
    for (const k of d.knobs) lines.push(`  - ${k.knob}: ${k.option}`, `    (${k.why})`);
  }
  if (d.omittedKnobs?.length) {
    lines.push('Left out (the model has them already):');
    for (const k of d.omittedKnobs) lines.push(`  - ${k.knob}: ${k.reason}`);
  }
  if (d.notes.length) {
    lines.push('Notes:');
    for (const n of d.notes) lines.push(`  - ${n}`);
  }
  return lines.join('\n');
}
