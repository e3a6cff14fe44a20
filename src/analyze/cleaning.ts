/**
 * The lecture's cleaning loop: train, list the suspects, relabel or remove them (by a user's
 * decision or a rule), retrain, and report the change in dev error each round. The original
 * labels are kept, so nothing is lost and every change can be undone.
 * @module
 */
import { describe } from '../errors';
import { checkLabels } from '../metrics/validate';

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
 * no change. The original labels are returned untouched alongside the cleaned ones.
 *
 * @example
 * ```ts
 * const result = await cleaningLoop({
 *   labels: yTrain, rounds: 3,
 *   trainAndEvaluate: async (s) => { const m = build(); await m.fit(rows(x, s.trainIdx), pick(s.labels, s.trainIdx)); return { devError: errorOf(m), model: m }; },
 *   listSuspects: async (s) => rankSuspectedMislabels(await outOfFoldProbabilities(...), s.labels, 10, { top: 100 }),
 *   decide: confidentRelabel(0.9),
 * });
 * result.rounds.map((r) => r.devError); // e.g. [0.031, 0.027, 0.026, 0.026]
 * ```
 */
export async function cleaningLoop<E extends { devError: number }, S extends Suspect>(options: CleaningOptions<E, S>): Promise<CleaningResult> {
  const fn = 'cleaningLoop';
  if (options === null || typeof options !== 'object') throw new TypeError(`${fn}: options must be { labels, rounds, trainAndEvaluate, listSuspects, decide }, got ${describe(options)}`);
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
    const relabeled: CleaningRound['relabeled'] = [], removed: number[] = [];
    for (const s of suspects) {
      if (!Number.isInteger(s.index) || s.index < 0 || s.index >= n) throw new RangeError(`${fn}: a suspect's index must be in [0, ${n}), got ${describe(s.index)}`);
      const d = await options.decide(s, state);
      if (d === null || typeof d !== 'object') throw new TypeError(`${fn}: decide must return { action: 'keep' | 'relabel' | 'remove' }, got ${describe(d)}`);
      if (d.action === 'remove') {
        active[s.index] = 0;
        removed.push(s.index);
      } else if (d.action === 'relabel') {
        if (!Number.isInteger(d.label)) throw new RangeError(`${fn}: a relabel decision needs an integer label, got ${describe(d.label)} for example ${s.index}`);
        if (d.label !== labels[s.index]) {
          relabeled.push({ index: s.index, from: labels[s.index]!, to: d.label });
          labels[s.index] = d.label;
        }
      } else if (d.action !== 'keep') {
        throw new RangeError(`${fn}: decide must return action 'keep', 'relabel' or 'remove', got ${describe((d as { action: unknown }).action)}`);
      }
    }
    if (relabeled.length === 0 && removed.length === 0) { stopped = 'no changes'; break; }
    evaluation = await evaluate(round);
    history.push({ round, devError: evaluation.devError, change: evaluation.devError - history[history.length - 1]!.devError, suspects: suspects.length, relabeled, removed });
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
  if (!(minProbability >= 0 && minProbability <= 1)) throw new RangeError(`confidentRelabel: minProbability must be in [0, 1], got ${describe(minProbability)}`);
  return (s) =>
    s.predictedLabel !== undefined && (s.predictedProbability ?? 0) >= minProbability ? { action: 'relabel', label: s.predictedLabel } : { action: otherwise };
}
