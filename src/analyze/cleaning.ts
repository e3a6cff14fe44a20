/**
 * The lecture's cleaning loop: train, list the suspects, relabel or remove them (by a user's
 * decision or a rule), retrain, and report the change in dev error each round. The original
 * labels are kept, so nothing is lost and every change can be undone.
 * @module
 */
import { describe } from '../errors';
import type { FitOptions } from '../model/sequential';
import { checkLabels } from '../metrics/validate';
import { suspectMislabels, type SuspectedMislabel } from './mislabels';
import {
  buildFresh,
  checkFitOptions,
  errorShare,
  fitRows,
  gatherLabels,
  gatherRows,
  predictClasses,
  release,
  setLabels,
  type BuildModel,
  type LabeledSet,
  type TrainableModel,
} from './trainable';

/** The data as the loop has it now. Arrays are copies: the callbacks may keep them. */
export interface CleaningState {
  /** 0 for the first training, on the original labels. */
  round: number;
  /** The current labels (relabelled where decided). */
  labels: Int32Array;
  /** 1 for examples kept, 0 for removed ones. */
  active: Uint8Array;
  /** The indices of the kept examples, increasing: the rows to train on. */
  trainIdx: Int32Array;
  /** The labels as given, never changed. */
  originalLabels: Int32Array;
}

/** A suspect to decide on: at least its index; `predictedLabel` lets rules relabel. */
export interface Suspect {
  index: number;
  predictedLabel?: number;
  predictedProbability?: number;
}

/** What to do with a suspect. */
export type Decision = { action: 'keep' } | { action: 'relabel'; label: number } | { action: 'remove' };

/** Options of {@link cleaningLoop}. */
export interface CleaningOptions<E extends { devError: number }, S extends Suspect> {
  /** The labels as given. */
  labels: ArrayLike<number>;
  /** Cleaning rounds after the first training. */
  rounds: number;
  /** Trains on `state.trainIdx` with `state.labels` and evaluates on the dev set. */
  trainAndEvaluate(state: CleaningState): Promise<E>;
  /** The suspects after a training, most suspect first (e.g. from rankSuspectedMislabels). */
  listSuspects(state: CleaningState, evaluation: E): Promise<S[]> | S[];
  /** A user's decision, or a rule such as {@link confidentRelabel}. */
  decide(suspect: S, state: CleaningState): Promise<Decision> | Decision;
  /** At most this many suspects are decided per round. Default: all listed. */
  maxSuspectsPerRound?: number;
}

/** One round: the dev error after training on that round's data, and the changes that led to it. */
export interface CleaningRound {
  round: number;
  devError: number;
  /** devError minus the previous round's (negative is better); null for round 0. */
  change: number | null;
  suspects: number;
  relabeled: { index: number; from: number; to: number }[];
  removed: number[];
}

/** The outcome of {@link cleaningLoop}. */
export interface CleaningResult {
  rounds: CleaningRound[];
  originalLabels: Int32Array;
  labels: Int32Array;
  active: Uint8Array;
  /** Round with the lowest dev error. */
  bestRound: number;
  /** Why the loop stopped: 'rounds' done, or 'no changes' decided. */
  stopped: 'rounds' | 'no changes';
}

/**
 * Runs the cleaning loop: round 0 trains on the original labels; each following round lists
 * the suspects, applies the decisions (relabel or remove; removed examples are not listed
 * again), retrains and records the dev error and its change. Stops early when a round decides
 * no change. The original labels are returned untouched alongside the cleaned ones. Two forms:
 * - model form, `cleaningLoop(buildModel, { train, dev }, { rounds, decide, k, seed, fit })`:
 *   each round fits a fresh model from `buildModel` on the kept examples and measures its dev
 *   error; the suspects are the kept examples that out-of-fold models ({@link suspectMislabels},
 *   k folds) classify differently from their current label, most suspect first; `decide`
 *   defaults to `confidentRelabel(0.9)`;
 * - callback form, `cleaningLoop({ labels, rounds, trainAndEvaluate, listSuspects, decide })`:
 *   the callbacks train, evaluate and list the suspects.
 *
 * @example
 * ```ts
 * // model form: buildModel returns a fresh compiled model
 * const result = await knobs.analyze.cleaningLoop(buildModel, { train: { x: xTrain, y: yTrain }, dev: { x: xDev, y: yDev } },
 *   { rounds: 2, decide: knobs.analyze.confidentRelabel(0.9), k: 5, seed: 3, fit: { epochs: 20, batchSize: 64 } });
 * result.rounds.map((r) => r.devError); // [0.12, 0.1105, 0.102] on 4,000 digits with 800 labels flipped (test/analyze/mnist-acting.test.ts)
 * result.originalLabels;                // yTrain as given
 *
 * // callback form
 * const r2 = await knobs.analyze.cleaningLoop({
 *   labels: yTrain, rounds: 3,
 *   trainAndEvaluate: async (s) => { const m = build(); await m.fit(rows(x, s.trainIdx), pick(s.labels, s.trainIdx)); return { devError: errorOf(m), model: m }; },
 *   listSuspects: async (s) => rankSuspectedMislabels(await outOfFoldProbabilities(...), s.labels, 10, { top: 100 }),
 *   decide: knobs.analyze.confidentRelabel(0.9),
 * });
 * ```
 */
export function cleaningLoop<E extends { devError: number }, S extends Suspect>(options: CleaningOptions<E, S>): Promise<CleaningResult>;
export function cleaningLoop(buildModel: BuildModel, data: { train: LabeledSet; dev: LabeledSet }, options: ModelCleaningOptions): Promise<CleaningResult>;
export async function cleaningLoop<E extends { devError: number }, S extends Suspect>(
  first: CleaningOptions<E, S> | BuildModel,
  data?: { train: LabeledSet; dev: LabeledSet },
  modelOptions?: ModelCleaningOptions,
): Promise<CleaningResult> {
  if (typeof first === 'function') return modelCleaningLoop(first, data!, modelOptions!);
  return callbackCleaningLoop(first);
}

/**
 * Options of the model form of {@link cleaningLoop}.
 *
 * @example
 * ```ts
 * const options: ModelCleaningOptions = { rounds: 2, decide: confidentRelabel(0.9), k: 5, seed: 3, fit: { epochs: 20, batchSize: 64 } };
 * ```
 */
export interface ModelCleaningOptions {
  /** Cleaning rounds after the first training. */
  rounds: number;
  /** A user's decision, or a rule. Default `confidentRelabel(0.9)`: relabel where the out-of-fold model gives its class at least 0.9. */
  decide?: (suspect: SuspectedMislabel, state: CleaningState) => Promise<Decision> | Decision;
  /** Folds of the out-of-fold predictions. Default 5. */
  k?: number;
  /** Seed of the fold split. Default 0. */
  seed?: number;
  /**
   * Options of every `fit` (epochs, batchSize, ...); `verbose` defaults to 0. A `sampleWeight`
   * has one weight per training example; each training uses the weights of its rows.
   */
  fit?: FitOptions;
  /** At most this many suspects are listed (and decided) per round. Default: all. */
  maxSuspectsPerRound?: number;
}

async function modelCleaningLoop(buildModel: BuildModel, data: { train: LabeledSet; dev: LabeledSet }, options: ModelCleaningOptions): Promise<CleaningResult> {
  const fn = 'cleaningLoop';
  if (data === null || typeof data !== 'object') throw new TypeError(`${fn}: data must be { train: { x, y }, dev: { x, y } }, got ${describe(data)}`);
  if (options === null || typeof options !== 'object') throw new TypeError(`${fn}: options must be { rounds, decide, k, seed, fit }, got ${describe(options)}`);
  if (options.decide !== undefined && typeof options.decide !== 'function')
    throw new TypeError(`${fn}: options.decide must be a function, got ${describe(options.decide)}`);
  const seen = new WeakSet<object>();
  // the first model gives the input and output sizes the sets are checked against
  let pending: TrainableModel | undefined = await buildFresh(fn, buildModel, seen);
  try {
    const { inputSize, outputSize } = pending;
    const t = setLabels(fn, data.train, 'data.train', inputSize, outputSize);
    const d = setLabels(fn, data.dev, 'data.dev', inputSize, outputSize);
    if (d.rows === 0) throw new RangeError(`${fn}: data.dev is empty`);
    const fit = checkFitOptions(fn, options.fit, t.rows);
    const decide = options.decide ?? confidentRelabel(0.9);
    return await callbackCleaningLoop<{ devError: number }, SuspectedMislabel>({
      labels: t.labels,
      rounds: options.rounds,
      ...(options.maxSuspectsPerRound === undefined ? {} : { maxSuspectsPerRound: options.maxSuspectsPerRound }),
      trainAndEvaluate: async (state) => {
        const model = pending ?? (await buildFresh(fn, buildModel, seen));
        pending = undefined;
        try {
          await fitRows(model, t.x, state.labels, state.trainIdx, fit);
          return { devError: errorShare(d.labels, predictClasses(fn, model, d.x, 'data.dev.x')) };
        } finally {
          release(model);
        }
      },
      listSuspects: async (state) => {
        const idx = state.trainIdx;
        const suspects = await suspectMislabels(buildModel, gatherRows(t.x, inputSize, idx), gatherLabels(state.labels, idx), {
          ...(options.k === undefined ? {} : { k: options.k }),
          ...(options.seed === undefined ? {} : { seed: options.seed }),
          fit: fit.sampleWeight ? { ...fit.fit, sampleWeight: gatherRows(fit.sampleWeight, 1, idx) } : fit.fit,
        });
        // the ranking ends with the examples the model agrees with: not suspects
        return suspects.filter((s) => s.predictedLabel !== s.label).map((s) => ({ ...s, index: idx[s.index]! }));
      },
      decide,
    });
  } finally {
    if (pending) release(pending);
  }
}

async function callbackCleaningLoop<E extends { devError: number }, S extends Suspect>(options: CleaningOptions<E, S>): Promise<CleaningResult> {
  const fn = 'cleaningLoop';
  if (options === null || typeof options !== 'object')
    throw new TypeError(`${fn}: options must be { labels, rounds, trainAndEvaluate, listSuspects, decide }, got ${describe(options)}`);
  for (const name of ['trainAndEvaluate', 'listSuspects', 'decide'] as const) {
    if (typeof options[name] !== 'function') throw new TypeError(`${fn}: options.${name} must be a function, got ${describe(options[name])}`);
  }
  const original = Int32Array.from(checkLabels(fn, 'options.labels', options.labels));
  const rounds = options.rounds;
  if (!Number.isInteger(rounds) || rounds < 0) throw new RangeError(`${fn}: options.rounds must be an integer >= 0, got ${describe(rounds)}`);
  const limit = options.maxSuspectsPerRound ?? Infinity;
  const n = original.length;
  const labels = original.slice();
  const active = new Uint8Array(n).fill(1);
  const snapshot = (round: number): CleaningState => {
    const trainIdx: number[] = [];
    for (let i = 0; i < n; i++) if (active[i]) trainIdx.push(i);
    return { round, labels: labels.slice(), active: active.slice(), trainIdx: Int32Array.from(trainIdx), originalLabels: original.slice() };
  };
  const evaluate = async (round: number): Promise<E> => {
    const e = await options.trainAndEvaluate(snapshot(round));
    if (e === null || typeof e !== 'object' || typeof e.devError !== 'number' || !Number.isFinite(e.devError)) {
      throw new TypeError(`${fn}: trainAndEvaluate must resolve to { devError: number, ... }, got ${describe(e)} in round ${round}`);
    }
    return e;
  };

  let evaluation = await evaluate(0);
  const history: CleaningRound[] = [{ round: 0, devError: evaluation.devError, change: null, suspects: 0, relabeled: [], removed: [] }];
  let stopped: CleaningResult['stopped'] = 'rounds';
  for (let round = 1; round <= rounds; round++) {
    const state = snapshot(round);
    const listed = await options.listSuspects(state, evaluation);
    if (!Array.isArray(listed)) throw new TypeError(`${fn}: listSuspects must return an array of { index }, got ${describe(listed)} in round ${round}`);
    const suspects = listed.filter((s) => active[s.index] === 1).slice(0, limit);
    const relabeled: CleaningRound['relabeled'] = [],
      removed: number[] = [];
    for (const s of suspects) {
      if (!Number.isInteger(s.index) || s.index < 0 || s.index >= n)
        throw new RangeError(`${fn}: a suspect's index must be in [0, ${n}), got ${describe(s.index)}`);
      const d = await options.decide(s, state);
      if (d === null || typeof d !== 'object') throw new TypeError(`${fn}: decide must return { action: 'keep' | 'relabel' | 'remove' }, got ${describe(d)}`);
      if (d.action === 'remove') {
        active[s.index] = 0;
        removed.push(s.index);
      } else if (d.action === 'relabel') {
        if (!Number.isInteger(d.label))
          throw new RangeError(`${fn}: a relabel decision needs an integer label, got ${describe(d.label)} for example ${s.index}`);
        if (d.label !== labels[s.index]) {
          relabeled.push({ index: s.index, from: labels[s.index]!, to: d.label });
          labels[s.index] = d.label;
        }
      } else if (d.action !== 'keep') {
        throw new RangeError(`${fn}: decide must return action 'keep', 'relabel' or 'remove', got ${describe((d as { action: unknown }).action)}`);
      }
    }
    if (relabeled.length === 0 && removed.length === 0) {
      stopped = 'no changes';
      break;
    }
    evaluation = await evaluate(round);
    history.push({
      round,
      devError: evaluation.devError,
      change: evaluation.devError - history[history.length - 1]!.devError,
      suspects: suspects.length,
      relabeled,
      removed,
    });
  }
  const bestRound = history.reduce((best, r) => (r.devError < history[best]!.devError ? r.round : best), 0);
  return { rounds: history, originalLabels: original, labels, active, bestRound, stopped };
}

/**
 * A decision rule for {@link cleaningLoop}: relabel a suspect to the model's class when the
 * model gives it at least `minProbability`; otherwise keep it, or remove it.
 *
 * @example
 * ```ts
 * const decide = confidentRelabel(0.9, 'remove');
 * decide({ index: 3, predictedLabel: 5, predictedProbability: 0.97 }); // { action: 'relabel', label: 5 }
 * decide({ index: 4, predictedLabel: 1, predictedProbability: 0.6 });  // { action: 'remove' }
 * ```
 */
export function confidentRelabel(minProbability = 0.9, otherwise: 'keep' | 'remove' = 'keep'): (s: Suspect) => Decision {
  if (!(minProbability >= 0 && minProbability <= 1))
    throw new RangeError(`confidentRelabel: minProbability must be in [0, 1], got ${describe(minProbability)}`);
  return (s) =>
    s.predictedLabel !== undefined && (s.predictedProbability ?? 0) >= minProbability ? { action: 'relabel', label: s.predictedLabel } : { action: otherwise };
}
