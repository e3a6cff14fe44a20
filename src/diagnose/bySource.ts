/**
 * The error of each source (a country, a camera, a data distribution) in each set, the
 * lecture's ordering "human < train < dev1 < dev < dev2 < test", and the source that pulls the
 * error up.
 * @module
 */
import { describe } from '../errors';
import { checkPair, type Labels } from '../metrics/validate';
import { diagnose, type DiagnoseErrors, type DiagnoseThresholds, type Diagnosis } from './diagnose';

/** Labels, predictions and the source of each example of one set. */
export interface SourcedSet {
  yTrue: Labels;
  yPred: Labels;
  source: ArrayLike<string | number>;
}

/** The sets' names, in the order of the method. */
export type SetName = 'train' | 'trainDev' | 'dev' | 'test';
const SET_NAMES: readonly SetName[] = ['train', 'trainDev', 'dev', 'test'];

/** Options of {@link diagnoseBySource}. */
export interface BySourceOptions {
  sets: { train: SourcedSet; trainDev?: SourcedSet; dev: SourcedSet; test?: SourcedSet };
  humanLevelError: number;
  bayesError?: number;
  thresholds?: Partial<DiagnoseThresholds>;
}

/** The error of one source in one set. */
export interface SourceError {
  set: SetName;
  source: string;
  /** Misclassified examples of this source in this set. */
  errors: number;
  count: number;
  error: number;
  /**
   * How much the set's error would fall if this source erred like the rest of the set:
   * count / N x (error - error of the others). Positive when the source pulls the error up.
   */
  pull: number;
}

/** The outcome of {@link diagnoseBySource}. */
export interface SourceBreakdown {
  /** Each set's error, count and sources (worst pull first). */
  sets: Partial<Record<SetName, { error: number; count: number; sources: SourceError[] }>>;
  /** Human level, each set and each source of sets with several sources, by increasing error. */
  ordering: { name: string; error: number }[];
  /** The ordering as text: "human 0.50% < train 1.00% < dev[b] 2.00% < dev 3.00% < ...". */
  orderingText: string;
  /** The dev source that pulls the dev error up most, or null when none does. */
  pullsUp: SourceError | null;
  /** Sources of dev or test that never occur in train: a sure sign of data mismatch. */
  missingFromTrain: string[];
  /** The diagnosis of the sets' overall errors. */
  diagnosis: Diagnosis;
  /** One paragraph naming what the breakdown shows. */
  summary: string;
}

const pct = (v: number): string => `${(v * 100).toFixed(2)}%`;

function breakdown(set: SetName, s: SourcedSet): { error: number; count: number; sources: SourceError[] } {
  const fn = 'diagnoseBySource';
  if (s === null || typeof s !== 'object') throw new TypeError(`${fn}: options.sets.${set} must be { yTrue, yPred, source }, got ${describe(s)}`);
  const [t, p] = checkPair(fn, s.yTrue, s.yPred, [`sets.${set}.yTrue`, `sets.${set}.yPred`]);
  const src = s.source;
  if (src === null || typeof src !== 'object' || typeof src.length !== 'number')
    throw new TypeError(`${fn}: options.sets.${set}.source must be an array of source names, got ${describe(src)}`);
  if (src.length !== t.length) throw new RangeError(`${fn}: options.sets.${set}.source must have one source per example (${t.length}), got ${src.length}`);
  if (t.length === 0) throw new RangeError(`${fn}: options.sets.${set} is empty`);
  const counts = new Map<string, { errors: number; count: number }>();
  let wrong = 0;
  for (let i = 0; i < t.length; i++) {
    const v = src[i];
    if (typeof v !== 'string' && typeof v !== 'number')
      throw new TypeError(`${fn}: options.sets.${set}.source[${i}] must be a string or number, got ${describe(v)}`);
    const key = String(v);
    const c = counts.get(key) ?? { errors: 0, count: 0 };
    c.count++;
    if (t[i] !== p[i]) {
      c.errors++;
      wrong++;
    }
    counts.set(key, c);
  }
  const n = t.length;
  const sources = [...counts].map(([source, c]) => {
    const others = n - c.count;
    const pull = others === 0 ? 0 : (c.count / n) * (c.errors / c.count - (wrong - c.errors) / others);
    return { set, source, errors: c.errors, count: c.count, error: c.errors / c.count, pull };
  });
  sources.sort((a, b) => b.pull - a.pull || b.error - a.error);
  return { error: wrong / n, count: n, sources };
}

/**
 * Breaks each set's error down by the source of its examples, orders human-level error, the
 * sets and their sources by error (the lecture: "human-level error < training error < dev1
 * error < dev error < dev2 error < testing error" reveals a data mismatch), and names the dev
 * source that pulls the error up. Also diagnoses the sets' overall errors.
 *
 * @example
 * ```ts
 * const b = diagnoseBySource({
 *   sets: {
 *     train: { yTrue: yTrain, yPred: pTrain, source: srcTrain },
 *     dev: { yTrue: yDev, yPred: pDev, source: srcDev },     // e.g. 'europe' and 'asia'
 *   },
 *   humanLevelError: 0.01,
 * });
 * b.orderingText;      // 'human 1.00% < train 2.00% < dev[europe] 3.00% < dev 6.00% < dev[asia] 9.00%'
 * b.pullsUp?.source;   // 'asia'
 * ```
 */
export function diagnoseBySource(options: BySourceOptions): SourceBreakdown {
  const fn = 'diagnoseBySource';
  if (options === null || typeof options !== 'object' || options.sets === null || typeof options.sets !== 'object') {
    throw new TypeError(`${fn}: options must be { sets: { train, dev, trainDev?, test? }, humanLevelError }, got ${describe(options)}`);
  }
  for (const key of Object.keys(options.sets)) {
    if (!SET_NAMES.includes(key as SetName)) throw new RangeError(`${fn}: unknown options.sets.${key}; known: ${SET_NAMES.join(', ')}`);
  }
  if (options.sets.train === undefined || options.sets.dev === undefined) throw new TypeError(`${fn}: options.sets.train and options.sets.dev are required`);
  const sets: SourceBreakdown['sets'] = {};
  for (const name of SET_NAMES) {
    const s = options.sets[name];
    if (s !== undefined) sets[name] = breakdown(name, s);
  }
  const errors: DiagnoseErrors = { humanLevelError: options.humanLevelError, trainError: sets.train!.error, devError: sets.dev!.error };
  if (options.bayesError !== undefined) errors.bayesError = options.bayesError;
  if (sets.trainDev) errors.trainDevError = sets.trainDev.error;
  if (sets.test) errors.testError = sets.test.error;
  // the counts give each error its sampling noise, so a gap is high only beyond it
  const counts: Partial<Record<SetName, number>> = {};
  for (const name of SET_NAMES) if (sets[name]) counts[name] = sets[name].count;
  const diagnosis = diagnose(errors, { counts, ...(options.thresholds === undefined ? {} : { thresholds: options.thresholds }) });

  const ordering: { name: string; error: number; rank: number }[] = [{ name: 'human', error: options.humanLevelError, rank: 0 }];
  SET_NAMES.forEach((name, i) => {
    const s = sets[name];
    if (!s) return;
    ordering.push({ name, error: s.error, rank: i + 1 });
    if (s.sources.length > 1) for (const src of s.sources) ordering.push({ name: `${name}[${src.source}]`, error: src.error, rank: i + 1 });
  });
  // by error; equal errors keep the method's order (human, train, train-dev, dev, test)
  ordering.sort((a, b) => a.error - b.error || a.rank - b.rank);
  const orderingText = ordering.map((o, i) => (i === 0 ? '' : ordering[i - 1]!.error === o.error ? ' = ' : ' < ') + `${o.name} ${pct(o.error)}`).join('');

  const top = sets.dev!.sources[0];
  const pullsUp = top !== undefined && top.pull > 1e-12 ? top : null; // not rounding noise
  const trainSources = new Set(sets.train!.sources.map((s) => s.source));
  const missingFromTrain = [...new Set([...(sets.dev?.sources ?? []), ...(sets.test?.sources ?? [])].map((s) => s.source))].filter((s) => !trainSources.has(s));

  const parts = [`Errors in order: ${orderingText}.`];
  if (pullsUp) {
    parts.push(
      `Source "${pullsUp.source}" pulls the dev error up: ${pct(pullsUp.error)} on its ${pullsUp.count} dev examples against ${pct(sets.dev!.error)} overall; ` +
        `were it like the rest of the dev set, the dev error would fall by ${pct(pullsUp.pull)}.`,
    );
  }
  if (missingFromTrain.length)
    parts.push(`Sources never seen in training: ${missingFromTrain.join(', ')} (data mismatch: add such data to training, or synthesize it).`);
  parts.push(`Diagnosis: ${diagnosis.verdict}.`);
  return { sets, ordering: ordering.map(({ name, error }) => ({ name, error })), orderingText, pullsUp, missingFromTrain, diagnosis, summary: parts.join(' ') };
}
