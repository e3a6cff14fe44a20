/**
 * The record of a trial as storages keep it (Optuna's `FrozenTrial`), its states and the
 * directions of a study.
 * @module
 */
import type { Distribution, ParamValue } from './distributions';

/**
 * The states of a trial, with Optuna's names (and, in the journal, Optuna's numbers:
 * RUNNING 0, COMPLETE 1, PRUNED 2, FAIL 3, WAITING 4).
 *
 * @example
 * ```ts
 * study.getTrials({ states: [tune.TrialState.COMPLETE] });
 * ```
 */
export const TrialState = {
  RUNNING: 'RUNNING',
  COMPLETE: 'COMPLETE',
  PRUNED: 'PRUNED',
  FAIL: 'FAIL',
  WAITING: 'WAITING',
} as const;
/** One of {@link TrialState}. */
export type TrialState = (typeof TrialState)[keyof typeof TrialState];

/** Optuna's numbering of trial states, used in journals. @internal */
export const TRIAL_STATE_CODES: readonly TrialState[] = ['RUNNING', 'COMPLETE', 'PRUNED', 'FAIL', 'WAITING'];

/** Whether a trial in this state is over (COMPLETE, PRUNED or FAIL). */
export function isFinished(state: TrialState): boolean {
  return state !== 'RUNNING' && state !== 'WAITING';
}

/** Whether an objective is minimized or maximized. */
export type StudyDirection = 'minimize' | 'maximize';
/** Optuna's numbering of directions (NOT_SET 0, MINIMIZE 1, MAXIMIZE 2). @internal */
export const DIRECTION_CODES: Record<StudyDirection, number> = { minimize: 1, maximize: 2 };

/** A JSON value, as attributes hold. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/**
 * A trial as recorded: what it tried, what it reported, how it ended. Objects of this type
 * are snapshots; a storage replaces them, never mutates them.
 *
 * @example
 * ```ts
 * const t = study.bestTrial;
 * console.log(t.number, t.value, t.params, t.intermediateValues);
 * ```
 */
export interface FrozenTrial {
  /** The trial's index in its study (0, 1, 2, ...). */
  readonly number: number;
  /** The storage's id of the trial (unique across the studies of a storage). */
  readonly trialId: number;
  readonly state: TrialState;
  /** The objective values of a finished trial (one per direction), or null. */
  readonly values: readonly number[] | null;
  /** `values[0]` for a single-objective study, else null. */
  readonly value: number | null;
  readonly params: Readonly<Record<string, ParamValue>>;
  readonly distributions: Readonly<Record<string, Distribution>>;
  /** What the trial reported, by step. Pruned trials keep theirs. */
  readonly intermediateValues: Readonly<Record<number, number>>;
  readonly userAttrs: Readonly<Record<string, JsonValue>>;
  readonly systemAttrs: Readonly<Record<string, JsonValue>>;
  readonly datetimeStart: Date | null;
  readonly datetimeComplete: Date | null;
}

/** Steps the trial reported at, ascending. */
export function reportedSteps(trial: FrozenTrial): number[] {
  return Object.keys(trial.intermediateValues)
    .map(Number)
    .sort((a, b) => a - b);
}

/** The last step the trial reported at, or null. */
export function lastStep(trial: FrozenTrial): number | null {
  let last: number | null = null;
  for (const k of Object.keys(trial.intermediateValues)) {
    const s = Number(k);
    if (last === null || s > last) last = s;
  }
  return last;
}

/** The trial's duration in milliseconds, or null when it has not both started and finished. */
export function duration(trial: FrozenTrial): number | null {
  return trial.datetimeStart && trial.datetimeComplete ? trial.datetimeComplete.getTime() - trial.datetimeStart.getTime() : null;
}

/**
 * The description of a trial to add to a study (Optuna's `create_trial`): used by
 * `study.addTrial` and internally by `enqueueTrial` and retries.
 */
export interface TrialTemplate {
  state: TrialState;
  values?: readonly number[] | null;
  params?: Record<string, ParamValue>;
  distributions?: Record<string, Distribution>;
  intermediateValues?: Record<number, number>;
  userAttrs?: Record<string, JsonValue>;
  systemAttrs?: Record<string, JsonValue>;
  datetimeStart?: Date | null;
  datetimeComplete?: Date | null;
}
