/**
 * The orthogonalized diagnosis: where a model stands against human-level (or Bayes) error,
 * and the one thing to work on first.
 *
 * - avoidable bias = train - human-level (the lecture's definition); bias = train - Bayes
 * - variance = train-dev - train (or dev - train without a train-dev set)
 * - data mismatch = dev - train-dev; dev overfitting = test - dev
 *
 * Focus order (the lecture: "we should not try to decrease variance if the avoidable bias is
 * still high"): bias, then variance, then data mismatch, then overfitting of the dev set, then,
 * when human-level error itself is high, data quality; otherwise none.
 *
 * Sampling noise: an error measured on n examples has a 95% Wilson score interval; a gap
 * between two measured errors (independent sets) has Newcombe's hybrid score interval, and a
 * gap against human-level or Bayes error (taken as exact) the measured error's interval
 * shifted. When the numbers of examples are known (the model form, or `options.counts`), a gap
 * is "high" only when its whole 95% interval lies above the threshold, i.e. the gap exceeds the
 * threshold beyond sampling noise; without them a gap is high when its point estimate exceeds
 * the threshold, and a note says the noise was not judged.
 * @module
 */
import type { Predictor } from '../analyze/predictor';
import { describe } from '../errors';
import type { SetName } from './bySource';
import { differenceInterval, wilsonInterval, type Interval } from './interval';
import { KNOBS, type Focus, type Knob } from './knobs';
import { modelErrors, type ModelSets } from './model';
import { knobsForModel, readModelSettings, type ConfiguredModel, type OmittedKnob } from './settings';

/** Error rates (fractions: 0.01 is 1%) of a model on each set, and the reference errors. */
export interface DiagnoseErrors {
  /** Error of the best human experts (the lecture's team of experienced doctors). */
  humanLevelError: number;
  /** The lowest error possible, where known (synthetic data, or measured). At most humanLevelError. */
  bayesError?: number;
  trainError: number;
  /** Error on held-out examples of the training distribution. Separates variance from data mismatch. */
  trainDevError?: number;
  devError: number;
  testError?: number;
}

/**
 * A gap is "high" when it exceeds its threshold (fractions, so 0.015 is 1.5 percentage points).
 * The defaults classify the lecture's examples as the lecture does: gaps of 0.1-1 point are low,
 * gaps of 2.8 points and more are high. Set them to the gap that matters in your application
 * (on MNIST, half a point is a lot).
 */
export interface DiagnoseThresholds {
  /** Avoidable bias (or bias against Bayes error). Default 0.015. */
  bias: number;
  /** Default 0.015. */
  variance: number;
  /** Default 0.015. */
  dataMismatch: number;
  /** Test - dev. Default 0.015. */
  devOverfit: number;
  /** Human-level (or Bayes) error above which the data themselves are the problem. Default 0.05. */
  humanLevel: number;
}

/**
 * The default {@link DiagnoseThresholds}.
 *
 * @example
 * ```ts
 * diagnose(errors, { thresholds: { ...DEFAULT_THRESHOLDS, variance: 0.005 } });
 * ```
 */
export const DEFAULT_THRESHOLDS: Readonly<DiagnoseThresholds> = { bias: 0.015, variance: 0.015, dataMismatch: 0.015, devOverfit: 0.015, humanLevel: 0.05 };

/** Options of {@link diagnose}. */
export interface DiagnoseOptions {
  thresholds?: Partial<DiagnoseThresholds>;
  /**
   * The number of examples each error was measured on (errors form; the model form counts the
   * sets itself). With them every error gets a 95% interval and a gap is high only beyond
   * sampling noise.
   */
  counts?: Partial<Record<SetName, number>>;
  /**
   * The model the errors are of (errors form; the model form uses its model): knobs it has
   * already turned are left out (see {@link Diagnosis.omittedKnobs}).
   */
  model?: ConfiguredModel;
}

/**
 * 'high' when a gap exceeds its threshold: beyond sampling noise (the gap's whole 95% interval
 * above the threshold) when the numbers of examples are known, else by its point estimate.
 */
export type Level = 'high' | 'low';

/** Wilson score intervals (95%) of the measured errors; null where the error or its count is not given. */
export interface ErrorIntervals {
  trainError: Interval | null;
  trainDevError: Interval | null;
  devError: Interval | null;
  testError: Interval | null;
}

/** 95% intervals of the gaps; null where the gap or a count it needs is not given. */
export interface GapIntervals {
  /** Of the bias gap that decides levels.bias: train - Bayes when Bayes error is given, else train - human-level. */
  bias: Interval | null;
  variance: Interval | null;
  dataMismatch: Interval | null;
  devOverfit: Interval | null;
}

/** The outcome of {@link diagnose}. */
export interface Diagnosis {
  errors: DiagnoseErrors;
  /**
   * train - human-level. When the model surpasses human level this is 0 and means unknown:
   * human-level error no longer stands for Bayes error (see surpassesHumanLevel and the notes).
   */
  avoidableBias: number;
  /** train - Bayes, when bayesError is given. */
  bias: number | null;
  /** (train-dev, or dev) - train. */
  variance: number;
  /** dev - train-dev, when trainDevError is given. */
  dataMismatch: number | null;
  /** test - dev, when testError is given. */
  devOverfit: number | null;
  /** Training or dev error below human-level error: human-level error is then no proxy for Bayes error. */
  surpassesHumanLevel: boolean;
  /** Each gap against its threshold; `humanLevel` rates the human-level (or Bayes) error itself. */
  levels: { bias: Level; variance: Level; dataMismatch: Level | null; devOverfit: Level | null; humanLevel: Level };
  /** High bias: the model does not fit the training set. */
  underfitting: boolean;
  /** High variance: the model fits the training set but does not generalize. */
  overfitting: boolean;
  /** In the lecture's words, e.g. "high bias, low variance: focus on bias". */
  verdict: string;
  /** The one thing to work on first. */
  focus: Focus;
  /** The knobs that act on the focus, most effective first (without those the model has already turned, when it is known). */
  knobs: Knob[];
  /** Knobs of the focus left out because the model has already turned them, each with the reason. */
  omittedKnobs: OmittedKnob[];
  /** The numbers of examples the errors were measured on, where known. */
  counts: Partial<Record<SetName, number>>;
  /** 95% Wilson score intervals of the errors. */
  intervals: ErrorIntervals;
  /** 95% intervals of the gaps (Newcombe's hybrid score interval for a difference of two measured errors). */
  gapIntervals: GapIntervals;
  /** What else the numbers say: surpassing human level, a missing train-dev set, negative gaps. */
  notes: string[];
  thresholds: DiagnoseThresholds;
}

const pct = (v: number): string => `${(v * 100).toFixed(2)}%`;

function checkError(name: string, v: unknown, required: boolean): number | undefined {
  if (v === undefined && !required) return undefined;
  if (typeof v !== 'number') throw new TypeError(`diagnose: errors.${name} must be a fraction in [0, 1] (0.01 is 1%), got ${describe(v)}`);
  if (!(v >= 0 && v <= 1)) throw new RangeError(`diagnose: errors.${name} must be a fraction in [0, 1] (0.01 is 1%), got ${describe(v)}`);
  return v;
}

function checkThresholds(t: Partial<DiagnoseThresholds> | undefined): DiagnoseThresholds {
  const out = { ...DEFAULT_THRESHOLDS };
  if (t === undefined) return out;
  if (t === null || typeof t !== 'object') throw new TypeError(`diagnose: options.thresholds must be an object, got ${describe(t)}`);
  for (const [key, v] of Object.entries(t)) {
    if (!(key in DEFAULT_THRESHOLDS)) throw new RangeError(`diagnose: unknown options.thresholds.${key}; known: ${Object.keys(DEFAULT_THRESHOLDS).join(', ')}`);
    if (v === undefined) continue;
    if (typeof v !== 'number' || !(v >= 0 && v <= 1))
      throw new RangeError(`diagnose: options.thresholds.${key} must be a fraction in [0, 1], got ${describe(v)}`);
    out[key as keyof DiagnoseThresholds] = v;
  }
  return out;
}

const SET_ERROR: Record<SetName, keyof DiagnoseErrors> = { train: 'trainError', trainDev: 'trainDevError', dev: 'devError', test: 'testError' };

function checkCounts(c: unknown, e: DiagnoseErrors): Partial<Record<SetName, number>> {
  if (c === undefined) return {};
  if (c === null || typeof c !== 'object') throw new TypeError(`diagnose: options.counts must be { train, dev, trainDev?, test? }, got ${describe(c)}`);
  const out: Partial<Record<SetName, number>> = {};
  for (const [key, v] of Object.entries(c)) {
    if (!(key in SET_ERROR)) throw new RangeError(`diagnose: unknown options.counts.${key}; known: ${Object.keys(SET_ERROR).join(', ')}`);
    if (v === undefined) continue;
    if (typeof v !== 'number') throw new TypeError(`diagnose: options.counts.${key} must be a positive integer (examples), got ${describe(v)}`);
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`diagnose: options.counts.${key} must be a positive integer (examples), got ${describe(v)}`);
    if (e[SET_ERROR[key as SetName]] === undefined)
      throw new RangeError(`diagnose: options.counts.${key} is given but errors.${SET_ERROR[key as SetName]} is not`);
    out[key as SetName] = v;
  }
  return out;
}

/** Validates the error record, returning a clean copy. */
export function checkErrors(errors: unknown): DiagnoseErrors {
  if (errors === null || typeof errors !== 'object')
    throw new TypeError(`diagnose: errors must be { humanLevelError, trainError, devError, ... }, got ${describe(errors)}`);
  const e = errors as Record<string, unknown>;
  const known = ['humanLevelError', 'bayesError', 'trainError', 'trainDevError', 'devError', 'testError'];
  for (const key of Object.keys(e)) if (!known.includes(key)) throw new RangeError(`diagnose: unknown errors.${key}; known: ${known.join(', ')}`);
  const out: DiagnoseErrors = {
    humanLevelError: checkError('humanLevelError', e.humanLevelError, true)!,
    trainError: checkError('trainError', e.trainError, true)!,
    devError: checkError('devError', e.devError, true)!,
  };
  const bayes = checkError('bayesError', e.bayesError, false);
  const trainDev = checkError('trainDevError', e.trainDevError, false);
  const test = checkError('testError', e.testError, false);
  if (bayes !== undefined) {
    if (bayes > out.humanLevelError) {
      throw new RangeError(
        `diagnose: errors.bayesError (${bayes}) cannot exceed errors.humanLevelError (${out.humanLevelError}): Bayes error is the lowest error possible`,
      );
    }
    out.bayesError = bayes;
  }
  if (trainDev !== undefined) out.trainDevError = trainDev;
  if (test !== undefined) out.testError = test;
  return out;
}

/**
 * Diagnoses a model from its error rates: avoidable bias, bias, variance, data mismatch and
 * overfitting of the dev set; the verdict; the focus (the one problem to work on first) and
 * the knobs that act on it. A training error below human-level error is reported as surpassing
 * human level, not as a negative bias.
 *
 * @example
 * ```ts
 * // the lecture's model A: Bayes 0.5%, human 0.7%, train 3.5%, dev 7.8%
 * const d = diagnose({ bayesError: 0.005, humanLevelError: 0.007, trainError: 0.035, devError: 0.078 });
 * d.verdict;           // 'high bias, high variance: first focus on bias'
 * d.focus;             // 'bias'
 * d.knobs[0];          // { knob: 'bigger network', option: 'layers.dense({ units }) with more units, ...', why: ... }
 * console.log(formatDiagnosis(d));
 * ```
 */
export function diagnose(errors: DiagnoseErrors, options?: DiagnoseOptions): Diagnosis;
/**
 * Diagnoses `model` on labelled sets: measures its error rate (argmax against the labels) on
 * each set, then diagnoses those errors against `options.humanLevelError`.
 *
 * @example
 * ```ts
 * const d = diagnose(model, { train: { x: xTrain, y: yTrain }, dev: { x: xDev, y: yDev } }, { humanLevelError: 0.002 });
 * d.errors.devError; // measured
 * ```
 */
export function diagnose(model: Predictor, sets: ModelSets, options: DiagnoseOptions & { humanLevelError: number; bayesError?: number }): Diagnosis;
export function diagnose(
  a: DiagnoseErrors | Predictor,
  b?: DiagnoseOptions | ModelSets,
  c?: DiagnoseOptions & { humanLevelError: number; bayesError?: number },
): Diagnosis {
  if (a !== null && typeof a === 'object' && typeof (a as Predictor).predict === 'function') {
    if (c === null || typeof c !== 'object') throw new TypeError(`diagnose: options must give humanLevelError for a model, got ${describe(c)}`);
    const { humanLevelError, bayesError, ...rest } = c;
    if (rest.counts !== undefined) throw new RangeError('diagnose: options.counts is for the errors form; the model form counts the sets itself');
    const measured = modelErrors('diagnose', a as Predictor, b as ModelSets);
    const errors: DiagnoseErrors = { humanLevelError, ...measured.errors };
    if (bayesError !== undefined) errors.bayesError = bayesError;
    return diagnoseErrors(errors, { model: a as unknown as ConfiguredModel, ...rest, counts: measured.counts });
  }
  if (b !== undefined && (b === null || typeof b !== 'object')) throw new TypeError(`diagnose: options must be an object, got ${describe(b)}`);
  return diagnoseErrors(a as DiagnoseErrors, (b ?? {}) as DiagnoseOptions);
}

function diagnoseErrors(errors: DiagnoseErrors, options: DiagnoseOptions): Diagnosis {
  const e = checkErrors(errors);
  const thresholds = checkThresholds(options.thresholds);
  const counts = checkCounts(options.counts, e);
  const notes: string[] = [];
  const { humanLevelError: human, bayesError: bayes, trainError: train, trainDevError: trainDev, devError: dev, testError: test } = e;

  // the lecture: human-level error stands for Bayes error only while the model is worse than
  // humans; a training or dev error below it means Bayes error is lower still, by an unknown amount
  const surpassesHumanLevel = train < human || dev < human;
  const avoidableBias = surpassesHumanLevel ? 0 : train - human;
  // whether the human-level error still tells how low the error can go (the data-quality verdict)
  const floorKnown = bayes !== undefined || !surpassesHumanLevel;
  const bias = bayes === undefined ? null : train - bayes;
  const variance = (trainDev ?? dev) - train;
  const dataMismatch = trainDev === undefined ? null : dev - trainDev;
  const devOverfit = test === undefined ? null : test - dev;

  // the bias that can still be removed: against Bayes error when known, else against human level
  const biasGap = bias ?? avoidableBias;
  const floor = bayes ?? human;

  const interval = (set: SetName): Interval | null => {
    const v = e[SET_ERROR[set]],
      n = counts[set];
    return v === undefined || n === undefined ? null : wilsonInterval(v, n);
  };
  const intervals: ErrorIntervals = {
    trainError: interval('train'),
    trainDevError: interval('trainDev'),
    devError: interval('dev'),
    testError: interval('test'),
  };
  const diff = (a: number | undefined, ia: Interval | null, b: number, ib: Interval | null): Interval | null =>
    a === undefined || ia === null || ib === null ? null : differenceInterval(a, ia, b, ib);
  const it = intervals;
  const gapIntervals: GapIntervals = {
    // human-level and Bayes error are given, not measured here: only the training error's noise
    bias: it.trainError && { lo: it.trainError.lo - floor, hi: it.trainError.hi - floor },
    variance: trainDev === undefined ? diff(dev, it.devError, train, it.trainError) : diff(trainDev, it.trainDevError, train, it.trainError),
    dataMismatch: diff(trainDev === undefined ? undefined : dev, it.devError, trainDev ?? 0, it.trainDevError),
    devOverfit: diff(test, it.testError, dev, it.devError),
  };
  const noiseNotes: string[] = [];
  let unjudged = false;
  const level = (name: string, gap: number | null, gi: Interval | null, threshold: number): Level | null => {
    if (gap === null) return null;
    if (gi === null) {
      if (gap > threshold) unjudged = true;
      return gap > threshold ? 'high' : 'low';
    }
    if (gi.lo > threshold) return 'high';
    if (gap > threshold) {
      noiseNotes.push(
        `The ${name} (${pct(gap)}) is above its threshold (${pct(threshold)}) but not beyond sampling noise: its 95% interval is ` +
          `${pct(gi.lo)} to ${pct(gi.hi)}. It is called low; measure on more examples to tell.`,
      );
    }
    return 'low';
  };
  const levels = {
    bias: level(bias === null ? 'avoidable bias' : 'bias', biasGap, gapIntervals.bias, thresholds.bias)!,
    variance: level('variance', variance, gapIntervals.variance, thresholds.variance)!,
    dataMismatch: level('data mismatch', dataMismatch, gapIntervals.dataMismatch, thresholds.dataMismatch),
    devOverfit: level('dev overfitting', devOverfit, gapIntervals.devOverfit, thresholds.devOverfit),
    humanLevel: (floor > thresholds.humanLevel ? 'high' : 'low') as Level,
  };

  let focus: Focus = 'none';
  if (levels.bias === 'high') focus = 'bias';
  else if (levels.variance === 'high') focus = 'variance';
  else if (levels.dataMismatch === 'high') focus = 'dataMismatch';
  else if (levels.devOverfit === 'high') focus = 'devOverfit';
  else if (levels.humanLevel === 'high' && floorKnown) focus = 'dataQuality';

  const bv = levels.bias === 'low' && levels.variance === 'low' ? 'low bias and variance' : `${levels.bias} bias, ${levels.variance} variance`;
  const verdict = {
    bias: `${bv}: ${levels.variance === 'high' ? 'first focus on bias' : 'focus on bias'}`,
    variance: `${bv}: focus on variance`,
    dataMismatch: `${bv}, high data mismatch: focus on data mismatch`,
    devOverfit: `${bv}, overfitting the dev set: focus on the dev set`,
    dataQuality: `${bv}, high human-level error: focus on data quality`,
    none: `${bv}: quite well-trained model`,
  }[focus];

  if (surpassesHumanLevel) {
    const which =
      train < human
        ? dev < human
          ? `Training and dev errors (${pct(train)}, ${pct(dev)}) are`
          : `Training error (${pct(train)}) is`
        : `Dev error (${pct(dev)}) is`;
    notes.push(
      `${which} below human-level error (${pct(human)}): the model surpasses human level. ` +
        'Human-level error is then no longer a proxy for Bayes error: Bayes error is lower, by an amount nobody knows. ' +
        (bayes === undefined
          ? 'The avoidable bias is now unknown: only Bayes error, which is not given, bounds it. '
          : `The bias against Bayes error (${pct(bayes)}) is ${pct(train - bayes)}. `) +
        'Progress gets harder from here: there is no human yardstick for how far the error can still fall, and what relies on humans ' +
        '(error analysis by people, more human labels, human insight into the mistakes) helps less. ' +
        'Variance, data-mismatch and dev-set knobs work as before; bias knobs (a bigger network, training longer) may still help.',
    );
  }
  if (bias !== null && bias < 0) notes.push(`Training error is below Bayes error by ${pct(-bias)}: the model fits noise of the training set; expect variance.`);
  if (variance < 0)
    notes.push(
      `${trainDev === undefined ? 'Dev' : 'Train-dev'} error is below training error by ${pct(-variance)}: that set may be easier, or too small to measure the difference.`,
    );
  if (dataMismatch !== null && dataMismatch < 0)
    notes.push(`Dev error is below train-dev error by ${pct(-dataMismatch)}: the dev distribution is easier than the training distribution.`);
  if (devOverfit !== null && devOverfit < 0) notes.push(`Test error is below dev error by ${pct(-devOverfit)}.`);
  if (trainDev === undefined && levels.variance === 'high') {
    notes.push(
      'Without a train-dev set, dev - train mixes variance and data mismatch: hold out part of the training distribution as a train-dev set to tell them apart.',
    );
  }
  if (levels.humanLevel === 'high' && focus !== 'dataQuality' && floorKnown) {
    notes.push(`Human-level error is high (${pct(floor)}): once the focus is fixed, better data (cleaning, discriminating features) is what lowers the floor.`);
  }
  notes.push(...noiseNotes);
  if (unjudged) {
    notes.push('Sampling noise was not judged: without the numbers of examples (options.counts) a gap is called high from its point estimate alone.');
  }
  const settings = readModelSettings(options.model);
  const { knobs, omitted } = settings === null ? { knobs: KNOBS[focus].map((k) => ({ ...k })), omitted: [] } : knobsForModel(focus, KNOBS[focus], settings);
  return {
    errors: e,
    avoidableBias,
    bias,
    variance,
    dataMismatch,
    devOverfit,
    surpassesHumanLevel,
    levels,
    underfitting: levels.bias === 'high',
    overfitting: levels.variance === 'high',
    verdict,
    focus,
    knobs,
    omittedKnobs: omitted,
    counts,
    intervals,
    gapIntervals,
    notes,
    thresholds,
  };
}
