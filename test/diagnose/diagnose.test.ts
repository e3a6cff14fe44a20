/**
 * The diagnosis reproduces the lecture's tables exactly: models A-D (Bayes 0.5%, human 0.7%)
 * and the four train/dev examples with their bias/variance and over/underfitting verdicts.
 */
import { describe, expect, it } from 'vitest';
import { diagnose, formatDiagnosis, KNOBS, type DiagnoseErrors } from '../../src/diagnose';
import { differenceInterval, wilsonInterval } from '../../src/diagnose/interval';
import type { Predictor } from '../../src/analyze';
import { expectThrows, near } from '../metrics/helpers';

describe('the lecture table of models A-D (Bayes error 0.5%, human-level error 0.7%)', () => {
  // Model B: the lecture prints variance 0.8%, but its dev - train is 4.0% - 3.5% = 0.5%
  // (A, C and D add up: 3.5 + 4.3 = 7.8, 1.0 + 4.0 = 5.0, 0.8 + 0.2 = 1.0). Either value is low.
  const TABLE: [string, number, number, { bias: number; avoidableBias: number; variance: number }, string, string][] = [
    ['A', 0.035, 0.078, { bias: 0.03, avoidableBias: 0.028, variance: 0.043 }, 'bias', 'high bias, high variance: first focus on bias'],
    ['B', 0.035, 0.04, { bias: 0.03, avoidableBias: 0.028, variance: 0.005 }, 'bias', 'high bias, low variance: focus on bias'],
    ['C', 0.01, 0.05, { bias: 0.005, avoidableBias: 0.003, variance: 0.04 }, 'variance', 'low bias, high variance: focus on variance'],
    ['D', 0.008, 0.01, { bias: 0.003, avoidableBias: 0.001, variance: 0.002 }, 'none', 'low bias and variance: quite well-trained model'],
  ];
  for (const [name, trainError, devError, gaps, focus, verdict] of TABLE) {
    it(`model ${name}: ${verdict}`, () => {
      const d = diagnose({ bayesError: 0.005, humanLevelError: 0.007, trainError, devError });
      near(d, gaps, name, { atol: 1e-12 });
      expect(d.focus).toBe(focus);
      expect(d.verdict).toBe(verdict);
      expect(d.knobs).toEqual(KNOBS[d.focus]);
      expect(d.surpassesHumanLevel).toBe(false);
    });
  }
});

describe('the lecture examples 1-4 (train/dev error)', () => {
  const TABLE: [string, number, number, 'high' | 'low', 'high' | 'low', boolean, boolean][] = [
    ['1', 0.01, 0.12, 'low', 'high', true, false],
    ['2', 0.12, 0.13, 'high', 'low', false, true],
    ['3', 0.12, 0.2, 'high', 'high', true, true],
    ['4', 0.01, 0.02, 'low', 'low', false, false],
  ];
  for (const [name, trainError, devError, bias, variance, overfitting, underfitting] of TABLE) {
    it(`example ${name}: ${trainError * 100}% / ${devError * 100}% is ${bias} bias, ${variance} variance`, () => {
      const d = diagnose({ humanLevelError: 0, trainError, devError });
      expect([d.levels.bias, d.levels.variance, d.overfitting, d.underfitting]).toEqual([bias, variance, overfitting, underfitting]);
    });
  }
});

const FOCUS: [string, DiagnoseErrors, string, string][] = [
  [
    'data mismatch after bias and variance',
    { humanLevelError: 0.01, trainError: 0.02, trainDevError: 0.025, devError: 0.06 },
    'dataMismatch',
    'make training data like dev',
  ],
  ['dev overfitting last', { humanLevelError: 0.01, trainError: 0.02, devError: 0.025, testError: 0.06 }, 'devOverfit', 'bigger dev set'],
  ['bias before mismatch', { humanLevelError: 0.01, trainError: 0.05, trainDevError: 0.06, devError: 0.12 }, 'bias', 'bigger network'],
  ['variance before mismatch', { humanLevelError: 0.01, trainError: 0.02, trainDevError: 0.06, devError: 0.12 }, 'variance', 'more data'],
  ['high human-level error: data quality', { humanLevelError: 0.25, trainError: 0.26, devError: 0.265 }, 'dataQuality', 'clean data'],
];

describe('focus order: bias, variance, data mismatch, dev overfitting, data quality', () => {
  for (const [name, errors, focus, firstKnob] of FOCUS) {
    it(name, () => {
      const d = diagnose(errors);
      expect(d.focus).toBe(focus);
      expect(d.knobs[0]!.knob).toBe(firstKnob);
    });
  }

  it('computes data mismatch and dev overfitting', () => {
    near(
      diagnose({ humanLevelError: 0.01, trainError: 0.02, trainDevError: 0.025, devError: 0.06, testError: 0.07 }),
      { avoidableBias: 0.01, variance: 0.005, dataMismatch: 0.035, devOverfit: 0.01, levels: { dataMismatch: 'high', devOverfit: 'low' } },
      '',
      { atol: 1e-12 },
    );
    const d = diagnose({ humanLevelError: 0.01, trainError: 0.02, devError: 0.06 });
    expect([d.dataMismatch, d.devOverfit, d.levels.dataMismatch]).toEqual([null, null, null]);
    expect(d.notes.join(' ')).toContain('Without a train-dev set');
  });

  it('thresholds are options', () => {
    const d = diagnose({ bayesError: 0.005, humanLevelError: 0.007, trainError: 0.008, devError: 0.01 }, { thresholds: { variance: 0.001 } });
    expect(d.focus).toBe('variance');
    expect(d.thresholds).toEqual({ bias: 0.015, variance: 0.001, dataMismatch: 0.015, devOverfit: 0.015, humanLevel: 0.05 });
  });
});

describe('every knob names the option that turns it', () => {
  const REQUIRED: [keyof typeof KNOBS, string][] = [
    ['bias', 'layers.dense({ units })'],
    ['bias', 'fit({ epochs })'],
    ['bias', 'optimizers.adam()'],
    ['bias', 'optimizers.rmsprop()'],
    ['bias', 'optimizers.momentum()'],
    ['bias', "kernelInitializer: 'heNormal'"],
    ['bias', 'schedules.'],
    ['bias', 'layers.batchNormalization()'],
    ['bias', 'tune.createStudy'],
    ['variance', 'regularizers.l2('],
    ['variance', 'layers.dropout({ rate'],
    ['variance', 'model.fit(x, y, { augment: data.augmentation('],
    ['variance', 'callbacks.earlyStopping('],
    ['variance', 'fit(x, y) with more training examples'],
    ['variance', 'tune.createStudy'],
    ['dataMismatch', "type: 'noise'"],
    ['dataMismatch', "type: 'blur'"],
    ['dataMismatch', 'fit({ sampleWeight })'],
    ['devOverfit', 'validationData'],
    ['dataQuality', 'analyze.cleaningLoop'],
    ['dataQuality', 'more input features'],
  ];
  for (const [focus, option] of REQUIRED) {
    it(`${focus}: ${option}`, () => expect(KNOBS[focus].some((k) => k.option.includes(option))).toBe(true));
  }
  it('no knob without an option and a reason', () => {
    for (const list of Object.values(KNOBS)) for (const k of list) expect(k.knob && k.option && k.why).toBeTruthy();
  });
});

describe('surpassing human level', () => {
  it('is reported as surpassing, not as a negative bias', () => {
    const d = diagnose({ humanLevelError: 0.005, trainError: 0.003, devError: 0.006 });
    expect(d.avoidableBias).toBe(0);
    expect(d.surpassesHumanLevel).toBe(true);
    expect(d.levels.bias).toBe('low');
    expect(d.notes[0]).toContain('surpasses human level');
    expect(d.notes[0]).toContain('avoidable bias is now unknown');
    expect(d.notes[0]).toContain('Variance, data-mismatch and dev-set knobs work as before');
    expect(formatDiagnosis(d)).toContain('avoidable bias  unknown: the model surpasses human level');
  });

  it('still measures bias against a known Bayes error', () => {
    const d = diagnose({ bayesError: 0.001, humanLevelError: 0.005, trainError: 0.003, devError: 0.006 });
    near(d.bias, 0.002, 'bias', { atol: 1e-12 });
    expect(d.notes[0]).toContain('bias against Bayes error (0.10%) is 0.20%');
  });
});

describe('formatDiagnosis', () => {
  it('renders the errors, the gaps, the verdict, the knobs and the notes', () => {
    const text = formatDiagnosis(diagnose({ bayesError: 0.005, humanLevelError: 0.007, trainError: 0.035, devError: 0.078 }));
    const lines = text.split('\n');
    expect(lines.slice(0, 6)).toEqual([
      'Errors: human-level 0.70%, Bayes 0.50%, train 3.50%, dev 7.80%',
      '  avoidable bias   2.80%        (train - human-level; high above 1.50%)',
      '  bias             3.00%  high  (train - Bayes; high above 1.50%)',
      '  variance         4.30%  high  (dev - train; high above 1.50%)',
      'Verdict: high bias, high variance: first focus on bias',
      'Knobs for bias:',
    ]);
    expect(lines[6]).toBe('  - bigger network: layers.dense({ units }) with more units, or more dense layers');
    expect(text).toContain('Notes:');
  });
});

describe('diagnose(model, sets, { humanLevelError })', () => {
  // The stub returns its input: each row of x is already the predicted probabilities.
  const identity: Predictor = { inputSize: 2, outputSize: 2, predict: (x) => x.slice() };
  const set = (n: number, wrong: number): { x: Float32Array; y: number[] } => {
    const x = new Float32Array(2 * n),
      y: number[] = [];
    for (let i = 0; i < n; i++) {
      const label = i % 2;
      y.push(label);
      x[2 * i + (i < wrong ? 1 - label : label)] = 0.9;
    }
    return { x, y };
  };

  it('measures each set, counts its examples and diagnoses beyond sampling noise', () => {
    const d = diagnose(identity, { train: set(10000, 300), dev: set(5000, 500), test: set(2000, 300) }, { humanLevelError: 0.01 });
    near(d.errors, { trainError: 0.03, devError: 0.1, testError: 0.15, humanLevelError: 0.01 });
    expect(d.counts).toEqual({ train: 10000, dev: 5000, test: 2000 });
    expect(d.focus).toBe('bias'); // 2 points of avoidable bias, beyond the noise of 10,000 examples
    near(d.gapIntervals.bias!, { lo: wilsonInterval(0.03, 10000).lo - 0.01, hi: wilsonInterval(0.03, 10000).hi - 0.01 }, 'bias', { atol: 1e-12 });
    expect(d.gapIntervals.bias!.lo).toBeGreaterThan(0.015);
    // the same error rates on a tenth of the examples: the 2-point gap is within the noise
    const small = diagnose(identity, { train: set(100, 3), dev: set(50, 5), test: set(20, 3) }, { humanLevelError: 0.01 });
    near(small.errors, { trainError: 0.03, devError: 0.1, testError: 0.15 });
    expect(small.levels.bias).toBe('low');
    expect(small.levels.variance).toBe('low'); // 7 points, but from 50 and 100 examples
    expect(small.focus).toBe('none');
    expect(small.notes.join(' ')).toContain('The avoidable bias (2.00%) is above its threshold (1.50%) but not beyond sampling noise');
  });

  it('rejects mismatched sets', () => {
    expectThrows(
      () => diagnose(identity, { train: set(4, 0), dev: { x: new Float32Array(6), y: [0, 1] } }, { humanLevelError: 0 }),
      RangeError,
      'sets.dev.x',
      '3 rows',
      '2 labels',
    );
    expectThrows(
      () => diagnose(identity, { train: set(4, 0), dev: { x: new Float32Array(5), y: [0, 1] } }, { humanLevelError: 0 }),
      RangeError,
      'sets.dev.x',
      'model.inputSize',
    );
  });
});

describe('diagnose rejects bad errors', () => {
  const CASES: [string, unknown, new (...a: never[]) => Error, string[]][] = [
    ['missing devError', { humanLevelError: 0.01, trainError: 0.02 }, TypeError, ['errors.devError', 'undefined']],
    ['percent instead of fraction', { humanLevelError: 1, trainError: 2, devError: 3 }, RangeError, ['errors.trainError', '[0, 1]', 'got 2']],
    ['NaN', { humanLevelError: 0.01, trainError: NaN, devError: 0.1 }, RangeError, ['errors.trainError', 'NaN']],
    [
      'Bayes above human level',
      { bayesError: 0.02, humanLevelError: 0.01, trainError: 0.03, devError: 0.04 },
      RangeError,
      ['bayesError (0.02)', 'humanLevelError (0.01)'],
    ],
    ['unknown key', { humanLevelError: 0.01, trainError: 0.02, devError: 0.03, validationError: 0.1 }, RangeError, ['errors.validationError']],
    ['not an object', 0.1, TypeError, ['errors must be']],
  ];
  for (const [name, errors, type, fragments] of CASES) it(name, () => expectThrows(() => diagnose(errors as DiagnoseErrors), type, ...fragments));
  it('bad thresholds', () =>
    expectThrows(
      () => diagnose({ humanLevelError: 0, trainError: 0, devError: 0 }, { thresholds: { bias: -1 } }),
      RangeError,
      'options.thresholds.bias',
      '-1',
    ));
});

describe('sampling noise: 95% intervals of the errors and the gaps', () => {
  it("Wilson score intervals match Newcombe (1998)'s published examples", () => {
    // Newcombe, Statistics in Medicine 17:857-872, table II: 81/263, 15/148, 0/20
    near(wilsonInterval(81 / 263, 263), { lo: 0.2553, hi: 0.3662 }, '81/263', { atol: 5e-5 });
    near(wilsonInterval(15 / 148, 148), { lo: 0.0624, hi: 0.1605 }, '15/148', { atol: 5e-5 });
    near(wilsonInterval(0, 20), { lo: 0, hi: 0.1611 }, '0/20', { atol: 5e-5 });
  });

  it('the documented examples', () => {
    near(wilsonInterval(0.1, 100), { lo: 0.0552, hi: 0.1744 }, 'wilsonInterval', { atol: 5e-5 });
    const dev = wilsonInterval(0.08, 500),
      train = wilsonInterval(0.02, 5000);
    near(differenceInterval(0.08, dev, 0.02, train), { lo: 0.0389, hi: 0.0873 }, 'differenceInterval', { atol: 5e-5 });
  });

  it("differences match Newcombe (1998)'s hybrid score interval (method 10)", () => {
    // Newcombe, Statistics in Medicine 17:873-890, table II: 56/70 - 48/80, 9/10 - 3/10
    const d1 = differenceInterval(56 / 70, wilsonInterval(56 / 70, 70), 48 / 80, wilsonInterval(48 / 80, 80));
    near(d1, { lo: 0.0524, hi: 0.3339 }, '56/70 - 48/80', { atol: 5e-5 });
    const d2 = differenceInterval(0.9, wilsonInterval(0.9, 10), 0.3, wilsonInterval(0.3, 10));
    near(d2, { lo: 0.1705, hi: 0.809 }, '9/10 - 3/10', { atol: 5e-5 });
  });

  // dev 9.26% of 108 examples against train 2% of 1,000: the point gap (7.3 points) is high
  // against a threshold of 1.5 points either way; against 5 points it is not beyond the noise
  const errors = { humanLevelError: 0.01, trainError: 0.02, devError: 10 / 108 };
  it('a gap is high only when its whole interval is above the threshold', () => {
    const d = diagnose(errors, { counts: { train: 1000, dev: 108 }, thresholds: { variance: 0.05 } });
    const want = differenceInterval(10 / 108, wilsonInterval(10 / 108, 108), 0.02, wilsonInterval(0.02, 1000));
    near(d.gapIntervals.variance!, want, 'variance interval', { atol: 1e-12 });
    expect(want.lo).toBeLessThan(0.05);
    expect(d.variance).toBeGreaterThan(0.05);
    expect(d.levels.variance).toBe('low');
    expect(d.focus).toBe('none');
    expect(d.notes.join(' ')).toContain('The variance (7.26%) is above its threshold (5.00%) but not beyond sampling noise');
    // the same rates measured on 100 times the examples: beyond the noise
    const big = diagnose(errors, { counts: { train: 100_000, dev: 10_800 }, thresholds: { variance: 0.05 } });
    expect(big.gapIntervals.variance!.lo).toBeGreaterThan(0.05);
    expect(big.levels.variance).toBe('high');
    // without counts, the point estimate decides and a note says the noise was not judged
    const blind = diagnose(errors, { thresholds: { variance: 0.05 } });
    expect(blind.levels.variance).toBe('high');
    expect(blind.gapIntervals).toEqual({ bias: null, variance: null, dataMismatch: null, devOverfit: null });
    expect(blind.notes.join(' ')).toContain('Sampling noise was not judged');
  });

  it('the text report shows each interval and the examples', () => {
    const text = formatDiagnosis(diagnose(errors, { counts: { train: 1000, dev: 108 } }));
    const dev = wilsonInterval(10 / 108, 108);
    expect(text).toContain(`dev 9.26% [${(100 * dev.lo).toFixed(2)}%, ${(100 * dev.hi).toFixed(2)}%] (n=108)`);
    expect(text).toContain('train 2.00% [1.30%, 3.07%] (n=1000)');
    expect(text).toContain('95% intervals; a gap is high when its whole interval is above the threshold');
    expect(text).toMatch(/variance +7\.26% \[\d\.\d\d%, \d+\.\d\d%\] {2}high/);
  });

  it('rejects bad counts', () => {
    expectThrows(() => diagnose(errors, { counts: { dev: 0 } }), RangeError, 'options.counts.dev', 'positive integer', 'got 0');
    expectThrows(() => diagnose(errors, { counts: { dev: '108' as unknown as number } }), TypeError, 'options.counts.dev', '"108"');
    expectThrows(() => diagnose(errors, { counts: { test: 5 } }), RangeError, 'options.counts.test', 'errors.testError is not');
    expectThrows(() => diagnose(errors, { counts: { validation: 5 } as never }), RangeError, 'options.counts.validation', 'known: train');
  });
});
